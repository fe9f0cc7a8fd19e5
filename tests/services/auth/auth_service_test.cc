// AuthService on fake stores and a fake clock, with libsodium's minimum argon2id cost.
#include "auth_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/text.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_event_publisher.h"
#include "fakes/fake_rate_limiter.h"
#include "fakes/fake_session_store.h"
#include "fakes/fake_user_store.h"

namespace natter::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kBadCredentials[] = "wrong username or password";
constexpr char kBadToken[] = "session is not valid (expired or logged out); log in again";
constexpr int64_t kThirtyDaysMs = 30LL * 24 * 3600 * 1000;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

class AuthServiceTest : public ::testing::Test {
 protected:
  absl::StatusOr<v1::RegisterResponse> Register(const std::string& username,
                                                const std::string& password) {
    v1::RegisterRequest request;
    request.set_username(username);
    request.set_password(password);
    return service_.Register(request);
  }

  absl::StatusOr<v1::LoginResponse> Login(AuthService& service, const std::string& username,
                                          const std::string& password,
                                          const std::string& device = "natterctl") {
    v1::LoginRequest request;
    request.set_username(username);
    request.set_password(password);
    request.set_device(device);
    return service.Login(request);
  }
  absl::StatusOr<v1::LoginResponse> Login(const std::string& username, const std::string& password,
                                          const std::string& device = "natterctl") {
    return Login(service_, username, password, device);
  }

  absl::StatusOr<v1::ValidateTokenResponse> Validate(const std::string& token) {
    v1::ValidateTokenRequest request;
    request.set_token(token);
    return service_.ValidateToken(request);
  }

  // The device of the session `token` opens, or the error.
  std::string DeviceOf(const std::string& token) {
    auto session = Validate(token);
    return session.ok() ? session->device() : "error: " + Message(session.status());
  }

  absl::Status Logout(const std::string& token) {
    v1::LogoutRequest request;
    request.set_token(token);
    return service_.Logout(request).status();
  }

  // A registered alice, logged in once; returns the token.
  std::string AliceToken() {
    EXPECT_TRUE(Register("alice", "correct horse").ok());
    auto login = Login("alice", "correct horse");
    EXPECT_TRUE(login.ok()) << login.status();
    return login.ok() ? login->token() : "";
  }

  fakes::FakeUserStore users_;
  fakes::FakeSessionStore sessions_;
  fakes::FakeClock clock_;
  fakes::FakeLoginThrottle throttle_{clock_};
  fakes::FakeRateLimiter limiter_{clock_};
  fakes::FakeEventPublisher publisher_;
  const PasswordHasher hasher_ = PasswordHasher::Minimum();
  AuthService service_{users_,     sessions_, throttle_, limiter_,
                       publisher_, hasher_,   clock_,    AuthOptions{}};
};

TEST_F(AuthServiceTest, RegisterReturnsNewUser) {
  auto alice = Register("alice", "correct horse");
  ASSERT_TRUE(alice.ok()) << alice.status();
  EXPECT_EQ(alice->user_id(), 1u);
  EXPECT_EQ(alice->username(), "alice");
  auto bob = Register("bob", "battery staple");
  ASSERT_TRUE(bob.ok()) << bob.status();
  EXPECT_EQ(bob->user_id(), 2u);

  auto stored = users_.Find("alice");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->record.id, 1u);
  EXPECT_EQ(stored->created_at_ms, clock_.NowMs());
}

TEST_F(AuthServiceTest, RegisterKeepsUsernameSpellingAndKeysItLowercase) {
  auto response = Register("Alice.Smith", "correct horse");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->username(), "Alice.Smith");
  auto stored = users_.Find("alice.smith");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->record.username, "Alice.Smith");
  EXPECT_EQ(stored->username_key, "alice.smith");
}

TEST_F(AuthServiceTest, RegisterStoresArgon2idHashNotPassword) {
  ASSERT_TRUE(Register("alice", "correct horse").ok());
  auto stored = users_.Find("alice");
  ASSERT_TRUE(stored.has_value());
  const std::string& hash = stored->record.password_hash;
  EXPECT_THAT(hash, StartsWith("$argon2id$"));
  EXPECT_THAT(hash, Not(HasSubstr("correct horse")));
  EXPECT_TRUE(hasher_.Verify(hash, "correct horse"));
  EXPECT_FALSE(hasher_.Verify(hash, "correct horsE"));
}

TEST_F(AuthServiceTest, DuplicateUsernameIsAlreadyExists) {
  ASSERT_TRUE(Register("alice", "correct horse").ok());
  auto again = Register("alice", "another password");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Message(again.status()), "username \"alice\" is taken");
  EXPECT_EQ(users_.size(), 1u);
}

