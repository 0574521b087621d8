#include "agent/clipboard/x11_clipboard_x11.h"

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/extensions/Xfixes.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "agent/capture/x11_error_trap_x11.h"
#include "agent/clipboard/text_encoding.h"
#include "base/log.h"

// Xlib's `#define Status int` would hide tether::Status.
#undef Status

namespace tether::agent {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kTransferTimeout = std::chrono::seconds(5);  // an owner that stopped answering
constexpr auto kTimestampTimeout = std::chrono::seconds(1);
constexpr size_t kRequestOverhead = 64;  // ChangeProperty header with a BIG-REQUESTS length

Error DisplayLost() { return MakeError("display_lost", "the X display went away"); }

// Owns an X connection: closes it last, after everything that uses it.
struct OwnedDisplay {
  explicit OwnedDisplay(Display* d) : display(d) {}
  ~OwnedDisplay() { X11ErrorTrap::Close(display); }
  OwnedDisplay(const OwnedDisplay&) = delete;
  OwnedDisplay& operator=(const OwnedDisplay&) = delete;
  Display* display;
};

// The CLIPBOARD selection of one X display, read and served through a hidden window.
// One thread only; owns the Display.
class X11Clipboard final : public Clipboard {
 public:
  X11Clipboard(Display* display, int fixes_event_base, size_t max_property_bytes);
  ~X11Clipboard() override;
  Status Init();

  void SetTextHandler(TextHandler handler) override { handler_ = std::move(handler); }
  Status SetText(std::string text) override;
  int EventFd() const override { return ConnectionNumber(display_); }
  Result<std::optional<milliseconds>> Dispatch() override;

 private:
  enum class ReadState { kIdle, kAwaitNotify, kIncr };
  struct Property {
    Atom type = None;
    int format = 0;
    size_t bytes = 0;
  };

  void Handle(XEvent& event);
  void OnOwnerChanged(const XFixesSelectionNotifyEvent& e);
  void OnSelectionNotify(const XSelectionEvent& e);
  void OnPropertyNotify(const XPropertyEvent& e);
  void OnSelectionRequest(const XSelectionRequestEvent& e);
  bool Serve(Window requestor, Atom target, Atom property);
  void StartRead(Time time, Atom target);
  void EndRead();
  void Skip(size_t bytes);
  void Deliver(const std::string& raw, Atom type);
  Property PeekTransfer();
  std::string TakeTransfer(size_t bytes);
  Time ServerTime();
  bool Lost() const { return X11ErrorTrap::Lost(display_); }

  OwnedDisplay owned_;  // first member: destroyed last
  Display* display_;
  const int fixes_event_base_;
  const size_t max_property_bytes_;
  Window window_ = None;
  Atom clipboard_, targets_, timestamp_, text_, utf8_, incr_, transfer_, stamp_;
  TextHandler handler_;
  std::shared_ptr<spdlog::logger> log_ = Log("agent");

  // Serving: the text the hosts gave, while this window owns CLIPBOARD.
  bool owner_ = false;
  std::string owned_text_;
  Time owned_since_ = CurrentTime;
  // The last text exchanged either way: never reported again (loop prevention).
  std::optional<std::string> last_text_;

