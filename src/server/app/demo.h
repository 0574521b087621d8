#pragma once
// DemoDesktop: `tetherd --demo`. Starts a virtual X display (Xvfb) with a few windows (xterm,
// xclock, xeyes), builds an access installer for it, enrols a `tether-agent` once (state under
// <data-dir>/demo) and runs `tether-agent service` for it, so a newcomer sees a remote screen in
// the browser a minute after start. Everything runs as child processes, started on its own
// thread (enrolment talks to this server's relay) and stopped by Stop(). The AccessAgents must
// outlive it.
#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

#include "server/manager/access_agents.h"

namespace tether::app {

struct DemoOptions {
  std::filesystem::path data_dir;
  std::string relay;      // HOST:PORT the agent connects to
  std::string trust_key;  // the signing key, base64 (the agent trusts it)
};

class DemoDesktop {
 public:
  DemoDesktop(manager::AccessAgents& access, DemoOptions options);
  ~DemoDesktop();
  void Start();
  // Stops the agent, the X clients and Xvfb. Idempotent.
  void Stop();

 private:
  void Run();
  // Starts argv with DISPLAY set (when `display` is not empty); 0 when it could not start.
  pid_t Spawn(const std::vector<std::string>& argv, const std::string& display);
  int RunToEnd(const std::vector<std::string>& argv);
  std::string StartXvfb();
  bool Enrol(const std::filesystem::path& root, const std::string& display);

  manager::AccessAgents& access_;
  const DemoOptions options_;
  std::filesystem::path agent_;  // the tether-agent beside this tetherd
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::vector<pid_t> children_;  // in start order; stopped in reverse
};

}  // namespace tether::app
