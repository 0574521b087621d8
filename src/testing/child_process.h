#pragma once
// ChildProcess: a helper program a test starts (Xvfb, xterm, ...) and always stops: SIGTERM,
// then SIGKILL if it lingers. Test-only; one thread.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace tether::testing {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { Stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] (searched on PATH) with extra "NAME=value" environment entries; the
  // file actions (may be null) set up its descriptors. False when it could not be started.
  bool Start(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {},
             const posix_spawn_file_actions_t* actions = nullptr) {
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
      std::string entry = *e;
      bool overridden = false;
      for (const std::string& x : extra_env) {
        overridden |= entry.compare(0, x.find('=') + 1, x, 0, x.find('=') + 1) == 0;
      }
      if (!overridden) env_strings.push_back(entry);
    }
    for (const std::string& x : extra_env) env_strings.push_back(x);
    std::vector<char*> args, env;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (std::string& e : env_strings) env.push_back(e.data());
    env.push_back(nullptr);
    return posix_spawnp(&pid_, args[0], actions, nullptr, args.data(), env.data()) == 0;
  }

  pid_t pid() const { return pid_; }
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_status_ = status;
      return false;
    }
    return true;
  }
  // Waits up to `timeout` for the process to exit by itself; true when it did.
  bool Wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }
  int exit_status() const { return exit_status_; }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    if (!Wait(std::chrono::seconds(3))) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }

 private:
  pid_t pid_ = -1;
  int exit_status_ = 0;
};

// The full path of `program` on PATH, or empty.
inline std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

}  // namespace tether::testing