  // Reading: one transfer at a time.
  ReadState read_ = ReadState::kIdle;
  Atom read_target_ = None;
  Time read_time_ = CurrentTime;
  Atom incr_type_ = None;
  std::string incr_data_;
  SteadyClock::time_point read_deadline_{};
  std::optional<Time> reread_;  // the owner changed again during a read: read once more
};

X11Clipboard::X11Clipboard(Display* display, int fixes_event_base, size_t max_property_bytes)
    : owned_(display), display_(display), fixes_event_base_(fixes_event_base),
      max_property_bytes_(max_property_bytes) {
  clipboard_ = XInternAtom(display_, "CLIPBOARD", False);
  targets_ = XInternAtom(display_, "TARGETS", False);
  timestamp_ = XInternAtom(display_, "TIMESTAMP", False);
  text_ = XInternAtom(display_, "TEXT", False);
  utf8_ = XInternAtom(display_, "UTF8_STRING", False);
  incr_ = XInternAtom(display_, "INCR", False);
  transfer_ = XInternAtom(display_, "_TETHER_CLIPBOARD", False);
  stamp_ = XInternAtom(display_, "_TETHER_TIMESTAMP", False);
}

X11Clipboard::~X11Clipboard() {
  // Destroying the window gives up the selection; the X server tells the next owner.
  if (window_ != None && !Lost()) {
    XDestroyWindow(display_, window_);
    XFlush(display_);
  }
}

Status X11Clipboard::Init() {
  XSetWindowAttributes attrs{};
  attrs.event_mask = PropertyChangeMask;
  // Never mapped: it exists to own the selection and to receive transfers.
  window_ = XCreateWindow(display_, DefaultRootWindow(display_), -10, -10, 1, 1, 0, CopyFromParent,
                          InputOnly, CopyFromParent, CWEventMask, &attrs);
  XFixesSelectSelectionInput(display_, window_, clipboard_, XFixesSetSelectionOwnerNotifyMask);
  if (X11ErrorTrap::SyncAndTake(display_) != 0 || Lost()) {
    return MakeError("unavailable", "cannot watch the X clipboard");
  }
  return {};
}

Result<std::optional<milliseconds>> X11Clipboard::Dispatch() {
  if (Lost()) return DisplayLost();
  // XPending reads what the socket holds; after it returns 0 the queue is empty, so waiting on
  // the descriptor again is safe.
  while (!Lost() && XPending(display_) > 0) {
    XEvent event;
    XNextEvent(display_, &event);
    Handle(event);
  }
  if (read_ != ReadState::kIdle && SteadyClock::now() >= read_deadline_) {
    log_->info("clipboard: the guest application that holds the clipboard did not answer in time");
    EndRead();
  }
  XFlush(display_);
  (void)X11ErrorTrap::Take(display_);  // errors about requestors' windows (gone) are expected
  if (Lost()) return DisplayLost();
  if (read_ == ReadState::kIdle) return std::optional<milliseconds>();
  const auto left = std::chrono::ceil<milliseconds>(read_deadline_ - SteadyClock::now());
  return std::optional<milliseconds>(std::max(left, milliseconds(1)));
}

void X11Clipboard::Handle(XEvent& event) {
  if (event.type == fixes_event_base_ + XFixesSelectionNotify) {
    OnOwnerChanged(*reinterpret_cast<XFixesSelectionNotifyEvent*>(&event));
    return;
  }
  switch (event.type) {
    case SelectionNotify:
      OnSelectionNotify(event.xselection);
      break;
    case PropertyNotify:
      OnPropertyNotify(event.xproperty);
      break;
    case SelectionRequest:
      OnSelectionRequest(event.xselectionrequest);
      break;
    case SelectionClear:
      // A late SelectionClear (we took the selection back since) changes nothing.
      if (event.xselectionclear.selection == clipboard_ &&
          XGetSelectionOwner(display_, clipboard_) != window_) {
        owner_ = false;
        owned_text_ = std::string();
      }
      break;
    default:
      break;
  }
}

void X11Clipboard::OnOwnerChanged(const XFixesSelectionNotifyEvent& e) {
  if (e.selection != clipboard_ || e.owner == None || e.owner == window_) return;  // ours, or cleared
  if (read_ != ReadState::kIdle) {
    reread_ = e.selection_timestamp;
    return;
  }
  StartRead(e.selection_timestamp, utf8_);
}

void X11Clipboard::StartRead(Time time, Atom target) {
  XConvertSelection(display_, clipboard_, target, transfer_, window_, time);
  read_ = ReadState::kAwaitNotify;
  read_target_ = target;
  read_time_ = time;
  read_deadline_ = SteadyClock::now() + kTransferTimeout;
}

void X11Clipboard::EndRead() {
  read_ = ReadState::kIdle;
  incr_data_ = std::string();
  if (reread_) {
    const Time time = *reread_;
    reread_.reset();
    StartRead(time, utf8_);
  }
}

void X11Clipboard::Skip(size_t bytes) {
  // The size only: never the text.
  log_->info("clipboard: not sending the guest's clipboard text of {} bytes (at most {})", bytes,
             kMaxClipboardTextBytes);
}

void X11Clipboard::OnSelectionNotify(const XSelectionEvent& e) {
  if (read_ != ReadState::kAwaitNotify || e.requestor != window_ || e.selection != clipboard_ ||
      e.target != read_target_ || (e.time != CurrentTime && e.time != read_time_)) {
    return;  // not the answer to the request under way
  }
  if (e.property == None) {  // refused: try STRING once, then give up
    if (read_target_ == utf8_) {
      StartRead(read_time_, XA_STRING);
    } else {
      EndRead();
    }
    return;
  }
  const Property p = PeekTransfer();
  if (p.type == incr_) {
    // The owner sends the text in pieces; deleting the property starts the transfer. Its
    // value is a lower bound of the size.
    long lower_bound = 0;
    Atom type;
    int format;
    unsigned long items = 0, after = 0;
    unsigned char* data = nullptr;
    if (XGetWindowProperty(display_, window_, transfer_, 0, 1, False, incr_, &type, &format, &items,
                           &after, &data) == Success && data) {
      if (format == 32 && items == 1) lower_bound = *reinterpret_cast<long*>(data);
      XFree(data);
    }
    XDeleteProperty(display_, window_, transfer_);
    if (lower_bound > static_cast<long>(kMaxClipboardTextBytes)) {
      Skip(static_cast<size_t>(lower_bound));  // not started: the owner gives up by itself
      EndRead();
      return;
    }
    read_ = ReadState::kIncr;
    incr_type_ = None;
    read_deadline_ = SteadyClock::now() + kTransferTimeout;
    return;
  }
  if (p.format != 8 || p.bytes > kMaxClipboardTextBytes) {
    if (p.format == 8) Skip(p.bytes);
    XDeleteProperty(display_, window_, transfer_);
    EndRead();
    return;
  }
  Deliver(TakeTransfer(p.bytes), p.type);
  EndRead();
}

void X11Clipboard::OnPropertyNotify(const XPropertyEvent& e) {
  if (read_ != ReadState::kIncr || e.window != window_ || e.atom != transfer_ ||
      e.state != PropertyNewValue) {
    return;
  }
  const Property p = PeekTransfer();
  if (p.format != 8 && p.bytes > 0) {  // not text
    XDeleteProperty(display_, window_, transfer_);
    EndRead();
    return;
  }
  if (p.bytes == 0) {  // the last, empty piece
    XDeleteProperty(display_, window_, transfer_);
    Deliver(incr_data_, incr_type_);
    EndRead();
    return;
  }
  if (incr_data_.size() + p.bytes > kMaxClipboardTextBytes) {
    // Not deleting the piece stops the transfer; the owner gives up by itself.
    Skip(incr_data_.size() + p.bytes);
    EndRead();
    return;
  }
  incr_type_ = p.type;
  incr_data_ += TakeTransfer(p.bytes);
  read_deadline_ = SteadyClock::now() + kTransferTimeout;
}

X11Clipboard::Property X11Clipboard::PeekTransfer() {
  Property p;
  unsigned long items = 0, after = 0;
  unsigned char* data = nullptr;
  if (XGetWindowProperty(display_, window_, transfer_, 0, 0, False, AnyPropertyType, &p.type,
                         &p.format, &items, &after, &data) != Success) {
    return Property{};
  }
  if (data) XFree(data);
  p.bytes = after;
  return p;
}

std::string X11Clipboard::TakeTransfer(size_t bytes) {
  std::string out;
  Atom type;
  int format = 0;
  unsigned long items = 0, after = 0;
  unsigned char* data = nullptr;
  const long longs = static_cast<long>((bytes + 3) / 4);
  if (XGetWindowProperty(display_, window_, transfer_, 0, longs, True, AnyPropertyType, &type,
                         &format, &items, &after, &data) == Success && data) {
    if (format == 8) out.assign(reinterpret_cast<const char*>(data), std::min<size_t>(items, bytes));
    XFree(data);
  }
  if (after > 0) XDeleteProperty(display_, window_, transfer_);  // grew meanwhile: drop the rest
  return out;
}

void X11Clipboard::Deliver(const std::string& raw, Atom type) {
  std::string text = type == XA_STRING ? Latin1ToUtf8(raw) : RepairUtf8(raw);
  while (!text.empty() && text.back() == '\0') text.pop_back();  // some owners add one
  if (text.empty()) return;
  if (text.size() > kMaxClipboardTextBytes) {
    Skip(text.size());
    return;
  }
  if (last_text_ && *last_text_ == text) return;  // the hosts' own text, or nothing new
  last_text_ = text;
  if (handler_) handler_(std::move(text));
}

void X11Clipboard::OnSelectionRequest(const XSelectionRequestEvent& e) {
  XSelectionEvent reply{};
  reply.type = SelectionNotify;
  reply.display = display_;
  reply.requestor = e.requestor;
  reply.selection = e.selection;
  reply.target = e.target;
  reply.time = e.time;
  reply.property = None;
  // Obsolete requestors give no property: the target's name is used instead (ICCCM 2.2).
  const Atom property = e.property == None ? e.target : e.property;
  const bool current = owner_ && e.selection == clipboard_ && e.owner == window_ &&
                       (e.time == CurrentTime || owned_since_ == CurrentTime || e.time >= owned_since_);
  if (current && Serve(e.requestor, e.target, property)) reply.property = property;
  XSendEvent(display_, e.requestor, False, NoEventMask, reinterpret_cast<XEvent*>(&reply));
}

bool X11Clipboard::Serve(Window requestor, Atom target, Atom property) {
  if (target == targets_) {
    Atom list[] = {targets_, timestamp_, utf8_, XA_STRING, text_};
    XChangeProperty(display_, requestor, property, XA_ATOM, 32, PropModeReplace,
                    reinterpret_cast<unsigned char*>(list), std::size(list));
    return true;
  }
  if (target == timestamp_) {
    long time = static_cast<long>(owned_since_);
    XChangeProperty(display_, requestor, property, XA_INTEGER, 32, PropModeReplace,
                    reinterpret_cast<unsigned char*>(&time), 1);
    return true;
  }
  std::string latin1;
  const std::string* data = &owned_text_;
  Atom type = utf8_;
  if (target == XA_STRING) {
    latin1 = Utf8ToLatin1(owned_text_);
    data = &latin1;
    type = XA_STRING;
  } else if (target != utf8_ && target != text_) {
    return false;  // MULTIPLE, images, ...: refused
  }
  if (data->size() > max_property_bytes_) return false;  // SetText refuses such text already
  XChangeProperty(display_, requestor, property, type, 8, PropModeReplace,
                  reinterpret_cast<const unsigned char*>(data->data()), static_cast<int>(data->size()));
  return true;
}

// The X server's current time, from the PropertyNotify of an empty append to our window
// (ICCCM 2.1: a selection is not taken with CurrentTime). CurrentTime if the server is silent.
Time X11Clipboard::ServerTime() {
  static const unsigned char kNothing = 0;
  XChangeProperty(display_, window_, stamp_, XA_INTEGER, 8, PropModeAppend, &kNothing, 0);
  XFlush(display_);
  struct Match {
    Window window;
    Atom atom;
  } match{window_, stamp_};
  auto is_stamp = [](Display*, XEvent* e, XPointer arg) -> int {
    const auto* m = reinterpret_cast<const Match*>(arg);
    return e->type == PropertyNotify && e->xproperty.window == m->window && e->xproperty.atom == m->atom;
  };
  const auto deadline = SteadyClock::now() + kTimestampTimeout;
  while (!Lost()) {
    XEvent event;
    if (XCheckIfEvent(display_, &event, is_stamp, reinterpret_cast<XPointer>(&match))) {
      return event.xproperty.time;
    }
    const auto left = std::chrono::ceil<milliseconds>(deadline - SteadyClock::now()).count();
    if (left <= 0) break;
    pollfd p{ConnectionNumber(display_), POLLIN, 0};
    (void)poll(&p, 1, static_cast<int>(std::min<long>(left, 50)));
  }
  return CurrentTime;
}

Status X11Clipboard::SetText(std::string text) {
  if (Lost()) return DisplayLost();
  if (text.size() > kMaxClipboardTextBytes) {
    return MakeError("too_large", "clipboard text of " + std::to_string(text.size()) +
                                      " bytes is over the limit of " +
                                      std::to_string(kMaxClipboardTextBytes));
  }
  if (text.size() > max_property_bytes_) {
    return MakeError("too_large", "this X server takes at most " + std::to_string(max_property_bytes_) +
                                      " bytes of clipboard text in one request");
  }
  if (!IsValidUtf8(text)) return MakeError("validation", "clipboard text is not valid UTF-8");
  const Time now = ServerTime();
  XSetSelectionOwner(display_, clipboard_, window_, now);
  if (XGetSelectionOwner(display_, clipboard_) != window_) {
    return Lost() ? Status(DisplayLost()) : MakeError("unavailable", "could not take the X clipboard");
  }
  owner_ = true;
  owned_text_ = std::move(text);
  owned_since_ = now;
  last_text_ = owned_text_;
  // A read still under way fetches text that the hosts' text replaces.
  read_ = ReadState::kIdle;
  reread_.reset();
  incr_data_ = std::string();
  return {};
}

}  // namespace

