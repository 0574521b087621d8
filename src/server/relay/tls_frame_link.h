#pragma once
// TlsFrameLink: a FrameLink over a server-side TLS connection that drives GnuTLS (RelayTls)
// directly on the socket's descriptor, the way a stream proxy does: readiness comes from the
// RelayPoller (edge-triggered), the link's transport functions read the socket until it is
// drained, the plaintext is cut into frames from one reused buffer, and frames are written
// inline the moment they are sent. No asio::ssl layer, no coroutines, no per-frame timers, no
// strands.
//
// Threading: the link belongs to a single-threaded io_context (the network thread). Send from
// that thread writes at once while the socket takes data; Send from another thread queues the
// frame and posts one flush. Close and Abort may come from any thread. The poller keeps the
// link alive while it is registered; the counters must outlive it.
#include <boost/asio/steady_timer.hpp>

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "net/frame_link.h"
#include "net/send_queue.h"
#include "server/relay/link_transport.h"
#include "server/relay/record_protection.h"
#include "server/relay/relay_poller.h"
#include "server/relay/relay_tls.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tether::relay {

struct TlsLinkLimits {
  std::chrono::steady_clock::duration handshake_timeout = std::chrono::seconds(10);  // TLS, then again for the first frame
  std::chrono::steady_clock::duration idle_timeout = std::chrono::seconds(60);       // no byte read for this long
  std::chrono::steady_clock::duration close_grace = std::chrono::seconds(2);         // flushing after Close()
  // Records sealed with one key before the relay's record layer asks GnuTLS for a KeyUpdate
  // (RFC 8446 §5.5: AES-GCM keys are good for about 2^24.5 records).
  uint64_t records_per_key = uint64_t{1} << 24;
};

class TlsFrameLink final : public net::FrameLink,
                           public PollTarget,
                           public std::enable_shared_from_this<TlsFrameLink> {
 public:
  // Takes ownership of the accepted, non-blocking socket `fd`; `tls` makes its server session
  // (and is kept: the session uses its credentials until the link is gone).
  TlsFrameLink(boost::asio::io_context& io, int fd, std::string peer, std::shared_ptr<const RelayTls> tls,
               std::shared_ptr<RelayPoller> poller, TlsLinkLimits limits, Metric& bytes_in,
               Metric& bytes_out);
  ~TlsFrameLink() override;
  TlsFrameLink(const TlsFrameLink&) = delete;
  TlsFrameLink& operator=(const TlsFrameLink&) = delete;

  net::SendResult Send(net::FrameBytes frame) override;
  void Close() override;
  const std::string& PeerAddress() const override { return peer_; }
  std::string ChannelBinding() const override { return binding_; }

  // Network thread: registers with the poller, performs the server handshake, then reads
  // frames into `sink` until the connection ends. sink->OnClosed() is the last call, followed
  // by `on_done`; both are posted, never made from inside another link's call.
  void Start(std::shared_ptr<net::FrameSink> sink, std::function<void()> on_done);
  // Cuts the connection now, without flushing. Thread-safe.
  void Abort();
  void OnReady(uint32_t events) override;

 private:
  bool OnNetworkThread() const;
  static bool WouldBlock(int gnutls_result);  // only "call again when the socket has more"
  template <class F>
  void OnNetwork(F&& f);
  void Drive();                       // network thread: handshake, reads, pending writes
  void ReadAvailable();               // reads until the socket is drained
  void ReadThroughGnutls();           // TLS 1.2: GnuTLS reads every record
  void ReadRecords();                 // TLS 1.3: the relay opens application-data records itself
  // A record of another type than application data, opened into `content`; false: the link ended.
  bool ReadRecordWithGnutls(size_t record_len, uint8_t type, const char* content, size_t len);
  // One record's content into frames; `holder` (may be null) owns `data`'s buffer, which
  // becomes the frame when the record holds exactly one.
  void TakePlaintext(const char* data, size_t len, std::shared_ptr<std::string>* holder = nullptr);
  bool Seal(std::string& out, const char* data, size_t len);  // one record appended; false: failed
  bool RenewWriteKeyIfDue();         // false: the key could not be renewed
  bool Drained() const;               // nothing more to read until the socket's next edge
  bool ReadAgainAfter(ssize_t r);     // after a GnuTLS read without data; false: stop (maybe shut down)
  // Whole frames out of `data` to the sink; a frame larger than in_ moves into big_. Returns
  // the bytes used (the rest starts a frame still on its way); ok = false: a broken frame.
  size_t CutFrames(net::FrameSink& sink, const char* data, size_t len, bool& ok,
                   std::shared_ptr<std::string>* holder = nullptr);
  bool ParseFrames(net::FrameSink& sink);  // frames from in_; false: the connection must end
  bool ParseRecord(net::FrameSink& sink, const char* data, size_t len,  // frames from one record
                   std::shared_ptr<std::string>* holder = nullptr);
  void Flush();                       // network thread: writes until idle or the socket is full
  bool NextChunk();                   // moves queued frames into the write position
  bool SendCiphertext();              // false: the socket is full (its next edge resumes) or failed
  bool CanWriteDirectly() const;      // with mu_ held
  void WriteDirectly(const std::string& frame);
  void FinishClose();                 // graceful end once everything is written
  void Shutdown();                    // ends all I/O now, closes the descriptor, posts OnClosed
  void ArmDeadline(std::chrono::steady_clock::time_point at);
  void OnDeadline();

  boost::asio::io_context& io_;
  std::shared_ptr<RelayPoller> poller_;
  std::shared_ptr<net::FrameSink> sink_;
  std::function<void()> on_done_;
  std::shared_ptr<const RelayTls> tls_;
  gnutls_session_t session_ = nullptr;
  TlsLinkLimits limits_;
  Metric& bytes_in_;
  Metric& bytes_out_;
  std::string peer_;
  std::string binding_;  // exported once the handshake is done (before the first frame)
  // TLS 1.3: application data is sealed and opened here (RecordProtection), GnuTLS keeps the rest.
  bool own_records_ = false;
  RecordProtection read_keys_;
  RecordProtection write_keys_;

  // Shared with other threads.
  std::mutex mu_;
  net::SendQueue queue_;
  std::atomic<bool> closing_{false};  // Close() called or the link died: no more frames taken (written under mu_)
  bool flush_posted_ = false;  // a Flush is on its way to the network thread

  // Network thread only.
  bool established_ = false;
  bool dead_ = false;          // no GnuTLS or socket call may be made any more
  bool close_notify_queued_ = false;
  std::vector<net::FrameBytes> batch_;
  net::FrameBytes holding_;         // the single frame being written, when not coalesced
  std::string coalesced_;      // several small frames copied together for one TLS record
  const char* out_ = nullptr;
  size_t out_len_ = 0;
  size_t out_pos_ = 0;
  LinkTransport wire_;  // the socket as GnuTLS sees it
  std::unique_ptr<char[]> in_;  // read buffer (kReadBuffer bytes, while needed): whole frames are cut from it
  size_t in_len_ = 0;
  std::shared_ptr<std::string> big_;  // a frame larger than in_, read straight into place
  size_t big_filled_ = 0;
  bool expect_big_ = false;  // the last frame started was larger than in_
  bool first_frame_ = true;

  boost::asio::steady_timer deadline_;
  std::chrono::steady_clock::time_point deadline_at_ = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point phase_start_;
  std::chrono::steady_clock::time_point last_read_;
  std::chrono::steady_clock::time_point close_by_ = std::chrono::steady_clock::time_point::max();
};

}  // namespace tether::relay
