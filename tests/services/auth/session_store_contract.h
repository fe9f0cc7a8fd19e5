// What every auth::SessionStore must do, as one typed GoogleTest suite: instantiated on the fake
// (session_store_contract_test, a unit test) and on Redis, one server and a cluster
// (tests/integration/redis_stores_test.cc), so the fake the auth service tests rely on is held to
// the behaviour of the real store. What only Redis has (key TTLs, the per-user set) stays in
// redis_stores_test.
//
// A binary instantiates it with environment types:
//   struct Env {
//     static void SetUpTestSuite();     // e.g. start Redis; may be empty
//     static void TearDownTestSuite();
//     static std::unique_ptr<auth::SessionStore> MakeStore();  // one per test
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(Name, SessionStoreContract, ::testing::Types<Env, ...>);
// Stores may keep their data between tests: each test works on users and token hashes of its own.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "session_store.h"

namespace natter::auth {

template <class Env>
class SessionStoreContract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Env::SetUpTestSuite(); }
  static void TearDownTestSuite() { Env::TearDownTestSuite(); }
  void SetUp() override { store_ = Env::MakeStore(); }

  // A user id and a token hash no other test of this binary uses.
  static uint64_t NewUser() {
    static std::atomic<uint64_t> next{9'000'000};
    return next++;
  }
  static std::string NewHash() { return "contract-hash-" + std::to_string(NewUser()); }

  static Session MakeSession(uint64_t user_id, const std::string& device) {
    return Session{.id = "sid-" + std::to_string(NewUser()),
                   .user_id = user_id,
                   .username = "user" + std::to_string(user_id),
                   .device = device,
                   .created_at_ms = 1'700'000'000'000,
                   .expires_at_ms = 1'700'086'400'000,
                   .last_used_ms = 1'700'000'000'500};
  }

  static std::vector<std::string> Hashes(
      const std::vector<std::pair<std::string, Session>>& sessions) {
    std::vector<std::string> out;
    for (const auto& [hash, _] : sessions) out.push_back(hash);
    return out;
  }

  SessionStore& store() { return *store_; }

  static constexpr std::chrono::seconds kTtl{3600};
  std::unique_ptr<SessionStore> store_;
};

TYPED_TEST_SUITE_P(SessionStoreContract);

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

TYPED_TEST_P(SessionStoreContract, ASessionComesBackAsItWasPut) {
  const std::string hash = this->NewHash();
  Session put = this->MakeSession(this->NewUser(), "laptop, \"work\" | ünïcode");
  ASSERT_TRUE(this->store().Put(hash, put, this->kTtl).ok());
  auto got = this->store().Get(hash);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->id, put.id);
  EXPECT_EQ((*got)->user_id, put.user_id);
  EXPECT_EQ((*got)->username, put.username);
  EXPECT_EQ((*got)->device, put.device);
  EXPECT_EQ((*got)->created_at_ms, put.created_at_ms);
  EXPECT_EQ((*got)->expires_at_ms, put.expires_at_ms);
  EXPECT_EQ((*got)->last_used_ms, put.last_used_ms);
}

TYPED_TEST_P(SessionStoreContract, AnUnknownHashIsNoSession) {
  auto got = this->store().Get(this->NewHash());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_value());
  EXPECT_THAT(this->store().ListForUser(this->NewUser()).value(), IsEmpty());
  EXPECT_TRUE(this->store().Delete(this->NewHash(), this->NewUser()).ok());
}

TYPED_TEST_P(SessionStoreContract, TouchMovesUseAndExpiryAndNothingElse) {
  const std::string hash = this->NewHash();
  Session put = this->MakeSession(this->NewUser(), "phone");
  ASSERT_TRUE(this->store().Put(hash, put, this->kTtl).ok());
  ASSERT_TRUE(this->store()
                  .Touch(hash, put.last_used_ms + 60'000, put.expires_at_ms + 60'000, this->kTtl)
                  .ok());
  auto got = this->store().Get(hash).value();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->last_used_ms, put.last_used_ms + 60'000);
  EXPECT_EQ(got->expires_at_ms, put.expires_at_ms + 60'000);
  EXPECT_EQ(got->id, put.id);
  EXPECT_EQ(got->device, put.device);
  EXPECT_EQ(got->created_at_ms, put.created_at_ms);
}

TYPED_TEST_P(SessionStoreContract, ALateTouchDoesNotBringADeletedSessionBack) {
  const std::string hash = this->NewHash();
  Session put = this->MakeSession(this->NewUser(), "phone");
  ASSERT_TRUE(this->store().Put(hash, put, this->kTtl).ok());
  ASSERT_TRUE(this->store().Delete(hash, put.user_id).ok());
  EXPECT_FALSE(this->store().Get(hash).value().has_value());
  ASSERT_TRUE(this->store().Touch(hash, 1, 2, this->kTtl).ok());
  EXPECT_FALSE(this->store().Get(hash).value().has_value());
  EXPECT_THAT(this->store().ListForUser(put.user_id).value(), IsEmpty());
}

TYPED_TEST_P(SessionStoreContract, ListsEveryLiveSessionOfOneUserOnly) {
  const uint64_t carol = this->NewUser(), dave = this->NewUser();
  const std::string laptop = this->NewHash(), phone = this->NewHash(), tablet = this->NewHash(),
                    daves = this->NewHash();
  ASSERT_TRUE(this->store().Put(laptop, this->MakeSession(carol, "laptop"), this->kTtl).ok());
  ASSERT_TRUE(this->store().Put(phone, this->MakeSession(carol, "phone"), this->kTtl).ok());
  ASSERT_TRUE(this->store().Put(tablet, this->MakeSession(carol, "tablet"), this->kTtl).ok());
  ASSERT_TRUE(this->store().Put(daves, this->MakeSession(dave, "pc"), this->kTtl).ok());
  ASSERT_TRUE(this->store().Delete(phone, carol).ok());

  auto sessions = this->store().ListForUser(carol);
  ASSERT_TRUE(sessions.ok()) << sessions.status();
  EXPECT_THAT(this->Hashes(*sessions), UnorderedElementsAre(laptop, tablet));
  for (const auto& [hash, session] : *sessions) {
    EXPECT_EQ(session.user_id, carol);
    EXPECT_EQ(session.device, hash == laptop ? "laptop" : "tablet");
  }
  EXPECT_THAT(this->Hashes(this->store().ListForUser(dave).value()), ElementsAre(daves));
}

TYPED_TEST_P(SessionStoreContract, PuttingAHashAgainReplacesItsSession) {
  const std::string hash = this->NewHash();
  const uint64_t user = this->NewUser();
  ASSERT_TRUE(this->store().Put(hash, this->MakeSession(user, "old"), this->kTtl).ok());
  Session again = this->MakeSession(user, "new");
  ASSERT_TRUE(this->store().Put(hash, again, this->kTtl).ok());
  EXPECT_EQ(this->store().Get(hash).value()->id, again.id);
  EXPECT_EQ(this->store().Get(hash).value()->device, "new");
  auto sessions = this->store().ListForUser(user).value();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].second.device, "new");
}

REGISTER_TYPED_TEST_SUITE_P(SessionStoreContract, ASessionComesBackAsItWasPut,
                            AnUnknownHashIsNoSession, TouchMovesUseAndExpiryAndNothingElse,
                            ALateTouchDoesNotBringADeletedSessionBack,
                            ListsEveryLiveSessionOfOneUserOnly,
                            PuttingAHashAgainReplacesItsSession);

}  // namespace natter::auth
