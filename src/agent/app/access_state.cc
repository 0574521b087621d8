#include "agent/app/access_state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "base/agent_config.h"
#include "base/key_file.h"

namespace tether::agent {
namespace {

using nlohmann::json;
constexpr size_t kMaxEnrolmentBytes = 16 * 1024;

const KeyFileKind kIdentityKey{"tether-agent-identity-key/1", "identity_key", "agent identity key",
                               "uninstall and install the agent again with a new installer"};

// The unit runs the agent for the display's user session; the options keep it from gaining
// privileges or changing the system while leaving /tmp/.X11-unix (the X socket) reachable.
constexpr const char* kHardening = R"(NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
SystemCallArchitectures=native
UMask=0077
)";

std::string Quote(const std::string& s) {
  // systemd's quoting: double quotes, with backslash and double quote escaped.
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

Status PrepareStateDir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return MakeError("state_dir", "cannot create " + dir.string() + ": " + ec.message());
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return MakeError("state_dir", dir.string() + " must be a directory (not a symbolic link)");
  }
  if (::chmod(dir.c_str(), 0700) != 0) {
    return MakeError("state_dir", "cannot make " + dir.string() + " private: " + std::strerror(errno));
  }
  return {};
}

Result<Ed25519KeyPair> CreateIdentityKey(const std::filesystem::path& dir) {
  const auto file = dir / kIdentityKeyFile;
  struct stat st {};
  if (::lstat(file.c_str(), &st) == 0) {
    return MakeError("exists", file.string() + " exists: this agent is installed already; uninstall it first");
  }
  if (auto created = CreateEd25519KeyFile(file, kIdentityKey); !created) return created.error();
  return ReadEd25519KeyFile(file, kIdentityKey);
}

Result<Ed25519KeyPair> LoadIdentityKey(const std::filesystem::path& dir) {
  return ReadEd25519KeyFile(dir / kIdentityKeyFile, kIdentityKey);
}

Status SaveEnrolment(const std::filesystem::path& dir, const Enrolment& e) {
  json j = {{"relay", e.relay},
            {"pin", e.pin},
            {"session_id", e.session_id},
            {"session_name", e.session_name},
            {"display", e.display}};
  const std::string text = j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  const auto file = dir / kEnrolmentFile;
  auto tmp = file;
  tmp += ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError("state_dir", "cannot write " + tmp.string() + ": " + std::strerror(errno));
  Status st = WriteAllToFd(fd, text);
  if (st && ::fsync(fd) != 0) st = MakeError("io", std::strerror(errno));
  ::close(fd);
  if (st && ::rename(tmp.c_str(), file.c_str()) != 0) st = MakeError("io", std::strerror(errno));
  if (!st) {
    ::unlink(tmp.c_str());
    return MakeError("state_dir", "cannot write " + file.string() + ": " + st.error().message);
  }
  return {};
}

Result<Enrolment> ParseEnrolment(std::string_view text) {
  const Error bad = MakeError("enrolment", "the enrolment file is damaged; install the agent again");
  if (text.size() > kMaxEnrolmentBytes) return bad;
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.size() != 5) return bad;
  Enrolment e;
  const std::pair<const char*, std::string*> fields[] = {{"relay", &e.relay},
                                                          {"pin", &e.pin},
                                                          {"session_id", &e.session_id},
                                                          {"session_name", &e.session_name},
                                                          {"display", &e.display}};
  for (const auto& [key, out] : fields) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().size() > 512) return bad;
    *out = it->get<std::string>();
  }
  if (e.relay.empty() || e.session_id.empty() || e.pin.rfind("sha256/", 0) != 0 || e.pin.size() != 51) return bad;
  return e;
}

Result<Enrolment> LoadEnrolment(const std::filesystem::path& dir) {
  const auto file = dir / kEnrolmentFile;
  std::ifstream in(file, std::ios::binary);
  if (!in) return MakeError("not_installed", "no enrolment in " + dir.string() + "; run tether-agent install first");
  std::string text(kMaxEnrolmentBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return ParseEnrolment(text);
}

std::string UnitText(const std::filesystem::path& agent, const std::filesystem::path& state_dir,
                     const std::string& display) {
  std::ostringstream u;
  u << "# Written by tether-agent install; removed by tether-agent uninstall.\n"
    << "[Unit]\n"
    << "Description=Tether access agent (unattended remote access)\n"
    << "Wants=network-online.target\n"
    << "After=network-online.target\n\n"
    << "[Service]\n"
    << "Type=simple\n"
    << "ExecStart=" << Quote(agent.string()) << " service --state-dir " << Quote(state_dir.string())
    << " --display " << Quote(display) << "\n"
    << "Restart=always\n"
    << "RestartSec=5\n"
    // Exit status 3: the server no longer knows this agent (its access session was removed).
    << "RestartPreventExitStatus=3\n"
    << "ReadWritePaths=" << Quote(state_dir.string()) << "\n"
    << kHardening << "\n"
    << "[Install]\n"
    << "WantedBy=multi-user.target\n";
  return u.str();
}

}  // namespace tether::agent
