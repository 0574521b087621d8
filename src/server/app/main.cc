// tetherd: the Tether server. Parses the configuration and runs the composition root.
#include <iostream>

#include "base/crypto.h"
#include "base/log.h"
#include "server/app/config.h"
#include "server/app/tetherd.h"

int main(int argc, char** argv) {
  try {
    tether::InitCrypto();
    auto parsed = tether::app::ParseConfig(argc, argv);
    if (!parsed) {
      std::cerr << "tetherd: " << parsed.error().message << "\n";
      return 2;
    }
    if (parsed->exit_now) return parsed->exit_code;
    tether::InitLogging(parsed->config.log_format, parsed->config.log_level);
    tether::app::Tetherd server(std::move(parsed->config));
    return server.Run();
  } catch (const std::exception& e) {
    std::cerr << "tetherd: " << e.what() << "\n";
    return 1;
  }
}
