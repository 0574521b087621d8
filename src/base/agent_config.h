#pragma once
// The signed agent configuration (".tether" file) that the guest page hands out and
// `tether-agent run --config FILE` runs: its format, signing (server side) and verification
// (agent side), in one place so both ends agree byte for byte. Normative description:
// docs/security.md#signed-agent-configuration and docs/adr/0003-signed-agent-configuration.md.
//
// A file is a JSON envelope
//   {"format":"tether-agent-config/1","payload":"<base64 of the payload bytes>",
//    "signature":"<base64 Ed25519 signature>","key":"<base64 public key>"}
// and the signature covers "tether-agent-config/1\n" followed by the exact payload bytes.
// Pure functions; thread-safe.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "base/ed25519.h"
#include "base/result.h"

namespace tether {

inline constexpr std::string_view kAgentConfigFormat = "tether-agent-config/1";
inline constexpr std::string_view kAgentConfigMediaType = "application/vnd.tether.agent-config+json";
// Files larger than this are refused before they are parsed.
inline constexpr size_t kMaxAgentConfigBytes = 16 * 1024;
// Tolerated difference between the server's clock and the agent's.
inline constexpr int64_t kAgentConfigClockSkewSeconds = 120;
inline constexpr std::string_view kAgentConfigKindSupport = "support";
inline constexpr std::string_view kAgentConfigKindAccessInstall = "access-install";
// An installer is valid for at most this long (a guest's file for at most a day).
inline constexpr int64_t kMaxAccessInstallerSeconds = 90 * 24 * 60 * 60;

struct AgentConfig {
  std::string relay;         // HOST:PORT of the relay
  std::string pin;           // the relay's SPKI pin, "sha256/<base64>"
  std::string session_id;
  std::string session_name;  // shown to the guest; never trusted for anything else
  std::string join_token;    // single use; redeemed in the guest Hello
  int64_t issued_at = 0;     // Unix seconds
  int64_t expires_at = 0;    // Unix seconds; the join token expires at the same time
  // "support" (guest page), or "access-install" (an installer for an unattended access agent:
  // session_id is the installer's id, session_name its name, join_token the single-use install
  // token, and `properties` the custom properties of the access session it creates).
  std::string kind = "support";
  std::map<std::string, std::string> properties;  // access-install only: company, site, department, tag

  bool operator==(const AgentConfig&) const = default;
};

// Access agents prove on every connection that they hold their key: they sign this message,
// made of the context and the connection's TLS exporter value (docs/protocol.md section 4.2.2).
inline constexpr std::string_view kAgentIdentityContext = "tether-agent-identity/1";
std::string AgentIdentityMessage(std::string_view channel_binding);

// The payload bytes for `config` (compact JSON with sorted keys).
std::string EncodeAgentConfigPayload(const AgentConfig& config);
// What the signature covers: the format name, a newline, the payload bytes.
std::string AgentConfigSignedMessage(std::string_view payload);
// The whole file: the envelope around the payload, signed by `key`.
std::string SignAgentConfig(const AgentConfig& config, const Ed25519KeyPair& key);

// Checks a file against the keys the agent trusts, at time `now`. Order: size, envelope,
// format, signature present, signing key trusted, signature valid, then (only for signed bytes)
// the payload's fields and its validity period. The error code names the reason:
// "too_large", "malformed", "unknown_format", "unsigned", "untrusted_key", "bad_signature",
// "invalid_payload", "not_yet_valid", "expired"; the message says it in plain words.
Result<AgentConfig> VerifyAgentConfig(std::string_view file,
                                      std::span<const Ed25519PublicKey> trusted, int64_t now);

// The payload's fields, strictly (exact key set, types and bounds). Exposed for tests and the
// fuzz target; VerifyAgentConfig calls it only after the signature has been checked.
Result<AgentConfig> ParseAgentConfigPayload(std::string_view payload);

}  // namespace tether
