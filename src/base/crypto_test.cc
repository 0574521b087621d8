// Random identifiers: URL-safe, the requested strength, and never starting with '-' (which
// `tether session end ID` would read as an option; about 1 in 64 session ids did).
#include "base/crypto.h"

#include <gtest/gtest.h>

#include <set>

namespace tether {
namespace {

TEST(RandomIdentifier, NeverStartsWithADashAndIsUrlSafe) {
  InitCrypto();
  std::set<std::string> seen;
  for (int i = 0; i < 4000; ++i) {  // with a 1-in-64 chance per draw, a broken one fails here
    const std::string id = RandomIdentifier(16);
    ASSERT_EQ(id.size(), RandomToken(16).size());
    ASSERT_NE(id.front(), '-') << id;
    for (char c : id) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 4000u);
}

}  // namespace
}  // namespace tether
