#include "base/agent_config.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <optional>
#include <set>

#include "base/crypto.h"

namespace tether {
namespace {

using nlohmann::json;

constexpr int64_t kMaxTime = int64_t{1} << 40;        // far beyond any real date, far below overflow
constexpr int64_t kMaxValiditySeconds = 24 * 60 * 60;  // no guest file is valid for more than a day
constexpr const char* kPropertyFields[] = {"company", "site", "department", "tag"};
constexpr size_t kMaxPropertyBytes = 128;

// A flat JSON object (no nested objects or arrays) whose keys are unique. nlohmann keeps the last
// of repeated keys; two readers of one file must never see different values, so repeats are
// refused.
std::optional<json> ParseFlatObject(std::string_view text) {
  bool ok = true;
  std::set<std::string> keys;
  json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth > 0) {
      ok = false;
    }
    if (event == json::parse_event_t::key && depth == 1 && !keys.insert(parsed.get<std::string>()).second) {
      ok = false;
    }
    return true;
  };
  json value = json::parse(text.begin(), text.end(), check, /*allow_exceptions=*/false);
  if (!ok || !value.is_object()) return std::nullopt;
  return value;
}

std::string FormatUtc(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (!gmtime_r(&t, &tm)) return std::to_string(unix_seconds);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

bool IsUrlSafe(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// HOST:PORT with a DNS name, an IPv4 address or a bracketed IPv6 address.
bool IsRelayAddress(std::string_view s) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || s.size() > 270) return false;
  std::string_view host = s.substr(0, colon), port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
  int p = std::stoi(std::string(port));
  if (p < 1 || p > 65535) return false;
  if (host.front() == '[') {
    return host.size() > 2 && host.back() == ']' &&
           host.substr(1, host.size() - 2).find_first_not_of("0123456789abcdefABCDEF:.") == std::string_view::npos;
  }
  return host.size() <= 253 &&
         host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
             std::string_view::npos;
}

bool IsPin(std::string_view s) {
  if (s.size() != 51 || s.substr(0, 7) != "sha256/") return false;
  auto raw = Base64Decode(s.substr(7));
  return raw && raw->size() == 32;
}

bool IsDisplayText(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

Error Invalid(const std::string& what) {
  return MakeError("invalid_payload", "the signed configuration is not valid: " + what);
}

}  // namespace

