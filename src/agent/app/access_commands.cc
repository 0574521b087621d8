#include "agent/app/access_commands.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <ostream>
#include <vector>

#include "agent/app/access_enrol.h"
#include "base/clock.h"

extern char** environ;

namespace tether::agent {
namespace {

// `path` as it is on this machine: under `root` when one is given.
std::filesystem::path Under(const std::filesystem::path& root, const std::filesystem::path& path) {
  return root.empty() ? path : root / path.relative_path();
}

// Runs a command with arguments (no shell); its exit status, or -1 when it could not start.
int Run(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool ShouldRunSystemctl(const AccessCommandOptions& o, std::ostream& out) {
  if (!o.root.empty()) {
    out << "not running systemctl: files were written under --root " << o.root.string() << "\n";
    return false;
  }
  if (!SystemdIsRunning()) {
    out << "not running systemctl: systemd is not PID 1 on this machine; start the agent with: "
        << "tether-agent service --state-dir " << o.state_dir.string() << "\n";
    return false;
  }
  return true;
}

}  // namespace

bool SystemdIsRunning() {
  std::error_code ec;
  return std::filesystem::is_directory("/run/systemd/system", ec);
}

int RunInstall(const AccessCommandOptions& o, std::ostream& out, std::ostream& err) {
  auto trusted = LoadTrustedKeys(o.trust);
  if (!trusted) {
    err << "tether-agent: " << trusted.error().message << "\n";
    return 1;
  }
  RealClock clock;
  auto config = LoadAgentConfig(o.config_file, *trusted, clock.NowUnix());
  if (!config) {
    err << "tether-agent: refusing " << o.config_file << ": " << config.error().message << "\n";
    return 1;
  }
  if (config->kind != kAgentConfigKindAccessInstall) {
    err << "tether-agent: " << o.config_file
        << " is a guest configuration, not an access installer; run it with tether-agent run\n";
    return 1;
  }
  if (o.display.empty()) {
    err << "tether-agent: no display to share: give --display :N (or set DISPLAY)\n";
    return 1;
  }
  const auto state_dir = Under(o.root, o.state_dir);
  if (auto st = PrepareStateDir(state_dir); !st) {
    err << "tether-agent: " << st.error().message << "\n";
    return 1;
  }
  auto identity = CreateIdentityKey(state_dir);
  if (!identity) {
    err << "tether-agent: " << identity.error().message << "\n";
    return 1;
  }
  out << "identity key: " << (state_dir / kIdentityKeyFile).string() << " (public key "
      << Ed25519PublicKeyBase64(identity->PublicKey()) << ")\n";
  auto enrolled = EnrolAccessAgent(*config, *identity);
  if (!enrolled) {
    // Nothing half-installed stays behind; the key was never used.
    std::error_code ec;
    std::filesystem::remove(state_dir / kIdentityKeyFile, ec);
    err << "tether-agent: enrolment failed: " << enrolled.error().message << "\n";
    return 1;
  }
  Enrolment e{config->relay, config->pin, enrolled->session_id, enrolled->session_name, o.display};
  if (auto st = SaveEnrolment(state_dir, e); !st) {
    err << "tether-agent: " << st.error().message << "\n";
    return 1;
  }
  out << "enrolled: access session " << e.session_id << " (\"" << e.session_name << "\") on " << e.relay << "\n";

  std::filesystem::path agent = o.agent_binary;
  if (agent.empty()) {
    std::error_code ec;
    agent = std::filesystem::read_symlink("/proc/self/exe", ec);
  }
  const auto unit_dir = Under(o.root, kUnitDir);
  std::error_code ec;
  std::filesystem::create_directories(unit_dir, ec);
  const auto unit = unit_dir / kUnitName;
  {
    std::ofstream f(unit, std::ios::trunc);
    f << UnitText(agent, o.state_dir, o.display);
    if (!f) {
      err << "tether-agent: cannot write " << unit.string() << "\n";
      return 1;
    }
  }
  std::filesystem::permissions(unit, std::filesystem::perms(0644), ec);
  out << "unit: " << unit.string() << "\n";
  if (ShouldRunSystemctl(o, out)) {
    if (Run({"systemctl", "daemon-reload"}) != 0 || Run({"systemctl", "enable", "--now", kUnitName}) != 0) {
      err << "tether-agent: systemctl could not enable " << kUnitName << "\n";
      return 1;
    }
    out << "enabled and started " << kUnitName << "\n";
  }
  return 0;
}

int RunUninstall(const AccessCommandOptions& o, std::ostream& out, std::ostream& err) {
  if (ShouldRunSystemctl(o, out)) {
    // Stopping a unit that is not there is not an error: uninstall also cleans up half installs.
    (void)Run({"systemctl", "disable", "--now", kUnitName});
  }
  const auto unit = Under(o.root, kUnitDir) / kUnitName;
  const auto state_dir = Under(o.root, o.state_dir);
  // Tell the server first, best effort: the access session ends instead of staying offline.
  auto enrolment = LoadEnrolment(state_dir);
  auto identity = enrolment ? LoadIdentityKey(state_dir) : Result<Ed25519KeyPair>(enrolment.error());
  if (enrolment && identity) {
    if (auto st = NotifyUninstalled(*enrolment, *identity); st) {
      out << "told the server: access session " << enrolment->session_id << " has ended\n";
    } else {
      err << "tether-agent: could not tell the server (" << st.error().message
          << "); its access session stays, offline, until an administrator ends it\n";
    }
  }
  int failures = 0;
  std::error_code ec;
  for (const auto& file : {unit, state_dir / kEnrolmentFile, state_dir / kIdentityKeyFile}) {
    if (std::filesystem::remove(file, ec)) {
      out << "removed " << file.string() << "\n";
    } else if (ec) {
      err << "tether-agent: cannot remove " << file.string() << ": " << ec.message() << "\n";
      ++failures;
    }
  }
  // The state directory goes when nothing else is in it (it may be a shared parent by mistake).
  if (std::filesystem::remove(state_dir, ec)) out << "removed " << state_dir.string() << "\n";
  if (ec) {
    err << "tether-agent: left " << state_dir.string() << " in place: " << ec.message() << "\n";
    ++failures;
  }
  if (!o.root.empty() || !SystemdIsRunning()) return failures == 0 ? 0 : 1;
  (void)Run({"systemctl", "daemon-reload"});
  return failures == 0 ? 0 : 1;
}

}  // namespace tether::agent
