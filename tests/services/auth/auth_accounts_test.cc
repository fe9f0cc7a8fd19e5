// AuthService on fakes: Unicode usernames, sessions (list, revoke, log out everywhere, sliding
// expiry), login throttling, password change, profiles, avatars, account deletion, the events each
// publishes, and the shared bad-input table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <QImage>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "auth_service.h"
#include "common/auth_bad_input.h"
#include "common/status.h"
#include "common/name_skeleton.h"
#include "common/text.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_event_publisher.h"
#include "fakes/fake_rate_limiter.h"
#include "fakes/fake_session_store.h"
#include "fakes/fake_user_store.h"
#include "natter/v1/gateway.pb.h"
#include "test_images.h"

namespace natter::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr char kPassword[] = "correct horse battery";

std::string Message(const absl::Status& s) { return std::string(s.message()); }

class AuthAccountsTest : public ::testing::Test, public natter::testing::AuthApi {
 protected:
  // AuthApi, straight onto the service.
  absl::Status Register(const std::string& username, const std::string& password,
                        const std::string& display_name = "") override {
    v1::RegisterRequest r;
    r.set_username(username);
    r.set_password(password);
    r.set_display_name(display_name);
    return service_.Register(r).status();
  }
  absl::StatusOr<std::string> Login(const std::string& username,
                                    const std::string& password) override {
    return LoginFrom(username, password, "ipv4:10.0.0.1:4000");
  }
  absl::Status GetProfile(const std::string& token, const std::string& username) override {
    v1::GetProfileRequest r;
    r.set_token(token);
    if (!username.empty()) r.set_username(username);
    return service_.GetProfile(r).status();
  }
  absl::Status UpdateProfile(const std::string& token,
                             const std::optional<std::string>& display_name) override {
    v1::UpdateProfileRequest r;
    r.set_token(token);
    if (display_name) r.set_display_name(*display_name);
    return service_.UpdateProfile(r).status();
  }
  absl::Status SetAvatar(const std::string& token, const std::string& image) override {
    v1::SetAvatarRequest r;
    r.set_token(token);
    r.set_image(image);
    return service_.SetAvatar(r).status();
  }
  absl::Status ChangePassword(const std::string& token, const std::string& old_password,
                              const std::string& new_password) override {
    v1::ChangePasswordRequest r;
    r.set_token(token);
    r.set_old_password(old_password);
    r.set_new_password(new_password);
    return service_.ChangePassword(r).status();
  }
  absl::Status RevokeSession(const std::string& token, const std::string& session_id) override {
    v1::RevokeSessionRequest r;
    r.set_token(token);
    r.set_session_id(session_id);
    return service_.RevokeSession(r).status();
  }
  absl::Status Logout(const std::string& token) override {
    v1::LogoutRequest r;
    r.set_token(token);
    return service_.Logout(r).status();
  }
  absl::Status DeleteAccount(const std::string& token, const std::string& password) override {
    v1::DeleteAccountRequest r;
    r.set_token(token);
    r.set_password(password);
    return service_.DeleteAccount(r).status();
  }

  absl::StatusOr<std::string> LoginFrom(const std::string& username, const std::string& password,
                                        const std::string& address,
                                        const std::string& device = "laptop") {
    v1::LoginRequest r;
    r.set_username(username);
    r.set_password(password);
    r.set_device(device);
    r.set_client_address(address);
    auto response = service_.Login(r);
    if (!response.ok()) return response.status();
    return response->token();
  }

  v1::ListSessionsResponse Sessions(const std::string& token) {
    v1::ListSessionsRequest r;
    r.set_token(token);
    auto response = service_.ListSessions(r);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : v1::ListSessionsResponse();
  }

  v1::Profile Profile(const std::string& token) {
    v1::GetProfileRequest r;
    r.set_token(token);
    auto profile = service_.GetProfile(r);
    EXPECT_TRUE(profile.ok()) << profile.status();
    return profile.ok() ? *profile : v1::Profile();
  }

  // Events published on user:{id}, decoded.
  std::vector<v1::ServerEvent> EventsFor(uint64_t user_id) {
    std::vector<v1::ServerEvent> out;
    for (const auto& p : publisher_.published()) {
      if (p.channel != "user:" + std::to_string(user_id)) continue;
      v1::ServerEvent event;
      EXPECT_TRUE(event.ParseFromString(p.payload));
      out.push_back(event);
    }
    return out;
  }

