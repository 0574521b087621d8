// Real-X tests of the X11 clipboard: a private Xvfb per test, and other X clients written here
// with Xlib (a requestor that pastes, an owner that copies, with INCR and STRING-only variants).
#include "agent/clipboard/x11_clipboard_x11.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "testing/xvfb.h"

// X11 last: Xlib's `#define Status int` would hide tether::Status.
#include <X11/Xatom.h>
#include <X11/Xlib.h>

#include "agent/capture/x11_error_trap_x11.h"
#undef Status

namespace tether::agent {
namespace {

using namespace std::chrono_literals;

// Another X client on the same display, with a window of its own.
struct Peer {
  explicit Peer(const std::string& name) {
    display = XOpenDisplay(name.c_str());
    if (!display) return;
    X11ErrorTrap::Watch(display);
    window = XCreateSimpleWindow(display, DefaultRootWindow(display), 0, 0, 1, 1, 0, 0, 0);
    clipboard = Intern("CLIPBOARD");
    XSync(display, False);
  }
  ~Peer() {
    if (display) X11ErrorTrap::Close(display);
  }
  Atom Intern(const char* name) { return XInternAtom(display, name, False); }
  int fd() const { return ConnectionNumber(display); }

  Display* display = nullptr;
  Window window = None;
  Atom clipboard = None;
};

// A guest application that copies text: owns CLIPBOARD and answers requests, in one piece or
// with INCR, as UTF8_STRING or (string_only) as ISO 8859-1 STRING.
struct CopyingApp : Peer {
  using Peer::Peer;

  void Copy(std::string bytes, size_t incr_chunk = 0, bool string_only = false) {
    data = std::move(bytes);
    chunk = incr_chunk;
    only_string = string_only;
    incr.reset();
    XSetSelectionOwner(display, clipboard, window, CurrentTime);
    XFlush(display);
  }

  // Answers whatever waits; call it often.
  void Serve() {
    while (XPending(display) > 0) {
      XEvent e;
      XNextEvent(display, &e);
      if (e.type == SelectionRequest) Answer(e.xselectionrequest);
      if (e.type == PropertyNotify && incr && e.xproperty.state == PropertyDelete &&
          e.xproperty.window == incr->requestor && e.xproperty.atom == incr->property) {
        NextPiece();
      }
    }
    XFlush(display);
  }

  void Answer(const XSelectionRequestEvent& r) {
    XSelectionEvent reply{};
    reply.type = SelectionNotify;
    reply.requestor = r.requestor;
    reply.selection = r.selection;
    reply.target = r.target;
    reply.time = r.time;
    reply.property = None;
    const Atom utf8 = Intern("UTF8_STRING");
    const bool ok = only_string ? r.target == XA_STRING : (r.target == utf8 || r.target == XA_STRING);
    ++requests;
    if (ok) {
      reply.property = r.property;
      if (chunk > 0) {
        XSelectInput(display, r.requestor, PropertyChangeMask);
        long size = static_cast<long>(data.size());
        XChangeProperty(display, r.requestor, r.property, Intern("INCR"), 32, PropModeReplace,
                        reinterpret_cast<unsigned char*>(&size), 1);
        incr = Incr{r.requestor, r.property, r.target, 0};
      } else {
        XChangeProperty(display, r.requestor, r.property, r.target, 8, PropModeReplace,
                        reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
      }
    }
    XSendEvent(display, r.requestor, False, NoEventMask, reinterpret_cast<XEvent*>(&reply));
  }

  void NextPiece() {
    const size_t n = std::min(chunk, data.size() - incr->offset);
    XChangeProperty(display, incr->requestor, incr->property, incr->type, 8, PropModeReplace,
                    reinterpret_cast<const unsigned char*>(data.data() + incr->offset), static_cast<int>(n));
    incr->offset += n;
    if (n == 0) incr.reset();  // the empty piece ends the transfer
  }

  struct Incr {
    Window requestor;
    Atom property;
    Atom type;
    size_t offset;
  };
  std::string data;
  size_t chunk = 0;
  bool only_string = false;
  int requests = 0;
  std::optional<Incr> incr;
};

// A guest application that pastes: asks the CLIPBOARD owner for one target.
struct PastingApp : Peer {
  using Peer::Peer;
  struct Reply {
    Atom type = None;
    int format = 0;
    std::string bytes;         // format 8
    std::vector<long> values;  // format 32
  };

  void Ask(Atom target) {
    reply.reset();
    answered = false;
    XConvertSelection(display, clipboard, target, Intern("PASTED"), window, CurrentTime);
    XFlush(display);
  }
  // True once the answer came; `reply` is empty when the owner refused.
  bool Check() {
    XEvent e;
    if (!XCheckTypedWindowEvent(display, window, SelectionNotify, &e)) return false;
    answered = true;
    if (e.xselection.property == None) return true;
    Reply r;
    unsigned long items = 0, after = 0;
    unsigned char* data = nullptr;
    XGetWindowProperty(display, window, e.xselection.property, 0, 1 << 20, True, AnyPropertyType,
                       &r.type, &r.format, &items, &after, &data);
    if (data) {
      if (r.format == 8) r.bytes.assign(reinterpret_cast<char*>(data), items);
      if (r.format == 32) r.values.assign(reinterpret_cast<long*>(data), reinterpret_cast<long*>(data) + items);
      XFree(data);
    }
    reply = std::move(r);
    return true;
  }

