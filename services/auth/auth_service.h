// natter-auth's logic: accounts, sessions, login throttling, profiles and avatars. Depends only on
// its stores, the event publisher, the hasher and a clock, so unit tests run it with fakes;
// auth_grpc.h puts it behind gRPC.
#pragma once

#include <chrono>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/event_publisher.h"
#include "natter/v1/auth.pb.h"
#include "password_hasher.h"
#include "session_store.h"
#include "user_store.h"

namespace natter::auth {

struct AuthOptions {
  std::chrono::seconds session_ttl = std::chrono::hours(24 * 30);
  // A session's last use (and sliding expiry) is written at most this often.
  std::chrono::seconds touch_interval = std::chrono::seconds(60);
  size_t max_sessions_per_user = 100;  // the least recently used is ended beyond this
  int64_t max_failures_per_user = 5;
  int64_t max_failures_per_address = 20;
  std::chrono::seconds failure_window = std::chrono::minutes(15);
};

// Usernames: 3 to 32 characters (letters of any script, combining marks, digits, '_', '.', '-'),
// stored in Unicode NFC. Returns the normalized form or INVALID_ARGUMENT.
absl::StatusOr<std::string> NormalizeUsername(std::string_view username);
// The form usernames are unique in: NFC plus case folding ("Alice" and "alice" are the same).
std::string UsernameKey(std::string_view normalized_username);
// Passwords: 8 to 1024 bytes, not the username (ignoring case).
absl::Status ValidatePassword(std::string_view password, std::string_view username);
// Display names: 1 to 64 characters, no control characters, not only white space; NFC.
absl::StatusOr<std::string> NormalizeDisplayName(std::string_view display_name);
// "ipv4:127.0.0.1:5555" -> "127.0.0.1"; "ipv6:[::1]:5555" -> "::1".
std::string AddressWithoutPort(std::string_view peer);

class AuthService {
 public:
  AuthService(UserStore& users, SessionStore& sessions, LoginThrottle& throttle,
              EventPublisher& publisher, const PasswordHasher& hasher, const Clock& clock,
              AuthOptions options);

  absl::StatusOr<v1::RegisterResponse> Register(const v1::RegisterRequest& request);
  absl::StatusOr<v1::LoginResponse> Login(const v1::LoginRequest& request);
  absl::StatusOr<v1::ValidateTokenResponse> ValidateToken(const v1::ValidateTokenRequest& request);
  absl::StatusOr<v1::LogoutResponse> Logout(const v1::LogoutRequest& request);
  absl::StatusOr<v1::ListSessionsResponse> ListSessions(const v1::ListSessionsRequest& request);
  absl::StatusOr<v1::RevokeSessionResponse> RevokeSession(const v1::RevokeSessionRequest& request);
  absl::StatusOr<v1::ChangePasswordResponse> ChangePassword(
      const v1::ChangePasswordRequest& request);
  absl::StatusOr<v1::Profile> GetProfile(const v1::GetProfileRequest& request);
  absl::StatusOr<v1::GetProfilesResponse> GetProfiles(const v1::GetProfilesRequest& request);
  absl::StatusOr<v1::GetProfilesResponse> LookupUsers(const v1::LookupUsersRequest& request);
  absl::StatusOr<v1::Profile> UpdateProfile(const v1::UpdateProfileRequest& request);
  absl::StatusOr<v1::Profile> SetAvatar(const v1::SetAvatarRequest& request);
  absl::StatusOr<v1::GetAvatarResponse> GetAvatar(const v1::GetAvatarRequest& request);
  absl::StatusOr<v1::DeleteAccountResponse> DeleteAccount(const v1::DeleteAccountRequest& request);

  // Hash of a token as stored (hex BLAKE2b-256).
  static std::string TokenHash(std::string_view token);

 private:
  struct Authenticated {
    std::string token_hash;
    Session session;
  };

  // The live session of `token` (sliding its expiry), or UNAUTHENTICATED.
  absl::StatusOr<Authenticated> Authenticate(std::string_view token);
  // The caller's account, or UNAUTHENTICATED if it was deleted meanwhile.
  absl::StatusOr<UserRecord> CallerAccount(const Session& session);
  // RESOURCE_EXHAUSTED while `username_key` or `address` is locked out.
  absl::Status CheckThrottle(const std::string& username_key, const std::string& address);
  void RecordFailure(const std::string& username_key, const std::string& address);
  // PERMISSION_DENIED with `wrong_message` unless `password` is the user's (throttled like logins).
  absl::Status CheckCurrentPassword(const UserRecord& user, std::string_view password,
                                    std::string_view wrong_message);
  // Ends the user's sessions, all or all but `except_session_id`; returns how many.
  absl::StatusOr<uint32_t> EndSessions(uint64_t user_id, const std::string& except_session_id,
                                       const std::string& reason);
  absl::Status EndSession(const std::string& token_hash, const Session& session,
                          const std::string& reason);
  void PublishToUser(uint64_t user_id, const std::string& event);
  void PublishProfile(const v1::Profile& profile);
  v1::Profile ToProfile(const UserRecord& user) const;

  UserStore& users_;
  SessionStore& sessions_;
  LoginThrottle& throttle_;
  EventPublisher& publisher_;
  const PasswordHasher& hasher_;
  const Clock& clock_;
  const AuthOptions options_;
  // Verified against when the username does not exist, so both failures cost the same time.
  const std::string dummy_hash_;
};

}  // namespace natter::auth