  bool Valid(const std::string& token) {
    v1::ValidateTokenRequest r;
    r.set_token(token);
    return service_.ValidateToken(r).ok();
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

// ---- the shared bad-input table ----

TEST_F(AuthAccountsTest, EveryBadInputGetsTheRightStatusAndMessage) {
  natter::testing::Tokens tokens = natter::testing::PrepareBadInputFixtures(*this);
  // Expired: a session of its own, left unused past its lifetime.
  auto expired = Login("alice", "correct horse battery");
  ASSERT_TRUE(expired.ok());
  auto cases = natter::testing::BadInputCases();
  ASSERT_GE(cases.size(), 30u);
  for (const auto& c : cases) {
    absl::Status status = c.call(*this, tokens);
    EXPECT_EQ(status.code(), c.code) << c.name << ": " << status;
    EXPECT_EQ(Message(status), c.message) << c.name;
  }
  clock_.Advance(std::chrono::hours(24 * 31));
  EXPECT_EQ(GetProfile(*expired, "").code(), absl::StatusCode::kUnauthenticated);
  // Nothing bad was stored.
  EXPECT_EQ(users_.size(), 3u);
}

// ---- usernames ----

TEST_F(AuthAccountsTest, UnicodeUsernamesAreStoredInNfcAndComparedCaseInsensitively) {
  ASSERT_TRUE(Register("Jose\xCC\x81", kPassword).ok());  // decomposed é
  auto stored = users_.Find(UsernameKey("jos\xC3\xA9"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->record.username, "Jos\xC3\xA9");  // composed
  EXPECT_TRUE(Login("JOS\xC3\x89", kPassword).ok());
  EXPECT_TRUE(Register("\xD0\x9C\xD0\xB0\xD1\x88\xD0\xB0", kPassword).ok());      // Маша
  EXPECT_TRUE(Register("\xE5\xB0\x8F\xE6\x98\x8E\xE5\x90\x8C", kPassword).ok());  // 小明同
  EXPECT_EQ(Register("\xD0\x9C\xD0\x90\xD0\xA8\xD0\x90", kPassword).code(),
            absl::StatusCode::kAlreadyExists);  // МАША
}

TEST_F(AuthAccountsTest, DisplayNameDefaultsToUsernameAndCanBeGiven) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  ASSERT_TRUE(Register("bob", kPassword, "Bob the Builder").ok());
  EXPECT_EQ(Profile(*Login("alice", kPassword)).display_name(), "alice");
  EXPECT_EQ(Profile(*Login("bob", kPassword)).display_name(), "Bob the Builder");
}

// ---- sessions ----

TEST_F(AuthAccountsTest, SessionsAreListedWithDeviceAndCurrentMarked) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  auto laptop = LoginFrom("alice", kPassword, "ipv4:10.0.0.1:1", "laptop");
  clock_.Advance(std::chrono::seconds(1));
  auto phone = LoginFrom("alice", kPassword, "ipv4:10.0.0.2:1", "phone");
  auto list = Sessions(*phone);
  ASSERT_THAT(list.sessions(), SizeIs(2));
  EXPECT_EQ(list.sessions(0).device(), "phone");  // most recently used first
  EXPECT_TRUE(list.sessions(0).current());
  EXPECT_EQ(list.sessions(1).device(), "laptop");
  EXPECT_FALSE(list.sessions(1).current());
}

TEST_F(AuthAccountsTest, RevokingASessionEndsItAndAnnouncesIt) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  auto laptop = *Login("alice", kPassword);
  auto phone = *Login("alice", kPassword);
  std::string laptop_id;
  v1::ListSessionsResponse list = Sessions(phone);
  for (const auto& s : list.sessions()) {
    if (!s.current()) laptop_id = s.id();
  }
  ASSERT_TRUE(RevokeSession(phone, laptop_id).ok());
  EXPECT_FALSE(Valid(laptop));
  EXPECT_TRUE(Valid(phone));
  auto events = EventsFor(1);
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_THAT(events[0].session_ended().session_ids(), ElementsAre(laptop_id));
  EXPECT_EQ(events[0].session_ended().reason(), "revoked");
}

