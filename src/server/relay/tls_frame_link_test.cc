// TlsFrameLink against a real OpenSSL client (what agents are) over a socket pair, with the
// relay's poller on its own network thread:
// * frames of every size arrive intact both ways, on the relay's own TLS 1.3 record layer and
//   on GnuTLS's (TLS 1.2), sent from the network thread (written at once) and from another
//   thread (queued);
// * a client's KeyUpdate that asks for the relay's is read by GnuTLS, answered, and traffic
//   goes on under the new keys both ways; the relay renews its own key after its record budget;
// * a damaged or oversized record and close_notify end the link, with no frame from the damage.
#include "server/relay/tls_frame_link.h"

#include <gnutls/gnutls.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <condition_variable>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <future>
#include <optional>
#include <random>
#include <thread>

#include "wire/frame.h"

namespace tether::relay {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class CollectingSink : public net::FrameSink {
 public:
  uint32_t ReadLimit(uint8_t) override { return 1u << 20; }
  void OnFrame(const net::FrameBytes& frame) override {
    std::lock_guard lock(mu_);
    frames_.push_back(*frame);
    cv_.notify_all();
  }
  void OnProtocolError(const std::string& message) override {
    std::lock_guard lock(mu_);
    error_ = message;
  }
  void OnClosed() override {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  // Waits until `count` frames arrived or the link closed; returns the frames.
  std::vector<std::string> WaitFrames(size_t count) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 10s, [&] { return frames_.size() >= count || closed_; });
    return frames_;
  }
  bool WaitClosed() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return closed_; });
  }
  size_t Count() {
    std::lock_guard lock(mu_);
    return frames_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> frames_;
  std::string error_;
  bool closed_ = false;
};

std::string MakeFrame(size_t payload, uint8_t seed) {
  const auto channel = payload > 60 * 1024 ? wire::Channel::kFile : wire::Channel::kControl;
  std::string frame(wire::kHeaderSize + payload, '\0');
  wire::EncodeHeader({static_cast<uint32_t>(payload), channel, 0},
                     std::span<uint8_t, wire::kHeaderSize>(reinterpret_cast<uint8_t*>(frame.data()), wire::kHeaderSize));
  for (size_t i = 0; i < payload; ++i) frame[wire::kHeaderSize + i] = static_cast<char>(seed + i * 7);
  return frame;
}

// Sizes around the record and buffer boundaries (16 KiB records, the link's 16 KiB read buffer).
const std::vector<size_t> kSizes = {0, 1, 10, 4090, 16378, 16384, 16400, 20000, 70000, 200000, 3, 4096};

int key_updates_seen = 0;  // KeyUpdate messages the client read (OpenSSL's message callback)

void CountKeyUpdates(int write_p, int, int content_type, const void* buf, size_t len, SSL*, void*) {
  if (!write_p && content_type == 22 && len > 0 && static_cast<const uint8_t*>(buf)[0] == 24) ++key_updates_seen;
}

class TlsFrameLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::signal(SIGPIPE, SIG_IGN);
    dir_ = std::filesystem::temp_directory_path() / ("tls_frame_link_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    auto material = net::LoadOrGenerateTlsMaterial(dir_, {"localhost"});
    ASSERT_TRUE(material) << material.error().message;
    auto tls = RelayTls::Make(*material);
    ASSERT_TRUE(tls) << tls.error().message;
    tls_ = *tls;
    key_updates_seen = 0;
  }
  void TearDown() override {
    if (gclient_ != nullptr) gnutls_deinit(gclient_);
    if (gcred_ != nullptr) gnutls_certificate_free_credentials(gcred_);
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (client_fd_ >= 0) ::close(client_fd_);
    if (link_) asio::post(io_, [link = link_] { link->Abort(); });
    if (thread_.joinable()) {
      asio::post(io_, [this] { poller_->Stop(); });
      work_.reset();
      thread_.join();
    }
    std::filesystem::remove_all(dir_);
  }

  // A link on one end of a socket pair, driven by a network thread; an OpenSSL client
  // (TLS 1.3 unless capped) connected on the other.
  // The same with a GnuTLS client that asks for records of at most `record_limit` bytes
  // (record_size_limit, RFC 8449), which OpenSSL 3.0 clients cannot send.
  void ConnectGnutls(size_t record_limit) {
    gnutls_client_ = true;
    StartLink({});
    ASSERT_EQ(gnutls_certificate_allocate_credentials(&gcred_), 0);
    ASSERT_EQ(gnutls_init(&gclient_, GNUTLS_CLIENT), 0);
    ASSERT_EQ(gnutls_set_default_priority(gclient_), 0);
    ASSERT_EQ(gnutls_credentials_set(gclient_, GNUTLS_CRD_CERTIFICATE, gcred_), 0);
    ASSERT_GE(gnutls_record_set_max_recv_size(gclient_, record_limit), 0);
    gnutls_transport_set_int(gclient_, client_fd_);
    int r;
    do {
      r = gnutls_handshake(gclient_);
    } while (r < 0 && !gnutls_error_is_fatal(r));
    ASSERT_EQ(r, 0) << gnutls_strerror(r);
    ASSERT_EQ(gnutls_protocol_get_version(gclient_), GNUTLS_TLS1_3);
  }

  void Connect(int client_max_version = TLS1_3_VERSION, TlsLinkLimits limits = {}) {
    StartLink(limits);
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx_, client_max_version);
    SSL_CTX_set_msg_callback(ctx_, CountKeyUpdates);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, client_fd_);
    ASSERT_EQ(SSL_connect(ssl_), 1);
  }

  void StartLink(TlsLinkLimits limits) {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ASSERT_EQ(::fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    client_fd_ = fds[1];
    poller_ = std::make_shared<RelayPoller>(io_);
    ASSERT_TRUE(poller_->Start());
    link_ = std::make_shared<TlsFrameLink>(io_, fds[0], "test", tls_, poller_, limits, bytes_in_, bytes_out_);
    asio::post(io_, [this] { link_->Start(sink_, [] {}); });
    thread_ = std::thread([this] { io_.run(); });
  }

  void ClientWrite(const std::string& bytes) {
    if (gnutls_client_) {
      for (size_t pos = 0; pos < bytes.size();) {
        const ssize_t n = gnutls_record_send(gclient_, bytes.data() + pos, bytes.size() - pos);
        ASSERT_GT(n, 0) << gnutls_strerror(static_cast<int>(n));
        pos += static_cast<size_t>(n);
      }
      return;
    }
    ASSERT_EQ(SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())), static_cast<int>(bytes.size()));
  }
  std::string ClientRead(size_t bytes) {
    std::string out(bytes, '\0');
    size_t got = 0;
    while (got < bytes) {
      const ssize_t n = gnutls_client_ ? gnutls_record_recv(gclient_, out.data() + got, bytes - got)
                                       : SSL_read(ssl_, out.data() + got, static_cast<int>(bytes - got));
      if (n <= 0) {
        ADD_FAILURE() << "the client read failed: "
                      << (gnutls_client_ ? gnutls_strerror(static_cast<int>(n)) : "OpenSSL error");
        break;
      }
      got += static_cast<size_t>(n);
    }
    out.resize(got);
    return out;
  }

  // Every size, client to relay: one frame per write, then all of them in one write (several
  // frames per record, frames cut between records).
  void ExpectClientFramesArrive() {
    const size_t before = sink_->Count();
    std::string all;
    for (size_t i = 0; i < kSizes.size(); ++i) ClientWrite(MakeFrame(kSizes[i], static_cast<uint8_t>(i)));
    for (size_t i = 0; i < kSizes.size(); ++i) all += MakeFrame(kSizes[i], static_cast<uint8_t>(i + 50));
    ClientWrite(all);
    const auto frames = sink_->WaitFrames(before + 2 * kSizes.size());
    ASSERT_EQ(frames.size(), before + 2 * kSizes.size());
    for (size_t i = 0; i < kSizes.size(); ++i) {
      EXPECT_EQ(frames[before + i], MakeFrame(kSizes[i], static_cast<uint8_t>(i))) << "frame " << i;
      EXPECT_EQ(frames[before + kSizes.size() + i], MakeFrame(kSizes[i], static_cast<uint8_t>(i + 50))) << i;
    }
  }

  // Every size, relay to client: half sent on the network thread (written at once), half from
  // this thread (queued and flushed).
  void ExpectRelayFramesArrive() {
    std::string expected;
    for (size_t i = 0; i < kSizes.size(); ++i) {
      auto frame = std::make_shared<const std::string>(MakeFrame(kSizes[i], static_cast<uint8_t>(i + 100)));
      expected += *frame;
      if (i % 2 == 0) {
        std::promise<void> sent;
        asio::post(io_, [&] {
          link_->Send(frame);
          sent.set_value();
        });
        sent.get_future().wait();
      } else {
        link_->Send(frame);
      }
    }
    EXPECT_EQ(ClientRead(expected.size()), expected);
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{asio::make_work_guard(io_)};
  std::thread thread_;
  std::filesystem::path dir_;
  std::shared_ptr<const RelayTls> tls_;
  std::shared_ptr<RelayPoller> poller_;
  std::shared_ptr<TlsFrameLink> link_;
  std::shared_ptr<CollectingSink> sink_ = std::make_shared<CollectingSink>();
  Metric bytes_in_, bytes_out_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool gnutls_client_ = false;
  gnutls_session_t gclient_ = nullptr;
  gnutls_certificate_credentials_t gcred_ = nullptr;
  int client_fd_ = -1;
};

