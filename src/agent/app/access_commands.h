#pragma once
// `tether-agent install` and `tether-agent uninstall`: turning this machine into an access
// (unattended) agent and back (docs/access.md). Install verifies the installer configuration
// like `run` does, makes the agent's key, enrols once, stores the enrolment, writes the systemd
// unit and enables it; uninstall stops and disables the unit and removes the unit, the state
// and the key. Both print what they do on stdout. Blocking; main thread.
#include <filesystem>
#include <iosfwd>
#include <string>

#include "agent/app/access_state.h"
#include "agent/app/agent_config.h"

namespace tether::agent {

struct AccessCommandOptions {
  std::string config_file;  // install: the installer (.tether) from the Access tab
  TrustSource trust;
  std::string display;      // install: the display to share (":0"); default $DISPLAY
  // Paths as the installed system sees them; with `root`, files are written under root (and
  // systemctl is not run), so an image or a test can be prepared.
  std::filesystem::path state_dir = kDefaultStateDir;
  std::filesystem::path root;
  std::filesystem::path agent_binary;  // what the unit runs; default: this executable
};

// Exit status: 0 done, 1 refused or failed (message on stderr).
int RunInstall(const AccessCommandOptions& options, std::ostream& out, std::ostream& err);
int RunUninstall(const AccessCommandOptions& options, std::ostream& out, std::ostream& err);

// Whether systemd runs this machine (PID 1), as sd_booted() decides: /run/systemd/system exists.
bool SystemdIsRunning();

}  // namespace tether::agent
