// Golden frames shared with the TypeScript tests (tests/vectors/frames.json): each must decode
// to exactly the message described in the file, and encoding that message must give back the
// same bytes — so the C++ and browser implementations agree on the wire format.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "wire/control.h"
#include "wire/frame.h"

namespace tether::wire {
namespace {

std::vector<uint8_t> FromHex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

template <class T>
void Check(const nlohmann::json& v, std::span<const uint8_t> payload, Result<T> decoded) {
  ASSERT_TRUE(decoded.ok()) << v["name"] << ": " << decoded.error().message;
  T expected;
  auto st = google::protobuf::util::JsonStringToMessage(v["message"].dump(), &expected);
  ASSERT_TRUE(st.ok()) << v["name"] << ": " << st.ToString();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(expected, *decoded)) << v["name"];
  std::string reencoded = decoded->SerializeAsString();
  EXPECT_EQ(reencoded, std::string(payload.begin(), payload.end())) << v["name"] << ": re-encoding differs";
}

TEST(GoldenVectors, DecodeAndReencodeExactly) {
  std::ifstream in(std::string(TETHER_SOURCE_DIR) + "/tests/vectors/frames.json");
  ASSERT_TRUE(in) << "tests/vectors/frames.json missing";
  std::stringstream ss;
  ss << in.rdbuf();
  auto vectors = nlohmann::json::parse(ss.str());
  ASSERT_GE(vectors.size(), 10u);
  std::set<int> channels;
  for (const auto& v : vectors) {
    auto bytes = FromHex(v["hex"].get<std::string>());
    ASSERT_GE(bytes.size(), kHeaderSize) << v["name"];
    auto header = DecodeHeader(std::span<const uint8_t, kHeaderSize>(bytes.data(), kHeaderSize));
    ASSERT_TRUE(header.ok()) << v["name"] << ": " << header.error().message;
    ASSERT_EQ(static_cast<int>(header->channel), v["channel"].get<int>()) << v["name"];
    ASSERT_EQ(header->length, bytes.size() - kHeaderSize) << v["name"];
    std::span<const uint8_t> payload(bytes.data() + kHeaderSize, header->length);
    channels.insert(v["channel"].get<int>());
    switch (header->channel) {
      case Channel::kControl: Check(v, payload, DecodeControl(payload)); break;
      case Channel::kVideo: {
        auto msg = DecodeVideo(payload);
        Check(v, payload, msg);
        // The encoder sets the relay's routing flags from the content.
        if (msg.ok()) EXPECT_EQ(EncodeVideoFrame(*msg), std::string(bytes.begin(), bytes.end())) << v["name"];
        break;
      }
      case Channel::kInput: Check(v, payload, DecodeInput(payload)); break;
      case Channel::kClipboard: Check(v, payload, DecodeClipboard(payload)); break;
      default: FAIL() << v["name"] << ": no decoder for channel";
    }
  }
  EXPECT_EQ(channels, (std::set<int>{0, 1, 2, 3})) << "vectors cover every message channel";
}

}  // namespace
}  // namespace tether::wire
