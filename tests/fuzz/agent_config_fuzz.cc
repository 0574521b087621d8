// Fuzzes the signed agent configuration reader (base/agent_config.h) that `tether-agent run`
// applies to a file from the network: the envelope, the signature check and the payload parser.
// The trusted key is a fixed test key; the seed corpus holds files it signed, so mutations reach
// every check. The payload parser is also fed directly (a fuzzer cannot forge signatures).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/agent_config.h"
#include "base/crypto.h"

namespace {

constexpr int64_t kNow = 1'700'000'100;

struct World {
  World() {
    tether::InitCrypto();
    std::array<uint8_t, 32> seed{};
    seed.fill(0x2a);
    key = std::make_unique<tether::Ed25519KeyPair>(std::move(*tether::Ed25519KeyPair::FromSeed(seed)));
    trusted.push_back(key->PublicKey());
  }
  std::unique_ptr<tether::Ed25519KeyPair> key;
  std::vector<tether::Ed25519PublicKey> trusted;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  std::string_view input(reinterpret_cast<const char*>(data), size);

  auto verified = tether::VerifyAgentConfig(input, world.trusted, kNow);
  if (verified.ok()) {
    // Whatever verifies must survive re-signing unchanged.
    auto again = tether::VerifyAgentConfig(tether::SignAgentConfig(*verified, *world.key), world.trusted, kNow);
    if (!again.ok() || !(*again == *verified)) __builtin_trap();
  } else if (verified.error().code.empty() || verified.error().message.empty()) {
    __builtin_trap();
  }

  auto payload = tether::ParseAgentConfigPayload(input);
  if (payload.ok()) {
    auto round = tether::ParseAgentConfigPayload(tether::EncodeAgentConfigPayload(*payload));
    if (!round.ok() || !(*round == *payload)) __builtin_trap();
  }
  return 0;
}
