#include "agent/session/clipboard_pump.h"

#include <boost/asio.hpp>

#include <unistd.h>

#include "base/log.h"
#include "tether/v1/media.pb.h"
#include "wire/control.h"

namespace tether::agent {

namespace asio = boost::asio;

struct ClipboardPump::State : std::enable_shared_from_this<State> {
  State(std::unique_ptr<Clipboard> c, asio::any_io_executor ex, SendFn s)
      : clipboard(std::move(c)), executor(ex), descriptor(ex), timer(ex), send(std::move(s)) {}

  std::unique_ptr<Clipboard> clipboard;  // executor only, like everything below
  asio::any_io_executor executor;
  asio::posix::stream_descriptor descriptor;  // a duplicate of the clipboard's EventFd()
  asio::steady_timer timer;
  SendFn send;
  bool started = false;
  bool waiting = false;
  std::shared_ptr<spdlog::logger> log = Log("agent");

  void Open() {
    if (!clipboard || started) return;
    started = true;
    clipboard->SetTextHandler([this](std::string text) {
      const size_t bytes = text.size();
      v1::ClipboardMessage msg;
      msg.mutable_text()->set_text(std::move(text));
      send(wire::EncodeFrame(wire::Channel::kClipboard, msg));
      log->debug("clipboard: sent {} bytes of the guest's clipboard text", bytes);
    });
    if (const int fd = clipboard->EventFd(); fd >= 0) {
      // A duplicate, so that closing the descriptor here never closes the X connection.
      const int copy = dup(fd);
      boost::system::error_code ec;
      if (copy >= 0) descriptor.assign(copy, ec);
      if (copy < 0 || ec) {
        if (copy >= 0) close(copy);
        log->warn("clipboard: cannot wait for clipboard events; clipboard sharing is off");
        Close();
        return;
      }
    }
    Dispatch();
  }

  // Handles what the clipboard has waiting, then waits for more.
  void Dispatch() {
    if (!clipboard) return;
    auto next = clipboard->Dispatch();
    if (!next) {
      log->warn("clipboard: {}; clipboard sharing is off", next.error().message);
      Close();
      return;
    }
    if (*next) {
      timer.expires_after(**next);
      timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->Dispatch();
      });
    } else {
      timer.cancel();
    }
    if (!waiting && descriptor.is_open()) {
      waiting = true;
      descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                            [self = shared_from_this()](boost::system::error_code ec) {
                              self->waiting = false;
                              if (!ec) self->Dispatch();
                            });
    }
  }

  void SetText(std::string text) {
    if (!clipboard) return;
    const size_t bytes = text.size();
    if (auto st = clipboard->SetText(std::move(text)); !st) {
      log->warn("clipboard: not taking the host's clipboard text of {} bytes: {}", bytes,
                st.error().message);
    } else {
      log->debug("clipboard: took {} bytes of clipboard text from a host", bytes);
    }
    if (started) Dispatch();  // SetText may have read events into the client's queue
  }

  void Close() {
    timer.cancel();
    boost::system::error_code ec;
    descriptor.close(ec);
    clipboard.reset();
  }
};

ClipboardPump::ClipboardPump(std::unique_ptr<Clipboard> clipboard, asio::any_io_executor executor,
                             SendFn send)
    : state_(std::make_shared<State>(std::move(clipboard), executor, std::move(send))) {}

ClipboardPump::~ClipboardPump() { Stop(); }

void ClipboardPump::Start() {
  asio::post(state_->executor, [s = state_] { s->Open(); });
}

void ClipboardPump::SetText(std::string text) {
  asio::post(state_->executor, [s = state_, t = std::move(text)]() mutable { s->SetText(std::move(t)); });
}

void ClipboardPump::Stop() {
  asio::post(state_->executor, [s = state_] { s->Close(); });
}

}  // namespace tether::agent