TEST_F(TlsFrameLinkTest, FramesOfEverySizeBothWaysAtTls13) {
  Connect();
  ASSERT_EQ(SSL_version(ssl_), TLS1_3_VERSION);
  ExpectClientFramesArrive();
  ExpectRelayFramesArrive();
  EXPECT_FALSE(link_->ChannelBinding().empty());
}

TEST_F(TlsFrameLinkTest, FramesOfEverySizeBothWaysAtTls12) {
  Connect(TLS1_2_VERSION);
  ASSERT_EQ(SSL_version(ssl_), TLS1_2_VERSION);
  ExpectClientFramesArrive();
  ExpectRelayFramesArrive();
}

TEST_F(TlsFrameLinkTest, ClientRecordSizeLimitIsKept) {
  ConnectGnutls(4096);  // a 16 KiB record from the relay would be record_overflow at this client
  ExpectClientFramesArrive();
  ExpectRelayFramesArrive();
}

TEST_F(TlsFrameLinkTest, ClientKeyUpdateIsAnsweredAndTrafficGoesOn) {
  Connect();
  ExpectClientFramesArrive();
  ExpectRelayFramesArrive();
  // The client's next write carries a KeyUpdate that asks for the relay's; the relay's next
  // records must be sealed with its new key, announced by its own KeyUpdate.
  ASSERT_EQ(SSL_key_update(ssl_, SSL_KEY_UPDATE_REQUESTED), 1);
  ExpectClientFramesArrive();
  ExpectRelayFramesArrive();
  EXPECT_EQ(key_updates_seen, 1);
  // And once more, without asking for the relay's: only the client's key changes.
  ASSERT_EQ(SSL_key_update(ssl_, SSL_KEY_UPDATE_NOT_REQUESTED), 1);
  ExpectClientFramesArrive();
  ExpectRelayFramesArrive();
  EXPECT_EQ(key_updates_seen, 1);
}

TEST_F(TlsFrameLinkTest, RelayRenewsItsKeyAfterItsRecordBudget) {
  TlsLinkLimits limits;
  limits.records_per_key = 8;
  Connect(TLS1_3_VERSION, limits);
  // Frames read by the relay: its handshake is done, so the frames below are written at once,
  // a record each (before that they would wait in the queue and share records).
  ExpectClientFramesArrive();
  std::string expected;
  for (int i = 0; i < 40; ++i) {
    auto frame = std::make_shared<const std::string>(MakeFrame(100 + i, static_cast<uint8_t>(i)));
    expected += *frame;
    asio::post(io_, [this, frame] { link_->Send(frame); });  // written at once: a record each
  }
  EXPECT_EQ(ClientRead(expected.size()), expected);
  EXPECT_GE(key_updates_seen, 4);
  ExpectRelayFramesArrive();  // queued and large frames too, several records each
  EXPECT_GE(key_updates_seen, 6);
  ExpectClientFramesArrive();  // the relay reads on after renewing its own key
}

TEST_F(TlsFrameLinkTest, DamagedRecordEndsTheLinkWithoutAFrame) {
  Connect();
  ClientWrite(MakeFrame(10, 1));
  ASSERT_EQ(sink_->WaitFrames(1).size(), 1u);
  // An application-data record whose tag cannot match, written under OpenSSL's feet.
  std::string forged = {0x17, 0x03, 0x03, 0x00, 0x30};
  forged += std::string(0x30, '\x5a');
  ASSERT_EQ(::write(client_fd_, forged.data(), forged.size()), static_cast<ssize_t>(forged.size()));
  EXPECT_TRUE(sink_->WaitClosed());
  EXPECT_EQ(sink_->Count(), 1u);
}

TEST_F(TlsFrameLinkTest, OversizedRecordHeaderEndsTheLink) {
  Connect();
  const char header[] = {0x17, 0x03, 0x03, static_cast<char>(0xff), static_cast<char>(0xff)};
  ASSERT_EQ(::write(client_fd_, header, sizeof header), static_cast<ssize_t>(sizeof header));
  EXPECT_TRUE(sink_->WaitClosed());
  EXPECT_EQ(sink_->Count(), 0u);
}

TEST_F(TlsFrameLinkTest, CloseNotifyEndsTheLinkAfterTheLastFrame) {
  Connect();
  ClientWrite(MakeFrame(5000, 3));
  SSL_shutdown(ssl_);
  EXPECT_TRUE(sink_->WaitClosed());
  ASSERT_EQ(sink_->Count(), 1u);
}

}  // namespace
}  // namespace tether::relay