  std::optional<Reply> reply;
  bool answered = false;
};

class X11ClipboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(xvfb_.Start(640, 480)) << xvfb_.error();
    copier_.emplace(xvfb_.display());
    paster_.emplace(xvfb_.display());
    ASSERT_NE(copier_->display, nullptr);
    ASSERT_NE(paster_->display, nullptr);
    Create();
  }

  void Create(X11ClipboardOptions options = {}) {
    options.display = xvfb_.display();
    Status error;
    clipboard_ = CreateX11Clipboard(options, &error);
    ASSERT_NE(clipboard_, nullptr) << error.error().message;
    clipboard_->SetTextHandler([this](std::string text) { received_.push_back(std::move(text)); });
  }

  // Runs the clipboard and the two other clients until `done`, at most `timeout`.
  bool PumpUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto next = clipboard_->Dispatch();
      EXPECT_TRUE(next.ok()) << next.error().message;
      if (!next.ok()) return false;
      copier_->Serve();
      if (done()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      pollfd fds[] = {{clipboard_->EventFd(), POLLIN, 0}, {copier_->fd(), POLLIN, 0}, {paster_->fd(), POLLIN, 0}};
      poll(fds, 3, 10);
    }
  }
  void PumpFor(std::chrono::milliseconds d) { PumpUntil([] { return false; }, d); }

  std::optional<PastingApp::Reply> Paste(const char* target) {
    paster_->Ask(paster_->Intern(target));
    EXPECT_TRUE(PumpUntil([&] { return paster_->Check(); })) << "no answer to a request for " << target;
    return paster_->reply;
  }

  Window Owner() { return XGetSelectionOwner(paster_->display, paster_->clipboard); }

  testing::Xvfb xvfb_;
  std::optional<CopyingApp> copier_;
  std::optional<PastingApp> paster_;
  std::unique_ptr<Clipboard> clipboard_;
  std::vector<std::string> received_;
};

TEST_F(X11ClipboardTest, HostTextIsPastedByOtherApplicationsInEveryTextTarget) {
  const std::string text = "Grüße from the host ✓\nline 2";
  ASSERT_TRUE(clipboard_->SetText(text).ok());
  PumpFor(50ms);
  EXPECT_NE(Owner(), None);
  EXPECT_NE(Owner(), copier_->window);

  auto utf8 = Paste("UTF8_STRING");
  ASSERT_TRUE(utf8);
  EXPECT_EQ(utf8->type, paster_->Intern("UTF8_STRING"));
  EXPECT_EQ(utf8->bytes, text);

  auto text_target = Paste("TEXT");
  ASSERT_TRUE(text_target);
  EXPECT_EQ(text_target->bytes, text);

  auto latin1 = Paste("STRING");
  ASSERT_TRUE(latin1);
  EXPECT_EQ(latin1->type, static_cast<Atom>(XA_STRING));
  EXPECT_EQ(latin1->bytes, "Gr\xFC\xDF" "e from the host ?\nline 2");

  auto targets = Paste("TARGETS");
  ASSERT_TRUE(targets);
  EXPECT_EQ(targets->type, static_cast<Atom>(XA_ATOM));
  std::vector<long> want = {static_cast<long>(paster_->Intern("TARGETS")),
                            static_cast<long>(paster_->Intern("TIMESTAMP")),
                            static_cast<long>(paster_->Intern("UTF8_STRING")), XA_STRING,
                            static_cast<long>(paster_->Intern("TEXT"))};
  EXPECT_EQ(targets->values, want);

  auto stamp = Paste("TIMESTAMP");
  ASSERT_TRUE(stamp);
  ASSERT_EQ(stamp->values.size(), 1u);
  EXPECT_GT(stamp->values[0], 0) << "the selection was taken with a server time, not CurrentTime";

  EXPECT_FALSE(Paste("image/png")) << "targets that are not text are refused";
  EXPECT_TRUE(received_.empty()) << "the host's own text is not reported back";
}

TEST_F(X11ClipboardTest, TextCopiedOnTheGuestReachesTheHandler) {
  copier_->Copy("copied on the guest ✓");
  ASSERT_TRUE(PumpUntil([&] { return received_.size() == 1; }));
  EXPECT_EQ(received_[0], "copied on the guest ✓");

  copier_->Copy("and again, something else");
  ASSERT_TRUE(PumpUntil([&] { return received_.size() == 2; }));
  EXPECT_EQ(received_[1], "and again, something else");
}