TEST_F(AuthAccountsTest, LogoutAllEndsEverySession) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  auto a = *Login("alice", kPassword);
  auto b = *Login("alice", kPassword);
  v1::LogoutRequest r;
  r.set_token(a);
  r.set_all(true);
  auto response = service_.Logout(r);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->sessions_ended(), 2u);
  EXPECT_FALSE(Valid(a));
  EXPECT_FALSE(Valid(b));
  auto events = EventsFor(1);
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_TRUE(events[0].session_ended().all_sessions());
  EXPECT_EQ(events[0].session_ended().except_session_id(), "");
}

TEST_F(AuthAccountsTest, UseSlidesTheExpiry) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  auto token = *Login("alice", kPassword);
  for (int day = 0; day < 60; day += 20) {
    clock_.Advance(std::chrono::hours(24 * 20));
    EXPECT_TRUE(Valid(token)) << "day " << day + 20;
  }
  clock_.Advance(std::chrono::hours(24 * 30));
  EXPECT_FALSE(Valid(token));
}

TEST_F(AuthAccountsTest, LastUseIsWrittenAtMostOncePerMinute) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  auto token = *Login("alice", kPassword);
  int64_t login_time = clock_.NowMs();
  clock_.Advance(std::chrono::seconds(30));
  ASSERT_TRUE(Valid(token));
  EXPECT_EQ(sessions_.Find(AuthService::TokenHash(token))->session.last_used_ms, login_time);
  clock_.Advance(std::chrono::seconds(31));
  ASSERT_TRUE(Valid(token));
  EXPECT_EQ(sessions_.Find(AuthService::TokenHash(token))->session.last_used_ms, clock_.NowMs());
}

TEST_F(AuthAccountsTest, TheLeastRecentlyUsedSessionEndsBeyondTheLimit) {
  AuthService capped(users_, sessions_, throttle_, limiter_, publisher_, hasher_, clock_,
                     AuthOptions{.max_sessions_per_user = 2});
  ASSERT_TRUE(Register("alice", kPassword).ok());
  std::vector<std::string> tokens;
  for (int i = 0; i < 3; ++i) {
    v1::LoginRequest r;
    r.set_username("alice");
    r.set_password(kPassword);
    tokens.push_back(capped.Login(r)->token());
    clock_.Advance(std::chrono::seconds(1));
  }
  EXPECT_FALSE(Valid(tokens[0]));
  EXPECT_TRUE(Valid(tokens[1]));
  EXPECT_TRUE(Valid(tokens[2]));
}

// ---- throttling password guesses (issue 19, item 3) ----

// The address of attacker number i ("ipv4:10.66.x.y:1").
std::string Attacker(int i) {
  return "ipv4:10.66." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + ":1";
}

TEST_F(AuthAccountsTest, GuessesFromOneAddressWaitLongerAfterEachFailure) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  const std::string attacker = "ipv4:10.9.9.9:1";
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(LoginFrom("alice", "wrong password", attacker).status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  // Free failures spent: 1 s, then 2 s, then 4 s after each further failure.
  for (int64_t wait_ms : {1000, 2000, 4000}) {
    auto refused = LoginFrom("alice", "wrong password", attacker);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
    EXPECT_EQ(RetryAfter(refused.status()), std::chrono::milliseconds(wait_ms));
    EXPECT_EQ(Message(refused.status()), "too many failed attempts; try again in " +
                                             WaitInWords(std::chrono::milliseconds(wait_ms)));
    clock_.Advance(std::chrono::milliseconds(wait_ms));
    EXPECT_EQ(LoginFrom("alice", "wrong password", attacker).status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  // Never more than 15 minutes, however long it goes on.
  for (int i = 0; i < 30; ++i) {
    clock_.Advance(std::chrono::minutes(15));
    ASSERT_EQ(LoginFrom("alice", "wrong password", attacker).status().code(),
              absl::StatusCode::kUnauthenticated)
        << i;
  }
  EXPECT_EQ(RetryAfter(LoginFrom("alice", kPassword, attacker).status()), std::chrono::minutes(15));
}

TEST_F(AuthAccountsTest, AnAttackerElsewhereNeverLocksTheOwnerOut) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  const std::string home = "ipv4:192.0.2.10:5000";
  ASSERT_TRUE(LoginFrom("alice", kPassword, home).ok());
  // 200 guesses from 40 addresses: enough to slow every address alice never used.
  for (int i = 0; i < 200; ++i) {
    EXPECT_FALSE(LoginFrom("alice", "guess " + std::to_string(i), Attacker(i % 40)).ok());
  }
  EXPECT_EQ(LoginFrom("alice", "guess", Attacker(999)).status().code(),
            absl::StatusCode::kResourceExhausted);
  // alice, from where she logged in before, with her password: in at once, again and again.
  for (int i = 0; i < 3; ++i) {
    auto token = LoginFrom("alice", kPassword, "ipv4:192.0.2.10:" + std::to_string(6000 + i));
    ASSERT_TRUE(token.ok()) << token.status();
  }
}

TEST_F(AuthAccountsTest, GuessingFromManyAddressesSlowsTheAddressesTheAccountNeverUsed) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  // 4 failures from each of 5 addresses: none has spent its own 5, the account has spent its 20.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(LoginFrom("alice", "wrong password", Attacker(i % 5)).status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  auto refused = LoginFrom("alice", kPassword, Attacker(100));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfter(refused.status()), std::chrono::seconds(1));
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(LoginFrom("alice", kPassword, Attacker(100)).ok());
}

