// Fuzzes the security settings change path that PATCH /api/v1/settings/security and `tether
// settings set` feed with network input, and the stored form read back at start: any JSON is
// either refused with a "validation" error naming a setting or gives values that pass the
// validator; nothing else may happen.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "server/manager/security_settings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  tether::manager::SecuritySettings settings{tether::manager::SecurityValues{}};
  nlohmann::json changes = nlohmann::json::parse(text, nullptr, false);
  if (!changes.is_discarded()) {
    auto r = settings.Change(changes);
    if (!r && r.error().code != "validation") std::abort();
  }
  (void)settings.Load(text);
  if (!tether::manager::CheckSecurityValues(settings.Get())) std::abort();
  (void)settings.Describe();
  return 0;
}