TEST_F(X11ClipboardTest, FallsBackToStringFromLatin1Owners) {
  copier_->Copy("caf\xE9 cr\xE8me", 0, /*string_only=*/true);
  ASSERT_TRUE(PumpUntil([&] { return received_.size() == 1; }));
  EXPECT_EQ(received_[0], "café crème");
  EXPECT_EQ(copier_->requests, 2) << "UTF8_STRING first, then STRING";
}

TEST_F(X11ClipboardTest, ReadsIncrementalTransfers) {
  std::string big;
  for (int i = 0; big.size() < 200 * 1024; ++i) big += "line " + std::to_string(i) + " äöü\n";
  copier_->Copy(big, 16 * 1024);
  ASSERT_TRUE(PumpUntil([&] { return received_.size() == 1; }));
  EXPECT_EQ(received_[0], big);
}

TEST_F(X11ClipboardTest, OversizeHostTextIsRefusedAndTheClipboardIsKept) {
  copier_->Copy("kept");
  ASSERT_TRUE(PumpUntil([&] { return received_.size() == 1; }));

  auto st = clipboard_->SetText(std::string(kMaxClipboardTextBytes + 1, 'x'));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "too_large");
  EXPECT_EQ(st.error().message.find("xxx"), std::string::npos) << "the text is never in messages";
  auto bad = clipboard_->SetText("not \xFF UTF-8");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "validation");
  PumpFor(50ms);
  EXPECT_EQ(Owner(), copier_->window);

  // Exactly the limit fits (one request, with BIG-REQUESTS) and is pasted whole.
  const std::string limit(kMaxClipboardTextBytes, 'y');
  ASSERT_TRUE(clipboard_->SetText(limit).ok());
  auto pasted = Paste("UTF8_STRING");
  ASSERT_TRUE(pasted);
  EXPECT_EQ(pasted->bytes.size(), limit.size());
  EXPECT_EQ(pasted->bytes, limit);
}

TEST_F(X11ClipboardTest, OversizeGuestTextIsSkippedWithoutCrashing) {
  copier_->Copy(std::string(kMaxClipboardTextBytes + 100, 'z'));
  PumpFor(300ms);
  EXPECT_TRUE(received_.empty());
  copier_->Copy(std::string(kMaxClipboardTextBytes + 100, 'w'), 32 * 1024);  // announced by INCR
  PumpFor(300ms);
  EXPECT_TRUE(received_.empty());

  // Still working afterwards.
  copier_->Copy("small");
  ASSERT_TRUE(PumpUntil([&] { return received_.size() == 1; }));
  EXPECT_EQ(received_[0], "small");
}

TEST_F(X11ClipboardTest, HostTextIsNotEchoedBackEvenWhenAClipboardManagerTakesItOver) {
  ASSERT_TRUE(clipboard_->SetText("from the host").ok());
  PumpFor(200ms);
  EXPECT_TRUE(received_.empty());
  // A clipboard manager copies the same text and takes ownership: nothing new to report.
  copier_->Copy("from the host");
  PumpUntil([&] { return copier_->requests > 0; });
  PumpFor(200ms);
  EXPECT_TRUE(received_.empty());
  // The guest then copies something else: reported.
  copier_->Copy("typed by the guest");
  ASSERT_TRUE(PumpUntil([&] { return received_.size() == 1; }));
  EXPECT_EQ(received_[0], "typed by the guest");
}

TEST_F(X11ClipboardTest, OwnershipGoesBackAndForth) {
  ASSERT_TRUE(clipboard_->SetText("one").ok());
  copier_->Copy("two");
  ASSERT_TRUE(PumpUntil([&] { return received_.size() == 1; }));
  ASSERT_TRUE(clipboard_->SetText("three").ok());
  auto pasted = Paste("UTF8_STRING");
  ASSERT_TRUE(pasted);
  EXPECT_EQ(pasted->bytes, "three");
  EXPECT_EQ(received_, std::vector<std::string>{"two"});
}

TEST_F(X11ClipboardTest, RefusesTextTooLargeForAServerWithoutBigRequests) {
  X11ClipboardOptions options;
  options.max_property_bytes = 1000;
  Create(options);
  auto st = clipboard_->SetText(std::string(2000, 'a'));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "too_large");
  ASSERT_TRUE(clipboard_->SetText(std::string(900, 'b')).ok());
  auto pasted = Paste("UTF8_STRING");
  ASSERT_TRUE(pasted);
  EXPECT_EQ(pasted->bytes, std::string(900, 'b'));
}

TEST_F(X11ClipboardTest, ReportsTheDisplayGoingAway) {
  xvfb_.Stop();
  Result<std::optional<std::chrono::milliseconds>> next = std::optional<std::chrono::milliseconds>();
  for (int i = 0; i < 100 && next.ok(); ++i) {
    next = clipboard_->Dispatch();
    pollfd p{clipboard_->EventFd(), POLLIN, 0};
    poll(&p, 1, 10);
  }
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, "display_lost");
  EXPECT_FALSE(clipboard_->SetText("after").ok());
  clipboard_.reset();  // closing a lost display does not crash
}

}  // namespace
}  // namespace tether::agent
