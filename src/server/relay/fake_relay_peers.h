#pragma once
// Fakes for unit tests of the Relay's policy layer: a FrameLink that keeps what is sent, a
// RelayDirectory that admits every guest to "s1" and records events, and a Peer that drives an
// endpoint. Single-threaded test use only.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "server/relay/relay.h"
#include "wire/control.h"

namespace tether::relay {

class FakeLink final : public net::FrameLink {
 public:
  net::SendResult Send(net::FrameBytes frame) override {
    std::lock_guard lock(mu);
    if (closed) return net::SendResult::kClosed;
    frames.push_back(std::move(frame));
    return net::SendResult::kQueued;
  }
  void Close() override {
    std::lock_guard lock(mu);
    closed = true;
  }
  const std::string& PeerAddress() const override { return address; }

  // Decoded control messages received since the last call.
  std::vector<v1::ControlMessage> TakeControl() {
    std::vector<v1::ControlMessage> out;
    for (auto& f : Take(wire::Channel::kControl)) {
      auto m = wire::DecodeControl(Payload(f));
      if (m) out.push_back(*m);
    }
    return out;
  }
  std::vector<net::FrameBytes> Take(wire::Channel channel) {
    std::lock_guard lock(mu);
    std::vector<net::FrameBytes> out, keep;
    for (auto& f : frames) (static_cast<uint8_t>((*f)[4]) == static_cast<uint8_t>(channel) ? out : keep).push_back(f);
    frames = keep;
    return out;
  }
  static std::span<const uint8_t> Payload(const net::FrameBytes& f) {
    return {reinterpret_cast<const uint8_t*>(f->data()) + wire::kHeaderSize, f->size() - wire::kHeaderSize};
  }

  std::mutex mu;
  std::vector<net::FrameBytes> frames;
  bool closed = false;
  std::string address = "192.0.2.1";
};

struct Event {
  std::string kind, actor, detail;
  bool operator==(const Event&) const = default;
};

class FakeDirectory final : public RelayDirectory {
 public:
  void AdmitGuest(const std::string&, const std::string&, std::function<void(Result<Admission>)> done) override {
    Admission admission{"s1", "Printer", "guest", false};
    admission.session_type = session_type;
    done(admission);
  }
  void AdmitHost(const std::string&, const std::string&, std::function<void(Result<Admission>)> done) override {
    done(MakeError("unauthenticated", "no"));
  }
  void RecordEvent(const std::string&, const std::string& kind, const std::string& actor,
                   const std::string& detail) override {
    events.push_back({kind, actor, detail});
  }
  // Like the real bridge, this only records; the test then plays the Session Manager's answer.
  void EndSession(const std::string&, const std::string& actor) override { ended_by.push_back(actor); }
  void UpdateGuestInfo(const std::string& session_id, const GuestFacts& facts) override {
    guest_info.push_back({session_id, facts});
  }
  // Consent events only, in order.
  std::vector<Event> Consent() const {
    std::vector<Event> out;
    for (const auto& e : events) {
      if (e.kind.starts_with("consent_")) out.push_back(e);
    }
    return out;
  }
  std::vector<Event> events;
  std::vector<std::string> ended_by;
  std::vector<std::pair<std::string, GuestFacts>> guest_info;
  std::string session_type = "support";  // of "s1", for guests and for Host(name)
};

inline std::string ControlFrame(const v1::ControlMessage& m) { return wire::EncodeControlFrame(m); }

inline net::FrameBytes Bytes(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

inline std::string KeyInput() {
  v1::InputMessage m;
  m.mutable_key()->set_keysym(0x61);
  m.mutable_key()->set_down(true);
  return wire::EncodeFrame(wire::Channel::kInput, m);
}

inline std::string VideoKeyFrame(uint64_t id) {
  v1::VideoMessage m;
  m.mutable_frame()->set_frame_id(id);
  m.mutable_frame()->set_width(64);
  m.mutable_frame()->set_height(64);
  m.mutable_frame()->set_key_frame(true);
  return wire::EncodeVideoFrame(m);
}

inline std::string Clipboard() {
  v1::ClipboardMessage m;
  m.mutable_text()->set_text("secret");
  return wire::EncodeFrame(wire::Channel::kClipboard, m);
}

inline v1::ControlMessage Response(uint64_t id, bool granted, bool timed_out = false) {
  v1::ControlMessage m;
  m.mutable_consent_response()->set_endpoint_id(id);
  m.mutable_consent_response()->set_granted(granted);
  m.mutable_consent_response()->set_timed_out(timed_out);
  return m;
}

struct Peer {
  std::shared_ptr<FakeLink> link = std::make_shared<FakeLink>();
  std::shared_ptr<net::FrameSink> sink;
  uint64_t id = 0;
  void Send(const std::string& frame) { sink->OnFrame(Bytes(frame)); }
  void Close() { sink->OnClosed(); }
};

// A relay over a FakeDirectory, with guests and hosts on fake links, for session "s1".
class FakeRelayRig {
 public:
  explicit FakeRelayRig(RelayOptions options = {}) : relay(directory, metrics, options) {}
  // Real links end with OnClosed; so do these, or each hub and its endpoints keep each other.
  ~FakeRelayRig() {
    for (auto& sink : opened) sink->OnClosed();
  }

  Peer Guest() {
    Peer p;
    p.sink = relay.Accept(p.link, std::nullopt);
    opened.push_back(p.sink);
    v1::ControlMessage hello;
    hello.mutable_hello()->set_protocol_version(1);
    hello.mutable_hello()->set_role(v1::ENDPOINT_ROLE_GUEST);
    hello.mutable_hello()->set_join_code("402913");
    p.Send(ControlFrame(hello));
    KeepAllButSessionInfo(p);
    return p;
  }

  Peer Host(const std::string& name, bool consent_required = true) {
    Admission admission{"s1", "Printer", name, false, consent_required};
    admission.session_type = directory.session_type;
    return Host(std::move(admission));
  }

  Peer Host(Admission admission) {
    Peer p;
    p.sink = relay.Accept(p.link, std::move(admission));
    opened.push_back(p.sink);
    v1::ControlMessage hello;
    hello.mutable_hello()->set_protocol_version(1);
    hello.mutable_hello()->set_role(v1::ENDPOINT_ROLE_HOST);
    p.Send(ControlFrame(hello));
    KeepAllButSessionInfo(p);
    return p;
  }

  // Notes the endpoint id; keeps the other control frames for the test.
  static void KeepAllButSessionInfo(Peer& p) {
    for (auto& m : p.link->Take(wire::Channel::kControl)) {
      auto c = wire::DecodeControl(FakeLink::Payload(m));
      if (c && c->has_session_info()) p.id = c->session_info().endpoint_id();
      else p.link->frames.push_back(m);
    }
  }

  FakeDirectory directory;
  Metrics metrics;
  Relay relay;
  std::vector<std::shared_ptr<net::FrameSink>> opened;
};

}  // namespace tether::relay
