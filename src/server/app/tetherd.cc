#include "server/app/tetherd.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "net/asio_util.h"
#include "net/local_json_server.h"
#include "net/tls.h"
#include "server/manager/local_api.h"
#include "server/manager/session_manager.h"
#include "server/app/lifetime_scheduler.h"
#include "server/app/relay_bridge.h"
#include "server/app/demo.h"
#include "server/app/signing_key.h"
#include "server/manager/guest_join.h"
#include "server/relay/relay.h"
#include "server/relay/relay_server.h"
#include "server/store/sqlite_store.h"
#include "server/web/https_server.h"
#include "server/web/static_files.h"
#include "server/web/web_app.h"

namespace tether::app {

namespace asio = boost::asio;

struct Tetherd::Parts {
  RealClock clock;
  Metrics metrics;
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<manager::SessionManager> manager;
  std::unique_ptr<manager::LocalApi> local_api;
  std::unique_ptr<SigningKey> signing;             // signs agent configurations
  std::unique_ptr<manager::GuestJoin> guest_join;  // the guest page's configurations and join tokens
  std::unique_ptr<manager::AccessAgents> access;   // access installers and enrolled agents
  web::StaticFiles ui;
  std::unique_ptr<web::WebApp> web_app;
  // The network thread: every socket lives here (one thread, like a proxy worker; the relay's
  // links write inline and rely on it). Blocking work goes to `pool`.
  asio::io_context io{1};
  std::unique_ptr<asio::thread_pool> pool;
  std::unique_ptr<net::LocalJsonServer> local_server;
  std::unique_ptr<RelayBridge> bridge;
  std::unique_ptr<relay::Relay> relay_core;
  std::unique_ptr<relay::RelayServer> relay;
  std::unique_ptr<manager::SessionLifetime> lifetime;
  std::unique_ptr<LifetimeScheduler> limits;
  std::unique_ptr<web::HttpsServer> web;
  std::unique_ptr<DemoDesktop> demo;  // --demo only
};

namespace {

std::string UrlHost(const std::string& listen_host) {
  if (listen_host == "0.0.0.0" || listen_host == "::" || listen_host.empty()) return "localhost";
  if (listen_host.find(':') != std::string::npos) return "[" + listen_host + "]";
  return listen_host;
}

std::vector<std::string> CertificateNames(const Config& c) {
  std::vector<std::string> names = {"localhost", "127.0.0.1", "::1"};
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') names.emplace_back(host);
  if (!c.public_url.empty()) {
    std::string rest = c.public_url.substr(std::string("https://").size());
    std::string h = rest.substr(0, rest.find_first_of(":/"));
    if (!h.empty()) names.insert(names.begin(), h);
  }
  return names;
}

// The Argon2id parameters chosen at set-up: read from the store, or calibrated on this machine
// and stored on the first start of a new database. Changing them later makes every hash be
// replaced at its user's next login.
manager::HashParams LoadOrCalibrateHashParams(manager::SettingsRepository& settings) {
  auto log = Log("app");
  auto ops = settings.Get("password_hash.ops"), mem = settings.Get("password_hash.mem_bytes");
  if (ops && mem) {
    try {
      manager::HashParams p{std::stoull(*ops), static_cast<size_t>(std::stoull(*mem))};
      if (p.ops >= 1 && p.ops <= 64 && p.mem_bytes >= (8u << 20) && p.mem_bytes <= (1u << 30)) return p;
    } catch (const std::exception&) {
    }
    log->warn("stored password hashing parameters are unusable; calibrating again");
  }
  manager::HashParams p = manager::CalibrateHashParams();
  (void)settings.Put("password_hash.ops", std::to_string(p.ops));
  (void)settings.Put("password_hash.mem_bytes", std::to_string(p.mem_bytes));
  log->info("calibrated password hashing: Argon2id, {} passes, {} MiB", p.ops, p.mem_bytes >> 20);
  return p;
}

}  // namespace

Tetherd::Tetherd(Config config) : config_(std::move(config)), parts_(std::make_unique<Parts>()) {}

Tetherd::~Tetherd() = default;

int Tetherd::Run() {
  auto log = Log("app");
  auto& p = *parts_;
  const Config& c = config_;

  std::error_code ec;
  std::filesystem::create_directories(c.data_dir, ec);
  if (ec) {
    std::cerr << "tetherd: server.data_dir: cannot create " << c.data_dir << ": " << ec.message() << "\n";
    return 1;
  }
  ::chmod(c.data_dir.c_str(), 0700);

  auto store = store::SqliteStore::Open(c.store_path);
  if (!store) {
    std::cerr << "tetherd: store.path: " << store.error().message << "\n";
    return 1;
  }
  p.store = std::move(*store);

  Result<net::TlsMaterial> tls = c.cert_file.empty()
                                     ? net::LoadOrGenerateTlsMaterial(c.data_dir / "tls", CertificateNames(c))
                                     : net::LoadTlsMaterial(c.cert_file, c.key_file);
  if (!tls) {
    std::cerr << "tetherd: web.cert: " << tls.error().message << "\n";
    return 1;
  }
  if (tls->generated) log->info("generated a self-signed certificate in {}", (c.data_dir / "tls").string());

  auto signing = LoadOrCreateSigningKey(c.data_dir / "signing");
  if (!signing) {
    std::cerr << "tetherd: " << signing.error().message << "\n";
    return 1;
  }
  p.signing = std::make_unique<SigningKey>(std::move(*signing));
  if (p.signing->generated) log->info("generated the agent configuration signing key {}", p.signing->key_file.string());

  manager::ManagerOptions manager_options = c.manager;
  manager_options.hash = LoadOrCalibrateHashParams(p.store->Settings());
  // TOTP secrets are sealed with a key derived from the signing key (kept in its 0600 file).
  manager_options.secrets_key = p.signing->key.DeriveKey("tether two-factor secrets v1");
  if (manager_options.tokens.min_lifetime_s < 60 * 60) {
    log->warn("security.api_token_min_seconds is {}: API tokens may expire within the hour (a setting for tests)",
              manager_options.tokens.min_lifetime_s);
  }
  p.manager = std::make_unique<manager::SessionManager>(*p.store, p.clock, manager_options);
  p.guest_join = std::make_unique<manager::GuestJoin>(*p.manager, p.clock, p.signing->key, tls->spki_pin, c.guest);
  p.access = std::make_unique<manager::AccessAgents>(*p.manager, *p.store, p.clock, p.signing->key, tls->spki_pin);
  p.manager->ResetGuestPresence();  // no guest is connected to a relay that has just started
  // The administration page's changes go over the file's values.
  for (const auto& key : p.manager->LoadSecuritySettings()) {
    log->warn("{}: the value changed on the administration page no longer passes; the configuration file's applies", key);
  }
  p.local_api = std::make_unique<manager::LocalApi>(*p.manager);
  p.local_api->SetAccessAgents(p.access.get(), c.relay_public_address);
  if (auto st = p.ui.Load(c.ui_dir); !st) {
    log->warn("web UI not loaded ({}); the API still works", st.error().message);
  }
  p.pool = std::make_unique<asio::thread_pool>(static_cast<size_t>(c.blocking_threads));
  asio::post(*p.pool, [m = p.manager.get()] { m->Warm(); });  // Argon2id off the start-up path

  p.local_server = std::make_unique<net::LocalJsonServer>(
      p.io, *p.pool,
      [api = p.local_api.get()](const std::string& line, const net::LocalPeerCred& peer) {
        return api->Handle(line, manager::LocalPeer{peer.uid, peer.pid});
      },
      manager::LocalApi::kMaxRequestBytes);
  if (auto st = p.local_server->Start(c.data_dir / "manager.sock"); !st) {
    std::cerr << "tetherd: server.data_dir: " << st.error().message << "\n";
    return 1;
  }

  p.bridge = std::make_unique<RelayBridge>(*p.manager, *p.pool);
  relay::RelayOptions relay_opts;
  relay_opts.admit = [m = p.manager.get()](const std::string& address) {
    return m->Security().Ip()->relay.Permits(address);
  };
  // The relay reads the security settings in force (the page may change them at runtime).
  relay_opts.host_idle = [m = p.manager.get()] { return m->Security().Get().host_idle_s; };
  relay_opts.consent = [m = p.manager.get()] {
    const auto v = m->Security().Get();
    return relay::ConsentTimes{v.consent_prompt_timeout_s, v.consent_grant_lifetime_s};
  };
  p.relay_core = std::make_unique<relay::Relay>(*p.bridge, p.metrics, relay_opts);
  p.bridge->SetRelay(p.relay_core.get());
  p.bridge->SetGuestJoin(p.guest_join.get());
  p.bridge->SetAccessAgents(p.access.get());
  p.manager->SetObserver(p.bridge.get());
  p.lifetime = std::make_unique<manager::SessionLifetime>(*p.manager, p.clock);
  p.limits = std::make_unique<LifetimeScheduler>(*p.pool, *p.relay_core, *p.lifetime);
  p.limits->Start();
  p.relay = std::make_unique<relay::RelayServer>(p.io, *p.relay_core, p.metrics);
  if (auto st = p.relay->Start(c.relay_listen, *tls); !st) {
    std::cerr << "tetherd: relay.listen: " << st.error().message << "\n";
    return 1;
  }

  web::WebAppOptions web_opts;
  web_opts.hsts = c.hsts;
  web_opts.metrics_public = c.metrics_public;
  web_opts.relay_public_address = c.relay_public_address;
  web_opts.relay_port = p.relay->Port();
  if (!c.public_url.empty()) {
    std::string rest = c.public_url.substr(8);
    web_opts.public_origin = "https://" + rest.substr(0, rest.find('/'));
  }
  auto health = [&p] {
    web::HealthReport h;
    h.web = p.web && p.web->Running();
    h.relay = p.relay && p.relay->Running();
    h.manager = p.local_server && p.local_server->Running() && p.store->SchemaVersion() > 0;
    return h;
  };
  p.web_app = std::make_unique<web::WebApp>(*p.manager, p.metrics, p.ui, web_opts, health);
  p.web_app->SetGuestJoin(p.guest_join.get());
  p.web_app->SetAccessAgents(p.access.get());
  p.web_app->SetThumbnails(p.bridge.get());
  web::HttpLimits limits;
  limits.body_bytes = c.max_body_bytes;
  limits.read_timeout = std::chrono::seconds(c.request_timeout_seconds);
  limits.idle_timeout = std::chrono::seconds(c.idle_timeout_seconds);
  limits.hsts = c.hsts;
  p.web = std::make_unique<web::HttpsServer>(p.io, *p.pool, *p.web_app, *p.bridge, p.metrics, limits);
  if (auto st = p.web->Start(c.web_listen, *tls); !st) {
    std::cerr << "tetherd: web.listen: " << st.error().message << "\n";
    return 1;
  }

  // Shutdown: close listeners and connections, then let the loop drain. A watchdog stops the
  // loop if anything is still running 5 s later.
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool loop_done = false;
  std::thread watchdog;
  asio::signal_set signals(p.io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code err, int sig) {
    if (err) return;
    log->info("received signal {}, shutting down", sig);
    p.limits->Stop();
    p.web->Stop();
    p.relay_core->CloseAll();
    p.relay->Stop();
    p.local_server->Stop();
    watchdog = std::thread([&] {
      std::unique_lock lock(stop_mu);
      if (!stop_cv.wait_for(lock, std::chrono::seconds(5), [&] { return loop_done; })) p.io.stop();
    });
  });

