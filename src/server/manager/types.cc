#include "server/manager/types.h"

namespace tether::manager {

bool IsPropertyKey(const std::string& key) {
  for (const char* k : kPropertyKeys) {
    if (key == k) return true;
  }
  return false;
}

const char* SessionTypeName(SessionType t) {
  switch (t) {
    case SessionType::kSupport: return "support";
    case SessionType::kMeeting: return "meeting";
    case SessionType::kAccess: return "access";
  }
  return "support";
}

std::optional<SessionType> ParseSessionType(const std::string& s) {
  if (s == "support") return SessionType::kSupport;
  if (s == "meeting") return SessionType::kMeeting;
  if (s == "access") return SessionType::kAccess;
  return std::nullopt;
}

}  // namespace tether::manager
