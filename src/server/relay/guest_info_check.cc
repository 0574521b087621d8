#include "server/relay/guest_info_check.h"

#include <algorithm>

namespace tether::relay {
namespace {

bool Acceptable(const std::string& field) {
  if (field.size() > kMaxGuestInfoFieldBytes) return false;
  return std::none_of(field.begin(), field.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b < 0x20 || b == 0x7f;
  });
}

}  // namespace

Result<GuestFacts> CheckGuestInfo(const v1::GuestInfo& info, const std::string& address) {
  for (const std::string* f : {&info.machine(), &info.os(), &info.user(), &info.agent_version()}) {
    if (!Acceptable(*f)) {
      return MakeError("protocol", "guest information fields are at most 128 bytes of printable text");
    }
  }
  return GuestFacts{info.machine(), info.os(), info.user(), info.agent_version(), address};
}

}  // namespace tether::relay
