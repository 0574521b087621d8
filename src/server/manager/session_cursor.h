#pragma once
// The opaque cursor of the session list's keyset paging: the sort key (created_at, id) of the
// last session of a page, as URL-safe base64. Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tether::manager {

struct SessionCursor {
  int64_t created_at = 0;
  std::string id;
};

std::string EncodeCursor(const SessionCursor& c);
// nullopt for anything EncodeCursor cannot have produced.
std::optional<SessionCursor> DecodeCursor(std::string_view text);

}  // namespace tether::manager
