#pragma once
// IP restrictions (docs/security.md, "IP restrictions"): addresses and CIDR ranges, allow- and
// block-lists, and the client address behind trusted proxies. IPv4-mapped IPv6 addresses
// (::ffff:192.0.2.1) are treated as the IPv4 address. Pure and bounded (every text is at most
// kMaxEntryChars or is refused); immutable once built, so safe to share between threads.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tether::net {

inline constexpr size_t kMaxEntryChars = 64;

struct IpAddress {
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4 bytes
  bool v4 = false;
  std::string ToString() const;
  bool operator==(const IpAddress&) const = default;
};

// "192.0.2.7", "2001:db8::1", "[2001:db8::1]", "::ffff:192.0.2.7" (becomes IPv4). nullopt for
// anything else (names, ports, zone ids, over kMaxEntryChars).
std::optional<IpAddress> ParseIpAddress(std::string_view text);

// One list entry: an address (a range of one) or ADDRESS/PREFIX.
class IpRange {
 public:
  // "validation" with a message naming the problem; the caller names the setting.
  static Result<IpRange> Parse(std::string_view text);
  bool Contains(const IpAddress& a) const;
  std::string ToString() const;

 private:
  IpAddress base_;  // host bits cleared
  int prefix_ = 0;
};

class IpList {
 public:
  Status Add(std::string_view entry);
  bool Contains(const IpAddress& a) const;
  bool Empty() const { return ranges_.empty(); }
  std::vector<std::string> Entries() const;

 private:
  std::vector<IpRange> ranges_;
};

// An area's lists: blocked addresses are refused; when the allow-list is not empty, only its
// addresses are let in. Unparseable addresses are refused when any list is set.
struct IpRule {
  IpList allow, block;
  bool Permits(std::string_view address) const;
  bool Empty() const { return allow.Empty() && block.Empty(); }
};

// The lists of each area (docs/security.md, "IP restrictions") and the proxies whose
// X-Forwarded-For is believed. The Unix-socket Local API is never subject to them.
struct IpAreas {
  IpRule login, host, admin, api, relay;
  IpList trusted_proxies;
};

// The address a request comes from. `peer` is the socket's address. Only when `peer` is a
// trusted proxy is X-Forwarded-For read: from its right end, skipping trusted proxies, the first
// address that is not one is the client (a client cannot forge what a trusted proxy appended).
// A malformed entry, or more than 32 entries walked, yields the last trusted hop itself.
std::string ClientAddress(const std::string& peer, std::string_view forwarded_for, const IpList& trusted);

}  // namespace tether::net
