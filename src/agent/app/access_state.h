#pragma once
// An access (unattended) agent's state directory (default /var/lib/tether-agent, mode 0700):
// its own Ed25519 identity key (agent.key, 0600, made once at install and never sent anywhere)
// and its enrolment (enrolment.json, 0600: the relay, its pin and the access session). Also the
// systemd unit that runs `tether-agent service` for it. Plain functions; blocking file I/O.
#include <filesystem>
#include <string>

#include "base/ed25519.h"
#include "base/result.h"

namespace tether::agent {

inline constexpr const char* kDefaultStateDir = "/var/lib/tether-agent";
inline constexpr const char* kUnitName = "tether-agent.service";
inline constexpr const char* kUnitDir = "/etc/systemd/system";
inline constexpr const char* kIdentityKeyFile = "agent.key";
inline constexpr const char* kEnrolmentFile = "enrolment.json";

struct Enrolment {
  std::string relay;         // HOST:PORT
  std::string pin;           // the relay's SPKI pin, "sha256/<base64>"
  std::string session_id;    // the access session this agent is bound to
  std::string session_name;
  std::string display;       // the X display it shares (":0")

  bool operator==(const Enrolment&) const = default;
};

// Creates `dir` (and parents) or checks it: a real directory (not a symbolic link), forced to
// 0700.
Status PrepareStateDir(const std::filesystem::path& dir);
// A new identity key in `dir`; "exists" when the directory already has one (the agent is
// installed: uninstall first).
Result<Ed25519KeyPair> CreateIdentityKey(const std::filesystem::path& dir);
Result<Ed25519KeyPair> LoadIdentityKey(const std::filesystem::path& dir);

Status SaveEnrolment(const std::filesystem::path& dir, const Enrolment& enrolment);
// Strict: at most 16 KiB, a JSON object with exactly the fields above, a valid relay and pin.
Result<Enrolment> LoadEnrolment(const std::filesystem::path& dir);
Result<Enrolment> ParseEnrolment(std::string_view text);

// The unit's text: `agent` is the tether-agent executable, `state_dir` and `display` as the
// service will see them.
std::string UnitText(const std::filesystem::path& agent, const std::filesystem::path& state_dir,
                     const std::string& display);

}  // namespace tether::agent
