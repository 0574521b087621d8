#include "base/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <chrono>
#include <mutex>

namespace tether {
namespace {

// One JSON object per line: {"ts":..,"level":..,"component":..,"msg":..}.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch());
    std::string line = fmt::format(
        R"({{"ts":{}.{:03d},"level":"{}","component":"{}","msg":"{}"}})", ms.count() / 1000,
        static_cast<int>(ms.count() % 1000),
        spdlog::level::to_string_view(msg.level),
        JsonEscape(std::string_view(msg.logger_name.data(), msg.logger_name.size())),
        JsonEscape(std::string_view(msg.payload.data(), msg.payload.size())));
    line.push_back('\n');
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

std::mutex g_mu;
LogFormat g_format = LogFormat::kText;
spdlog::level::level_enum g_level = spdlog::level::info;

void Configure(spdlog::logger& logger) {
  if (g_format == LogFormat::kJson) {
    logger.set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger.set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  }
  logger.set_level(g_level);
}

}  // namespace

void InitLogging(LogFormat format, spdlog::level::level_enum level) {
  std::lock_guard lock(g_mu);
  g_format = format;
  g_level = level;
  spdlog::apply_all([](std::shared_ptr<spdlog::logger> l) { Configure(*l); });
}

std::shared_ptr<spdlog::logger> Log(const std::string& component) {
  std::lock_guard lock(g_mu);
  if (auto existing = spdlog::get(component)) return existing;
  auto logger = spdlog::stderr_logger_mt(component);
  Configure(*logger);
  return logger;
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

}  // namespace tether
