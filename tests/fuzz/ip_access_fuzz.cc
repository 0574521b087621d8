// Fuzzes the IP restriction parsers (net/ip_access.h): list entries from the configuration file
// and the X-Forwarded-For header a trusted proxy passes on from the network. Every parsed range
// must print as a range that parses back to the same thing, contain its own base address, and
// the client address must be the peer or an address the header holds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/ip_access.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto range = tether::net::IpRange::Parse(text);
  if (range) {
    auto again = tether::net::IpRange::Parse(range->ToString());
    if (!again || again->ToString() != range->ToString()) __builtin_trap();
    std::string printed = range->ToString();
    auto base = tether::net::ParseIpAddress(printed.substr(0, printed.find('/')));
    if (!base || !range->Contains(*base)) __builtin_trap();
  }
  static const tether::net::IpList proxies = [] {
    tether::net::IpList l;
    (void)l.Add("10.0.0.0/8");
    (void)l.Add("fd00::/8");
    return l;
  }();
  const std::string client = tether::net::ClientAddress("10.0.0.1", text, proxies);
  if (client != "10.0.0.1" && !tether::net::ParseIpAddress(client)) __builtin_trap();
  tether::net::IpRule rule;
  (void)rule.allow.Add(text.substr(0, 64));
  (void)rule.Permits(text);
  return 0;
}
