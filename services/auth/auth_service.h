// natter-auth's logic: accounts, sessions, login throttling, profiles and avatars. Depends only on
// its stores, the event publisher, the hasher and a clock, so unit tests run it with fakes;
// auth_grpc.h puts it behind gRPC.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/event_publisher.h"
#include "common/rate_limit.h"
#include "natter/v1/auth.pb.h"
#include "password_hasher.h"
#include "session_store.h"
#include "user_store.h"

namespace natter::auth {

// Rate limits on the calls that write or fan out (RESOURCE_EXHAUSTED with when to try again),
// shared by every replica through Redis. Unlimited() for tests that send flat out.
struct AuthLimits {
  RateLimit registrations{6.0 / 60, 30};     // per client address: 6 a minute, 30 at once
  RateLimit avatars{2.0 / 60, 5};            // per user: 2 a minute, 5 at once
  RateLimit profile_changes{10.0 / 60, 20};  // per user (display name)
  // Per session, so a stolen session cannot spend the owner's: password changes and deletion.
  RateLimit password_calls{1.0 / 60, 5};
  RateLimit session_calls{1, 30};  // per user: logout, revoking a session

  static AuthLimits Unlimited() { return {{}, {}, {}, {}, {}}; }
};

struct AuthOptions {
  std::chrono::seconds session_ttl = std::chrono::hours(24 * 30);
  // A session's last use (and sliding expiry) is written at most this often.
  std::chrono::seconds touch_interval = std::chrono::seconds(60);
  size_t max_sessions_per_user = 100;  // the least recently used is ended beyond this

  // Password guessing is slowed, never locked out (OWASP ASVS 2.2.1): each counter allows its
  // free failures, then every further try waits 1 s, 2 s, 4 s, ... after the latest failure,
  // doubling with each, up to max_guess_delay. Counters (see Login):
  int64_t free_failures_per_source = 5;    // one account from one address
  int64_t free_failures_per_account = 20;  // one account from addresses it never logged in from
  int64_t free_failures_per_address = 50;  // one address, all accounts (spraying)
  int64_t free_failures_per_session = 5;   // re-entering the password (change, deletion)
  std::chrono::seconds max_guess_delay = std::chrono::minutes(15);
  // A counter forgets this long after its latest failure (well beyond max_guess_delay, so waiting
  // out the delay does not also hand out the free failures again).
  std::chrono::seconds failure_memory = std::chrono::hours(24);
  // An address the user logged in from stays theirs this long after the last such login.
  std::chrono::seconds known_address_ttl = std::chrono::hours(24 * 30);

  AuthLimits limits;
};

// Usernames: 3 to 32 characters (letters of any script, combining marks, digits, '_', '.', '-'),
// stored in Unicode NFC. Returns the normalized form or INVALID_ARGUMENT.
absl::StatusOr<std::string> NormalizeUsername(std::string_view username);
// The form usernames are unique in: NFC plus case folding ("Alice" and "alice" are the same).
std::string UsernameKey(std::string_view normalized_username);
// The form look-alikes share (NameSkeleton: "pаypal" with a Cyrillic а is "paypal"), also unique;
// INVALID_ARGUMENT when it is longer than the database keeps (kMaxSkeletonBytes).
inline constexpr size_t kMaxSkeletonBytes = 2048;
absl::StatusOr<std::string> UsernameSkeleton(std::string_view normalized_username);
// Passwords: 8 to 1024 bytes, not the username (ignoring case).
absl::Status ValidatePassword(std::string_view password, std::string_view username);
// Display names: 1 to 64 characters, no control characters, not only white space; NFC.
absl::StatusOr<std::string> NormalizeDisplayName(std::string_view display_name);
// "ipv4:127.0.0.1:5555" -> "127.0.0.1"; "ipv6:[::1]:5555" -> "::1".
std::string AddressWithoutPort(std::string_view peer);
// How long until a password guess is allowed under `counter` with `free_failures`: none until
// the free failures are spent, then 1 s after the latest failure, doubling with each further one
// up to `max_delay`.
int64_t GuessWaitMs(const LoginThrottle::Counter& counter, int64_t free_failures,
                    std::chrono::seconds max_delay, int64_t now_ms);

class AuthService {
 public:
  AuthService(UserStore& users, SessionStore& sessions, LoginThrottle& throttle,
              RateLimiter& limiter, EventPublisher& publisher, const PasswordHasher& hasher,
              const Clock& clock, AuthOptions options);

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

  // Fills in the skeleton of accounts made before usernames had one (migration 003), oldest first,
  // `batch` at a time; safe to run on several replicas at once. An account whose skeleton another
  // already holds (look-alikes registered before this check) keeps none and is logged. Returns how
  // many were filled in.
  absl::StatusOr<size_t> BackfillUsernameSkeletons(size_t batch = 500);

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
  // A guess allowed now under throttling counters `keys` with their free failures, or
  // RESOURCE_EXHAUSTED with how long until one is.
  absl::Status CheckGuessDelay(const std::vector<std::string>& keys,
                               const std::vector<int64_t>& free_failures);
  void RecordFailure(const std::vector<std::string>& keys);
  // PERMISSION_DENIED with `wrong_message` unless `password` is the user's; throttled per session.
  absl::Status CheckCurrentPassword(const Session& session, const UserRecord& user,
                                    std::string_view password, std::string_view wrong_message);
  absl::Status TakeSessionAllowance(uint64_t user_id);
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
  RateLimiter& limiter_;
  EventPublisher& publisher_;
  const PasswordHasher& hasher_;
  const Clock& clock_;
  const AuthOptions options_;
  // Verified against when the username does not exist, so both failures cost the same time.
  const std::string dummy_hash_;
};

}  // namespace natter::auth