TEST_F(AuthServiceTest, DuplicateUsernameDiffersOnlyInCase) {
  ASSERT_TRUE(Register("alice", "correct horse").ok());
  auto again = Register("ALICE", "another password");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Message(again.status()), "username \"ALICE\" is taken");
  auto mixed = Register("aLiCe", "another password");
  EXPECT_EQ(mixed.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(users_.size(), 1u);
}

TEST_F(AuthServiceTest, RejectsInvalidUsernames) {
  for (const std::string& username : std::vector<std::string>{
           "", "ab", std::string(33, 'a'), "a b", "al!ce", "al@ce", "al/ice", "alice\n", "tab\tbed",
           "a'; DROP TABLE users;--", "bob\" OR \"1\"=\"1", std::string("nul\0l", 5)}) {
    auto response = Register(username, "correct horse");
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument)
        << "username \"" << username << "\"";
  }
  EXPECT_EQ(users_.size(), 0u);
}

TEST_F(AuthServiceTest, UsernameRuleMessagesSayWhatIsAllowed) {
  EXPECT_EQ(Message(Register("ab", "correct horse").status()),
            "username must be 3 to 32 characters long");
  EXPECT_EQ(Message(Register("a'; DROP TABLE users;--", "correct horse").status()),
            "username may contain only letters, digits, '_', '.' and '-'");
}

TEST_F(AuthServiceTest, AcceptsUsernamesAtTheLimits) {
  for (const std::string& username :
       std::vector<std::string>{"abc", std::string(32, 'z'), "a_b.c-d", "Z9_.-"}) {
    auto response = Register(username, "correct horse");
    EXPECT_TRUE(response.ok()) << "username \"" << username << "\": " << response.status();
  }
}

TEST_F(AuthServiceTest, RejectsPasswordShorterThanEightBytes) {
  auto response = Register("alice", "1234567");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(response.status()), "password must be at least 8 characters long");
  EXPECT_TRUE(Register("alice", "12345678").ok());
}

TEST_F(AuthServiceTest, RejectsPasswordLongerThan1024Bytes) {
  auto response = Register("alice", std::string(1025, 'p'));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(response.status()), "password must be at most 1024 bytes long");
  EXPECT_TRUE(Register("alice", std::string(1024, 'p')).ok());
}

TEST_F(AuthServiceTest, RejectsPasswordEqualToUsernameIgnoringCase) {
  for (const std::string& password :
       std::vector<std::string>{"bob_the_builder", "BOB_THE_BUILDER", "Bob_The_Builder"}) {
    auto response = Register("bob_the_builder", password);
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument) << password;
    EXPECT_EQ(Message(response.status()), "password must not be the username");
  }
  EXPECT_EQ(users_.size(), 0u);
  EXPECT_TRUE(Register("bob_the_builder", "bob_the_builder!").ok());
}

TEST_F(AuthServiceTest, RegisterPassesOnStoreFailure) {
  users_.FailNext(absl::UnavailableError("mysql is down"), "CreateUser");
  auto response = Register("alice", "correct horse");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(AuthServiceTest, LoginReturnsLongRandomTokenAndSession) {
  ASSERT_TRUE(Register("alice", "correct horse").ok());
  auto first = Login("alice", "correct horse");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_GE(first->token().size(), 43u);  // 256 random bits in base64url
  EXPECT_EQ(first->user_id(), 1u);
  EXPECT_EQ(first->username(), "alice");
  EXPECT_THAT(first->session_id(), SizeIs(32));
  EXPECT_EQ(first->expires_at_ms(), clock_.NowMs() + kThirtyDaysMs);

  auto second = Login("alice", "correct horse");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(second->token(), first->token());
  EXPECT_NE(second->session_id(), first->session_id());
}

TEST_F(AuthServiceTest, LoginStoresOnlyTheTokenHash) {
  ASSERT_TRUE(Register("alice", "correct horse").ok());
  auto login = Login("alice", "correct horse", "laptop");
  ASSERT_TRUE(login.ok()) << login.status();

  const std::string hash = AuthService::TokenHash(login->token());
  EXPECT_THAT(hash, SizeIs(64));
  EXPECT_NE(hash, login->token());
  EXPECT_THAT(sessions_.keys(), ElementsAre(hash));
  auto entry = sessions_.Find(hash);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->session.id, login->session_id());
  EXPECT_EQ(entry->session.user_id, 1u);
  EXPECT_EQ(entry->session.username, "alice");
  EXPECT_EQ(entry->session.device, "laptop");
  EXPECT_EQ(entry->session.created_at_ms, clock_.NowMs());
  EXPECT_EQ(entry->session.expires_at_ms, login->expires_at_ms());
  EXPECT_EQ(entry->ttl, std::chrono::hours(24 * 30));
  EXPECT_THAT(entry->session.id, Not(HasSubstr(login->token())));
}