TEST_F(AuthAccountsTest, OneAddressSprayingManyAccountsIsSlowed) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  const std::string sprayer = "ipv4:10.1.1.1:1";
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(LoginFrom("user" + std::to_string(i), "wrong password", sprayer).status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  EXPECT_EQ(LoginFrom("user99", "wrong password", sprayer).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(LoginFrom("alice", kPassword, sprayer).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(LoginFrom("alice", kPassword, "ipv4:10.2.2.2:1").ok());
}

TEST_F(AuthAccountsTest, UnknownUsernamesAreThrottledTheSameWay) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Login("ghost", "whatever1").status().code(), absl::StatusCode::kUnauthenticated);
  }
  EXPECT_EQ(Login("ghost", "whatever1").status().code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(AuthAccountsTest, SuccessfulLoginResetsThatAddressCount) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4; ++i) {
      EXPECT_FALSE(LoginFrom("alice", "wrong", "ipv4:10.4.0.1:1").ok());
    }
    EXPECT_TRUE(LoginFrom("alice", kPassword, "ipv4:10.4.0.1:1").ok()) << round;
  }
  EXPECT_EQ(throttle_.failures("source:alice|10.4.0.1"), 0);
  // The account's count is not reset by her success: it is what slows guessers elsewhere.
  EXPECT_EQ(throttle_.failures("account:alice"), 12);
}

TEST_F(AuthAccountsTest, FailedLoginsNeverBlockChangingThePasswordOrDeletingTheAccount) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  auto token = *LoginFrom("alice", kPassword, "ipv4:192.0.2.10:1");
  for (int i = 0; i < 200; ++i) EXPECT_FALSE(LoginFrom("alice", "guess", Attacker(i % 40)).ok());
  ASSERT_EQ(LoginFrom("alice", kPassword, Attacker(1)).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(ChangePassword(token, kPassword, "a new password 2").ok());
  EXPECT_TRUE(DeleteAccount(token, "a new password 2").ok());
}

TEST_F(AuthAccountsTest, WrongCurrentPasswordsAreSlowedPerSession) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  auto stolen = *Login("alice", kPassword);
  auto own = *Login("alice", kPassword);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(ChangePassword(stolen, "guess " + std::to_string(i), "new password 1").code(),
              absl::StatusCode::kPermissionDenied);
  }
  absl::Status refused = DeleteAccount(stolen, kPassword);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfter(refused), std::chrono::seconds(1));
  // The owner's own session is not held up, nor is logging in.
  EXPECT_TRUE(ChangePassword(own, kPassword, "new password 2").ok());
  EXPECT_TRUE(Login("alice", "new password 2").ok());
}

