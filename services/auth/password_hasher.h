// Password hashing with argon2id (libsodium crypto_pwhash_str). The cost is configurable so unit
// tests can use libsodium's minimum; servers use at least the "interactive" limits.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace natter::auth {

class PasswordHasher {
 public:
  // Interactive limits: 2 passes over 64 MiB.
  static PasswordHasher Interactive();
  // libsodium's minimum, for tests only.
  static PasswordHasher Minimum();

  PasswordHasher(unsigned long long opslimit, size_t memlimit);

  absl::StatusOr<std::string> Hash(std::string_view password) const;
  bool Verify(std::string_view hash, std::string_view password) const;
  // True when `hash` was made with weaker parameters than this hasher's (rehash on next login).
  bool NeedsRehash(std::string_view hash) const;
  // How long one hash takes on this machine now (the fastest of `tries`), for sizing the queue.
  std::chrono::milliseconds Measure(int tries = 3) const;

 private:
  unsigned long long opslimit_;
  size_t memlimit_;
};

}  // namespace natter::auth
