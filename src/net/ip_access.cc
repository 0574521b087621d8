#include "net/ip_access.h"

#include <arpa/inet.h>

#include <algorithm>

#include <charconv>

namespace tether::net {
namespace {

constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
constexpr size_t kMaxForwardedHops = 32;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() > kMaxEntryChars) return std::nullopt;
  const std::string s(text);  // inet_pton needs a terminated string
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    if (::inet_pton(AF_INET, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
    a.v4 = true;
    return a;
  }
  if (::inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  if (std::equal(std::begin(kMapped), std::end(kMapped), a.bytes.begin())) {
    IpAddress v4;
    std::copy(a.bytes.begin() + 12, a.bytes.end(), v4.bytes.begin());
    v4.v4 = true;
    return v4;
  }
  return a;
}

Result<IpRange> IpRange::Parse(std::string_view text) {
  text = Trim(text);
  if (text.size() > kMaxEntryChars) return MakeError("validation", "entry longer than 64 characters");
  const size_t slash = text.find('/');
  auto addr = ParseIpAddress(text.substr(0, slash));
  if (!addr) return MakeError("validation", "'" + std::string(text) + "' is not an IPv4 or IPv6 address or CIDR range");
  const int bits = addr->v4 ? 32 : 128;
  IpRange r;
  r.prefix_ = bits;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    int prefix = -1;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (p.empty() || p.size() > 3 || ec != std::errc() || end != p.data() + p.size() || prefix < 0 || prefix > bits) {
      return MakeError("validation", "'" + std::string(text) + "': the prefix length must be 0 to " + std::to_string(bits));
    }
    r.prefix_ = prefix;
  }
  r.base_ = *addr;
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(r.prefix_ - i * 8, 0, 8);
    r.base_.bytes[i] &= static_cast<uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  return r;
}

bool IpRange::Contains(const IpAddress& a) const {
  if (a.v4 != base_.v4) return false;
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(prefix_ - i * 8, 0, 8);
    if (keep == 0) return true;
    const auto mask = static_cast<uint8_t>(0xff << (8 - keep));
    if ((a.bytes[i] & mask) != base_.bytes[i]) return false;
  }
  return true;
}

std::string IpRange::ToString() const {
  return base_.ToString() + "/" + std::to_string(prefix_);
}

Status IpList::Add(std::string_view entry) {
  auto r = IpRange::Parse(entry);
  if (!r) return r.error();
  ranges_.push_back(*r);
  return {};
}

bool IpList::Contains(const IpAddress& a) const {
  for (const auto& r : ranges_) {
    if (r.Contains(a)) return true;
  }
  return false;
}

std::vector<std::string> IpList::Entries() const {
  std::vector<std::string> out;
  for (const auto& r : ranges_) out.push_back(r.ToString());
  return out;
}

bool IpRule::Permits(std::string_view address) const {
  if (Empty()) return true;
  auto a = ParseIpAddress(address);
  if (!a) return false;
  if (block.Contains(*a)) return false;
  return allow.Empty() || allow.Contains(*a);
}

std::string ClientAddress(const std::string& peer, std::string_view forwarded_for, const IpList& trusted) {
  auto hop = ParseIpAddress(peer);
  if (!hop || !trusted.Contains(*hop)) return peer;
  std::string client = peer;
  for (size_t walked = 0; walked < kMaxForwardedHops && !forwarded_for.empty(); ++walked) {
    const size_t comma = forwarded_for.rfind(',');
    std::string_view entry = Trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for = comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
    auto a = ParseIpAddress(entry);
    if (!a) return client;  // garbage from beyond the last trusted hop: stop at that hop
    client = a->ToString();
    if (!trusted.Contains(*a)) return client;
  }
  return client;
}

}  // namespace tether::net
