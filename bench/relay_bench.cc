// Relay load generator for bench/relay.sh (issue 3). One process, one io_context thread.
//
// It connects every group of "pairs" at once and then measures them in alternating
// windows (relay, nginx, direct, relay, nginx, ...), so that slow drifts in whatever else the
// machine is doing affect every group alike:
//   relay   a guest and a host join one session each on tetherd's relay port over TLS (join
//           codes and host tokens from --creds, one "CODE TOKEN" line per session); the guest's
//           file frames are forwarded to the host, and the host's back to the guest;
//   nginx   a client connects to nginx's TLS port; nginx forwards over TLS to this program's own
//           TLS sink/echo server on --echo-listen;
//   direct  a client connects straight to that sink/echo server;
//   relay2  like relay, on a second tetherd (--relay2-port, --relay2-pid, --creds2): to compare
//           two builds of the relay in alternating windows.
// A pair is a sending side (guest / client) and a receiving side (host / the connection the
// echo server accepted); the receiving side's code is the same in every group.
//
//   --test throughput  every pair keeps --inflight frames of --size payload bytes in flight.
//   --test rate        every pair sends one --size frame every 1/--rate s (fixed schedule).
//   --test latency     one pair per group ping-pongs one frame at a time, for each of --sizes.
//
// Payloads travel on the file channel (4), which the relay forwards without decoding. Every leg
// is TLS 1.3 with TLS_AES_128_GCM_SHA256. A group's server CPU time (utime+stime of
// --relay-pid / --nginx-pid from /proc/PID/stat) is sampled around each window, after set-up,
// after the server has gone quiet and after a warm-up. Output: one "RESULT key=value ..." line
// per window (throughput, rate) or per group and size (latency, samples pooled over --reps).
#include <openssl/ssl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
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
  std::cout.flush();
  std::cerr << "relay_bench: " << msg << std::endl;
  std::_Exit(2);
}

Clock::duration Seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

struct Options {
  std::vector<std::string> groups{"relay", "nginx"};
  std::string test = "throughput";
  uint16_t relay_port = 0, nginx_port = 0, echo_port = 0;
  int relay_pid = 0, nginx_pid = 0;
  std::string creds;      // relay: "CODE TOKEN" lines
  // A second relay (another build of tetherd), measured alternately with the first ("relay2").
  uint16_t relay2_port = 0;
  int relay2_pid = 0;
  std::string creds2;
  std::string cert, key;  // the echo server's certificate (nginx, direct)
  int pairs = 1;          // per group
  size_t size = 65536;    // payload bytes per frame (throughput, rate)
  std::vector<size_t> sizes{64, 4096};  // latency
  int inflight = 8;
  double rate = 30;       // frames per second per pair (rate)
  int reps = 3;
  double warmup = 1;
  double window = 4;
  int connect_parallel = 32;
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  return out;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + a);
      return argv[++i];
    };
    auto port = [&]() { return static_cast<uint16_t>(std::stoi(val())); };
    if (a == "--groups") o.groups = Split(val());
    else if (a == "--test") o.test = val();
    else if (a == "--relay-port") o.relay_port = port();
    else if (a == "--nginx-port") o.nginx_port = port();
    else if (a == "--echo-listen") o.echo_port = port();
    else if (a == "--relay-pid") o.relay_pid = std::stoi(val());
    else if (a == "--relay2-port") o.relay2_port = port();
    else if (a == "--relay2-pid") o.relay2_pid = std::stoi(val());
    else if (a == "--creds2") o.creds2 = val();
    else if (a == "--nginx-pid") o.nginx_pid = std::stoi(val());
    else if (a == "--creds") o.creds = val();
    else if (a == "--cert") o.cert = val();
    else if (a == "--key") o.key = val();
    else if (a == "--pairs") o.pairs = std::stoi(val());
    else if (a == "--size") o.size = std::stoul(val());
    else if (a == "--sizes") {
      o.sizes.clear();
      for (auto& s : Split(val())) o.sizes.push_back(std::stoul(s));
    } else if (a == "--inflight") o.inflight = std::stoi(val());
    else if (a == "--rate") o.rate = std::stod(val());
    else if (a == "--reps") o.reps = std::stoi(val());
    else if (a == "--warmup") o.warmup = std::stod(val());
    else if (a == "--window") o.window = std::stod(val());
    else if (a == "--connect-parallel") o.connect_parallel = std::stoi(val());
    else Die("unknown argument " + a);
  }
  if (o.test != "throughput" && o.test != "rate" && o.test != "latency") Die("--test throughput|rate|latency");
  bool echo = false;
  for (auto& g : o.groups) {
    if (g == "relay") {
      if (!o.relay_port || o.creds.empty()) Die("the relay group needs --relay-port and --creds");
    } else if (g == "relay2") {
      if (!o.relay2_port || o.creds2.empty()) Die("the relay2 group needs --relay2-port and --creds2");
    } else if (g == "nginx" || g == "direct") {
      if (g == "nginx" && !o.nginx_port) Die("the nginx group needs --nginx-port");
      echo = true;
    } else {
      Die("unknown group " + g);
    }
  }
  if (echo && (!o.echo_port || o.cert.empty() || o.key.empty())) Die("nginx and direct need --echo-listen, --cert, --key");
  if (o.test == "latency") o.pairs = 1;
  if (o.pairs < 1 || o.pairs > 5000) Die("--pairs out of range");
  if (o.reps < 1 || o.reps > 20 || o.window <= 0 || o.window > 60 || o.warmup < 0 || o.warmup > 30) {
    Die("--reps, --window or --warmup out of range");
  }
  if (o.rate <= 0 || o.rate > 10000 || o.inflight < 1 || o.inflight > 1000) Die("--rate or --inflight out of range");
  o.sizes.push_back(o.size);
  for (size_t s : o.sizes) {
    if (s < 8 || s > wire::MaxPayload(wire::Channel::kFile)) Die("frame sizes must be 8 bytes to 256 KiB");
  }
  o.sizes.pop_back();
  return o;
}

