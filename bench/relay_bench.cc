// Relay load generator for bench/relay.sh (issue 3). One process, one io_context thread.
//
//   --mode relay   N guests and N hosts join N sessions on tetherd's relay port over TLS (join
//                  codes and host tokens from --creds, one "CODE TOKEN" line per session); guests
//                  send file-channel frames, which the relay forwards to the host (and the host's
//                  echoes back to the guest).
//   --mode nginx   N clients connect to nginx's TLS port; nginx forwards over TLS to this
//                  program's own TLS sink/echo server on --echo-listen (the same process).
//   --mode direct  N clients connect straight to that sink/echo server.
//
// In every mode a "pair" is a sending side (guest / client) and a receiving side (host / the
// connection accepted by the echo server); the receiving side's code is the same in all modes.
//
//   --test throughput  every pair keeps --inflight frames of --size payload bytes in flight.
//   --test rate        every pair sends one --size frame every 1/--rate s (fixed schedule).
//   --test latency     pair 0 ping-pongs one frame of each of --sizes at a time; RTT percentiles.
//
// Every payload travels on the file channel (4), which the relay forwards without decoding.
// All legs use TLS 1.3 with TLS_AES_128_GCM_SHA256. The CPU time of --cpu-pid (utime+stime from
// /proc/PID/stat) is sampled around the measured window, after connection set-up and warm-up.
// Results are printed as one "RESULT key=value ..." line per figure.
#include <openssl/ssl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tether/v1/control.pb.h"
#include "wire/control.h"
#include "wire/frame.h"

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace tether;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr const char* kSuite = "TLS_AES_128_GCM_SHA256";

[[noreturn]] void Die(const std::string& msg) {
  std::cerr << "relay_bench: " << msg << std::endl;
  std::_Exit(2);
}

struct Options {
  std::string mode = "relay";  // relay | nginx | direct
  std::string test = "throughput";
  uint16_t port = 0;         // where clients connect: relay, nginx or the echo server
  uint16_t echo_port = 0;    // nginx, direct: the sink/echo server listens here
  std::string creds;         // relay: "CODE TOKEN" lines
  std::string cert, key;     // nginx, direct: the echo server's certificate
  int pairs = 1;
  size_t size = 65536;       // payload bytes per frame (throughput, rate)
  std::vector<size_t> sizes{64, 4096};  // latency
  int inflight = 8;
  double rate = 30;          // frames per second per pair (rate)
  double warmup = 1;
  double duration = 5;
  int cpu_pid = 0;
  int connect_parallel = 32;
  double setup_timeout = 60; // seconds for all connections to be ready
};

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--mode") o.mode = val();
    else if (a == "--test") o.test = val();
    else if (a == "--port") o.port = static_cast<uint16_t>(std::stoi(val()));
    else if (a == "--echo-listen") o.echo_port = static_cast<uint16_t>(std::stoi(val()));
    else if (a == "--creds") o.creds = val();
    else if (a == "--cert") o.cert = val();
    else if (a == "--key") o.key = val();
    else if (a == "--pairs") o.pairs = std::stoi(val());
    else if (a == "--size") o.size = std::stoul(val());
    else if (a == "--sizes") {
      o.sizes.clear();
      std::stringstream ss(val());
      for (std::string s; std::getline(ss, s, ',');) o.sizes.push_back(std::stoul(s));
    } else if (a == "--inflight") o.inflight = std::stoi(val());
    else if (a == "--rate") o.rate = std::stod(val());
    else if (a == "--warmup") o.warmup = std::stod(val());
    else if (a == "--duration") o.duration = std::stod(val());
    else if (a == "--cpu-pid") o.cpu_pid = std::stoi(val());
    else if (a == "--connect-parallel") o.connect_parallel = std::stoi(val());
    else Die("unknown argument " + a);
  }
  if (o.mode != "relay" && o.mode != "nginx" && o.mode != "direct") Die("--mode relay|nginx|direct");
  if (o.test != "throughput" && o.test != "rate" && o.test != "latency") Die("--test throughput|rate|latency");
  if (o.port == 0) Die("--port is required");
  if (o.mode != "relay" && (o.echo_port == 0 || o.cert.empty() || o.key.empty())) {
    Die("--echo-listen, --cert and --key are required for nginx and direct");
  }
  if (o.mode == "relay" && o.creds.empty()) Die("--creds is required for relay");
  if (o.test == "latency") o.pairs = 1;
  if (o.pairs < 1 || o.pairs > 20000) Die("--pairs out of range");
  if (o.duration <= 0 || o.duration > 120 || o.warmup < 0 || o.warmup > 60) Die("--duration/--warmup out of range");
  for (size_t s : o.sizes) {
    if (s < 8 || s > wire::MaxPayload(wire::Channel::kFile)) Die("sizes must be 8 .. 256 KiB");
  }
  if (o.size < 8 || o.size > wire::MaxPayload(wire::Channel::kFile)) Die("--size must be 8 .. 256 KiB");
  return o;
}

