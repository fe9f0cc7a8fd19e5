#include "password_hasher.h"

#include <sodium.h>

#include <algorithm>

#include "absl/status/status.h"

namespace natter::auth {

PasswordHasher PasswordHasher::Interactive() {
  return PasswordHasher(crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

PasswordHasher PasswordHasher::Minimum() {
  return PasswordHasher(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
}

PasswordHasher::PasswordHasher(unsigned long long opslimit, size_t memlimit)
    : opslimit_(opslimit), memlimit_(memlimit) {
  if (sodium_init() < 0) std::abort();  // no usable randomness: nothing here can be safe
}

absl::StatusOr<std::string> PasswordHasher::Hash(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), opslimit_, memlimit_,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("the server is out of memory for password hashing");
  }
  return std::string(out);
}

bool PasswordHasher::Verify(std::string_view hash, std::string_view password) const {
  std::string terminated(hash);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::NeedsRehash(std::string_view hash) const {
  std::string terminated(hash);
  return crypto_pwhash_str_needs_rehash(terminated.c_str(), opslimit_, memlimit_) != 0;
}

std::chrono::milliseconds PasswordHasher::Measure(int tries) const {
  auto fastest = std::chrono::milliseconds::max();
  for (int i = 0; i < tries; ++i) {
    auto start = std::chrono::steady_clock::now();
    Hash("a password of ordinary length").IgnoreError();
    fastest = std::min(fastest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - start));
  }
  return std::max(fastest, std::chrono::milliseconds(1));
}

}  // namespace natter::auth
