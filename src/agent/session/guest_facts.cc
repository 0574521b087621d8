#include "agent/session/guest_facts.h"

#include <pwd.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "agent/clipboard/text_encoding.h"

namespace tether::agent {
namespace {

std::string ReadSmallFile(const char* path) {
  std::ifstream in(path);
  if (!in) return {};
  std::string text(4096, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

std::string LoggedOnUser() {
  std::string buf(4096, '\0');
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(geteuid(), &pw, buf.data(), buf.size(), &found) == 0 && found) return found->pw_name;
  const char* env = getenv("USER");
  return env ? env : "";
}

}  // namespace

std::string GuestFactText(std::string_view text) {
  std::string clean;
  for (char c : RepairUtf8(text)) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b != 0x7f) clean += c;
  }
  if (clean.size() <= kGuestFactBytes) return clean;
  size_t cut = kGuestFactBytes;
  while (cut > 0 && (static_cast<unsigned char>(clean[cut]) & 0xC0) == 0x80) --cut;  // continuation byte
  clean.resize(cut);
  return clean;
}

std::string PrettyNameFromOsRelease(std::string_view os_release) {
  std::istringstream lines{std::string(os_release)};
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    std::string value = line.substr(12);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    std::string out;
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '\\' && i + 1 < value.size()) ++i;
      out += value[i];
    }
    return out;
  }
  return {};
}

v1::GuestInfo DescribeThisMachine() {
  v1::GuestInfo info;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) info.set_machine(GuestFactText(host));
  std::string os = PrettyNameFromOsRelease(ReadSmallFile("/etc/os-release"));
  if (os.empty()) os = PrettyNameFromOsRelease(ReadSmallFile("/usr/lib/os-release"));
  utsname u{};
  if (uname(&u) == 0) os += (os.empty() ? "" : ", ") + std::string(u.sysname) + " " + u.release;
  info.set_os(GuestFactText(os));
  info.set_user(GuestFactText(LoggedOnUser()));
  info.set_agent_version(GuestFactText(TETHER_VERSION));
  return info;
}

}  // namespace tether::agent
