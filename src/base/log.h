#pragma once
// Logging facade: named component loggers over spdlog, text or JSON lines on stderr.
// Never log secrets, tokens, codes, passwords, clipboard text or keystrokes.
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace tether {

enum class LogFormat { kText, kJson };

// Configures every logger created afterwards and the existing ones. Call once at start-up.
void InitLogging(LogFormat format, spdlog::level::level_enum level);

// Returns the logger for a component ("web", "relay", "manager", "store", "app"), creating it.
std::shared_ptr<spdlog::logger> Log(const std::string& component);

// Escapes a string for inclusion in a JSON string literal (no surrounding quotes).
std::string JsonEscape(std::string_view s);

}  // namespace tether
