#include "auth_service.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "absl/status/status.h"
#include "common/status.h"
#include "common/text.h"

namespace natter::auth {
namespace {

constexpr size_t kMinUsername = 3;
constexpr size_t kMaxUsername = 32;
constexpr size_t kMinPassword = 8;
constexpr size_t kMaxPassword = 1024;
constexpr size_t kMaxDevice = 64;
constexpr size_t kMaxToken = 128;
constexpr std::string_view kBadCredentials = "wrong username or password";
constexpr std::string_view kBadToken = "session is not valid (expired or logged out); log in again";

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

}  // namespace

absl::Status ValidateUsername(std::string_view username) {
  if (username.size() < kMinUsername || username.size() > kMaxUsername) {
    return absl::InvalidArgumentError("username must be 3 to 32 characters long");
  }
  bool ok = std::all_of(username.begin(), username.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
  if (!ok) {
    return absl::InvalidArgumentError(
        "username may contain only letters, digits, '_', '.' and '-'");
  }
  return absl::OkStatus();
}

std::string UsernameKey(std::string_view username) {
  std::string key(username);
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return key;
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

AuthService::AuthService(UserStore& users, SessionStore& sessions, const PasswordHasher& hasher,
                         const Clock& clock, AuthOptions options)
    : users_(users),
      sessions_(sessions),
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

absl::StatusOr<v1::RegisterResponse> AuthService::Register(const v1::RegisterRequest& request) {
  if (auto s = ValidateUsername(request.username()); !s.ok()) return s;
  if (auto s = ValidatePassword(request.password(), request.username()); !s.ok()) return s;
  auto hash = hasher_.Hash(request.password());
  if (!hash.ok()) return hash.status();
  auto id =
      users_.CreateUser(request.username(), UsernameKey(request.username()), *hash, clock_.NowMs());
  if (absl::IsAlreadyExists(id.status())) {
    return absl::AlreadyExistsError("username \"" + request.username() + "\" is taken");
  }
  if (!id.ok()) return id.status();
  spdlog::info("registered user {} ({})", *id, request.username());
  v1::RegisterResponse response;
  response.set_user_id(*id);
  response.set_username(request.username());
  return response;
}

absl::StatusOr<v1::LoginResponse> AuthService::Login(const v1::LoginRequest& request) {
  if (request.username().size() > kMaxUsername * 4 || request.password().size() > kMaxPassword) {
    return absl::UnauthenticatedError(std::string(kBadCredentials));
  }
  auto user = users_.FindByKey(UsernameKey(request.username()));
  if (!user.ok()) return user.status();
  if (!user->has_value()) {
    hasher_.Verify(dummy_hash_, request.password());
    return absl::UnauthenticatedError(std::string(kBadCredentials));
  }
  const UserRecord& record = **user;
  if (!hasher_.Verify(record.password_hash, request.password())) {
    spdlog::info("failed login for user {}", record.id);
    return absl::UnauthenticatedError(std::string(kBadCredentials));
  }
  if (hasher_.NeedsRehash(record.password_hash)) {
    if (auto rehash = hasher_.Hash(request.password()); rehash.ok()) {
      if (auto s = users_.UpdatePasswordHash(record.id, *rehash); !s.ok()) {
        spdlog::warn("could not upgrade password hash of user {}: {}", record.id, s.message());
      }
    }
  }

  std::string token = RandomToken(32);  // 256 bits
  Session session;
  session.id = RandomHex(16);
  session.user_id = record.id;
  session.username = record.username;
  session.device = CleanDevice(request.device());
  session.created_at_ms = clock_.NowMs();
  session.expires_at_ms =
      session.created_at_ms +
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.session_ttl).count();
  if (auto s = sessions_.Put(TokenHash(token), session, options_.session_ttl); !s.ok()) return s;
  spdlog::info("user {} logged in, session {} on \"{}\"", record.id, session.id, session.device);

  v1::LoginResponse response;
  response.set_token(token);
  response.set_user_id(record.id);
  response.set_username(record.username);
  response.set_session_id(session.id);
  response.set_expires_at_ms(session.expires_at_ms);
  return response;
}

absl::StatusOr<Session> AuthService::FindSession(std::string_view token) {
  if (token.empty() || token.size() > kMaxToken) {
    return absl::UnauthenticatedError(std::string(kBadToken));
  }
  auto session = sessions_.Get(TokenHash(token));
  if (!session.ok()) return session.status();
  if (!session->has_value() || (*session)->expires_at_ms <= clock_.NowMs()) {
    return absl::UnauthenticatedError(std::string(kBadToken));
  }
  return std::move(**session);
}

absl::StatusOr<v1::ValidateTokenResponse> AuthService::ValidateToken(
    const v1::ValidateTokenRequest& request) {
  auto session = FindSession(request.token());
  if (!session.ok()) return session.status();
  v1::ValidateTokenResponse response;
  response.set_user_id(session->user_id);
  response.set_username(session->username);
  response.set_session_id(session->id);
  response.set_device(session->device);
  return response;
}

absl::Status AuthService::Logout(const v1::LogoutRequest& request) {
  auto session = FindSession(request.token());
  if (!session.ok()) return session.status();
  spdlog::info("user {} logged out of session {}", session->user_id, session->id);
  return sessions_.Delete(TokenHash(request.token()), session->user_id);
}

}  // namespace natter::auth