TEST_F(AuthServiceTest, TokenHashIsBlake2b256Hex) {
  unsigned char digest[crypto_generichash_BYTES];
  const std::string token = "some-token";
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  EXPECT_EQ(AuthService::TokenHash(token), hex);
  EXPECT_NE(AuthService::TokenHash("some-token"), AuthService::TokenHash("some-tokem"));
}

TEST_F(AuthServiceTest, LoginIgnoresUsernameCase) {
  ASSERT_TRUE(Register("Alice", "correct horse").ok());
  auto login = Login("aLICE", "correct horse");
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->user_id(), 1u);
  EXPECT_EQ(login->username(), "Alice");
}

TEST_F(AuthServiceTest, WrongPasswordAndUnknownUserFailTheSameWay) {
  ASSERT_TRUE(Register("alice", "correct horse").ok());
  auto wrong_password = Login("alice", "correct horsE");
  auto unknown_user = Login("mallory", "correct horse");
  EXPECT_EQ(wrong_password.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(unknown_user.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Message(wrong_password.status()), kBadCredentials);
  EXPECT_EQ(Message(unknown_user.status()), kBadCredentials);
  EXPECT_TRUE(sessions_.keys().empty());
}

TEST_F(AuthServiceTest, OversizedCredentialsAreUnauthenticated) {
  ASSERT_TRUE(Register("alice", "correct horse").ok());
  auto long_name = Login(std::string(129, 'a'), "correct horse");
  EXPECT_EQ(long_name.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Message(long_name.status()), kBadCredentials);
  auto long_password = Login("alice", std::string(1025, 'p'));
  EXPECT_EQ(long_password.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Message(long_password.status()), kBadCredentials);
}

TEST_F(AuthServiceTest, LoginCleansDeviceName) {
  ASSERT_TRUE(Register("alice", "correct horse").ok());
  auto control = Login("alice", "correct horse", "my\x01phone\n\x7f");
  ASSERT_TRUE(control.ok());
  EXPECT_EQ(DeviceOf(control->token()), "myphone");
  auto empty = Login("alice", "correct horse", "");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(DeviceOf(empty->token()), "unknown device");
  auto long_name = Login("alice", "correct horse", std::string(100, 'd'));
  ASSERT_TRUE(long_name.ok());
  EXPECT_EQ(DeviceOf(long_name->token()), std::string(64, 'd'));
}

// A device name cut at 64 bytes must stay valid UTF-8: ValidateTokenResponse.device is a proto3
// string, and a peer rejects a message whose string field is not UTF-8, so the gateway could never
// validate this session.
TEST_F(AuthServiceTest, LongDeviceNameIsCutAtACharacterBoundary) {
  ASSERT_TRUE(Register("alice", "correct horse").ok());
  const std::string device = std::string(63, 'd') + "\xC3\xA9";  // 63 + 2 bytes: ...dé
  auto login = Login("alice", "correct horse", device);
  ASSERT_TRUE(login.ok()) << login.status();
  auto session = Validate(login->token());
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->device(), std::string(63, 'd'));
  EXPECT_TRUE(IsValidUtf8(session->device()));
  v1::ValidateTokenResponse received;
  EXPECT_TRUE(received.ParseFromString(session->SerializeAsString()));
}

TEST_F(AuthServiceTest, LoginFailsWhenSessionCannotBeStored) {
  ASSERT_TRUE(Register("alice", "correct horse").ok());
  sessions_.FailNext(absl::UnavailableError("redis is down"), "Put");
  auto login = Login("alice", "correct horse");
  EXPECT_EQ(login.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(AuthServiceTest, ValidateTokenReturnsTheSession) {
  std::string token = AliceToken();
  auto session = Validate(token);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->user_id(), 1u);
  EXPECT_EQ(session->username(), "alice");
  EXPECT_EQ(session->device(), "natterctl");
  auto entry = sessions_.Find(AuthService::TokenHash(token));
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(session->session_id(), entry->session.id);
}

TEST_F(AuthServiceTest, UnusedSessionExpiresAtItsExpiryTime) {
  std::string token = AliceToken();
  clock_.Advance(std::chrono::milliseconds(kThirtyDaysMs));
  auto expired = Validate(token);
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Message(expired.status()), kBadToken);
}

