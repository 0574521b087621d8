#pragma once
// What the agent tells the relay about the guest's machine after each Welcome (GuestInfo,
// docs/protocol.md section 3.1): host name, OS name and version, logged-on user, agent
// version. Reads the system on the calling thread (a few small reads); the result is bounded
// and valid UTF-8, as the relay requires.
#include <string>

#include "tether/v1/control.pb.h"

namespace tether::agent {

// The longest field the relay accepts (server/relay/guest_info_check.h).
inline constexpr size_t kGuestFactBytes = 128;

// `text` made acceptable to the relay: ill-formed UTF-8 repaired, control characters removed,
// cut to kGuestFactBytes at a character boundary.
std::string GuestFactText(std::string_view text);

// PRETTY_NAME from the text of an os-release file (quotes and escapes removed); empty if none.
std::string PrettyNameFromOsRelease(std::string_view os_release);

// The facts of this machine and process.
v1::GuestInfo DescribeThisMachine();

}  // namespace tether::agent