TEST(GuessWaitTest, DoublesAfterTheFreeFailuresUpToTheMaximum) {
  const auto max = std::chrono::minutes(15);
  auto wait = [&](int64_t failures, int64_t last, int64_t now) {
    return GuessWaitMs({.failures = failures, .last_failure_ms = last}, 5, max, now);
  };
  EXPECT_EQ(wait(0, 0, 0), 0);
  EXPECT_EQ(wait(4, 1000, 1000), 0);
  EXPECT_EQ(wait(5, 1000, 1000), 1000);
  EXPECT_EQ(wait(6, 1000, 1500), 1500);
  EXPECT_EQ(wait(7, 1000, 1000), 4000);
  EXPECT_EQ(wait(7, 1000, 5000), 0);
  EXPECT_EQ(wait(15, 0, 0), 900'000);
  EXPECT_EQ(wait(1'000'000, 0, 0), 900'000);
}

// ---- rate limits (issue 19, item 5) ----

TEST_F(AuthAccountsTest, RegistrationsFromOneAddressAreLimited) {
  auto register_from = [&](const std::string& name, const std::string& address) {
    v1::RegisterRequest r;
    r.set_username(name);
    r.set_password(kPassword);
    r.set_client_address(address);
    return service_.Register(r).status();
  };
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(
        register_from("user" + std::to_string(i), "ipv4:10.5.5.5:" + std::to_string(i)).ok())
        << i;
  }
  absl::Status refused = register_from("one_more", "ipv4:10.5.5.5:99");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Message(refused),
            "too many new accounts from your address (at most 6 a minute); try again in 10.0 s");
  EXPECT_EQ(RetryAfter(refused), std::chrono::seconds(10));
  EXPECT_FALSE(users_.Find("one_more"));
  // Another address is not held up; the first may register again once the wait is over.
  EXPECT_TRUE(register_from("elsewhere", "ipv4:10.6.6.6:1").ok());
  clock_.Advance(std::chrono::seconds(10));
  EXPECT_TRUE(register_from("one_more", "ipv4:10.5.5.5:99").ok());
}

TEST_F(AuthAccountsTest, EveryWritingCallHasAPerUserLimit) {
  AuthLimits limits = AuthLimits::Unlimited();
  limits.avatars = {1.0 / 60, 2};
  limits.profile_changes = {1.0 / 60, 2};
  limits.password_calls = {1.0 / 60, 2};
  limits.session_calls = {1.0 / 60, 2};
  AuthService limited(users_, sessions_, throttle_, limiter_, publisher_, hasher_, clock_,
                      {.limits = limits});
  ASSERT_TRUE(Register("alice", kPassword).ok());
  ASSERT_TRUE(Register("bob", kPassword).ok());
  auto alice = *Login("alice", kPassword);
  auto bob = *Login("bob", kPassword);
  const std::string image = natter::auth::testing::MakeImage(32, 32, "png");
  struct Call {
    std::string name;
    std::function<absl::Status(const std::string& token)> call;
  };
  std::vector<Call> calls = {
      {"avatar",
       [&](const std::string& token) {
         v1::SetAvatarRequest r;
         r.set_token(token);
         r.set_image(image);
         return limited.SetAvatar(r).status();
       }},
      {"profile",
       [&](const std::string& token) {
         v1::UpdateProfileRequest r;
         r.set_token(token);
         r.set_display_name("Someone");
         return limited.UpdateProfile(r).status();
       }},
      {"password",
       [&](const std::string& token) {
         v1::DeleteAccountRequest r;  // a wrong password: PERMISSION_DENIED while allowed
         r.set_token(token);
         r.set_password("not the password");
         return limited.DeleteAccount(r).status();
       }},
      {"revoke",
       [&](const std::string& token) {
         v1::RevokeSessionRequest r;  // an unknown session: NOT_FOUND while allowed
         r.set_token(token);
         r.set_session_id("0123456789abcdef");
         return limited.RevokeSession(r).status();
       }},
  };
  for (const auto& c : calls) {
    for (int i = 0; i < 2; ++i) {
      EXPECT_NE(c.call(alice).code(), absl::StatusCode::kResourceExhausted) << c.name << i;
    }
    absl::Status refused = c.call(alice);
    EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << c.name;
    EXPECT_EQ(RetryAfter(refused), std::chrono::minutes(1)) << c.name;
    EXPECT_THAT(Message(refused), ::testing::HasSubstr("(at most 1 a minute); try again in 1 min"))
        << c.name;
    // Per user: bob is not held up by alice.
    EXPECT_NE(c.call(bob).code(), absl::StatusCode::kResourceExhausted) << c.name;
  }
  EXPECT_EQ(Profile(alice).avatar_version(), 2u);  // the refused upload stored nothing
}

TEST_F(AuthAccountsTest, LimitsThatCannotBeReadLetCallsThrough) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  limiter_.FailWith(absl::UnavailableError("redis is down"));
  auto token = *Login("alice", kPassword);
  EXPECT_TRUE(UpdateProfile(token, std::string("Alice")).ok());
  EXPECT_TRUE(Register("bob", kPassword).ok());
}

// ---- look-alike usernames (issue 19, item 10) ----

