#include "server/app/demo.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "base/log.h"

extern char** environ;

namespace tether::app {
namespace {

constexpr const char* kDemoName = "Demo desktop";
const std::filesystem::path kAgentStateDir = "/var/lib/tether-agent";

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

DemoDesktop::DemoDesktop(manager::AccessAgents& access, DemoOptions options)
    : access_(access), options_(std::move(options)) {
  std::error_code ec;
  agent_ = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "tether-agent";
}

DemoDesktop::~DemoDesktop() { Stop(); }

void DemoDesktop::Start() {
  thread_ = std::thread([this] { Run(); });
}

pid_t DemoDesktop::Spawn(const std::vector<std::string>& argv, const std::string& display) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    if (std::string_view(*e).rfind("DISPLAY=", 0) != 0) env_strings.emplace_back(*e);
  }
  if (!display.empty()) env_strings.push_back("DISPLAY=" + display);
  std::vector<char*> args, env;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);
  // Children do not inherit tetherd's output (the agent logs to its own stderr = tetherd's).
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return 0;
  std::lock_guard lock(mu_);
  children_.push_back(pid);
  return pid;
}

int DemoDesktop::RunToEnd(const std::vector<std::string>& argv) {
  pid_t pid = Spawn(argv, "");
  if (pid == 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::lock_guard lock(mu_);
  std::erase(children_, pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string DemoDesktop::StartXvfb() {
  for (int n = 90; n < 200 && !stopping_; ++n) {
    const std::string socket = "/tmp/.X11-unix/X" + std::to_string(n);
    if (Exists(socket) || Exists("/tmp/.X" + std::to_string(n) + "-lock")) continue;
    const std::string display = ":" + std::to_string(n);
    pid_t pid = Spawn({"Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"}, "");
    if (pid == 0) return {};
    for (int i = 0; i < 100 && !Exists(socket); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) break;  // lost a race for the display
    }
    if (Exists(socket)) return display;
  }
  return {};
}

bool DemoDesktop::Enrol(const std::filesystem::path& root, const std::string& display) {
  manager::Actor actor{"demo", "local", manager::kRoleAdministrator};
  auto installer = access_.BuildInstaller(
      {kDemoName, {{"company", "Tether demo"}, {"site", "this server"}}, 60 * 60}, options_.relay, actor);
  if (!installer) {
    Log("demo")->error("cannot build the demo installer: {}", installer.error().message);
    return false;
  }
  const auto file = options_.data_dir / "demo" / "installer.tether";
  {
    std::ofstream out(file, std::ios::trunc);
    out << installer->body;
  }
  ::chmod(file.c_str(), 0600);
  int rc = RunToEnd({agent_.string(), "--display", display, "install", "--config", file.string(), "--trust-key",
                     options_.trust_key, "--root", root.string(), "--state-dir", kAgentStateDir.string()});
  std::filesystem::remove(file);
  return rc == 0;
}

void DemoDesktop::Run() {
  auto log = Log("demo");
  const std::string display = StartXvfb();
  if (display.empty()) {
    log->error("demo: cannot start Xvfb (install the xvfb package)");
    return;
  }
  Spawn({"xterm", "-geometry", "80x24+40+40", "-title", "Tether demo"}, display);
  Spawn({"xclock", "-geometry", "180x180+760+40"}, display);
  Spawn({"xeyes", "-geometry", "240x160+760+300"}, display);
  // Enrolled once; a later `tetherd --demo` on the same data directory reuses the agent.
  const auto root = options_.data_dir / "demo" / "root";
  std::error_code ec;
  std::filesystem::create_directories(options_.data_dir / "demo", ec);
  ::chmod((options_.data_dir / "demo").c_str(), 0700);
  const auto state = root / kAgentStateDir.relative_path();
  if (!Exists((state / "enrolment.json").string()) && (stopping_ || !Enrol(root, display))) {
    if (!stopping_) log->error("demo: the demo agent could not enrol");
    return;
  }
  if (stopping_) return;
  Spawn({agent_.string(), "--display", display, "service", "--state-dir", state.string()}, display);
  log->info("demo: desktop on display {}; its access session \"{}\" is on the Access tab", display, kDemoName);
}

void DemoDesktop::Stop() {
  stopping_ = true;
  std::vector<pid_t> children;
  {
    std::lock_guard lock(mu_);
    children = children_;
  }
  for (auto it = children.rbegin(); it != children.rend(); ++it) ::kill(*it, SIGTERM);
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mu_);
    children = std::move(children_);
    children_.clear();
  }
  for (auto it = children.rbegin(); it != children.rend(); ++it) {
    ::kill(*it, SIGTERM);
    int status = 0;
    for (int i = 0; i < 50 && ::waitpid(*it, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (::waitpid(*it, &status, WNOHANG) == 0) {
      ::kill(*it, SIGKILL);
      ::waitpid(*it, &status, 0);
    }
  }
}

}  // namespace tether::app
