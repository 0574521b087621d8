#pragma once
// Tetherd: the composition root. Builds the store, the Session Manager and its local API, the
// Relay and the Web Server from a Config, wires them through their interfaces, runs the I/O
// loop until SIGINT/SIGTERM, and shuts down in order (listeners, connections, pool, store).
#include <memory>

#include "server/app/config.h"

namespace tether::app {

class Tetherd {
 public:
  explicit Tetherd(Config config);
  ~Tetherd();
  // Runs until a shutdown signal. Returns the process exit code.
  int Run();

 private:
  struct Parts;
  Config config_;
  std::unique_ptr<Parts> parts_;
};

}  // namespace tether::app