std::unique_ptr<Clipboard> CreateX11Clipboard(const X11ClipboardOptions& options, Status* error) {
  const std::string& name = options.display;
  Display* display = XOpenDisplay(name.empty() ? nullptr : name.c_str());
  if (!display) {
    if (error) {
      *error = MakeError("display_unavailable",
                         "cannot open X display '" + (name.empty() ? std::string("$DISPLAY") : name) + "'");
    }
    return nullptr;
  }
  int event_base = 0, error_base = 0, major = 0, minor = 0;
  if (!XFixesQueryExtension(display, &event_base, &error_base) ||
      !XFixesQueryVersion(display, &major, &minor) || major < 1) {
    XCloseDisplay(display);
    if (error) *error = MakeError("unsupported", "the X display has no XFIXES extension");
    return nullptr;
  }
  X11ErrorTrap::Watch(display);
  size_t max_bytes = options.max_property_bytes;
  if (max_bytes == 0) {
    long units = XExtendedMaxRequestSize(display);  // 0 without BIG-REQUESTS
    if (units == 0) units = XMaxRequestSize(display);
    max_bytes = static_cast<size_t>(units) * 4 - kRequestOverhead;
  }
  auto clipboard = std::make_unique<X11Clipboard>(display, event_base, max_bytes);
  if (auto st = clipboard->Init(); !st) {
    if (error) *error = st;
    return nullptr;
  }
  if (error) *error = Status{};
  return clipboard;
}

}  // namespace tether::agent
