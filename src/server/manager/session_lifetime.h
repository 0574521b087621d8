#pragma once
// SessionLifetime: ends sessions whose time is up (docs/security.md, "Forced disconnect"): a
// support or meeting session open longer than the maximum session length, and a support session
// that has had no guest for the expiry time. Sweep() is blocking (store work): the composition
// root calls it on the blocking pool. Thread-safe; the manager and clock must outlive it.
#include <cstdint>
#include <optional>

#include "base/clock.h"
#include "server/manager/session_manager.h"

namespace tether::manager {

struct LifetimeOptions {
  // A support or meeting session ends this long after it was created (0: never).
  int64_t max_session_seconds = 8 * 60 * 60;
  // A support session ends once no guest has been connected for this long, counted from its
  // creation or the guest's last disconnection (0: never).
  int64_t support_expiry_seconds = 24 * 60 * 60;
};

class SessionLifetime {
 public:
  // Fixed limits (tests).
  SessionLifetime(SessionManager& manager, const Clock& clock, LifetimeOptions options)
      : manager_(manager), clock_(clock), fixed_(options) {}
  // The limits in force in the manager's security settings, read at each sweep.
  SessionLifetime(SessionManager& manager, const Clock& clock) : manager_(manager), clock_(clock) {}

  // Ends every session past a limit, each with an "ended" event by "system" saying why (a
  // session cut short also gets a "forced_disconnect" event). Returns how many ended.
  int Sweep();
  LifetimeOptions Options() const;

 private:
  // Why `s` must end now, or "" when it may go on.
  std::string Why(const Session& s, int64_t now, const LifetimeOptions& limits) const;

  SessionManager& manager_;
  const Clock& clock_;
  std::optional<LifetimeOptions> fixed_;
};

}  // namespace tether::manager