TEST_F(AuthServiceTest, SessionTtlComesFromOptions) {
  AuthService short_lived(users_, sessions_, throttle_, limiter_, publisher_, hasher_, clock_,
                          AuthOptions{.session_ttl = std::chrono::minutes(5)});
  ASSERT_TRUE(Register("alice", "correct horse").ok());
  auto login = Login(short_lived, "alice", "correct horse");
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->expires_at_ms(), clock_.NowMs() + 5 * 60 * 1000);
  auto entry = sessions_.Find(AuthService::TokenHash(login->token()));
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->ttl, std::chrono::minutes(5));
  clock_.Advance(std::chrono::minutes(5));
  EXPECT_EQ(Validate(login->token()).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthServiceTest, LogoutInvalidatesTheToken) {
  std::string token = AliceToken();
  ASSERT_TRUE(Logout(token).ok());
  auto after = Validate(token);
  EXPECT_EQ(after.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Message(after.status()), kBadToken);
  EXPECT_THAT(sessions_.deletes(),
              ElementsAre(std::make_pair(AuthService::TokenHash(token), uint64_t{1})));
  EXPECT_EQ(Logout(token).code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthServiceTest, LogoutEndsOnlyThatSession) {
  std::string first = AliceToken();
  auto second = Login("alice", "correct horse");
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(Logout(first).ok());
  EXPECT_FALSE(Validate(first).ok());
  EXPECT_TRUE(Validate(second->token()).ok());
}

TEST_F(AuthServiceTest, UnknownEmptyAndOversizedTokensAreUnauthenticated) {
  AliceToken();
  for (const std::string& token :
       std::vector<std::string>{"", "not-a-token", std::string(43, 'A'), std::string(129, 'A'),
                                std::string(100000, 'A')}) {
    auto result = Validate(token);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated) << token.size();
    EXPECT_EQ(Message(result.status()), kBadToken);
    EXPECT_EQ(Logout(token).code(), absl::StatusCode::kUnauthenticated) << token.size();
  }
  EXPECT_TRUE(sessions_.deletes().empty());
}

TEST_F(AuthServiceTest, TheHashOfATokenIsNotAToken) {
  std::string token = AliceToken();
  auto result = Validate(AuthService::TokenHash(token));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthServiceTest, LoginUpgradesWeakerPasswordHash) {
  ASSERT_TRUE(Register("alice", "correct horse").ok());
  const std::string weak_hash = users_.Find("alice")->record.password_hash;

  PasswordHasher stronger(crypto_pwhash_OPSLIMIT_MIN + 1, crypto_pwhash_MEMLIMIT_MIN);
  ASSERT_TRUE(stronger.NeedsRehash(weak_hash));
  AuthService upgraded(users_, sessions_, throttle_, limiter_, publisher_, stronger, clock_,
                       AuthOptions{});
  auto login = Login(upgraded, "alice", "correct horse");
  ASSERT_TRUE(login.ok()) << login.status();

  auto updates = users_.hash_updates();
  ASSERT_THAT(updates, SizeIs(1));
  EXPECT_EQ(updates[0].first, 1u);
  const std::string& new_hash = updates[0].second;
  EXPECT_NE(new_hash, weak_hash);
  EXPECT_THAT(new_hash, StartsWith("$argon2id$"));
  EXPECT_FALSE(stronger.NeedsRehash(new_hash));
  EXPECT_TRUE(stronger.Verify(new_hash, "correct horse"));
  EXPECT_EQ(users_.Find("alice")->record.password_hash, new_hash);

  // Upgraded once: the next login leaves the hash alone.
  ASSERT_TRUE(Login(upgraded, "alice", "correct horse").ok());
  EXPECT_THAT(users_.hash_updates(), SizeIs(1));
}

TEST_F(AuthServiceTest, LoginDoesNotRehashWhenCostIsCurrent) {
  ASSERT_TRUE(Register("alice", "correct horse").ok());
  ASSERT_TRUE(Login("alice", "correct horse").ok());
  EXPECT_TRUE(users_.hash_updates().empty());
}

TEST_F(AuthServiceTest, WrongPasswordNeverUpgradesHash) {
  ASSERT_TRUE(Register("alice", "correct horse").ok());
  PasswordHasher stronger(crypto_pwhash_OPSLIMIT_MIN + 1, crypto_pwhash_MEMLIMIT_MIN);
  AuthService upgraded(users_, sessions_, throttle_, limiter_, publisher_, stronger, clock_,
                       AuthOptions{});
  EXPECT_FALSE(Login(upgraded, "alice", "wrong horse").ok());
  EXPECT_TRUE(users_.hash_updates().empty());
}

TEST_F(AuthServiceTest, FailedHashUpgradeStillLogsIn) {
  ASSERT_TRUE(Register("alice", "correct horse").ok());
  PasswordHasher stronger(crypto_pwhash_OPSLIMIT_MIN + 1, crypto_pwhash_MEMLIMIT_MIN);
  AuthService upgraded(users_, sessions_, throttle_, limiter_, publisher_, stronger, clock_,
                       AuthOptions{});
  users_.FailNext(absl::UnavailableError("mysql is down"), "UpdatePasswordHash");
  auto login = Login(upgraded, "alice", "correct horse");
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_TRUE(Validate(login->token()).ok());
}

}  // namespace
}  // namespace natter::auth