// utime + stime of a process, in seconds: sampled at the scheduler tick (250 Hz here), so only
// a statistical figure for a server that runs in short bursts. Printed beside CpuSeconds.
double TickCpuSeconds(int pid) {
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

// The time every thread of a process has run, in seconds, as the scheduler measures it at each
// switch (the first field of /proc/PID/task/TID/schedstat, nanoseconds): exact, where utime and
// stime are tick samples. Falls back to those when schedstat is missing.
double CpuSeconds(int pid) {
  if (pid <= 0) return 0;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  uint64_t ns = 0;
  bool any = false;
  for (const auto& t : std::filesystem::directory_iterator(tasks, ec)) {
    std::ifstream in(t.path() / "schedstat");
    uint64_t run_ns = 0;
    if (in >> run_ns) ns += run_ns, any = true;
  }
  return any ? static_cast<double>(ns) / 1e9 : TickCpuSeconds(pid);
}

// Resident memory of a process in KiB (VmRSS; 0 if unknown).
uint64_t ResidentKiB(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

// Bytes a process has caused to be written to storage (write_bytes in /proc/PID/io; 0 if unknown).
uint64_t StorageWrites(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/io");
  for (std::string key; in >> key;) {
    uint64_t v = 0;
    if (!(in >> v)) break;
    if (key == "write_bytes:") return v;
  }
  return 0;
}

double OwnCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// For profiling: RELAY_BENCH_MARK=FILE gets a line whenever a measured window starts.
void MarkWindow(const std::string& what) {
  if (const char* f = std::getenv("RELAY_BENCH_MARK")) std::ofstream(f, std::ios::app) << what << "\n";
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
  Conn(tcp::socket sock, ssl::context& ctx) : s(std::move(sock), ctx), buf(512 * 1024) {}

  // The next frame; `payload` stays valid until the next call. False on EOF or error.
  awaitable<bool> Next(wire::FrameHeader& h, std::span<const uint8_t>& payload) {
    while (true) {
      const size_t avail = end - begin;
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

struct Group;

struct Pair {
  Pair(asio::io_context& io, Group& g, int id) : group(g), id(id), wake(io), ready(io) {}
  Group& group;
  const int id;                // global: names the pair to the echo server
  std::unique_ptr<Conn> tx;    // guest / client
  std::unique_ptr<Conn> rx;    // host / accepted by the echo server
  std::string code, token;     // relay
  uint64_t sent = 0;
  uint64_t received = 0;       // file frames at rx
  uint64_t received_bytes = 0; // whole frames (header + payload) at rx
  int writers = 0;             // writer coroutines still running
  bool echoed = false;         // latency: the echo reached tx
  asio::steady_timer wake;     // tx waits for credit (throughput) or an echo (latency)
  asio::steady_timer ready;    // nginx, direct: tx waits for the echo server to see its id
};

struct Group {
  std::string name;
  bool relay = false;  // a tetherd relay (guest and host), not a TLS byte forwarder
  uint16_t port = 0;
  int cpu_pid = 0;
  std::vector<Pair*> pairs;
  bool active = false;  // writers run while set
  std::map<size_t, std::vector<double>> rtt_us;         // latency: pooled over reps
  std::map<size_t, std::pair<double, double>> cpu_us;  // latency: server, bench CPU per window sum
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
    client_ctx_.set_verify_mode(ssl::verify_none);  // loopback benchmark: the peers are ours
    for (auto& name : o_.groups) {
      auto g = std::make_unique<Group>();
      g->name = name;
      std::ifstream creds;
      if (name == "relay" || name == "relay2") {
        const bool second = name == "relay2";
        g->relay = true;
        g->port = second ? o_.relay2_port : o_.relay_port;
        g->cpu_pid = second ? o_.relay2_pid : o_.relay_pid;
        creds.open(second ? o_.creds2 : o_.creds);
      } else if (name == "nginx") {
        g->port = o_.nginx_port;
        g->cpu_pid = o_.nginx_pid;
      } else {
        g->port = o_.echo_port;
        echo_ = true;
      }
      echo_ = echo_ || name == "nginx";
      for (int i = 0; i < o_.pairs; ++i) {
        pairs_.push_back(std::make_unique<Pair>(io_, *g, static_cast<int>(pairs_.size())));
        Pair& p = *pairs_.back();
        if (g->relay && !(creds >> p.code >> p.token)) Die("fewer credentials than --pairs for " + name);
        g->pairs.push_back(&p);
      }
      groups_.push_back(std::move(g));
    }
    if (echo_) {
      server_ctx_.use_certificate_chain_file(o_.cert);
      server_ctx_.use_private_key_file(o_.key, ssl::context::pem);
    }
  }

  void Run() {
    if (echo_) {
      tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), o_.echo_port);
      acceptor_.open(ep.protocol());
      acceptor_.set_option(asio::socket_base::reuse_address(true));
      acceptor_.bind(ep);
      acceptor_.listen(asio::socket_base::max_listen_connections);
      asio::co_spawn(io_, AcceptLoop(), asio::detached);
    }
    asio::co_spawn(io_, Main(), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        Die(std::string("failed: ") + ex.what());
      }
    });
    io_.run();
  }

 private:
  awaitable<void> Sleep(double seconds) {
    asio::steady_timer t(io_, Seconds(seconds));
    co_await t.async_wait(kNoThrow);
  }

  awaitable<std::unique_ptr<Conn>> Dial(uint16_t port) {
    auto c = std::make_unique<Conn>(io_, client_ctx_);
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    auto [ec] = co_await c->s.next_layer().async_connect(ep, kNoThrow);
    if (ec) Die("connect to port " + std::to_string(port) + ": " + ec.message());
    c->s.next_layer().set_option(tcp::no_delay(true));
    auto [hec] = co_await c->s.async_handshake(ssl::stream_base::client, kNoThrow);
    if (hec) Die("TLS handshake with port " + std::to_string(port) + ": " + hec.message());
    co_return c;
  }

  awaitable<void> Send(Conn& c, const std::string& bytes) {
    auto [ec, n] = co_await asio::async_write(c.s, asio::buffer(bytes), kNoThrow);
    if (ec) Die("write: " + ec.message());
  }

  // Relay: Hello, then frames until the Welcome.
  awaitable<void> RelayHello(Conn& c, bool guest, const std::string& secret) {
    v1::ControlMessage m;
    auto* h = m.mutable_hello();
    h->set_protocol_version(wire::kProtocolVersion);
    h->set_min_protocol_version(wire::kMinProtocolVersion);
    h->set_role(guest ? v1::ENDPOINT_ROLE_GUEST : v1::ENDPOINT_ROLE_HOST);
    h->set_software("relay_bench");
    if (guest) {
      h->set_join_code(secret);
    } else {
      h->set_token(secret);
    }
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

  awaitable<void> SetUpPair(Pair& p) {
    p.tx = co_await Dial(p.group.port);
    if (p.group.relay) {
      co_await RelayHello(*p.tx, true, p.code);
      p.rx = co_await Dial(p.group.port);
      co_await RelayHello(*p.rx, false, p.token);
      // The relay asks the guest to consent to the host (the guest allows it), then for a key
      // frame once the host may see it: from then on the guest's frames reach the host.
      wire::FrameHeader hdr;
      std::span<const uint8_t> payload;
      while (true) {
        if (!co_await p.tx->Next(hdr, payload)) Die("the relay closed a guest");
        if (hdr.channel == wire::Channel::kVideo && !payload.empty() && payload[0] == 0x1a) break;
        if (hdr.channel != wire::Channel::kControl) continue;
        auto msg = wire::DecodeControl(payload);
        if (!msg || !msg->has_consent_request()) continue;
        v1::ControlMessage allow;
        allow.mutable_consent_response()->set_endpoint_id(msg->consent_request().endpoint_id());
        allow.mutable_consent_response()->set_granted(true);
        co_await Send(*p.tx, wire::EncodeControlFrame(allow));
      }
    } else {
      std::string id = FileFrame(8, 0);
      std::memcpy(id.data() + wire::kHeaderSize, &p.id, sizeof p.id);
      co_await Send(*p.tx, id);
      p.ready.expires_at(Clock::time_point::max());
      while (!p.rx) co_await p.ready.async_wait(kNoThrow);
    }
  }

  // The echo server: the first frame of a connection names its pair.
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
    int id = 0;
    std::memcpy(&id, payload.data(), sizeof id);
    if (id < 0 || id >= static_cast<int>(pairs_.size()) || pairs_[id]->rx) co_return;
    pairs_[id]->rx = std::move(c);
    pairs_[id]->ready.cancel();
  }

  // The receiving side, the same in every group: count file frames; in the latency test echo
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
      } else {
        p.wake.cancel();
      }
    }
    Die("a receiving connection (" + p.group.name + ") closed");
  }

  // The sending side's reader: echoes in the latency test; everything else is ignored.
  awaitable<void> TxReadLoop(Pair& p) {
    wire::FrameHeader h;
    std::span<const uint8_t> payload;
    while (co_await p.tx->Next(h, payload)) {
      if (h.channel == wire::Channel::kFile) {
        p.echoed = true;
        p.wake.cancel();
      } else if (h.channel == wire::Channel::kControl && p.group.relay) {
        auto msg = wire::DecodeControl(payload);
        if (msg && msg->has_error()) Die("the relay ended a guest: " + msg->error().message());
      }
    }
    Die("a sending connection (" + p.group.name + ") closed");
  }

  // The relay closes a connection that sent nothing for 60 s: ping both ends of every pair
  // before each window (no writer is active then).
  awaitable<void> KeepAlive(Group& g) {
    if (!g.relay) co_return;
    v1::ControlMessage m;
    m.mutable_ping()->set_nonce(1);
    const std::string ping = wire::EncodeControlFrame(m);
    for (Pair* p : g.pairs) {
      co_await Send(*p->tx, ping);
      co_await Send(*p->rx, ping);
    }
  }

  awaitable<void> ThroughputWriter(Pair& p, const std::string& frame) {
    ++p.writers;
    while (p.group.active) {
      if (p.sent - p.received >= static_cast<uint64_t>(o_.inflight)) {
        p.wake.expires_at(Clock::time_point::max());
        co_await p.wake.async_wait(kNoThrow);
        continue;
      }
      ++p.sent;
      co_await Send(*p.tx, frame);
    }
    --p.writers;
  }

  awaitable<void> RateWriter(Pair& p, const std::string& frame, Clock::time_point first) {
    ++p.writers;
    const auto period = Seconds(1.0 / o_.rate);
    asio::steady_timer t(io_);
    auto next = first;
    while (true) {
      t.expires_at(next);
      co_await t.async_wait(kNoThrow);
      if (!p.group.active) break;
      ++p.sent;
      co_await Send(*p.tx, frame);
      next += period;
      if (Clock::now() > next + period) ++late_;  // the schedule slipped by more than a period
    }
    --p.writers;
  }

  // Until the writers have stopped and every frame sent has arrived (at most 10 s).
  awaitable<void> Drain(Group& g) {
    for (int i = 0; i < 1000; ++i) {
      bool idle = true;
      for (Pair* p : g.pairs) idle = idle && p->writers == 0 && p->sent == p->received;
      if (idle) co_return;
      co_await Sleep(0.01);
    }
    Die("the " + g.name + " group did not drain");
  }

  // Until the group's server is quiet (under 5% of a core, and nothing written to storage),
  // at most 60 s: tetherd records session events on its blocking pool after the joins, one
  // synced write each, which takes little CPU but long enough to overlap the windows.
  awaitable<double> WaitQuiet(const Group& g) {
    const auto start = Clock::now();
    for (int i = 0; i < 240 && g.cpu_pid > 0; ++i) {
      const double c0 = CpuSeconds(g.cpu_pid);
      const uint64_t w0 = StorageWrites(g.cpu_pid);
      co_await Sleep(0.25);
      if (CpuSeconds(g.cpu_pid) - c0 < 0.0125 && StorageWrites(g.cpu_pid) == w0) break;
    }
    co_return std::chrono::duration<double>(Clock::now() - start).count();
  }

  std::string Describe(const Group& g) const {
    SSL* ssl = g.pairs[0]->tx->s.native_handle();
    std::ostringstream s;
    s << "mode=" << g.name << " test=" << o_.test << " pairs=" << g.pairs.size() << " tls=" << SSL_get_version(ssl)
      << " cipher=" << SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
    return s.str();
  }

  awaitable<void> Main() {
    // Connect every group (the relay's first: its host tokens expire), a few pairs at a time.
    const auto setup_start = Clock::now();
    {
      size_t next = 0, done = 0;
      asio::steady_timer all_done(io_, Clock::time_point::max());
      auto worker = [&]() -> awaitable<void> {
        while (next < pairs_.size()) {
          co_await SetUpPair(*pairs_[next++]);
          ++done;
        }
        all_done.cancel();
      };
      const size_t workers = std::min<size_t>(static_cast<size_t>(o_.connect_parallel), pairs_.size());
      for (size_t w = 0; w < workers; ++w) asio::co_spawn(io_, worker(), asio::detached);
      asio::steady_timer guard(io_, std::chrono::seconds(55));
      guard.async_wait([&](boost::system::error_code ec) {
        if (!ec) Die("set-up did not finish in 55 s (" + std::to_string(done) + " of " + std::to_string(pairs_.size()) + " pairs)");
      });
      while (done < pairs_.size()) {
        co_await all_done.async_wait(kNoThrow);
        all_done.expires_at(Clock::time_point::max());
      }
      guard.cancel();
    }
    setup_s_ = std::chrono::duration<double>(Clock::now() - setup_start).count();
    for (auto& p : pairs_) {
      asio::co_spawn(io_, RxLoop(*p), asio::detached);
      asio::co_spawn(io_, TxReadLoop(*p), asio::detached);
    }
    for (auto& g : groups_) {
      co_await KeepAlive(*g);
      quiet_s_ = std::max(quiet_s_, co_await WaitQuiet(*g));
    }

    if (o_.test == "latency") {
      for (int rep = 0; rep < o_.reps; ++rep) {
        for (size_t size : o_.sizes) {
          for (auto& g : groups_) co_await LatencyWindow(*g, size);
        }
      }
      for (size_t size : o_.sizes) {
        for (auto& g : groups_) PrintLatency(*g, size);
      }
    } else {
      for (int rep = 0; rep < o_.reps; ++rep) {
        for (auto& g : groups_) co_await LoadWindow(*g, rep);
      }
    }
    // Leave without tearing down coroutines that still reference the connections: the kernel
    // closes the sockets.
    std::cout.flush();
    std::_Exit(0);
  }

  awaitable<void> LoadWindow(Group& g, int rep) {
    co_await KeepAlive(g);
    const std::string frame = FileFrame(o_.size, 0x5a);
    g.active = true;
    if (o_.test == "throughput") {
      for (Pair* p : g.pairs) asio::co_spawn(io_, ThroughputWriter(*p, frame), asio::detached);
    } else {
      // Spread the pairs' schedules evenly over one period.
      const auto start = Clock::now() + std::chrono::milliseconds(10);
      const double period = 1.0 / o_.rate;
      for (size_t i = 0; i < g.pairs.size(); ++i) {
        const auto first = start + Seconds(period * static_cast<double>(i) / static_cast<double>(g.pairs.size()));
        asio::co_spawn(io_, RateWriter(*g.pairs[i], frame, first), asio::detached);
      }
    }
    auto totals = [&] {
      std::pair<uint64_t, uint64_t> t{0, 0};
      for (Pair* p : g.pairs) t.first += p->received, t.second += p->received_bytes;
      return t;
    };
    co_await Sleep(o_.warmup);
    MarkWindow(g.name);
    const auto t0 = Clock::now();
    const double cpu0 = CpuSeconds(g.cpu_pid), tick0 = TickCpuSeconds(g.cpu_pid), own0 = OwnCpuSeconds();
    const auto [n0, b0] = totals();
    const uint64_t late0 = late_;
    co_await Sleep(o_.window);
    const double cpu1 = CpuSeconds(g.cpu_pid), tick1 = TickCpuSeconds(g.cpu_pid), own1 = OwnCpuSeconds();
    const auto [n1, b1] = totals();
    const uint64_t late1 = late_;
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    g.active = false;
    co_await Drain(g);

    const double cpu = cpu1 - cpu0;
    const uint64_t frames = n1 - n0, bytes = b1 - b0;
    char line[1024];
    std::snprintf(line, sizeof line,
                  "RESULT %s rep=%d size=%zu setup_s=%.2f quiet_s=%.2f wall_s=%.3f frames=%llu bytes=%llu "
                  "msg_per_s=%.0f mbyte_per_s=%.1f server_cpu_s=%.3f server_cpu_pct=%.1f bytes_per_cpu_s=%.0f "
                  "cpu_us_per_msg=%.3f tick_cpu_us_per_msg=%.3f bench_cpu_pct=%.1f late=%llu server_rss_kib=%llu",
                  Describe(g).c_str(), rep, o_.size, setup_s_, quiet_s_, wall, static_cast<unsigned long long>(frames),
                  static_cast<unsigned long long>(bytes), static_cast<double>(frames) / wall,
                  static_cast<double>(bytes) / wall / 1e6, cpu, 100.0 * cpu / wall,
                  cpu > 0 ? static_cast<double>(bytes) / cpu : 0.0,
                  frames ? cpu * 1e6 / static_cast<double>(frames) : 0.0,
                  frames ? (tick1 - tick0) * 1e6 / static_cast<double>(frames) : 0.0, 100.0 * (own1 - own0) / wall,
                  static_cast<unsigned long long>(late1 - late0),
                  static_cast<unsigned long long>(ResidentKiB(g.cpu_pid)));
    std::cout << line << std::endl;
  }

  awaitable<void> LatencyWindow(Group& g, size_t size) {
    co_await KeepAlive(g);
    Pair& p = *g.pairs[0];
    std::string frame = FileFrame(size, 0xa5);
    auto& rtt = g.rtt_us[size];
    const auto measure_from = Clock::now() + Seconds(std::min(o_.warmup, 0.5));
    const auto until = measure_from + Seconds(o_.window);
    bool measuring = false;
    double cpu0 = 0, own0 = 0;
    size_t n = 0;
    for (uint64_t seq = 0; seq < 5'000'000; ++seq) {
      const auto now = Clock::now();
      if (now >= until) break;
      if (!measuring && now >= measure_from) {
        measuring = true;
        MarkWindow(g.name);
        cpu0 = CpuSeconds(g.cpu_pid);
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
      if (measuring) {
        rtt.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        ++n;
      }
    }
    auto& cpu = g.cpu_us[size];
    cpu.first += (CpuSeconds(g.cpu_pid) - cpu0) * 1e6;
    cpu.second += (OwnCpuSeconds() - own0) * 1e6;
    if (n == 0) Die("no round trips measured");
  }

  void PrintLatency(Group& g, size_t size) {
    auto& rtt = g.rtt_us[size];
    std::sort(rtt.begin(), rtt.end());
    auto pct = [&](double q) { return rtt[std::min(rtt.size() - 1, static_cast<size_t>(q * static_cast<double>(rtt.size())))]; };
    const auto& cpu = g.cpu_us[size];
    char line[1024];
    std::snprintf(line, sizeof line,
                  "RESULT %s size=%zu reps=%d n=%zu p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f "
                  "server_cpu_us_per_rtt=%.2f bench_cpu_us_per_rtt=%.2f",
                  Describe(g).c_str(), size, o_.reps, rtt.size(), pct(0.5), pct(0.99), pct(0.999), rtt.back(),
                  cpu.first / static_cast<double>(rtt.size()), cpu.second / static_cast<double>(rtt.size()));
    std::cout << line << std::endl;
  }

  Options o_;
  asio::io_context io_{1};
  ssl::context client_ctx_;
  ssl::context server_ctx_;
  tcp::acceptor acceptor_;
  bool echo_ = false;
  std::vector<std::unique_ptr<Group>> groups_;
  std::vector<std::unique_ptr<Pair>> pairs_;
  uint64_t late_ = 0;
  double setup_s_ = 0, quiet_s_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Bench bench(ParseArgs(argc, argv));
  bench.Run();
  return 0;
}
