#pragma once
// `tether-agent run --config FILE`: which signing keys the agent trusts, and reading and
// verifying a signed agent configuration against them (format: base/agent_config.h). The agent
// trusts keys it already has — given on the command line, or in a trust file its administrator
// installed — never the key a configuration file names. Plain functions; blocking file reads.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/agent_config.h"
#include "base/ed25519.h"
#include "base/result.h"

namespace tether::agent {

inline constexpr const char* kDefaultTrustFile = "/etc/tether/agent-trust.pub";
inline constexpr const char* kTrustEnvironment = "TETHER_AGENT_TRUST";

struct TrustSource {
  std::string trust_key;                   // --trust-key BASE64
  std::string trust_file;                  // --trust-file PATH
  std::optional<std::string> environment;  // $TETHER_AGENT_TRUST: a trust file's path
  std::string default_file = kDefaultTrustFile;
};

// The trusted keys, from the first of: --trust-key, --trust-file, $TETHER_AGENT_TRUST, the
// default file. No key at all is an error ("no_trust") that says how to configure one.
Result<std::vector<Ed25519PublicKey>> LoadTrustedKeys(const TrustSource& source);

// A trust file's text: one base64 key at the start of each line, an optional label after it,
// '#' comments and blank lines ignored. `name` is used in error messages.
Result<std::vector<Ed25519PublicKey>> ParseTrustFile(std::string_view text, const std::string& name);

// Reads `file` (refusing more than kMaxAgentConfigBytes) and verifies it at `now`.
Result<AgentConfig> LoadAgentConfig(const std::filesystem::path& file,
                                    std::span<const Ed25519PublicKey> trusted, int64_t now);

}  // namespace tether::agent
