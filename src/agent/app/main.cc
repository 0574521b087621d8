// tether-agent: the guest agent. `join` connects to a support session by its code; `run` by a
// signed configuration from the guest page; `install`, `service` and `uninstall` make and run an
// access (unattended) agent (docs/access.md).
#include <csignal>
#include <cstdlib>
#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <thread>

#include "agent/app/access_commands.h"
#include "agent/app/access_state.h"
#include "agent/app/agent_config.h"
#include "agent/capture/x11_screen_capturer_x11.h"
#include "agent/clipboard/x11_clipboard_x11.h"
#include "agent/input/xtest_input_injector_x11.h"
#include "agent/session/agent_session.h"
#include "agent/ui/gtk_guest_window.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "net/asio_util.h"

namespace {

tether::agent::AgentSession* g_session = nullptr;

void OnSignal(int) {
  if (g_session) g_session->Stop();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tether-agent — share this computer's screen with a Tether support session"};
  app.require_subcommand(1);
  std::string display, server, pin, code, log_level = "info";
  int max_fps = 30;
  int consent_timeout = 60;
  app.add_option("--display", display, "X display to share (default $DISPLAY)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  auto* join = app.add_subcommand("join", "join a support session by its code");
  join->add_option("--server", server, "relay address HOST:PORT")->required();
  join->add_option("--pin", pin, "the server's key pin, sha256/BASE64")->required();
  join->add_option("--max-fps", max_fps, "frames per second at most (default 30)")->check(CLI::Range(1, 60));
  join->add_option("--consent-timeout", consent_timeout,
                   "seconds the guest has to answer a technician's request before it is denied, when the "
                   "server does not say (its security.consent.prompt_timeout_seconds counts; default 60)")
      ->check(CLI::Range(5, 600));
  join->add_option("code", code, "the session code the technician gave you")->required();
  // `run`: the server, pin and a single-use join token come from a signed configuration file.
  std::string config_file, trust_key, trust_file;
  auto* run = app.add_subcommand("run", "join the session of a signed configuration from the guest page");
  run->add_option("--config", config_file, "the .tether file downloaded from the guest page")->required();
  run->add_option("--trust-key", trust_key, "trust this server signing key (base64) instead of the trust file");
  run->add_option("--trust-file", trust_file,
                  std::string("file of trusted signing keys (default $") + tether::agent::kTrustEnvironment +
                      ", else " + tether::agent::kDefaultTrustFile + ")");
  run->add_option("--max-fps", max_fps, "frames per second at most (default 30)")->check(CLI::Range(1, 60));
  // Access agents.
  tether::agent::AccessCommandOptions access;
  std::string state_dir = tether::agent::kDefaultStateDir, root;
  auto* install = app.add_subcommand("install", "enrol this machine as an access agent and install its systemd unit");
  install->add_option("--config", config_file, "the installer (.tether) built on the Access tab")->required();
  install->add_option("--trust-key", trust_key, "trust this server signing key (base64) instead of the trust file");
  install->add_option("--trust-file", trust_file, "file of trusted signing keys");
  auto* uninstall = app.add_subcommand("uninstall", "stop and remove the access agent, its unit, state and key");
  auto* service = app.add_subcommand("service", "run the enrolled access agent in the foreground (what the unit starts)");
  service->add_option("--max-fps", max_fps, "frames per second at most (default 30)")->check(CLI::Range(1, 60));
  for (auto* sub : {install, uninstall, service}) {
    sub->add_option("--state-dir", state_dir, std::string("the agent's state directory (default ") +
                                                  tether::agent::kDefaultStateDir + ")");
  }
  for (auto* sub : {install, uninstall}) {
    sub->add_option("--root", root, "write and remove files under this directory and do not run systemctl");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  tether::InitCrypto();
  tether::InitLogging(tether::LogFormat::kText, spdlog::level::from_str(log_level));
  if (*install || *uninstall) {
    const char* env = std::getenv(tether::agent::kTrustEnvironment);
    const char* env_display = std::getenv("DISPLAY");
    access.config_file = config_file;
    access.trust = {trust_key, trust_file, env ? std::optional<std::string>(env) : std::nullopt};
    access.display = !display.empty() ? display : env_display ? env_display : "";
    access.state_dir = state_dir;
    access.root = root;
    return *install ? tether::agent::RunInstall(access, std::cout, std::cerr)
                    : tether::agent::RunUninstall(access, std::cout, std::cerr);
  }
  std::string join_token;
  std::optional<tether::Ed25519KeyPair> identity;
  if (*service) {
    auto enrolment = tether::agent::LoadEnrolment(state_dir);
    if (!enrolment) {
      std::cerr << "tether-agent: " << enrolment.error().message << "\n";
      return 1;
    }
    auto key = tether::agent::LoadIdentityKey(state_dir);
    if (!key) {
      std::cerr << "tether-agent: " << key.error().message << "\n";
      return 1;
    }
    identity.emplace(std::move(*key));
    server = enrolment->relay;
    pin = enrolment->pin;
    if (display.empty()) display = enrolment->display;
    tether::Log("agent")->info("access agent of session \"{}\" on {}", enrolment->session_name, server);
  }
  if (*run) {
    // Verified against keys this machine already trusts, never the key the file names.
    const char* env = std::getenv(tether::agent::kTrustEnvironment);
    auto trusted = tether::agent::LoadTrustedKeys(
        {trust_key, trust_file, env ? std::optional<std::string>(env) : std::nullopt});
    if (!trusted) {
      std::cerr << "tether-agent: " << trusted.error().message << "\n";
      return 1;
    }
    tether::RealClock now;
    auto config = tether::agent::LoadAgentConfig(config_file, *trusted, now.NowUnix());
    if (!config) {
      std::cerr << "tether-agent: refusing " << config_file << ": " << config.error().message << "\n";
      return 1;
    }
    if (config->kind != tether::kAgentConfigKindSupport) {
      std::cerr << "tether-agent: " << config_file << " is an access installer; use tether-agent install\n";
      return 1;
    }
    server = config->relay;
    pin = config->pin;
    join_token = config->join_token;
    tether::Log("agent")->info("signed configuration for session \"{}\" from {}", config->session_name, server);
  }
  auto addr = tether::net::ParseListenAddress(server);
  if (!addr) {
    std::cerr << "tether-agent: --server: " << addr.error().message << "\n";
    return 2;
  }
  if (pin.rfind("sha256/", 0) != 0 || pin.size() != 51) {
    std::cerr << "tether-agent: --pin: expected sha256/ followed by 44 base64 characters\n";
    return 2;
  }
  tether::Status err;
  // The guest window comes first: it is how the guest allows, sees and ends the session, so the
  // agent does not run without it (it uses the display the agent shares).
  auto window = tether::agent::GtkGuestWindow::Create(display, &err);
  if (!window) {
    std::cerr << "tether-agent: cannot show the guest window: " << err.error().message << "\n";
    return 1;
  }
  auto capturer = tether::agent::CreateX11ScreenCapturer(display, &err);
  if (!capturer) {
    std::cerr << "tether-agent: cannot capture the screen: " << err.error().message << "\n";
    return 1;
  }
  auto injector = tether::agent::CreateXTestInputInjector(display, &err);
  if (!injector) {
    std::cerr << "tether-agent: cannot control the screen: " << err.error().message << "\n";
    return 1;
  }
  // Without a clipboard (no XFIXES) the agent still shares the screen.
  auto clipboard = tether::agent::CreateX11Clipboard({.display = display}, &err);
  if (!clipboard) {
    tether::Log("agent")->warn("clipboard sharing is off: {}", err.error().message);
  }
  tether::RealClock clock;
  tether::agent::AgentOptions options{addr->host, addr->port, pin, code, max_fps,
                                      std::chrono::seconds(consent_timeout)};
  options.join_token = join_token;
  options.identity = identity ? &*identity : nullptr;
  tether::agent::AgentSession session(options, std::move(capturer), std::move(injector),
                                      std::move(clipboard), std::move(window), clock);
  g_session = &session;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  auto result = session.Run();
  g_session = nullptr;
  switch (result) {
    case tether::agent::AgentExit::kSessionEnded: return identity ? 3 : 0;
    // A service the server no longer knows exits 3, which its unit does not restart.
    case tether::agent::AgentExit::kRefused: return identity ? 3 : 1;
    case tether::agent::AgentExit::kStopped: return 0;
  }
  return 0;
}