  const auto web_addr = *net::ParseListenAddress(c.web_listen);
  const auto relay_addr = *net::ParseListenAddress(c.relay_listen);
  const std::string base_url = !c.public_url.empty()
                                   ? c.public_url
                                   : "https://" + UrlHost(web_addr.host) + ":" + std::to_string(p.web->Port());
  if (p.manager->SetupRequired()) {
    std::string token = p.manager->IssueSetupToken();
    std::cout << "Setup: no administrator exists yet. Open this one-time link to create one:\n"
              << "  " << base_url << "/setup?token=" << token << "\n"
              << "  (or on this machine: tether --data-dir " << c.data_dir.string()
              << " setup --username NAME --password-stdin)\n";
  }
  std::cout << "Relay certificate pin: " << tls->spki_pin << "\n";
  std::cout << "Agent configuration signing key: " << Ed25519PublicKeyBase64(p.signing->key.PublicKey())
            << " (agents trust it in /etc/tether/agent-trust.pub; copy of it: "
            << (c.data_dir / "signing" / "ed25519.pub").string() << ")\n";
  std::cout << "tetherd ready: web " << base_url << " relay " << UrlHost(relay_addr.host) << ":"
            << p.relay->Port() << " pin " << tls->spki_pin << std::endl;
  log->info("web server on {}, relay on port {}, data in {}", base_url, p.relay->Port(), c.data_dir.string());

  if (c.demo) {
    // The demo agent connects to this relay on the loopback address when it listens on all.
    const bool any = relay_addr.host.empty() || relay_addr.host == "0.0.0.0" || relay_addr.host == "::";
    const std::string relay_host = any ? "127.0.0.1" : UrlHost(relay_addr.host);
    p.demo = std::make_unique<DemoDesktop>(
        *p.access, DemoOptions{c.data_dir, relay_host + ":" + std::to_string(p.relay->Port()),
                               Ed25519PublicKeyBase64(p.signing->key.PublicKey())});
    p.demo->Start();
  }

  p.io.run();
  if (p.demo) p.demo->Stop();
  {
    std::lock_guard lock(stop_mu);
    loop_done = true;
  }
  stop_cv.notify_all();
  if (watchdog.joinable()) watchdog.join();
  p.pool->join();
  p.manager->SetObserver(nullptr);
  log->info("stopped");
  return 0;
}

}  // namespace tether::app
