#include "agent/ui/guest_ui.h"

namespace tether::agent {
namespace {

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

std::string DescribeHosts(const GuestUiState& state) {
  switch (state.link) {
    case GuestUiState::Link::kConnecting: return "Connecting to the support server…";
    case GuestUiState::Link::kReconnecting: return "The connection was lost. Reconnecting…";
    case GuestUiState::Link::kEnding: return "Ending the session…";
    case GuestUiState::Link::kConnected: break;
  }
  std::vector<std::string> seeing, waiting;
  for (const auto& h : state.hosts) (h.sees ? seeing : waiting).push_back(h.name);
  if (seeing.empty() && waiting.empty()) return "No technician is connected. Your screen is not shared.";
  std::string out;
  if (!seeing.empty()) {
    out = JoinNames(seeing) + " can see and control this screen.";
  } else {
    out = "Your screen is not shared.";
  }
  if (!waiting.empty()) {
    out += (seeing.empty() ? " Connected: " : " Also connected, without access: ") + JoinNames(waiting) + ".";
  }
  return out;
}

}  // namespace tether::agent
