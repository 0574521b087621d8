#pragma once
// The relay's check of a guest's GuestInfo before it is recorded (docs/protocol.md section
// 3.1): every field is bounded and printable. UTF-8 is already verified by the proto3 parser
// (a GuestInfo with ill-formed UTF-8 does not decode). Pure function; any thread.
#include <string>

#include "base/result.h"
#include "server/relay/relay_directory.h"
#include "tether/v1/control.pb.h"

namespace tether::relay {

inline constexpr size_t kMaxGuestInfoFieldBytes = 128;

// The facts to record, with `address` (the endpoint's network address) added; "protocol" when
// a field is longer than kMaxGuestInfoFieldBytes or holds a control character.
Result<GuestFacts> CheckGuestInfo(const v1::GuestInfo& info, const std::string& address);

}  // namespace tether::relay
