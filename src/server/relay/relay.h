#pragma once
// Relay: pairs the endpoints of each session (one guest, any number of hosts) and applies the
// per-message policy. Transport-neutral: TLS sockets (RelayServer) and browser WebSockets (the
// Web Server) hand their FrameLinks to Accept(). Thread-safe; the directory and metrics must
// outlive it.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/metrics.h"
#include "net/frame_link.h"
#include "server/relay/relay_directory.h"

namespace tether::relay {

class SessionHub;

struct RelayOptions {
  uint32_t heartbeat_seconds = 20;
  uint32_t idle_timeout_seconds = 60;
};

// Counters shared by every hub and endpoint.
struct RelayMetrics {
  explicit RelayMetrics(Metrics& m);
  Metric& handshakes;
  Metric& rejected;
  Metric& frames_relayed;
  Metric& video_dropped;
  Metric& input_dropped_view_only;
  Metric& dropped_no_consent;
  Metric& live_sessions;
  Metric& guests;
  Metric& hosts;
};

class Relay {
 public:
  Relay(RelayDirectory& directory, Metrics& metrics, RelayOptions options = {});
  ~Relay();

  // A new connection. `host` is set when the web server already authenticated the user as a
  // host of a session; otherwise the endpoint's Hello decides (guests present a join code).
  std::shared_ptr<net::FrameSink> Accept(std::shared_ptr<net::FrameLink> link,
                                         std::optional<Admission> host);
  // Ends every connection of a session that ended elsewhere (web, CLI, expiry).
  void EndSession(const std::string& session_id, const std::string& reason);
  // Closes every connection (shutdown).
  void CloseAll();
  size_t LiveSessions();

  // For endpoints: the hub of a session, created on first use; dropped once empty.
  std::shared_ptr<SessionHub> Hub(const Admission& admission);
  void ReleaseIfEmpty(const std::string& session_id);

  RelayDirectory& Directory() { return directory_; }
  RelayMetrics& Counters() { return metrics_; }
  const RelayOptions& Options() const { return options_; }

 private:
  RelayDirectory& directory_;
  RelayMetrics metrics_;
  RelayOptions options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<SessionHub>> hubs_;
};

}  // namespace tether::relay