TEST_F(AuthAccountsTest, LookAlikesOfAnExistingUsernameAreRefused) {
  ASSERT_TRUE(Register("paypal", kPassword).ok());
  for (const char* look_alike : {
           "p\xD0\xB0ypal",                              // Cyrillic а
           "\xD1\x80\xD0\xB0\xD1\x83\xD1\x80\xD0\xB0l",  // Cyrillic раура + l
           "\xEF\xBD\x90\xEF\xBD\x81\xEF\xBD\x99\xEF\xBD\x90\xEF\xBD\x81\xEF\xBD\x8C",  // fullwidth
           "paypa1",                                                                    // digit one
       }) {
    absl::Status refused = Register(look_alike, kPassword);
    EXPECT_EQ(refused.code(), absl::StatusCode::kAlreadyExists) << look_alike;
    EXPECT_THAT(Message(refused), ::testing::HasSubstr("looks like an existing user's name"))
        << look_alike;
  }
  EXPECT_EQ(users_.size(), 1u);
  EXPECT_TRUE(Register("paypals", kPassword).ok());
  EXPECT_TRUE(Register("\xD0\xB0\xD0\xBD\xD0\xBD\xD0\xB0", kPassword).ok());  // анна
}

TEST_F(AuthAccountsTest, AccountsFromBeforeSkeletonsGetThemAndOlderLookAlikesKeepTheirNames) {
  const uint64_t paypal = users_.AddLegacyUser("paypal", "paypal");
  const uint64_t cyrillic = users_.AddLegacyUser("p\xD0\xB0ypal", "p\xD0\xB0ypal");
  const uint64_t bob = users_.AddLegacyUser("bob", "bob");
  auto filled = service_.BackfillUsernameSkeletons(/*batch=*/2);
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_EQ(*filled, 2u);
  EXPECT_EQ(users_.Find("paypal")->username_skeleton, *NameSkeleton("paypal"));
  EXPECT_EQ(users_.Find("bob")->username_skeleton, *NameSkeleton("bob"));
  // The younger look-alike keeps its name and no skeleton; the older holds it for both.
  EXPECT_EQ(users_.Find("p\xD0\xB0ypal")->username_skeleton, "");
  EXPECT_LT(paypal, cyrillic);
  EXPECT_EQ(Register("\xEF\xBD\x90"
                     "aypal",
                     kPassword)
                .code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Register("b\xD0\xBE"
                     "b",
                     kPassword)
                .code(),
            absl::StatusCode::kAlreadyExists);
  // Running again (another replica, a restart) changes nothing.
  EXPECT_EQ(*service_.BackfillUsernameSkeletons(), 0u);
  EXPECT_GT(bob, 0u);
}

TEST(AddressWithoutPortTest, StripsSchemeAndPort) {
  EXPECT_EQ(AddressWithoutPort("ipv4:127.0.0.1:5555"), "127.0.0.1");
  EXPECT_EQ(AddressWithoutPort("ipv6:[::1]:5555"), "::1");
  EXPECT_EQ(AddressWithoutPort("10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(AddressWithoutPort(""), "");
}

// ---- passwords ----

TEST_F(AuthAccountsTest, ChangingThePasswordEndsOtherSessionsAndKeepsThisOne) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  auto other = *Login("alice", kPassword);
  auto current = *Login("alice", kPassword);
  ASSERT_TRUE(ChangePassword(current, kPassword, "a brand new secret").ok());
  EXPECT_FALSE(Valid(other));
  EXPECT_TRUE(Valid(current));
  EXPECT_EQ(Login("alice", kPassword).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(Login("alice", "a brand new secret").ok());
  auto events = EventsFor(1);
  ASSERT_FALSE(events.empty());
  EXPECT_TRUE(events[0].session_ended().all_sessions());
  EXPECT_FALSE(events[0].session_ended().except_session_id().empty());
  EXPECT_EQ(events[0].session_ended().reason(), "password changed");
}

TEST_F(AuthAccountsTest, NewPasswordMustDiffer) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  auto token = *Login("alice", kPassword);
  EXPECT_EQ(Message(ChangePassword(token, kPassword, kPassword)),
            "the new password must differ from the current one");
}

// ---- profiles and avatars ----

TEST_F(AuthAccountsTest, DisplayNameChangeIsStoredAndPublished) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  auto token = *Login("alice", kPassword);
  ASSERT_TRUE(UpdateProfile(token, std::string("Alice \xF0\x9F\x8C\xB8")).ok());
  EXPECT_EQ(Profile(token).display_name(), "Alice \xF0\x9F\x8C\xB8");
  auto events = EventsFor(1);
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].profile().profile().display_name(), "Alice \xF0\x9F\x8C\xB8");
}