std::string EncodeAgentConfigPayload(const AgentConfig& c) {
  json j = {{"relay", c.relay},           {"pin", c.pin},
            {"session_id", c.session_id}, {"session_name", c.session_name},
            {"join_token", c.join_token}, {"issued_at", c.issued_at},
            {"expires_at", c.expires_at}, {"kind", c.kind}};
  if (c.kind == kAgentConfigKindAccessInstall) {
    for (const char* k : kPropertyFields) {
      auto it = c.properties.find(k);
      j[k] = it == c.properties.end() ? std::string() : it->second;
    }
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string AgentIdentityMessage(std::string_view channel_binding) {
  std::string message(kAgentIdentityContext);
  message += '\n';
  message.append(channel_binding);
  return message;
}

std::string AgentConfigSignedMessage(std::string_view payload) {
  std::string message(kAgentConfigFormat);
  message += '\n';
  message.append(payload);
  return message;
}

std::string SignAgentConfig(const AgentConfig& config, const Ed25519KeyPair& key) {
  const std::string payload = EncodeAgentConfigPayload(config);
  const Ed25519Signature sig = key.Sign(AgentConfigSignedMessage(payload));
  json envelope = {
      {"format", kAgentConfigFormat},
      {"payload", Base64(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()))},
      {"signature", Base64(sig)},
      {"key", Ed25519PublicKeyBase64(key.PublicKey())},
  };
  // Stable, readable layout: one field a line, format first.
  std::string out = "{\n";
  for (const char* k : {"format", "payload", "signature", "key"}) {
    out += "  " + json(k).dump() + ": " + envelope[k].dump() + (std::strcmp(k, "key") == 0 ? "\n" : ",\n");
  }
  out += "}\n";
  return out;
}

Result<AgentConfig> ParseAgentConfigPayload(std::string_view payload) {
  auto j = ParseFlatObject(payload);
  if (!j) return Invalid("the payload is not a JSON object with unique keys");
  static const std::set<std::string> kKeys = {"relay",      "pin",       "session_id", "session_name",
                                              "join_token", "issued_at", "expires_at", "kind"};
  AgentConfig c;
  // The kind decides the exact key set: an installer also carries the four custom properties.
  auto kind = j->find("kind");
  const bool install = kind != j->end() && kind->is_string() && *kind == kAgentConfigKindAccessInstall;
  for (const auto& item : j->items()) {
    const std::string& k = item.key();  // a named reference: lambdas may not capture bindings in clang 14
    const bool property = std::any_of(std::begin(kPropertyFields), std::end(kPropertyFields),
                                      [&](const char* p) { return k == p; });
    if (!kKeys.count(k) && !(install && property)) return Invalid("unknown field '" + k.substr(0, 64) + "'");
  }
  auto str = [&](const char* key, std::string& out) -> bool {
    auto it = j->find(key);
    if (it == j->end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  auto num = [&](const char* key, int64_t& out) -> bool {
    auto it = j->find(key);
    if (it == j->end() || !(it->is_number_integer() || it->is_number_unsigned())) return false;
    if (it->is_number_unsigned() && it->get<uint64_t>() >= static_cast<uint64_t>(kMaxTime)) return false;
    out = it->get<int64_t>();
    return out > 0 && out < kMaxTime;
  };
  if (!str("relay", c.relay) || !IsRelayAddress(c.relay)) return Invalid("relay must be HOST:PORT");
  if (!str("pin", c.pin) || !IsPin(c.pin)) return Invalid("pin must be sha256/ and 44 base64 characters");
  if (!str("session_id", c.session_id) || c.session_id.empty() || c.session_id.size() > 64 ||
      !IsUrlSafe(c.session_id)) {
    return Invalid("session_id must be 1-64 URL-safe characters");
  }
  if (!str("session_name", c.session_name) || c.session_name.size() > 512 || !IsDisplayText(c.session_name)) {
    return Invalid("session_name must be text of at most 512 bytes");
  }
  if (!str("join_token", c.join_token) || c.join_token.size() < 16 || c.join_token.size() > 128 ||
      !IsUrlSafe(c.join_token)) {
    return Invalid("join_token must be 16-128 URL-safe characters");
  }
  if (!num("issued_at", c.issued_at)) return Invalid("issued_at must be a positive whole number");
  if (!num("expires_at", c.expires_at)) return Invalid("expires_at must be a positive whole number");
  const int64_t max_validity = install ? kMaxAccessInstallerSeconds : kMaxValiditySeconds;
  if (c.expires_at <= c.issued_at || c.expires_at - c.issued_at > max_validity) {
    return Invalid(install ? "expires_at must be after issued_at, by at most 90 days"
                           : "expires_at must be after issued_at, by at most a day");
  }
  if (!str("kind", c.kind) || (c.kind != kAgentConfigKindSupport && !install)) {
    return Invalid("kind must be \"support\" or \"access-install\"");
  }
  const auto fields = install ? std::span<const char* const>(kPropertyFields) : std::span<const char* const>();
  for (const char* k : fields) {
    std::string value;
    if (!str(k, value) || value.size() > kMaxPropertyBytes || !IsDisplayText(value)) {
      return Invalid(std::string(k) + " must be text of at most 128 bytes");
    }
    if (!value.empty()) c.properties[k] = value;
  }
  return c;
}

Result<AgentConfig> VerifyAgentConfig(std::string_view file, std::span<const Ed25519PublicKey> trusted,
                                      int64_t now) {
  if (file.size() > kMaxAgentConfigBytes) {
    return MakeError("too_large", "the file is larger than " + std::to_string(kMaxAgentConfigBytes) +
                                      " bytes, so it is not a Tether agent configuration");
  }
  auto envelope = ParseFlatObject(file);
  if (!envelope) {
    return MakeError("malformed", "the file is not a Tether agent configuration (not a JSON envelope)");
  }
  for (const auto& [k, v] : envelope->items()) {
    if (k != "format" && k != "payload" && k != "signature" && k != "key") {
      return MakeError("malformed", "the configuration has an unknown field '" + k.substr(0, 64) + "'");
    }
  }
  auto field = [&](const char* key) -> std::optional<std::string> {
    auto it = envelope->find(key);
    if (it == envelope->end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto format = field("format");
  if (!format) return MakeError("malformed", "the configuration has no format");
  if (*format != kAgentConfigFormat) {
    return MakeError("unknown_format", "the configuration's format '" + format->substr(0, 64) +
                                           "' is not one this agent reads (" + std::string(kAgentConfigFormat) + ")");
  }
  auto payload_b64 = field("payload");
  auto payload = payload_b64 ? Base64Decode(*payload_b64) : std::nullopt;
  if (!payload) return MakeError("malformed", "the configuration has no readable payload");
  auto signature_b64 = field("signature");
  if (!signature_b64 || signature_b64->empty()) {
    return MakeError("unsigned",
                     "the configuration is not signed; the agent runs only configurations signed by a server it trusts");
  }
  auto signature = Base64Decode(*signature_b64);
  if (!signature || signature->size() != kEd25519SignatureBytes) {
    return MakeError("bad_signature", "the configuration's signature is damaged");
  }
  auto key_b64 = field("key");
  auto key = key_b64 ? ParseEd25519PublicKey(*key_b64) : std::nullopt;
  if (!key) return MakeError("malformed", "the configuration does not name the key that signed it");
  if (std::find(trusted.begin(), trusted.end(), *key) == trusted.end()) {
    return MakeError("untrusted_key", "the configuration is signed by a key this agent does not trust (" +
                                          *key_b64 + ")");
  }
  if (!Ed25519Verify(*key, AgentConfigSignedMessage(*payload),
                     std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(signature->data()),
                                              signature->size()))) {
    return MakeError("bad_signature",
                     "the configuration's signature does not match its contents: it was altered after the "
                     "server signed it");
  }
  auto config = ParseAgentConfigPayload(*payload);
  if (!config) return config;
  if (now + kAgentConfigClockSkewSeconds < config->issued_at) {
    return MakeError("not_yet_valid", "the configuration is not valid before " + FormatUtc(config->issued_at) +
                                          "; check this computer's date and time");
  }
  if (now > config->expires_at + kAgentConfigClockSkewSeconds) {
    return MakeError("expired", "the configuration expired at " + FormatUtc(config->expires_at) +
                                    "; download a new one from the guest page");
  }
  return config;
}

}  // namespace tether
