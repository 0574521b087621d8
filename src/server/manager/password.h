#pragma once
// Password policy and Argon2id hashing (libsodium). Hashing is deliberately slow: callers on a
// network thread must move it to the blocking pool. Thread-safe.
#include <mutex>
#include <string>

#include "base/result.h"

namespace tether::manager {

struct PasswordPolicy {
  int min_length = 12;
  bool require_upper = true;
  bool require_lower = true;
  bool require_digit = true;
  bool require_symbol = true;
  static constexpr int kMaxLength = 1024;  // bound on work done for one request
  // Below this, min_length is refused unless the operator overrides it explicitly.
  static constexpr int kSafeMinLength = 12;

  // The message names every rule the password breaks; a common password is refused whatever
  // the other rules say.
  Status Check(const std::string& password) const;
};

// True for a password on the shipped list of the most common ones (common_passwords.inc),
// compared ignoring case, also after stripping digits and symbols from both ends
// ("Password123!" is "password").
bool IsCommonPassword(const std::string& password);

struct HashParams {
  unsigned long long ops = 3;
  size_t mem_bytes = 64u * 1024 * 1024;
};

// Picks Argon2id parameters so that one hash takes between target_ms and 2 * target_ms on this
// machine: 64 MiB (less when even the fewest passes are too slow, never under 16 MiB) and
// 2 to 10 passes. Takes a few hashes' time; run once at set-up and store the result.
HashParams CalibrateHashParams(int target_ms = 250);

class PasswordHasher {
 public:
  explicit PasswordHasher(HashParams params = {});
  Result<std::string> Hash(const std::string& password) const;
  bool Verify(const std::string& hash, const std::string& password) const;
  bool NeedsRehash(const std::string& hash) const;
  // Spends the same time as a Verify of a real account, so an unknown user answers as slowly.
  void VerifyDummy(const std::string& password) const;
  // Computes the dummy hash now (it is otherwise made on first use); call off the start-up path.
  void Warm() const;

 private:
  const std::string& DummyHash() const;

  HashParams params_;
  mutable std::once_flag dummy_once_;
  mutable std::string dummy_hash_;
};

bool IsValidUsername(const std::string& name);

}  // namespace tether::manager
