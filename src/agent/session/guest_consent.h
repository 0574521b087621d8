#pragma once
// GuestConsent: the guest's side of consent (docs/protocol.md section 5.5). It keeps the
// questions the relay asked (one prompt on screen at a time, oldest first, each denied by
// itself when its deadline passes), the hosts the guest allowed on this connection, and the
// technicians it allowed during this run of the agent — a technician the guest already allowed
// is allowed again without a question after a reconnection, until the guest presses Stop
// sharing. In a meeting the presenter's join is its consent: every viewer is allowed without a
// question until the presenter presses Stop sharing (then viewers that ask again are asked
// about like technicians). Pure: no I/O, no clock of its own (callers pass `now`). Not thread-safe: the agent
// uses it on its io thread only.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/ui/guest_ui.h"
#include "tether/v1/control.pb.h"

namespace tether::agent {

class GuestConsent {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit GuestConsent(std::chrono::seconds timeout) : timeout_(timeout) {}

  // The relay asks about host `id`. Returns the answer to send at once for a technician the
  // guest already allowed in this run; otherwise queues a prompt and returns nothing. The
  // prompt stays open `timeout` (the server's setting) once on screen; zero: the agent's own.
  std::optional<v1::ConsentResponse> OnRequest(uint64_t id, const std::string& technician, TimePoint now,
                                               std::chrono::seconds timeout = {});
  // The relay voided the question about or the grant to host `id` (the grant lapsed, or the
  // question was not answered in time): its prompt goes, its grant goes, and its technician is
  // asked afresh next time.
  void Void(uint64_t id, TimePoint now);
  // The guest pressed Allow or Deny on prompt `id`. Nothing when that prompt is gone (answered,
  // timed out, or its host left).
  std::optional<v1::ConsentResponse> Answer(uint64_t id, bool allow, TimePoint now);
  // Denials for prompts whose deadline has passed.
  std::vector<v1::ConsentResponse> Expire(TimePoint now);
  // When the next prompt times out (nothing when none is open).
  std::optional<TimePoint> NextDeadline() const;
  // Stop sharing: takes consent back from every host and forgets every technician allowed; in a
  // meeting, viewers are asked from then on.
  v1::ConsentWithdraw Withdraw();
  // The session is a meeting (SessionInfo.session_type): this agent presents to every viewer.
  void SetMeeting(bool meeting) { meeting_ = meeting; }

  // `without_consent`: the relay admitted the host without asking (an access session and an
  // administrator); it sees at once, and Stop sharing does not take that back.
  void OnHostJoined(uint64_t id, const std::string& name, bool without_consent = false);
  void OnHostLeft(uint64_t id, TimePoint now);
  // The connection broke: questions and grants belonged to it; who was allowed is remembered.
  void OnDisconnected();

  // Some host may see the screen: capture and clipboard run only then.
  bool Watched() const { return !granted_.empty() || !unattended_.empty(); }
  // A question is open: no host input is played, so nobody answers it for the guest.
  bool Prompting() const { return !prompts_.empty(); }
  // Fills the hosts and prompt parts of the window's state.
  void Describe(GuestUiState& state) const;

 private:
  struct Prompt {
    uint64_t id;
    std::string technician;
    TimePoint deadline;
    std::chrono::seconds timeout;
  };
  // Gives the prompt now on screen its full time.
  void StartFrontPrompt(TimePoint now);
  std::set<uint64_t> unattended_;  // hosts admitted without consent
  v1::ConsentResponse Decide(uint64_t id, bool allow, bool timed_out);

  std::chrono::seconds timeout_;
  std::deque<Prompt> prompts_;
  std::set<uint64_t> granted_;                // hosts allowed on this connection
  std::set<std::string> remembered_;          // technicians allowed in this run
  std::map<uint64_t, std::string> hosts_;     // connected hosts by id, with their names
  bool meeting_ = false;
  bool stopped_presenting_ = false;           // Stop sharing was pressed in this run
};

}  // namespace tether::agent
