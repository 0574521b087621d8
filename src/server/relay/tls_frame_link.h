#pragma once
// TlsFrameLink: a FrameLink over a server-side TLS connection that drives OpenSSL directly on
// the socket's descriptor, the way a stream proxy does: one bulk SSL_read into a reused buffer
// that is cut into frames, and writes made inline the moment a frame is sent. No asio::ssl
// layer, no per-frame timers, no strands.
//
// Threading: the link belongs to a single-threaded io_context (the network thread). Send from
// that thread writes at once while the socket takes data; Send from another thread queues the
// frame and posts one flush. Close and Abort may come from any thread. The link is kept alive
// by its Run coroutine and pending waits; the SSL_CTX and counters must outlive it.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "net/frame_link.h"
#include "net/send_queue.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tether::relay {

struct TlsLinkLimits {
  std::chrono::steady_clock::duration handshake_timeout = std::chrono::seconds(10);  // TLS, then again for the first frame
  std::chrono::steady_clock::duration idle_timeout = std::chrono::seconds(60);       // no byte read for this long
  std::chrono::steady_clock::duration close_grace = std::chrono::seconds(2);         // flushing after Close()
};

class TlsFrameLink final : public net::FrameLink, public std::enable_shared_from_this<TlsFrameLink> {
 public:
  // Takes the accepted socket; `ctx` is a configured server context (net::ConfigureServerContext).
  TlsFrameLink(boost::asio::ip::tcp::socket socket, SSL_CTX* ctx, TlsLinkLimits limits,
               Metric& bytes_in, Metric& bytes_out);
  ~TlsFrameLink() override;
  TlsFrameLink(const TlsFrameLink&) = delete;
  TlsFrameLink& operator=(const TlsFrameLink&) = delete;

  net::SendResult Send(net::FrameBytes frame) override;
  void Close() override;
  const std::string& PeerAddress() const override { return peer_; }

  // Performs the server handshake, then reads frames into `sink` until the connection ends;
  // sink->OnClosed() is the last call. Spawn it on the link's executor.
  boost::asio::awaitable<void> Run(std::shared_ptr<net::FrameSink> sink);
  // Cuts the connection now, without flushing. Thread-safe.
  void Abort();
  boost::asio::any_io_executor Executor() { return socket_.get_executor(); }

 private:
  enum class IoStatus { kDone, kWantRead, kWantWrite, kFailed };

  bool OnNetworkThread() const;
  template <class F>
  void OnNetwork(F&& f);
  IoStatus Classify(int ssl_result);
  // After WANT_READ: reads the next ciphertext from the socket; after WANT_WRITE: waits until
  // the socket takes data. False when the connection is over.
  boost::asio::awaitable<bool> Await(IoStatus need);
  bool ParseFrames(net::FrameSink& sink);  // false: the connection must end
  void Flush();                       // network thread: writes until idle or the socket is full
  bool NextChunk();                   // moves queued frames into the write position
  void WaitWritable();
  bool SendCiphertext();              // false: the socket is full (a wait is armed) or failed
  void FinishClose();                 // graceful end once everything is written
  void Shutdown();                    // ends all I/O now; the descriptor closes when Run ends
  void ArmDeadline(std::chrono::steady_clock::time_point at);
  void OnDeadline();

  boost::asio::ip::tcp::socket socket_;
  boost::asio::io_context& io_;
  SSL* ssl_ = nullptr;
  TlsLinkLimits limits_;
  Metric& bytes_in_;
  Metric& bytes_out_;
  std::string peer_;

  // Shared with other threads.
  std::mutex mu_;
  net::SendQueue queue_;
  std::atomic<bool> closing_{false};  // Close() called or the link died: no more frames taken (written under mu_)
  bool flush_posted_ = false;  // a Flush is on its way to the network thread

  // Network thread only.
  bool established_ = false;
  bool dead_ = false;          // no SSL or socket call may be made any more
  bool close_notify_queued_ = false;
  bool write_blocked_ = false; // waiting for the socket to accept data
  std::vector<net::FrameBytes> batch_;
  net::FrameBytes holding_;         // the single frame being written, when not coalesced
  std::string coalesced_;      // several small frames copied together for one TLS record
  const char* out_ = nullptr;
  size_t out_len_ = 0;
  size_t out_pos_ = 0;
  // Ciphertext between OpenSSL and the socket, through the link's BIO (tls_frame_link.cc):
  // `buf` holds what the socket delivered and OpenSSL has not consumed; `out` collects the
  // records OpenSSL wrote until one send() takes them all.
  struct Ciphertext {
    int fd = -1;
    std::vector<char> buf;
    size_t pos = 0;
    size_t len = 0;
    std::string out;
    size_t out_sent = 0;
    int SendOut();  // 1: all sent; 0: the socket is full; -1: failed
  };
  Ciphertext wire_;
  std::vector<char> in_;       // read buffer: whole frames are cut from it
  size_t in_len_ = 0;
  std::shared_ptr<std::string> big_;  // a frame larger than in_, read straight into place
  size_t big_filled_ = 0;
  bool first_frame_ = true;

  boost::asio::steady_timer deadline_;
  std::chrono::steady_clock::time_point deadline_at_ = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point phase_start_;
  std::chrono::steady_clock::time_point last_read_;
  std::chrono::steady_clock::time_point close_by_ = std::chrono::steady_clock::time_point::max();
};

}  // namespace tether::relay
