#pragma once
// Xvfb: a private X server for one test, on a display number the server picks itself
// (-displayfd, so parallel tests never collide), stopped in the destructor. Test-only.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "testing/child_process.h"

namespace tether::testing {

class Xvfb {
 public:
  Xvfb() = default;
  ~Xvfb() { process_.Stop(); }

  // Starts `Xvfb -screen 0 WxHxD`. On failure returns false and error() says why (the
  // caller must fail the test with it: a missing Xvfb is an error, not a reason to skip).
  bool Start(int width = 1280, int height = 800, int depth = 24) {
    const std::string binary = FindOnPath("Xvfb");
    if (binary.empty()) {
      error_ = "Xvfb is not installed (package xvfb; run scripts/install-deps)";
      return false;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      error_ = "pipe failed";
      return false;
    }
    if (fds[1] == 3) {  // dup2(3, 3) would keep close-on-exec
      const int moved = fcntl(fds[1], F_DUPFD_CLOEXEC, 10);
      close(fds[1]);
      fds[1] = moved;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 3);  // dup2 clears close-on-exec
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    const std::string screen = std::to_string(width) + "x" + std::to_string(height) + "x" +
                               std::to_string(depth);
    const bool started = process_.Start(
        {binary, "-displayfd", "3", "-screen", "0", screen, "-nolisten", "tcp", "-noreset"}, {},
        &actions);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (!started) {
      close(fds[0]);
      error_ = "could not start " + binary;
      return false;
    }
    // Xvfb writes its display number once it accepts connections.
    std::string number;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (number.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[16];
      const ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      number.append(buf, static_cast<size_t>(n));
    }
    close(fds[0]);
    if (number.find('\n') == std::string::npos) {
      error_ = "Xvfb did not report a display number in time";
      process_.Stop();
      return false;
    }
    number.resize(number.find('\n'));
    display_ = ":" + number;
    struct stat st{};
    const std::string socket = "/tmp/.X11-unix/X" + number;
    if (stat(socket.c_str(), &st) != 0) {
      error_ = "Xvfb socket " + socket + " is missing";
      process_.Stop();
      return false;
    }
    return true;
  }

  const std::string& display() const { return display_; }
  const std::string& error() const { return error_; }
  pid_t pid() const { return process_.pid(); }
  // Kills the server (to test how clients cope with losing it).
  void Stop() { process_.Stop(); }

 private:
  ChildProcess process_;
  std::string display_;
  std::string error_;
};

}  // namespace tether::testing
