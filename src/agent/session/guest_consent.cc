#include "agent/session/guest_consent.h"

#include <algorithm>

namespace tether::agent {

v1::ConsentResponse GuestConsent::Decide(uint64_t id, bool allow, bool timed_out) {
  v1::ConsentResponse r;
  r.set_endpoint_id(id);
  r.set_granted(allow);
  r.set_timed_out(timed_out);
  if (allow) {
    granted_.insert(id);
    auto it = hosts_.find(id);
    if (it != hosts_.end()) remembered_.insert(it->second);
  }
  return r;
}

std::optional<v1::ConsentResponse> GuestConsent::OnRequest(uint64_t id, const std::string& technician,
                                                           TimePoint now, std::chrono::seconds timeout) {
  hosts_[id] = technician;  // the request names the host even if its PeerEvent was missed
  if (remembered_.contains(technician) || (meeting_ && !stopped_presenting_)) return Decide(id, true, false);
  auto same = [id](const Prompt& p) { return p.id == id; };
  if (std::none_of(prompts_.begin(), prompts_.end(), same)) {
    // Each question gets its full time from when it reaches the screen, not from when it
    // was queued behind another one.
    const auto t = timeout.count() > 0 ? timeout : timeout_;
    prompts_.push_back({id, technician, prompts_.empty() ? now + t : TimePoint::max(), t});
  }
  return std::nullopt;
}

std::optional<v1::ConsentResponse> GuestConsent::Answer(uint64_t id, bool allow, TimePoint now) {
  // Only the prompt on screen can be answered.
  if (prompts_.empty() || prompts_.front().id != id) return std::nullopt;
  prompts_.pop_front();
  StartFrontPrompt(now);
  return Decide(id, allow, false);
}

std::vector<v1::ConsentResponse> GuestConsent::Expire(TimePoint now) {
  std::vector<v1::ConsentResponse> out;
  while (!prompts_.empty() && prompts_.front().deadline <= now) {
    out.push_back(Decide(prompts_.front().id, false, true));
    prompts_.pop_front();
    StartFrontPrompt(now);
  }
  return out;
}

std::optional<GuestConsent::TimePoint> GuestConsent::NextDeadline() const {
  if (prompts_.empty()) return std::nullopt;
  return prompts_.front().deadline;
}

v1::ConsentWithdraw GuestConsent::Withdraw() {
  granted_.clear();
  remembered_.clear();
  stopped_presenting_ = meeting_;
  return v1::ConsentWithdraw{};  // endpoint_id 0: every host
}

void GuestConsent::OnHostJoined(uint64_t id, const std::string& name, bool without_consent) {
  hosts_[id] = name;
  if (without_consent) unattended_.insert(id);
}

void GuestConsent::OnHostLeft(uint64_t id, TimePoint now) {
  hosts_.erase(id);
  granted_.erase(id);
  unattended_.erase(id);
  const bool was_front = !prompts_.empty() && prompts_.front().id == id;
  std::erase_if(prompts_, [id](const Prompt& p) { return p.id == id; });
  if (was_front) StartFrontPrompt(now);
}

void GuestConsent::StartFrontPrompt(TimePoint now) {
  if (!prompts_.empty()) prompts_.front().deadline = now + prompts_.front().timeout;
}

void GuestConsent::Void(uint64_t id, TimePoint now) {
  granted_.erase(id);
  auto it = hosts_.find(id);
  if (it != hosts_.end()) remembered_.erase(it->second);
  const bool was_front = !prompts_.empty() && prompts_.front().id == id;
  std::erase_if(prompts_, [id](const Prompt& p) { return p.id == id; });
  if (was_front) StartFrontPrompt(now);
}

void GuestConsent::OnDisconnected() {
  prompts_.clear();
  granted_.clear();
  unattended_.clear();
  hosts_.clear();
}

void GuestConsent::Describe(GuestUiState& state) const {
  state.hosts.clear();
  for (const auto& [id, name] : hosts_) state.hosts.push_back({id, name, granted_.contains(id) || unattended_.contains(id)});
  state.prompt.reset();
  state.prompts_waiting = 0;
  if (!prompts_.empty()) {
    state.prompt = GuestUiState::Prompt{prompts_.front().id, prompts_.front().technician, prompts_.front().deadline};
    state.prompts_waiting = prompts_.size() - 1;
  }
}

}  // namespace tether::agent
