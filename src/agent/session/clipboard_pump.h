#pragma once
// ClipboardPump: runs the guest's Clipboard on one executor (the agent's input thread). It
// waits there, with Asio, for the clipboard's X events and deadlines, so no clipboard work runs
// on the network thread; it hands each new guest text to `send` as a whole clipboard frame
// and makes the hosts' text the guest's clipboard. Start, SetText and Stop may be called from
// any thread; `send` is called on the executor. Never logs the text, only its size.
// The executor's context must outlive the pump; Stop() before that context is joined.
#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>

#include "agent/clipboard/clipboard.h"

namespace tether::agent {

class ClipboardPump {
 public:
  using SendFn = std::function<void(std::string frame)>;

  ClipboardPump(std::unique_ptr<Clipboard> clipboard, boost::asio::any_io_executor executor,
                SendFn send);
  ~ClipboardPump();  // Stop()

  // Starts watching the clipboard.
  void Start();
  // Makes a host's text the guest's clipboard (refused, with a warning, when over the limit).
  void SetText(std::string text);
  // Stops watching and closes the clipboard on the executor; returns at once. The pending
  // waits are cancelled, so joining the executor's context afterwards finishes.
  void Stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace tether::agent
