#pragma once
// StaticFiles: the built web UI (index.html and hashed assets), loaded into memory once at
// start-up so serving never touches the file system with a request-controlled path.
// Immutable after Load(); safe to share between threads.
#include <filesystem>
#include <map>
#include <string>

#include "base/result.h"

namespace tether::web {

struct StaticFile {
  std::string body;
  std::string content_type;
  bool immutable = false;  // hashed asset: cache for a year
};

class StaticFiles {
 public:
  static constexpr size_t kMaxFiles = 2000;
  static constexpr size_t kMaxTotalBytes = 64u * 1024 * 1024;

  // Loads <dir>/index.html and everything under <dir>/assets. A missing directory is not an
  // error (the API still works); it is logged by the caller.
  Status Load(const std::filesystem::path& dir);
  // Files by URL path ("/assets/index-abc123.js"); nullptr when absent.
  const StaticFile* Find(const std::string& url_path) const;
  const StaticFile* Index() const { return Find("/index.html"); }
  size_t Count() const { return files_.size(); }

 private:
  std::map<std::string, StaticFile> files_;
};

}  // namespace tether::web
