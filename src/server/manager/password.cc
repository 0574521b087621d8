#include "server/manager/password.h"

#include <sodium.h>

#include <cctype>

#include "base/crypto.h"

namespace tether::manager {

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
