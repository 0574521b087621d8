#include "server/web/qr_svg.h"

#include <gtest/gtest.h>

#include <regex>

namespace tether::web {
namespace {

TEST(QrSvg, RendersASquareSvgOfTheRightSize) {
  // "otpauth://..." of 100-odd bytes needs a version 6 code (41 modules) at level M, + 8 quiet.
  const std::string uri = "otpauth://totp/Tether:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                          "&issuer=Tether&algorithm=SHA1&digits=6&period=30";
  auto svg = QrSvg(uri);
  ASSERT_TRUE(svg.has_value());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*svg, m, std::regex("viewBox=\"0 0 (\\d+) (\\d+)\"")));
  EXPECT_EQ(m[1], m[2]);
  const int size = std::stoi(m[1]);
  EXPECT_EQ((size - 8 - 21) % 4, 0) << size;  // QR sizes are 21 + 4k modules
  EXPECT_GE(size, 8 + 21 + 4 * 4);
  EXPECT_EQ(svg->rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(svg->find("<script"), std::string::npos);
  // The three finder patterns: the top-left module of the symbol is dark.
  EXPECT_NE(svg->find("M4 4h1v1h-1z"), std::string::npos);
  // Different text, different picture.
  EXPECT_NE(*QrSvg(uri + "x"), *svg);
  EXPECT_FALSE(QrSvg(std::string(8000, 'x')).has_value());
}

}  // namespace
}  // namespace tether::web
