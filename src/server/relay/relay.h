#pragma once
// Relay: pairs the endpoints of each session (one guest, any number of hosts) and applies the
// per-message policy. Transport-neutral: TLS sockets (RelayServer) and browser WebSockets (the
// Web Server) hand their FrameLinks to Accept(). Thread-safe; the directory and metrics must
// outlive it.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/metrics.h"
#include "net/frame_link.h"
#include "server/relay/relay_directory.h"

namespace tether::relay {

class SessionHub;

// The latest thumbnail of a session's guest screen (docs/protocol.md section 5.7).
struct KeptThumbnail {
  std::shared_ptr<const std::string> jpeg;
  int64_t captured_at = 0;  // Unix time the relay received it
};

// The guest's consent in time (security.consent, docs/security.md).
struct ConsentTimes {
  // A question the guest leaves unanswered this long is denied (by the agent's prompt, and by
  // the relay a few seconds later should the agent not answer).
  int64_t prompt_timeout_seconds = 60;
  // A grant lapses after this long and the host must ask again; 0: for the whole connection.
  int64_t grant_lifetime_seconds = 0;
};

struct RelayOptions {
  uint32_t heartbeat_seconds = 20;
  uint32_t idle_timeout_seconds = 60;
  // Forced disconnect (docs/security.md): a host that sent no input for this long is closed.
  // 0 turns the limit off.
  int64_t host_idle_seconds = 30 * 60;
  // IP restrictions for connections on the relay port (security.ip.relay, as in force when
  // the connection arrives); browser viewers are the web server's "host" area instead. Empty:
  // every address is admitted.
  std::function<bool(const std::string& address)> admit;
  // The settings in force, read at each use (they change at runtime); host_idle_seconds and
  // the ConsentTimes defaults when empty. Called with a hub's mutex held: they must not call
  // back into the relay.
  std::function<int64_t()> host_idle;
  std::function<ConsentTimes()> consent;
  // Time source for the limits; the relay's own real clock when null. Must outlive the relay.
  const Clock* clock = nullptr;
};

// Counters shared by every hub and endpoint.
struct RelayMetrics {
  explicit RelayMetrics(Metrics& m);
  Metric& handshakes;
  Metric& rejected;
  Metric& frames_to_host;   // forwarded from a guest, counted once per host
  Metric& frames_to_guest;  // forwarded from a host
  Metric& video_dropped;
  Metric& input_dropped_view_only;
  Metric& dropped_no_consent;
  Metric& dropped_not_permitted;
  Metric& guest_info_ignored;
  Metric& thumbnails;
  Metric& thumbnails_ignored;
  Metric& live_sessions;
  Metric& guests;
  Metric& hosts;
  Metric& forced_disconnects;
};

class Relay {
 public:
  Relay(RelayDirectory& directory, Metrics& metrics, RelayOptions options = {});
  ~Relay();

  // A new connection. `host` is set when the web server already authenticated the user as a
  // host of a session; otherwise the endpoint's Hello decides (guests present a join code).
  // A relay-port connection from an address RelayOptions::admit refuses is closed at once
  // (with FORBIDDEN if its transport is already up) and may say nothing.
  std::shared_ptr<net::FrameSink> Accept(std::shared_ptr<net::FrameLink> link,
                                         std::optional<Admission> host);
  // Ends every connection of a session that ended elsewhere (web, CLI, expiry).
  void EndSession(const std::string& session_id, const std::string& reason);
  // Closes every connection (shutdown).
  void CloseAll();
  // Applies the time limits to every live host (no input for too long, web login expired);
  // called about twice a second by the composition root, on any thread.
  void Sweep();
  // Closes every host endpoint of a user whose access was revoked; how many were closed.
  size_t CloseUser(int64_t user_id, const std::string& reason);
  // Closes every host endpoint admitted through the API token `token_id` (revoked); how many.
  size_t CloseApiToken(const std::string& token_id, const std::string& reason);
  size_t LiveSessions();
  // The latest thumbnail of the session's guest screen, if the relay keeps one. Also notes that
  // someone looks: while someone asked in the last 30 s the relay asks the guest for a fresh
  // one about every 5 s (support and meeting sessions only after the guest's consent). Never
  // creates a hub.
  std::optional<KeptThumbnail> Thumbnail(const std::string& session_id);

  // For endpoints: the hub of a session, created on first use; dropped once empty.
  std::shared_ptr<SessionHub> Hub(const Admission& admission);
  void ReleaseIfEmpty(const std::string& session_id);

  RelayDirectory& Directory() { return directory_; }
  RelayMetrics& Counters() { return metrics_; }
  const RelayOptions& Options() const { return options_; }
  const Clock& Time() const { return options_.clock ? *options_.clock : real_clock_; }
  ConsentTimes Consent() const { return options_.consent ? options_.consent() : ConsentTimes{}; }
  int64_t HostIdleSeconds() const { return options_.host_idle ? options_.host_idle() : options_.host_idle_seconds; }

 private:
  std::vector<std::shared_ptr<SessionHub>> Snapshot();

  RelayDirectory& directory_;
  RelayMetrics metrics_;
  RelayOptions options_;
  RealClock real_clock_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<SessionHub>> hubs_;
};

}  // namespace tether::relay
