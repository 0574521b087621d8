// Fuzzes the Authorization header parser and the API token shape check (api_token_format.h):
// a parsed credential is a non-empty run of printable ASCII inside the input and never longer
// than it, and a well-formed token is exactly the prefix and 43 URL-safe base64 characters.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/manager/api_token_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto token = tether::manager::ParseBearer(text)) {
    if (token->empty() || token->size() > text.size() || size > tether::manager::kMaxAuthorizationBytes) {
      __builtin_trap();
    }
    if (token->data() < text.data() || token->data() + token->size() > text.data() + text.size()) __builtin_trap();
    for (char c : *token) {
      if (c <= ' ' || c > '~') __builtin_trap();
    }
    if (tether::manager::IsWellFormedApiToken(*token) && token->size() != tether::manager::kApiTokenLength) {
      __builtin_trap();
    }
  }
  if (tether::manager::IsWellFormedApiToken(text) && !text.starts_with(tether::manager::kApiTokenPrefix)) {
    __builtin_trap();
  }
  return 0;
}
