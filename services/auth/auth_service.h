// natter-auth's logic: registration, login, token validation and logout. Depends only on its
// stores, hasher and clock, so unit tests run it with fakes; auth_grpc.h puts it behind gRPC.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "natter/v1/auth.pb.h"
#include "password_hasher.h"
#include "session_store.h"
#include "user_store.h"

namespace natter::auth {

struct AuthOptions {
  std::chrono::seconds session_ttl = std::chrono::hours(24 * 30);
};

// Username rules: 3 to 32 characters from A-Z a-z 0-9 _ . - ; compared case-insensitively.
absl::Status ValidateUsername(std::string_view username);
// The form usernames are compared and stored unique in.
std::string UsernameKey(std::string_view username);
// Password rules: 8 to 1024 bytes, not the username.
absl::Status ValidatePassword(std::string_view password, std::string_view username);

class AuthService {
 public:
  AuthService(UserStore& users, SessionStore& sessions, const PasswordHasher& hasher,
              const Clock& clock, AuthOptions options);

  absl::StatusOr<v1::RegisterResponse> Register(const v1::RegisterRequest& request);
  absl::StatusOr<v1::LoginResponse> Login(const v1::LoginRequest& request);
  absl::StatusOr<v1::ValidateTokenResponse> ValidateToken(const v1::ValidateTokenRequest& request);
  absl::Status Logout(const v1::LogoutRequest& request);

  // Hash of a token as stored (hex BLAKE2b-256).
  static std::string TokenHash(std::string_view token);

 private:
  absl::StatusOr<Session> FindSession(std::string_view token);

  UserStore& users_;
  SessionStore& sessions_;
  const PasswordHasher& hasher_;
  const Clock& clock_;
  const AuthOptions options_;
  // Verified against when the username does not exist, so both failures cost the same time.
  const std::string dummy_hash_;
};

}  // namespace natter::auth
