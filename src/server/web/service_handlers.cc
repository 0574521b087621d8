// Health, metrics, the OpenAPI document and the web UI's files.
#include <nlohmann/json.hpp>

#include "server/web/openapi.h"
#include "server/web/web_app.h"

namespace tether::web {
namespace {

bool IsLoopback(const std::string& addr) {
  return addr.rfind("127.", 0) == 0 || addr == "::1" || addr.rfind("::ffff:127.", 0) == 0;
}

HttpResponse FileResponse(const StaticFile& f) {
  HttpResponse r;
  r.body = f.body;
  r.Set("Content-Type", f.content_type);
  r.Set("Cache-Control", f.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  return r;
}

}  // namespace

HttpResponse WebApp::Healthz(const HttpRequest&, const Params&) {
  HealthReport h = health_();
  nlohmann::json body{{"status", h.Ok() ? "ok" : "unavailable"},
                      {"services", {{"web", h.web}, {"relay", h.relay}, {"manager", h.manager}}}};
  return HttpResponse::Json(h.Ok() ? 200 : 503, body.dump());
}

HttpResponse WebApp::MetricsPage(const HttpRequest& req, const Params&) {
  if (!options_.metrics_public && !IsLoopback(req.remote_addr)) return HttpResponse::NotFound();
  sessions_open_.Set(manager_.Stats().open_sessions);
  HttpResponse r;
  r.body = metrics_.RenderPrometheus();
  r.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  return r;
}

HttpResponse WebApp::OpenApi(const HttpRequest&, const Params&) {
  return HttpResponse::Json(200, OpenApiDocument());
}

HttpResponse WebApp::UiPage(const HttpRequest&, const Params&) {
  const StaticFile* index = ui_.Index();
  if (!index) {
    HttpResponse r;
    r.status = 503;
    r.body = "The web UI is not built. Run `make` in the source tree.\n";
    r.Set("Content-Type", "text/plain; charset=utf-8");
    return r;
  }
  return FileResponse(*index);
}

HttpResponse WebApp::Asset(const HttpRequest& req, const Params&) {
  const StaticFile* f = ui_.Find(req.path);
  if (!f) return HttpResponse::NotFound();
  return FileResponse(*f);
}

}  // namespace tether::web
