#pragma once
// TempDir: a fresh directory under $TMPDIR for one test, removed afterwards. Test-only.
#include <cstdlib>
#include <filesystem>
#include <string>

namespace tether::testing {

class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "tether-unit-XXXXXX").string();
    path_ = ::mkdtemp(templ.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace tether::testing
