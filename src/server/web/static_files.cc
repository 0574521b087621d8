#include "server/web/static_files.h"

#include <fstream>
#include <sstream>

namespace tether::web {
namespace {

std::string ContentType(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".wasm") return "application/wasm";
  return "application/octet-stream";
}

Result<std::string> Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return MakeError("io", "cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Status StaticFiles::Load(const std::filesystem::path& dir) {
  files_.clear();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(dir / "index.html", ec)) {
    return MakeError("not_found", "no index.html in " + dir.string());
  }
  size_t total = 0;
  auto add = [&](const std::filesystem::path& file, bool immutable) -> Status {
    auto body = Slurp(file);
    if (!body) return body.error();
    total += body->size();
    if (files_.size() >= kMaxFiles || total > kMaxTotalBytes) {
      return MakeError("too_large", "web UI directory is larger than expected: " + dir.string());
    }
    std::string url = "/" + std::filesystem::relative(file, dir).generic_string();
    files_[url] = StaticFile{std::move(*body), ContentType(file), immutable};
    return {};
  };
  if (auto st = add(dir / "index.html", false); !st) return st;
  if (std::filesystem::is_directory(dir / "assets", ec)) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir / "assets", ec)) {
      if (!e.is_regular_file() || e.is_symlink()) continue;
      if (auto st = add(e.path(), true); !st) return st;
    }
  }
  for (const char* extra : {"favicon.svg", "favicon.ico"}) {
    if (std::filesystem::is_regular_file(dir / extra, ec)) {
      if (auto st = add(dir / extra, false); !st) return st;
    }
  }
  return {};
}

const StaticFile* StaticFiles::Find(const std::string& url_path) const {
  auto it = files_.find(url_path);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace tether::web
