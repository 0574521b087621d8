#include "server/manager/password.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string_view>
#include <unordered_set>

#include "base/crypto.h"

namespace tether::manager {
namespace {

const std::unordered_set<std::string_view>& CommonPasswords() {
  static const std::unordered_set<std::string_view> kSet = [] {
    static constexpr std::string_view kText =
#include "server/manager/common_passwords.inc"
        ;
    std::unordered_set<std::string_view> set;
    size_t start = 0;
    while (start < kText.size()) {
      size_t end = kText.find('\n', start);
      if (end == std::string_view::npos) end = kText.size();
      if (end > start) set.insert(kText.substr(start, end - start));
      start = end + 1;
    }
    return set;
  }();
  return kSet;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool IsCommonPassword(const std::string& password) {
  const std::string lower = Lower(password);
  const auto& set = CommonPasswords();
  if (set.count(lower)) return true;
  auto decoration = [](unsigned char c) { return !std::isalpha(c); };
  size_t b = 0, e = lower.size();
  while (b < e && decoration(static_cast<unsigned char>(lower[b]))) ++b;
  while (e > b && decoration(static_cast<unsigned char>(lower[e - 1]))) --e;
  return b < e && set.count(std::string_view(lower).substr(b, e - b)) > 0;
}

HashParams CalibrateHashParams(int target_ms) {
  auto time_ms = [](const HashParams& p) {
    char out[crypto_pwhash_STRBYTES];
    const auto start = std::chrono::steady_clock::now();
    if (crypto_pwhash_str_alg(out, "calibration", 11, p.ops, p.mem_bytes,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
      return int64_t{1} << 40;  // out of memory: as good as too slow
    }
    return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - start).count());
  };
  constexpr unsigned long long kMinOps = 2, kMaxOps = 10;
  constexpr size_t kMinMem = 16u * 1024 * 1024;
  HashParams p{kMinOps, 64u * 1024 * 1024};
  int64_t t = time_ms(p);
  // Too slow with the fewest passes: halve the memory until it fits or reaches the floor.
  while (t > 2 * target_ms && p.mem_bytes > kMinMem) {
    p.mem_bytes /= 2;
    t = time_ms(p);
  }
  // Fast enough: add passes (time grows about linearly with them) up to the target.
  while (t < target_ms && p.ops < kMaxOps) {
    const int64_t per_pass = std::max<int64_t>(1, t / static_cast<int64_t>(p.ops));
    const auto want = static_cast<unsigned long long>((target_ms * 3 / 2) / per_pass);
    const unsigned long long next = std::clamp(want, p.ops + 1, kMaxOps);
    p.ops = next;
    t = time_ms(p);
  }
  return p;
}

Status PasswordPolicy::Check(const std::string& password) const {
  if (password.size() > static_cast<size_t>(kMaxLength)) {
    return MakeError("validation", "password is longer than 1024 characters");
  }
  bool upper = false, lower = false, digit = false, symbol = false;
  for (unsigned char c : password) {
    if (std::isupper(c)) upper = true;
    else if (std::islower(c)) lower = true;
    else if (std::isdigit(c)) digit = true;
    else symbol = true;  // punctuation, space and non-ASCII all count as symbols
  }
  std::string missing;
  auto add = [&](const char* what) { missing += missing.empty() ? what : std::string(", ") + what; };
  if (static_cast<int>(password.size()) < min_length) {
    add(("at least " + std::to_string(min_length) + " characters").c_str());
  }
  if (require_upper && !upper) add("an upper-case letter");
  if (require_lower && !lower) add("a lower-case letter");
  if (require_digit && !digit) add("a digit");
  if (require_symbol && !symbol) add("a symbol");
  if (!missing.empty()) return MakeError("validation", "password needs " + missing);
  if (IsCommonPassword(password)) {
    return MakeError("validation", "password is one of the most common passwords; choose another");
  }
  return {};
}

PasswordHasher::PasswordHasher(HashParams params) : params_(params) {}

const std::string& PasswordHasher::DummyHash() const {
  std::call_once(dummy_once_, [this] { dummy_hash_ = Hash(RandomToken(24)).value(); });
  return dummy_hash_;
}

void PasswordHasher::Warm() const { (void)DummyHash(); }

Result<std::string> PasswordHasher::Hash(const std::string& password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params_.ops, params_.mem_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return MakeError("internal", "password hashing failed (out of memory)");
  }
  return std::string(out);
}

bool PasswordHasher::Verify(const std::string& hash, const std::string& password) const {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::NeedsRehash(const std::string& hash) const {
  return crypto_pwhash_str_needs_rehash(hash.c_str(), params_.ops, params_.mem_bytes) != 0;
}

void PasswordHasher::VerifyDummy(const std::string& password) const {
  (void)Verify(DummyHash(), password);
}

bool IsValidUsername(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (unsigned char c : name) {
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@')) return false;
  }
  return true;
}

}  // namespace tether::manager
