#include "auth_service.h"

#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "absl/status/status.h"
#include "avatar_image.h"
#include "common/channels.h"
#include "common/name_skeleton.h"
#include "common/status.h"
#include "common/text.h"
#include "natter/v1/gateway.pb.h"

namespace natter::auth {
namespace {

constexpr size_t kMinUsername = 3;
constexpr size_t kMaxUsername = 32;
constexpr size_t kMaxUsernameBytes = kMaxUsername * 4;
constexpr size_t kMinPassword = 8;
constexpr size_t kMaxPassword = 1024;
constexpr size_t kMaxDisplayName = 64;
constexpr size_t kMaxDevice = 64;
constexpr size_t kMaxToken = 128;
constexpr size_t kMaxProfilesPerCall = 1000;
constexpr std::string_view kBadCredentials = "wrong username or password";
constexpr std::string_view kBadToken = "session is not valid (expired or logged out); log in again";
constexpr std::string_view kDeletedName = "deleted user";

std::string RandomToken(size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                 raw.size());
  hex.pop_back();
  return hex;
}

// Device names are shown to the user in session lists: printable, at most kMaxDevice bytes, cut at
// a character boundary so the result stays valid UTF-8.
std::string CleanDevice(std::string_view device) {
  std::string out;
  for (unsigned char c : device) {
    if (c >= 0x20 && c != 0x7f) out.push_back(static_cast<char>(c));
  }
  if (!IsValidUtf8(out)) return "unknown device";
  if (out.size() > kMaxDevice) {
    size_t cut = kMaxDevice;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out.empty() ? "unknown device" : out;
}

// The address a request came from ("10.0.0.7"), as the gateway saw it; "unknown" when none came.
std::string ClientAddress(std::string_view peer) {
  std::string address = AddressWithoutPort(peer);
  return address.empty() ? "unknown" : address;
}

// Guess-throttling counters (LoginThrottle) and rate-limit keys (RateLimiter).
std::string SourceCounter(const std::string& username_key, const std::string& address) {
  return "source:" + username_key + "|" + address;
}
std::string AccountCounter(const std::string& username_key) { return "account:" + username_key; }
std::string AddressCounter(const std::string& address) { return "address:" + address; }
std::string SessionCounter(const std::string& session_id) { return "session:" + session_id; }
std::string RegisterLimitKey(const std::string& address) {
  return "ratelimit:auth:register:" + address;
}
std::string AvatarLimitKey(uint64_t user_id) {
  return "ratelimit:auth:avatar:" + std::to_string(user_id);
}
std::string ProfileLimitKey(uint64_t user_id) {
  return "ratelimit:auth:profile:" + std::to_string(user_id);
}
std::string PasswordLimitKey(const std::string& session_id) {
  return "ratelimit:auth:password:" + session_id;
}
std::string SessionLimitKey(uint64_t user_id) {
  return "ratelimit:auth:sessions:" + std::to_string(user_id);
}

// "you are changing your avatar too often (at most 2 a minute)".
std::string PerMinute(std::string_view what, const RateLimit& limit) {
  return fmt::format("{} (at most {:g} a minute)", what, limit.per_second * 60);
}

}  // namespace

int64_t GuessWaitMs(const LoginThrottle::Counter& counter, int64_t free_failures,
                    std::chrono::seconds max_delay, int64_t now_ms) {
  if (counter.failures < free_failures) return 0;
  const int64_t max_ms = std::chrono::duration_cast<std::chrono::milliseconds>(max_delay).count();
  const int64_t doublings = std::min<int64_t>(counter.failures - free_failures, 40);
  const int64_t delay_ms =
      doublings >= 31 ? max_ms : std::min<int64_t>(1000LL << doublings, max_ms);
  return std::max<int64_t>(0, counter.last_failure_ms + delay_ms - now_ms);
}

absl::StatusOr<std::string> NormalizeUsername(std::string_view username) {
  return NormalizeName(username, kMinUsername, kMaxUsername, "username");
}

std::string UsernameKey(std::string_view normalized_username) {
  auto folded = FoldCase(normalized_username);
  return folded.ok() ? *folded : std::string(normalized_username);
}

absl::StatusOr<std::string> UsernameSkeleton(std::string_view normalized_username) {
  ASSIGN_OR_RETURN(auto skeleton, NameSkeleton(normalized_username));
  if (skeleton.size() > kMaxSkeletonBytes) {
    return absl::InvalidArgumentError(
        "username has characters that cannot be told apart from others; choose another");
  }
  return skeleton;
}

absl::Status ValidatePassword(std::string_view password, std::string_view username) {
  if (password.size() < kMinPassword) {
    return absl::InvalidArgumentError("password must be at least 8 characters long");
  }
  if (password.size() > kMaxPassword) {
    return absl::InvalidArgumentError("password must be at most 1024 bytes long");
  }
  if (UsernameKey(password) == UsernameKey(username)) {
    return absl::InvalidArgumentError("password must not be the username");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NormalizeDisplayName(std::string_view display_name) {
  RETURN_IF_ERROR(ValidateText(display_name, kMaxDisplayName * 4, "display name"));
  if (display_name.find_first_of("\n\t") != std::string_view::npos) {
    return absl::InvalidArgumentError("display name contains control characters");
  }
  auto normalized = NormalizeNfc(display_name);
  if (!normalized.ok()) return absl::InvalidArgumentError("display name is not valid UTF-8");
  if (CodepointCount(*normalized) > kMaxDisplayName) {
    return absl::InvalidArgumentError("display name must be at most 64 characters long");
  }
  return normalized;
}

std::string AddressWithoutPort(std::string_view peer) {
  if (auto colon = peer.find(':');
      colon != std::string_view::npos && (peer.starts_with("ipv4:") || peer.starts_with("ipv6:"))) {
    peer.remove_prefix(colon + 1);
  }
  if (peer.starts_with('[')) {
    auto close = peer.find(']');
    return std::string(peer.substr(1, close == std::string_view::npos ? peer.npos : close - 1));
  }
  auto colon = peer.rfind(':');
  return std::string(colon == std::string_view::npos ? peer : peer.substr(0, colon));
}

AuthService::AuthService(UserStore& users, SessionStore& sessions, LoginThrottle& throttle,
                         RateLimiter& limiter, EventPublisher& publisher,
                         const PasswordHasher& hasher, const Clock& clock, AuthOptions options)
    : users_(users),
      sessions_(sessions),
      throttle_(throttle),
      limiter_(limiter),
      publisher_(publisher),
      hasher_(hasher),
      clock_(clock),
      options_(options),
      dummy_hash_(hasher.Hash(RandomToken(16)).value()) {}

std::string AuthService::TokenHash(std::string_view token) {
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

v1::Profile AuthService::ToProfile(const UserRecord& user) const {
  v1::Profile profile;
  profile.set_user_id(user.id);
  profile.set_deleted(user.deleted);
  profile.set_created_at_ms(user.created_at_ms);
  if (user.deleted) {
    profile.set_username(std::string(kDeletedName));
    profile.set_display_name(std::string(kDeletedName));
    return profile;
  }
  profile.set_username(user.username);
  profile.set_display_name(user.display_name.empty() ? user.username : user.display_name);
  profile.set_avatar_version(user.avatar_version);
  return profile;
}

// ---- accounts and sessions ----

absl::StatusOr<v1::RegisterResponse> AuthService::Register(const v1::RegisterRequest& request) {
  ASSIGN_OR_RETURN(auto username, NormalizeUsername(request.username()));
  RETURN_IF_ERROR(ValidatePassword(request.password(), username));
  std::string display_name = username;
  if (!request.display_name().empty()) {
    ASSIGN_OR_RETURN(auto name, NormalizeDisplayName(request.display_name()));
    display_name = name;
  }
  ASSIGN_OR_RETURN(auto skeleton, UsernameSkeleton(username));
  // Each registration costs a password hash: limited per address before hashing.
  if (auto s = TakeAllowance(
          limiter_, RegisterLimitKey(ClientAddress(request.client_address())),
          options_.limits.registrations,
          PerMinute("too many new accounts from your address", options_.limits.registrations));
      !s.ok()) {
    return s;
  }
  ASSIGN_OR_RETURN(auto hash, hasher_.Hash(request.password()));
  auto id = users_.CreateUser({.username = username,
                               .username_key = UsernameKey(username),
                               .username_skeleton = skeleton,
                               .password_hash = hash,
                               .display_name = display_name,
                               .created_at_ms = clock_.NowMs()});
  if (absl::IsAlreadyExists(id.status())) {
    if (std::string_view(id.status().message().data(), id.status().message().size()) ==
        kUsernameSkeletonTaken) {
      return absl::AlreadyExistsError(
          "username \"" + username +
          "\" looks like an existing user's name (letters from another script or look-alike "
          "characters); choose another");
    }
    return absl::AlreadyExistsError("username \"" + username + "\" is taken");
  }
  if (!id.ok()) return id.status();
  spdlog::info("registered user {}", *id);
  v1::RegisterResponse response;
  response.set_user_id(*id);
  response.set_username(username);
  return response;
}

absl::Status AuthService::CheckGuessDelay(const std::vector<std::string>& keys,
                                          const std::vector<int64_t>& free_failures) {
  ASSIGN_OR_RETURN(auto counters, throttle_.Get(keys));
  const int64_t now = clock_.NowMs();
  int64_t wait_ms = 0;
  for (size_t i = 0; i < keys.size() && i < counters.size(); ++i) {
    wait_ms = std::max(wait_ms,
                       GuessWaitMs(counters[i], free_failures[i], options_.max_guess_delay, now));
  }
  if (wait_ms > 0) {
    return TooFast("too many failed attempts", std::chrono::milliseconds(wait_ms));
  }
  return absl::OkStatus();
}

void AuthService::RecordFailure(const std::vector<std::string>& keys) {
  if (auto s = throttle_.RecordFailure(keys, clock_.NowMs(), options_.failure_memory); !s.ok()) {
    spdlog::warn("could not record a failed password attempt: {}", s.message());
  }
}

absl::StatusOr<v1::LoginResponse> AuthService::Login(const v1::LoginRequest& request) {
  if (request.username().size() > kMaxUsernameBytes || request.password().size() > kMaxPassword) {
    return absl::UnauthenticatedError(std::string(kBadCredentials));
  }
  auto normalized = NormalizeNfc(request.username());
  std::string key = UsernameKey(normalized.ok() ? *normalized : request.username());
  std::string address = ClientAddress(request.client_address());

  // Guesses are slowed per (account, address), so someone guessing elsewhere never holds up the
  // owner; from addresses the account has not logged in from they are also slowed per account
  // (guessing from many addresses), and per address across accounts (spraying). The owner at an
  // address they logged in from before is held up only by failures from that same address.
  const std::string source = SourceCounter(key, address);
  const std::vector<std::string> counters = {source, AccountCounter(key), AddressCounter(address)};
  ASSIGN_OR_RETURN(auto known, throttle_.IsKnownAddress(key, address));
  if (known) {
    RETURN_IF_ERROR(CheckGuessDelay({source}, {options_.free_failures_per_source}));
  } else if (auto s = CheckGuessDelay(
                 counters, {options_.free_failures_per_source, options_.free_failures_per_account,
                            options_.free_failures_per_address});
             !s.ok()) {
    return s;
  }

  ASSIGN_OR_RETURN(auto user, users_.FindByKey(key));
  if (!user.has_value() || user->deleted) {
    hasher_.Verify(dummy_hash_, request.password());
    RecordFailure(counters);
    return absl::UnauthenticatedError(std::string(kBadCredentials));
  }
  const UserRecord& record = *user;
  if (!hasher_.Verify(record.password_hash, request.password())) {
    spdlog::info("failed login for user {}", record.id);
    RecordFailure(counters);
    return absl::UnauthenticatedError(std::string(kBadCredentials));
  }
  // The account-wide and address-wide counters stay: an attacker elsewhere gains nothing from
  // the owner logging in.
  if (auto s = throttle_.Reset(source); !s.ok()) {
    spdlog::warn("could not reset failed-login count: {}", s.message());
  }
  if (auto s = throttle_.RememberAddress(key, address, options_.known_address_ttl); !s.ok()) {
    spdlog::warn("could not remember the login address: {}", s.message());
  }
  if (hasher_.NeedsRehash(record.password_hash)) {
    if (auto rehash = hasher_.Hash(request.password()); rehash.ok()) {
      if (auto s = users_.UpdatePasswordHash(record.id, *rehash); !s.ok()) {
        spdlog::warn("could not upgrade password hash of user {}: {}", record.id, s.message());
      }
    }
  }

  // Keep at most max_sessions_per_user: end the least recently used beyond that.
  ASSIGN_OR_RETURN(auto existing, sessions_.ListForUser(record.id));
  if (existing.size() >= options_.max_sessions_per_user) {
    std::sort(existing.begin(), existing.end(), [](const auto& a, const auto& b) {
      return a.second.last_used_ms < b.second.last_used_ms;
    });
    size_t excess = existing.size() - options_.max_sessions_per_user + 1;
    for (size_t i = 0; i < excess; ++i) {
      EndSession(existing[i].first, existing[i].second, "too many sessions").IgnoreError();
    }
  }

  std::string token = RandomToken(32);  // 256 bits
  Session session;
  session.id = RandomHex(16);
  session.user_id = record.id;
  session.username = record.username;
  session.device = CleanDevice(request.device());
  session.created_at_ms = clock_.NowMs();
  session.last_used_ms = session.created_at_ms;
  session.expires_at_ms =
      session.created_at_ms +
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.session_ttl).count();
  RETURN_IF_ERROR(sessions_.Put(TokenHash(token), session, options_.session_ttl));
  spdlog::info("user {} logged in, session {}", record.id, session.id);

  v1::LoginResponse response;
  response.set_token(token);
  response.set_user_id(record.id);
  response.set_username(record.username);
  response.set_session_id(session.id);
  response.set_expires_at_ms(session.expires_at_ms);
  return response;
}

absl::StatusOr<AuthService::Authenticated> AuthService::Authenticate(std::string_view token) {
  if (token.empty() || token.size() > kMaxToken) {
    return absl::UnauthenticatedError(std::string(kBadToken));
  }
  std::string hash = TokenHash(token);
  ASSIGN_OR_RETURN(auto session, sessions_.Get(hash));
  int64_t now = clock_.NowMs();
  if (!session.has_value() || session->expires_at_ms <= now) {
    return absl::UnauthenticatedError(std::string(kBadToken));
  }
  Session& s = *session;
  if (now - s.last_used_ms >= options_.touch_interval.count() * 1000) {
    s.last_used_ms = now;
    s.expires_at_ms =
        now + std::chrono::duration_cast<std::chrono::milliseconds>(options_.session_ttl).count();
    if (auto touched = sessions_.Touch(hash, s.last_used_ms, s.expires_at_ms, options_.session_ttl);
        !touched.ok()) {
      spdlog::warn("could not record session use: {}", touched.message());
    }
  }
  return Authenticated{std::move(hash), std::move(s)};
}

absl::StatusOr<UserRecord> AuthService::CallerAccount(const Session& session) {
  ASSIGN_OR_RETURN(auto user, users_.FindById(session.user_id));
  if (!user.has_value() || user->deleted) {
    return absl::UnauthenticatedError("this account no longer exists");
  }
  return std::move(*user);
}

absl::StatusOr<v1::ValidateTokenResponse> AuthService::ValidateToken(
    const v1::ValidateTokenRequest& request) {
  ASSIGN_OR_RETURN(auto auth, Authenticate(request.token()));
  v1::ValidateTokenResponse response;
  response.set_user_id(auth.session.user_id);
  response.set_username(auth.session.username);
  response.set_session_id(auth.session.id);
  response.set_device(auth.session.device);
  return response;
}

void AuthService::PublishToUser(uint64_t user_id, const std::string& event) {
  if (auto s = publisher_.Publish(UserChannel(user_id), event); !s.ok()) {
    // Gateways re-validate every stream after their Redis link comes back, so a revocation that
    // could not be announced still takes effect then.
    spdlog::warn("could not publish to user {}: {}", user_id, s.message());
  }
}

absl::Status AuthService::EndSession(const std::string& token_hash, const Session& session,
                                     const std::string& reason) {
  RETURN_IF_ERROR(sessions_.Delete(token_hash, session.user_id));
  v1::ServerEvent event;
  event.mutable_session_ended()->add_session_ids(session.id);
  event.mutable_session_ended()->set_reason(reason);
  PublishToUser(session.user_id, event.SerializeAsString());
  spdlog::info("session {} of user {} ended: {}", session.id, session.user_id, reason);
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> AuthService::EndSessions(uint64_t user_id,
                                                  const std::string& except_session_id,
                                                  const std::string& reason) {
  ASSIGN_OR_RETURN(auto sessions, sessions_.ListForUser(user_id));
  uint32_t ended = 0;
  for (const auto& [hash, session] : sessions) {
    if (session.id == except_session_id) continue;
    RETURN_IF_ERROR(sessions_.Delete(hash, user_id));
    ++ended;
  }
  v1::ServerEvent event;
  event.mutable_session_ended()->set_all_sessions(true);
  event.mutable_session_ended()->set_except_session_id(except_session_id);
  event.mutable_session_ended()->set_reason(reason);
  PublishToUser(user_id, event.SerializeAsString());
  spdlog::info("{} sessions of user {} ended: {}", ended, user_id, reason);
  return ended;
}

absl::StatusOr<v1::LogoutResponse> AuthService::Logout(const v1::LogoutRequest& request) {
  ASSIGN_OR_RETURN(auto auth, Authenticate(request.token()));
  RETURN_IF_ERROR(TakeSessionAllowance(auth.session.user_id));
  v1::LogoutResponse response;
  if (request.all()) {
    ASSIGN_OR_RETURN(auto ended, EndSessions(auth.session.user_id, "", "logged out everywhere"));
    response.set_sessions_ended(ended);
  } else {
    RETURN_IF_ERROR(EndSession(auth.token_hash, auth.session, "logged out"));
    response.set_sessions_ended(1);
  }
  return response;
}

absl::StatusOr<v1::ListSessionsResponse> AuthService::ListSessions(
    const v1::ListSessionsRequest& request) {
  ASSIGN_OR_RETURN(auto auth, Authenticate(request.token()));
  ASSIGN_OR_RETURN(auto sessions, sessions_.ListForUser(auth.session.user_id));
  std::sort(sessions.begin(), sessions.end(), [](const auto& a, const auto& b) {
    return a.second.last_used_ms > b.second.last_used_ms;
  });
  v1::ListSessionsResponse response;
  for (const auto& [_, s] : sessions) {
    v1::SessionInfo* info = response.add_sessions();
    info->set_id(s.id);
    info->set_device(s.device);
    info->set_created_at_ms(s.created_at_ms);
    info->set_last_used_ms(s.last_used_ms);
    info->set_expires_at_ms(s.expires_at_ms);
    info->set_current(s.id == auth.session.id);
  }
  return response;
}

absl::StatusOr<v1::RevokeSessionResponse> AuthService::RevokeSession(
    const v1::RevokeSessionRequest& request) {
  ASSIGN_OR_RETURN(auto auth, Authenticate(request.token()));
  if (request.session_id().empty() || request.session_id().size() > 64) {
    return absl::InvalidArgumentError("give the id of the session to end (see the session list)");
  }
  RETURN_IF_ERROR(TakeSessionAllowance(auth.session.user_id));
  ASSIGN_OR_RETURN(auto sessions, sessions_.ListForUser(auth.session.user_id));
  for (const auto& [hash, session] : sessions) {
    if (session.id == request.session_id()) {
      RETURN_IF_ERROR(EndSession(hash, session, "revoked"));
      return v1::RevokeSessionResponse();
    }
  }
  return absl::NotFoundError("no session with id \"" + request.session_id() + "\"");
}

absl::Status AuthService::TakeSessionAllowance(uint64_t user_id) {
  return TakeAllowance(
      limiter_, SessionLimitKey(user_id), options_.limits.session_calls,
      PerMinute("you are ending sessions too fast", options_.limits.session_calls));
}

absl::Status AuthService::CheckCurrentPassword(const Session& session, const UserRecord& user,
                                               std::string_view password,
                                               std::string_view wrong_message) {
  // Only someone holding this session can guess here, so the guesses are slowed per session,
  // never through the login counters that anyone may fill.
  const std::vector<std::string> counters = {SessionCounter(session.id)};
  RETURN_IF_ERROR(CheckGuessDelay(counters, {options_.free_failures_per_session}));
  if (auto s = TakeAllowance(limiter_, PasswordLimitKey(session.id), options_.limits.password_calls,
                             PerMinute("too many password checks", options_.limits.password_calls));
      !s.ok()) {
    return s;
  }
  if (password.size() > kMaxPassword || !hasher_.Verify(user.password_hash, password)) {
    RecordFailure(counters);
    return absl::PermissionDeniedError(std::string(wrong_message));
  }
  if (auto s = throttle_.Reset(counters[0]); !s.ok()) {
    spdlog::warn("could not reset a session's failed password count: {}", s.message());
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ChangePasswordResponse> AuthService::ChangePassword(
    const v1::ChangePasswordRequest& request) {
  ASSIGN_OR_RETURN(auto auth, Authenticate(request.token()));
  ASSIGN_OR_RETURN(auto user, CallerAccount(auth.session));
  if (auto s = CheckCurrentPassword(auth.session, user, request.old_password(),
                                    "the current password is wrong");
      !s.ok()) {
    return s;
  }
  RETURN_IF_ERROR(ValidatePassword(request.new_password(), user.username));
  if (request.new_password() == request.old_password()) {
    return absl::InvalidArgumentError("the new password must differ from the current one");
  }
  ASSIGN_OR_RETURN(auto hash, hasher_.Hash(request.new_password()));
  RETURN_IF_ERROR(users_.UpdatePasswordHash(user.id, hash));
  ASSIGN_OR_RETURN(auto ended, EndSessions(user.id, auth.session.id, "password changed"));
  v1::ChangePasswordResponse response;
  response.set_sessions_ended(ended);
  return response;
}

absl::StatusOr<v1::DeleteAccountResponse> AuthService::DeleteAccount(
    const v1::DeleteAccountRequest& request) {
  ASSIGN_OR_RETURN(auto auth, Authenticate(request.token()));
  ASSIGN_OR_RETURN(auto user, CallerAccount(auth.session));
  if (auto s =
          CheckCurrentPassword(auth.session, user, request.password(), "the password is wrong");
      !s.ok()) {
    return s;
  }
  ASSIGN_OR_RETURN(auto unusable, hasher_.Hash(RandomToken(32)));
  RETURN_IF_ERROR(users_.MarkDeleted(user.id, clock_.NowMs(), unusable));
  RETURN_IF_ERROR(EndSessions(user.id, "", "account deleted"));
  spdlog::info("user {} deleted their account", user.id);
  UserRecord deleted = user;
  deleted.deleted = true;
  PublishProfile(ToProfile(deleted));
  return v1::DeleteAccountResponse();
}

// ---- profiles and avatars ----

void AuthService::PublishProfile(const v1::Profile& profile) {
  // To the user's own devices, and to natter-presence, which knows the user's friends and passes it
  // on to them (as it does presence).
  v1::ServerEvent event;
  *event.mutable_profile()->mutable_profile() = profile;
  std::string payload = event.SerializeAsString();
  if (auto s = publisher_.PublishMany({{UserChannel(profile.user_id()), payload},
                                       {std::string(kProfileChangedChannel), payload}});
      !s.ok()) {
    spdlog::warn("could not announce the profile of user {}: {}", profile.user_id(), s.message());
  }
}

absl::StatusOr<v1::Profile> AuthService::GetProfile(const v1::GetProfileRequest& request) {
  ASSIGN_OR_RETURN(auto auth, Authenticate(request.token()));
  absl::StatusOr<std::optional<UserRecord>> user;
  switch (request.who_case()) {
    case v1::GetProfileRequest::kUsername: {
      if (request.username().size() > kMaxUsernameBytes) {
        return absl::NotFoundError("no user by that name");
      }
      auto normalized = NormalizeNfc(request.username());
      if (!normalized.ok()) return absl::NotFoundError("no user by that name");
      user = users_.FindByKey(UsernameKey(*normalized));
      if (user.ok() && (!user->has_value() || (*user)->deleted)) {
        return absl::NotFoundError("no user named \"" + *normalized + "\"");
      }
      break;
    }
    case v1::GetProfileRequest::kUserId:
      user = users_.FindById(request.user_id());
      break;
    case v1::GetProfileRequest::WHO_NOT_SET:
      user = users_.FindById(auth.session.user_id);
      break;
  }
  if (!user.ok()) return user.status();
  if (!user->has_value()) return absl::NotFoundError("no such user");
  return ToProfile(**user);
}

absl::StatusOr<v1::GetProfilesResponse> AuthService::GetProfiles(
    const v1::GetProfilesRequest& request) {
  if (static_cast<size_t>(request.user_ids_size()) > kMaxProfilesPerCall) {
    return absl::InvalidArgumentError("ask for at most 1000 profiles at once");
  }
  std::vector<uint64_t> ids(request.user_ids().begin(), request.user_ids().end());
  ASSIGN_OR_RETURN(auto users, users_.FindByIds(ids));
  v1::GetProfilesResponse response;
  for (const auto& user : users) *response.add_profiles() = ToProfile(user);
  return response;
}

absl::StatusOr<v1::GetProfilesResponse> AuthService::LookupUsers(
    const v1::LookupUsersRequest& request) {
  if (static_cast<size_t>(request.usernames_size()) > kMaxProfilesPerCall) {
    return absl::InvalidArgumentError("ask for at most 1000 users at once");
  }
  v1::GetProfilesResponse response;
  for (const auto& name : request.usernames()) {
    if (name.size() > kMaxUsernameBytes) continue;
    auto normalized = NormalizeNfc(name);
    if (!normalized.ok()) continue;
    ASSIGN_OR_RETURN(auto user, users_.FindByKey(UsernameKey(*normalized)));
    if (user.has_value() && !user->deleted) *response.add_profiles() = ToProfile(*user);
  }
  return response;
}

absl::StatusOr<v1::Profile> AuthService::UpdateProfile(const v1::UpdateProfileRequest& request) {
  ASSIGN_OR_RETURN(auto auth, Authenticate(request.token()));
  if (!request.has_display_name()) return absl::InvalidArgumentError("nothing to change");
  ASSIGN_OR_RETURN(auto name, NormalizeDisplayName(request.display_name()));
  // Each change goes to the user's friends.
  if (auto s = TakeAllowance(
          limiter_, ProfileLimitKey(auth.session.user_id), options_.limits.profile_changes,
          PerMinute("you are changing your profile too often", options_.limits.profile_changes));
      !s.ok()) {
    return s;
  }
  ASSIGN_OR_RETURN(auto user, CallerAccount(auth.session));
  RETURN_IF_ERROR(users_.UpdateDisplayName(user.id, name));
  user.display_name = name;
  v1::Profile profile = ToProfile(user);
  PublishProfile(profile);
  return profile;
}

absl::StatusOr<v1::Profile> AuthService::SetAvatar(const v1::SetAvatarRequest& request) {
  ASSIGN_OR_RETURN(auto auth, Authenticate(request.token()));
  RETURN_IF_ERROR(CheckAvatarUpload(request.image()));
  // Decoding costs up to half a second of CPU, and each new avatar goes to the user's friends.
  if (auto s = TakeAllowance(
          limiter_, AvatarLimitKey(auth.session.user_id), options_.limits.avatars,
          PerMinute("you are changing your avatar too often", options_.limits.avatars));
      !s.ok()) {
    return s;
  }
  ASSIGN_OR_RETURN(auto png, MakeAvatarPng(request.image()));
  ASSIGN_OR_RETURN(auto user, CallerAccount(auth.session));
  ASSIGN_OR_RETURN(auto version, users_.SetAvatar(user.id, png, clock_.NowMs()));
  user.avatar_version = version;
  v1::Profile profile = ToProfile(user);
  PublishProfile(profile);
  return profile;
}

absl::StatusOr<v1::GetAvatarResponse> AuthService::GetAvatar(const v1::GetAvatarRequest& request) {
  ASSIGN_OR_RETURN(auto auth, Authenticate(request.token()));
  ASSIGN_OR_RETURN(auto avatar, users_.GetAvatar(request.user_id()));
  v1::GetAvatarResponse response;
  response.set_user_id(request.user_id());
  if (avatar.has_value()) {
    response.set_version(avatar->first);
    response.set_png(std::move(avatar->second));
  }
  return response;
}

// ---- look-alike usernames ----

absl::StatusOr<size_t> AuthService::BackfillUsernameSkeletons(size_t batch) {
  size_t filled = 0;
  uint64_t after = 0;
  for (;;) {
    ASSIGN_OR_RETURN(auto users, users_.UsersWithoutSkeleton(after, batch));
    if (users.empty()) return filled;
    for (const auto& [id, username] : users) {
      after = id;
      auto skeleton = UsernameSkeleton(username);
      if (!skeleton.ok()) {
        spdlog::warn("user {} has no username skeleton: {}", id, skeleton.status().message());
        continue;
      }
      auto s = users_.SetUsernameSkeleton(id, *skeleton);
      if (absl::IsAlreadyExists(s)) {
        // Registered before look-alikes were refused: both keep their names, and the older one
        // holds the skeleton, so no third look-alike can join them.
        spdlog::warn("user {} has a look-alike of an older username; it keeps its name", id);
        continue;
      }
      if (!s.ok()) return s;
      ++filled;
    }
  }
}

}  // namespace natter::auth
