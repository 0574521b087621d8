// The guest page's API: a session code in, the signed agent configuration out (no login), and
// the public key agents trust those configurations by.
#include <nlohmann/json.hpp>

#include "base/agent_config.h"
#include "server/web/web_app.h"
#include "server/web/json_body.h"

namespace tether::web {
namespace {

using nlohmann::json;
constexpr size_t kMaxGuestBody = 4 * 1024;

// The host part of a Host header or origin authority ("name", "1.2.3.4", "[::1]"), or "" when
// it is not a plain host name or address.
std::string HostPart(std::string_view authority) {
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return {};
    host = host.substr(0, close + 1);
    if (host.substr(1, host.size() - 2).find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      return {};
    }
    return std::string(host);
  }
  host = host.substr(0, host.find(':'));
  if (host.empty() || host.size() > 253 ||
      host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
          std::string_view::npos) {
    return {};
  }
  return std::string(host);
}

}  // namespace

// Where an agent will connect: the configured relay address, or the host this request came to
// (the requester reached the server there) with the relay's port.
std::string WebApp::RelayAddressFor(const HttpRequest& req) const {
  if (!options_.relay_public_address.empty()) return options_.relay_public_address;
  std::string host = !options_.public_origin.empty() ? HostPart(options_.public_origin.substr(8))
                                                     : HostPart(req.Header("host"));
  return host.empty() ? std::string() : host + ":" + std::to_string(options_.relay_port);
}

HttpResponse WebApp::JoinAsGuest(const HttpRequest& req, const Params&) {
  if (!guest_join_) return HttpResponse::NotFound();
  HttpResponse error;
  auto body = ParseObjectBody(req, kMaxGuestBody, error);
  if (!body) return error;
  std::string code = StringField(*body, "code");
  // Codes are shown with spaces sometimes ("402 913"); the guest may type them so.
  std::erase(code, ' ');
  if (code.empty()) return HttpResponse::Error(400, "validation", "enter the code your technician gave you");

  const std::string relay = RelayAddressFor(req);
  if (relay.empty()) {
    return HttpResponse::Error(400, "validation",
                               "cannot tell the relay's address from this request; the administrator "
                               "sets relay.public_address");
  }

  auto file = guest_join_->IssueConfig(code, relay, req.remote_addr);
  if (!file) {
    HttpResponse r = ErrorResponse(file.error());
    if (file.error().code == "rate_limited") {
      r.Set("Retry-After", std::to_string(std::max<int64_t>(1, guest_join_->RetryAfter(req.remote_addr))));
    }
    return r;
  }
  HttpResponse r;
  r.status = 200;
  r.body = file->body;
  r.Set("Content-Type", std::string(kAgentConfigMediaType));
  r.Set("Content-Disposition", "attachment; filename=\"" + file->filename + "\"");
  return r;
}

HttpResponse WebApp::GuestSigningKey(const HttpRequest&, const Params&) {
  if (!guest_join_) return HttpResponse::NotFound();
  json j = {{"algorithm", "ed25519"},
            {"public_key", Ed25519PublicKeyBase64(guest_join_->PublicKey())},
            {"format", kAgentConfigFormat}};
  return HttpResponse::Json(200, j.dump());
}

}  // namespace tether::web