// utime + stime of a process, in seconds.
double CpuSeconds(int pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  if (close == std::string::npos) Die("cannot read /proc/" + std::to_string(pid) + "/stat");
  std::istringstream rest(stat.substr(close + 2));
  std::vector<std::string> f;
  for (std::string t; rest >> t;) f.push_back(t);
  if (f.size() < 13) Die("short /proc/PID/stat");
  // f[0] is field 3 (state): utime is field 14, stime field 15.
  return static_cast<double>(std::stoull(f[11]) + std::stoull(f[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double OwnCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::string FileFrame(size_t payload_size, uint8_t fill) {
  std::string f(wire::kHeaderSize + payload_size, static_cast<char>(fill));
  wire::EncodeHeader({static_cast<uint32_t>(payload_size), wire::Channel::kFile, 0},
                     std::span<uint8_t, wire::kHeaderSize>(reinterpret_cast<uint8_t*>(f.data()), wire::kHeaderSize));
  return f;
}

// One TLS connection with a frame reader over a reusable buffer (no allocation per frame).
struct Conn {
  Conn(asio::io_context& io, ssl::context& ctx) : s(io, ctx), buf(512 * 1024) {}
  explicit Conn(tcp::socket sock, ssl::context& ctx) : s(std::move(sock), ctx), buf(512 * 1024) {}

  // The next frame; `payload` stays valid until the next call. False on EOF or error.
  awaitable<bool> Next(wire::FrameHeader& h, std::span<const uint8_t>& payload) {
    while (true) {
      size_t avail = end - begin;
      if (avail >= wire::kHeaderSize) {
        auto hdr = wire::DecodeHeader(std::span<const uint8_t, wire::kHeaderSize>(buf.data() + begin, wire::kHeaderSize));
        if (!hdr) Die("bad frame header from peer: " + hdr.error().message);
        if (avail >= wire::kHeaderSize + hdr->length) {
          h = *hdr;
          payload = std::span<const uint8_t>(buf.data() + begin + wire::kHeaderSize, hdr->length);
          begin += wire::kHeaderSize + hdr->length;
          co_return true;
        }
      }
      if (begin > 0 && (begin == end || buf.size() - end < 64 * 1024)) {
        std::memmove(buf.data(), buf.data() + begin, end - begin);
        end -= begin;
        begin = 0;
      }
      auto [ec, n] = co_await s.async_read_some(asio::buffer(buf.data() + end, buf.size() - end), kNoThrow);
      if (ec) co_return false;
      end += n;
    }
  }

  ssl::stream<tcp::socket> s;
  std::vector<uint8_t> buf;
  size_t begin = 0, end = 0;
};

struct Pair {
  explicit Pair(asio::io_context& io) : wake(io), ready(io) {}
  std::unique_ptr<Conn> tx;  // guest / client
  std::unique_ptr<Conn> rx;  // host / accepted by the echo server
  std::string code, token;   // relay
  uint64_t sent = 0;
  uint64_t received = 0;        // frames at rx
  uint64_t received_bytes = 0;  // whole frames (header + payload) at rx
  asio::steady_timer wake;      // tx waits for credit (throughput) or an echo (latency)
  asio::steady_timer ready;     // nginx, direct: tx waits for the echo server to see its id
  bool echoed = false;
};

class Bench {
 public:
  explicit Bench(Options o)
      : o_(std::move(o)), client_ctx_(ssl::context::tls_client), server_ctx_(ssl::context::tls_server),
        acceptor_(io_) {
    for (auto* ctx : {&client_ctx_, &server_ctx_}) {
      SSL_CTX* c = ctx->native_handle();
      SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION);
      SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION);
      if (SSL_CTX_set_ciphersuites(c, kSuite) != 1) Die("cannot set the TLS 1.3 suite");
    }
    client_ctx_.set_verify_mode(ssl::verify_none);  // loopback benchmark: the peer is ours
    if (o_.mode != "relay") {
      server_ctx_.use_certificate_chain_file(o_.cert);
      server_ctx_.use_private_key_file(o_.key, ssl::context::pem);
    }
    for (int i = 0; i < o_.pairs; ++i) pairs_.push_back(std::make_unique<Pair>(io_));
    if (o_.mode == "relay") LoadCreds();
  }

  int Run() {
    if (o_.mode != "relay") {
      tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), o_.echo_port);
      acceptor_.open(ep.protocol());
      acceptor_.set_option(asio::socket_base::reuse_address(true));
      acceptor_.bind(ep);
      acceptor_.listen(asio::socket_base::max_listen_connections);
      asio::co_spawn(io_, AcceptLoop(), asio::detached);
    }
    asio::co_spawn(io_, Main(), [](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          Die(std::string("failed: ") + ex.what());
        }
      }
    });
    io_.run();
    return 0;
  }

 private:
  void LoadCreds() {
    std::ifstream in(o_.creds);
    for (auto& p : pairs_) {
      if (!(in >> p->code >> p->token)) Die("fewer credentials in " + o_.creds + " than --pairs");
    }
  }

  awaitable<std::unique_ptr<Conn>> Dial() {
    auto c = std::make_unique<Conn>(io_, client_ctx_);
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), o_.port);
    auto [ec] = co_await c->s.next_layer().async_connect(ep, kNoThrow);
    if (ec) Die("connect to port " + std::to_string(o_.port) + ": " + ec.message());
    c->s.next_layer().set_option(tcp::no_delay(true));
    auto [hec] = co_await c->s.async_handshake(ssl::stream_base::client, kNoThrow);
    if (hec) Die("TLS handshake: " + hec.message());
    co_return c;
  }

  awaitable<void> Send(Conn& c, const std::string& bytes) {
    auto [ec, n] = co_await asio::async_write(c.s, asio::buffer(bytes), kNoThrow);
    if (ec && !stopping_) Die("write: " + ec.message());
  }

  // Relay: Hello, then frames until the Welcome.
  awaitable<void> RelayHello(Conn& c, bool guest, const std::string& secret) {
    v1::ControlMessage m;
    auto* h = m.mutable_hello();
    h->set_protocol_version(wire::kProtocolVersion);
    h->set_min_protocol_version(wire::kMinProtocolVersion);
    h->set_role(guest ? v1::ENDPOINT_ROLE_GUEST : v1::ENDPOINT_ROLE_HOST);
    h->set_software("relay_bench");
    if (guest) h->set_join_code(secret); else h->set_token(secret);
    co_await Send(c, wire::EncodeControlFrame(m));
    wire::FrameHeader hdr;
    std::span<const uint8_t> payload;
    while (co_await c.Next(hdr, payload)) {
      if (hdr.channel != wire::Channel::kControl) continue;
      auto msg = wire::DecodeControl(payload);
      if (!msg) Die("undecodable control frame from the relay");
      if (msg->has_welcome()) co_return;
      if (msg->has_error()) Die(std::string(guest ? "guest" : "host") + " refused: " + msg->error().message());
    }
    Die("the relay closed during the handshake");
  }

  awaitable<void> SetUpPair(Pair& p, int index) {
    if (o_.mode == "relay") {
      p.tx = co_await Dial();
      co_await RelayHello(*p.tx, true, p.code);
      p.rx = co_await Dial();
      co_await RelayHello(*p.rx, false, p.token);
      // The relay asks the guest for a key frame once the host is in the hub: from then on the
      // guest's frames reach the host.
      wire::FrameHeader hdr;
      std::span<const uint8_t> payload;
      while (true) {
        if (!co_await p.tx->Next(hdr, payload)) Die("the relay closed a guest");
        if (hdr.channel == wire::Channel::kVideo && !payload.empty() && payload[0] == 0x1a) break;
      }
    } else {
      p.tx = co_await Dial();
      std::string id = FileFrame(8, 0);
      std::memcpy(id.data() + wire::kHeaderSize, &index, sizeof index);
      co_await Send(*p.tx, id);
      p.ready.expires_at(Clock::time_point::max());
      while (!p.rx) co_await p.ready.async_wait(kNoThrow);
    }
  }

  // The echo server (nginx, direct): the first frame of a connection names its pair.
  awaitable<void> AcceptLoop() {
    while (true) {
      auto [ec, sock] = co_await acceptor_.async_accept(kNoThrow);
      if (ec) co_return;
      sock.set_option(tcp::no_delay(true));
      asio::co_spawn(io_, AcceptOne(std::make_unique<Conn>(std::move(sock), server_ctx_)), asio::detached);
    }
  }

  awaitable<void> AcceptOne(std::unique_ptr<Conn> c) {
    auto [ec] = co_await c->s.async_handshake(ssl::stream_base::server, kNoThrow);
    if (ec) co_return;
    wire::FrameHeader h;
    std::span<const uint8_t> payload;
    if (!co_await c->Next(h, payload) || h.channel != wire::Channel::kFile || payload.size() != 8) co_return;
    int index = 0;
    std::memcpy(&index, payload.data(), sizeof index);
    if (index < 0 || index >= o_.pairs || pairs_[index]->rx) co_return;
    pairs_[index]->rx = std::move(c);
    pairs_[index]->ready.cancel();
  }

  // The receiving side, identical in every mode: count file frames; in the latency test echo
  // each one back (the relay forwards a host's file frame to the guest).
  awaitable<void> RxLoop(Pair& p) {
    wire::FrameHeader h;
    std::span<const uint8_t> payload;
    while (co_await p.rx->Next(h, payload)) {
      if (h.channel != wire::Channel::kFile) continue;
      ++p.received;
      p.received_bytes += wire::kHeaderSize + payload.size();
      if (o_.test == "latency") {
        auto [ec, n] = co_await asio::async_write(
            p.rx->s, asio::buffer(payload.data() - wire::kHeaderSize, wire::kHeaderSize + payload.size()), kNoThrow);
        if (ec) break;
      } else if (o_.test == "throughput") {
        p.wake.cancel();
      }
    }
    if (!stopping_) Die("a receiving connection closed");
  }

  // The sending side's reader: echoes in the latency test; everything else is ignored.
  awaitable<void> TxReadLoop(Pair& p) {
    wire::FrameHeader h;
    std::span<const uint8_t> payload;
    while (co_await p.tx->Next(h, payload)) {
      if (h.channel == wire::Channel::kFile) {
        p.echoed = true;
        p.wake.cancel();
      } else if (h.channel == wire::Channel::kControl && o_.mode == "relay") {
        auto msg = wire::DecodeControl(payload);
        if (msg && msg->has_error() && !stopping_) Die("the relay ended a guest: " + msg->error().message());
      }
    }
    if (!stopping_) Die("a sending connection closed");
  }

  awaitable<void> ThroughputWriter(Pair& p, const std::string& frame) {
    while (!stopping_) {
      while (!stopping_ && p.sent - p.received >= static_cast<uint64_t>(o_.inflight)) {
        p.wake.expires_at(Clock::time_point::max());
        co_await p.wake.async_wait(kNoThrow);
      }
      if (stopping_) break;
      ++p.sent;
      co_await Send(*p.tx, frame);
    }
  }

  awaitable<void> RateWriter(Pair& p, const std::string& frame, Clock::time_point first) {
    const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / o_.rate));
    asio::steady_timer t(io_);
    auto next = first;
    while (!stopping_) {
      t.expires_at(next);
      co_await t.async_wait(kNoThrow);
      if (stopping_) break;
      ++p.sent;
      co_await Send(*p.tx, frame);
      next += period;
      if (Clock::now() > next + period) ++late_;  // the schedule slipped by more than a period
    }
  }

  awaitable<void> Sleep(double seconds) {
    asio::steady_timer t(io_, std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
    co_await t.async_wait(kNoThrow);
  }

  uint64_t TotalReceived() const {
    uint64_t n = 0;
    for (auto& p : pairs_) n += p->received;
    return n;
  }
  uint64_t TotalBytes() const {
    uint64_t n = 0;
    for (auto& p : pairs_) n += p->received_bytes;
    return n;
  }

  std::string Common() const {
    SSL* ssl = pairs_[0]->tx->s.native_handle();
    std::ostringstream s;
    s << "mode=" << o_.mode << " test=" << o_.test << " pairs=" << o_.pairs << " tls=" << SSL_get_version(ssl)
      << " cipher=" << SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
    return s.str();
  }

  awaitable<void> Main() {
    // Set up every pair, a bounded number at a time.
    const auto setup_start = Clock::now();
    {
      int next = 0, done = 0;
      asio::steady_timer all_done(io_, Clock::time_point::max());
      auto worker = [&]() -> awaitable<void> {
        while (next < o_.pairs) {
          int i = next++;
          co_await SetUpPair(*pairs_[i], i);
          ++done;
        }
        all_done.cancel();
      };
      const int workers = std::min(o_.connect_parallel, o_.pairs);
      for (int w = 0; w < workers; ++w) asio::co_spawn(io_, worker(), asio::detached);
      asio::steady_timer guard(io_, std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.setup_timeout)));
      guard.async_wait([&](boost::system::error_code ec) {
        if (!ec) Die("set-up did not finish in time (" + std::to_string(done) + " of " + std::to_string(o_.pairs) + " pairs)");
      });
      while (done < o_.pairs) co_await all_done.async_wait(kNoThrow), all_done.expires_at(Clock::time_point::max());
      guard.cancel();
    }
    const double setup_s = std::chrono::duration<double>(Clock::now() - setup_start).count();
    for (auto& p : pairs_) {
      asio::co_spawn(io_, RxLoop(*p), asio::detached);
      asio::co_spawn(io_, TxReadLoop(*p), asio::detached);
    }

    if (o_.test == "latency") {
      co_await Latency();
    } else {
      co_await Load(setup_s);
    }
    // Leave without tearing down coroutines that still reference the connections: the kernel
    // closes the sockets.
    stopping_ = true;
    std::cout.flush();
    std::_Exit(0);
  }

  awaitable<void> Load(double setup_s) {
    const std::string frame = FileFrame(o_.size, 0x5a);
    if (o_.test == "throughput") {
      for (auto& p : pairs_) asio::co_spawn(io_, ThroughputWriter(*p, frame), asio::detached);
    } else {
      // Spread the pairs' schedules evenly over one period.
      const auto start = Clock::now() + std::chrono::milliseconds(10);
      const double period = 1.0 / o_.rate;
      for (int i = 0; i < o_.pairs; ++i) {
        auto first = start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(period * i / o_.pairs));
        asio::co_spawn(io_, RateWriter(*pairs_[i], frame, first), asio::detached);
      }
    }
    co_await Sleep(o_.warmup);
    const auto t0 = Clock::now();
    const double cpu0 = CpuSeconds(o_.cpu_pid), own0 = OwnCpuSeconds();
    const uint64_t n0 = TotalReceived(), b0 = TotalBytes(), late0 = late_;
    co_await Sleep(o_.duration);
    const double cpu1 = CpuSeconds(o_.cpu_pid), own1 = OwnCpuSeconds();
    const uint64_t n1 = TotalReceived(), b1 = TotalBytes(), late1 = late_;
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu = cpu1 - cpu0;
    const uint64_t frames = n1 - n0, bytes = b1 - b0;
    char line[1024];
    std::snprintf(line, sizeof line,
                  "RESULT %s size=%zu setup_s=%.2f wall_s=%.3f frames=%llu bytes=%llu msg_per_s=%.0f "
                  "mbyte_per_s=%.1f server_cpu_s=%.3f server_cpu_pct=%.1f bytes_per_cpu_s=%.0f "
                  "cpu_us_per_msg=%.3f bench_cpu_s=%.3f late=%llu",
                  Common().c_str(), o_.size, setup_s, wall, static_cast<unsigned long long>(frames),
                  static_cast<unsigned long long>(bytes), frames / wall, bytes / wall / 1e6, cpu,
                  100.0 * cpu / wall, cpu > 0 ? bytes / cpu : 0.0, frames ? cpu * 1e6 / frames : 0.0,
                  own1 - own0, static_cast<unsigned long long>(late1 - late0));
    std::cout << line << std::endl;
  }

  awaitable<void> Latency() {
    Pair& p = *pairs_[0];
    for (size_t size : o_.sizes) {
      std::string frame = FileFrame(size, 0xa5);
      std::vector<double> rtt;
      rtt.reserve(1 << 20);
      double cpu0 = 0, own0 = 0;
      const auto start = Clock::now();
      const auto measure_from = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.warmup));
      const auto until = measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.duration));
      bool measuring = false;
      for (uint64_t seq = 0; seq < 5'000'000; ++seq) {
        auto now = Clock::now();
        if (now >= until) break;
        if (!measuring && now >= measure_from) {
          measuring = true;
          cpu0 = CpuSeconds(o_.cpu_pid);
          own0 = OwnCpuSeconds();
        }
        std::memcpy(frame.data() + wire::kHeaderSize, &seq, sizeof seq);
        p.echoed = false;
        const auto t0 = Clock::now();
        co_await Send(*p.tx, frame);
        while (!p.echoed) {
          p.wake.expires_at(Clock::time_point::max());
          co_await p.wake.async_wait(kNoThrow);
        }
        const auto t1 = Clock::now();
        if (measuring) rtt.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      }
      const double cpu = CpuSeconds(o_.cpu_pid) - cpu0, own = OwnCpuSeconds() - own0;
      if (rtt.empty()) Die("no round trips measured");
      std::sort(rtt.begin(), rtt.end());
      auto pct = [&](double q) { return rtt[std::min(rtt.size() - 1, static_cast<size_t>(q * rtt.size()))]; };
      char line[1024];
      std::snprintf(line, sizeof line,
                    "RESULT %s size=%zu n=%zu p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f "
                    "server_cpu_us_per_rtt=%.2f bench_cpu_us_per_rtt=%.2f",
                    Common().c_str(), size, rtt.size(), pct(0.5), pct(0.99), pct(0.999), rtt.back(),
                    cpu * 1e6 / rtt.size(), own * 1e6 / rtt.size());
      std::cout << line << std::endl;
    }
  }

  Options o_;
  asio::io_context io_{1};
  ssl::context client_ctx_;
  ssl::context server_ctx_;
  tcp::acceptor acceptor_;
  std::vector<std::unique_ptr<Pair>> pairs_;
  bool stopping_ = false;
  uint64_t late_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseArgs(argc, argv);
  Bench bench(std::move(o));
  return bench.Run();
}