TEST_F(AuthAccountsTest, AvatarBumpsTheVersionAndIsServedAsA128PixelPng) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  ASSERT_TRUE(Register("bob", kPassword).ok());
  auto alice = *Login("alice", kPassword);
  auto bob = *Login("bob", kPassword);
  ASSERT_TRUE(SetAvatar(alice, natter::auth::testing::MakeImage(300, 200, "jpeg")).ok());
  ASSERT_TRUE(SetAvatar(alice, natter::auth::testing::MakeImage(64, 64, "png")).ok());
  EXPECT_EQ(Profile(alice).avatar_version(), 2u);

  v1::GetAvatarRequest r;
  r.set_token(bob);
  r.set_user_id(1);
  auto avatar = service_.GetAvatar(r);
  ASSERT_TRUE(avatar.ok()) << avatar.status();
  EXPECT_EQ(avatar->version(), 2u);
  QImage image;
  ASSERT_TRUE(image.loadFromData(reinterpret_cast<const uchar*>(avatar->png().data()),
                                 static_cast<int>(avatar->png().size()), "png"));
  EXPECT_EQ(image.size(), QSize(128, 128));
  auto events = EventsFor(1);
  ASSERT_THAT(events, SizeIs(2));
  EXPECT_EQ(events[1].profile().profile().avatar_version(), 2u);
}

TEST_F(AuthAccountsTest, UserWithoutAvatarHasVersionZeroAndNoImage) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  auto token = *Login("alice", kPassword);
  v1::GetAvatarRequest r;
  r.set_token(token);
  r.set_user_id(1);
  auto avatar = service_.GetAvatar(r);
  ASSERT_TRUE(avatar.ok());
  EXPECT_EQ(avatar->version(), 0u);
  EXPECT_TRUE(avatar->png().empty());
}

TEST_F(AuthAccountsTest, ProfilesAreFoundByNameOrId) {
  ASSERT_TRUE(Register("Alice", kPassword, "Alice A.").ok());
  auto token = *Login("alice", kPassword);
  v1::GetProfileRequest by_name;
  by_name.set_token(token);
  by_name.set_username("ALICE");
  EXPECT_EQ(service_.GetProfile(by_name)->user_id(), 1u);
  v1::GetProfilesRequest batch;
  batch.add_user_ids(1);
  batch.add_user_ids(999);
  auto profiles = service_.GetProfiles(batch);
  ASSERT_TRUE(profiles.ok());
  ASSERT_THAT(profiles->profiles(), SizeIs(1));
  EXPECT_EQ(profiles->profiles(0).display_name(), "Alice A.");
}

// ---- deletion ----

TEST_F(AuthAccountsTest, DeletingTheAccountEndsSessionsAndLeavesAPlaceholder) {
  ASSERT_TRUE(Register("alice", kPassword).ok());
  auto a = *Login("alice", kPassword);
  auto b = *Login("alice", kPassword);
  EXPECT_EQ(DeleteAccount(a, "not it").code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(DeleteAccount(a, kPassword).ok());
  EXPECT_FALSE(Valid(a));
  EXPECT_FALSE(Valid(b));
  EXPECT_EQ(Login("alice", kPassword).status().code(), absl::StatusCode::kUnauthenticated);
  // The name stays reserved, so nobody can pose as the old alice.
  EXPECT_EQ(Register("alice", kPassword).code(), absl::StatusCode::kAlreadyExists);
  v1::GetProfilesRequest batch;
  batch.add_user_ids(1);
  auto profiles = service_.GetProfiles(batch);
  ASSERT_THAT(profiles->profiles(), SizeIs(1));
  EXPECT_TRUE(profiles->profiles(0).deleted());
  EXPECT_EQ(profiles->profiles(0).username(), "deleted user");
  EXPECT_EQ(profiles->profiles(0).display_name(), "deleted user");
  // The hash is replaced by one of a random secret: still argon2id, and matching nothing.
  std::string hash = users_.Find("alice")->record.password_hash;
  EXPECT_TRUE(hash.starts_with("$argon2id$"));
  EXPECT_FALSE(hasher_.Verify(hash, kPassword));
}

}  // namespace
}  // namespace natter::auth
