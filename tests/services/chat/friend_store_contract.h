// What every chat::FriendStore must do, as one typed GoogleTest suite: instantiated on the fake
// (friend_store_contract_test, a unit test) and on MySQL (tests/integration/mysql_stores_test.cc),
// so the fake the service tests rely on is held to the behaviour of the real store.
//
// A binary instantiates it with an environment type:
//   struct Env {
//     static void SetUpTestSuite();     // e.g. start MariaDB; may be empty
//     static void TearDownTestSuite();
//     static std::unique_ptr<chat::FriendStore> MakeStore();  // one per test
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(Name, FriendStoreContract, ::testing::Types<Env>);
// Stores may share their data between tests (one database per binary): each test works on users
// of its own (NewUser).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "friend_store.h"
#include "friendship_rules.h"

namespace natter::chat {

template <class Env>
class FriendStoreContract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Env::SetUpTestSuite(); }
  static void TearDownTestSuite() { Env::TearDownTestSuite(); }
  void SetUp() override { store_ = Env::MakeStore(); }

  // A user id no other test of this binary uses.
  static uint64_t NewUser() {
    static std::atomic<uint64_t> next{7'000'000};
    return next++;
  }
  static Party NewParty(const std::string& name) { return Party{NewUser(), name}; }

  FriendStore& store() { return *store_; }

  // One action decided by the real rules, at `now_ms`.
  absl::StatusOr<std::pair<PairChange, std::vector<StoredUserEvent>>> Act(v1::FriendAction action,
                                                                          const Party& me,
                                                                          const Party& other,
                                                                          int64_t now_ms = 1000) {
    return store_->UpdatePair(me.id, other.id, now_ms, [&](const PairState& state) {
      return DecideFriendship(action, state, me, other, "hi");
    });
  }

  // A change chosen by the test, whatever the state; the state the store showed is kept in `seen`.
  absl::StatusOr<std::pair<PairChange, std::vector<StoredUserEvent>>> Apply(
      uint64_t me, uint64_t other, PairChange change, PairState* seen = nullptr,
      int64_t now_ms = 1000) {
    return store_->UpdatePair(me, other, now_ms,
                              [&](const PairState& state) -> absl::StatusOr<PairChange> {
                                if (seen) *seen = state;
                                return change;
                              });
  }

  static v1::FriendEvent Event(const std::string& type, uint64_t about) {
    v1::FriendEvent e;
    e.set_type(type);
    e.set_user_id(about);
    e.set_username("user" + std::to_string(about));
    return e;
  }

  static std::vector<uint64_t> Seqs(const std::vector<v1::UserEvent>& events) {
    std::vector<uint64_t> seqs;
    for (const auto& e : events) seqs.push_back(e.seq());
    return seqs;
  }

  std::unique_ptr<FriendStore> store_;
};

TYPED_TEST_SUITE_P(FriendStoreContract);

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

TYPED_TEST_P(FriendStoreContract, AUserNeverSeenHasNothing) {
  const uint64_t nobody = this->NewUser();
  auto snapshot = this->store().Snapshot(nobody);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_THAT(snapshot->friends, IsEmpty());
  EXPECT_THAT(snapshot->requests, IsEmpty());
  EXPECT_THAT(snapshot->blocked, IsEmpty());
  EXPECT_THAT(snapshot->blocked_by, IsEmpty());
  EXPECT_EQ(snapshot->events_latest_seq, 0u);
  EXPECT_EQ(this->store().LatestUserEventSeq(nobody).value(), 0u);
  EXPECT_THAT(this->store().UserEventsAfter(nobody, 0, 10).value(), IsEmpty());
  EXPECT_THAT(this->store().FriendIds(nobody).value(), IsEmpty());
  EXPECT_FALSE(this->store().AreFriends(nobody, this->NewUser()).value());
  EXPECT_FALSE(this->store().EitherBlocked(nobody, this->NewUser()).value());
}

TYPED_TEST_P(FriendStoreContract, ARequestIsKeptWithItsEventsAndTheStateIsReadInTheChange) {
  Party ann = this->NewParty("ann"), ben = this->NewParty("ben");
  auto sent = this->Act(v1::FRIEND_ACTION_ADD, ann, ben, 1234);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->first.relation, "request_sent");
  ASSERT_EQ(sent->second.size(), 2u);
  EXPECT_EQ(sent->second[0].user_id, ann.id);
  EXPECT_EQ(sent->second[0].event.seq(), 1u);
  EXPECT_EQ(sent->second[0].event.at_ms(), 1234);
  EXPECT_EQ(sent->second[1].user_id, ben.id);
  EXPECT_EQ(sent->second[1].event.seq(), 1u);
  EXPECT_EQ(sent->second[1].event.friend_().type(), "friend_request");
  // The second request sees the first: it changes nothing and records nothing.
  auto again = this->Act(v1::FRIEND_ACTION_ADD, ann, ben);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_THAT(again->second, IsEmpty());

  auto theirs = this->store().Snapshot(ben.id);
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  ASSERT_EQ(theirs->requests.size(), 1u);
  EXPECT_EQ(theirs->requests[0].user_id, ann.id);
  EXPECT_TRUE(theirs->requests[0].incoming);
  EXPECT_EQ(theirs->requests[0].message, "hi");
  EXPECT_EQ(theirs->requests[0].created_at_ms, 1234);
  EXPECT_EQ(theirs->events_latest_seq, 1u);
  auto mine = this->store().Snapshot(ann.id);
  ASSERT_TRUE(mine.ok()) << mine.status();
  ASSERT_EQ(mine->requests.size(), 1u);
  EXPECT_EQ(mine->requests[0].user_id, ben.id);
  EXPECT_FALSE(mine->requests[0].incoming);
}

TYPED_TEST_P(FriendStoreContract, TheDecisionSeesThePairFromTheCallersSide) {
  const uint64_t a = this->NewUser(), b = this->NewUser();
  PairChange request;
  request.request_sent = true;
  request.request_message = "hello";
  ASSERT_TRUE(this->Apply(a, b, request).ok());
  PairState from_a, from_b;
  ASSERT_TRUE(this->Apply(a, b, {}, &from_a).ok());
  ASSERT_TRUE(this->Apply(b, a, {}, &from_b).ok());
  EXPECT_TRUE(from_a.request_sent);
  EXPECT_FALSE(from_a.request_received);
  EXPECT_TRUE(from_b.request_received);
  EXPECT_FALSE(from_b.request_sent);

  PairChange block;
  block.i_blocked = true;
  ASSERT_TRUE(this->Apply(a, b, block).ok());
  ASSERT_TRUE(this->Apply(a, b, {}, &from_a).ok());
  ASSERT_TRUE(this->Apply(b, a, {}, &from_b).ok());
  EXPECT_TRUE(from_a.i_blocked);
  EXPECT_FALSE(from_a.they_blocked);
  EXPECT_TRUE(from_b.they_blocked);
  EXPECT_FALSE(from_b.i_blocked);
}

TYPED_TEST_P(FriendStoreContract, ARefusedDecisionChangesAndRecordsNothing) {
  const uint64_t a = this->NewUser(), b = this->NewUser();
  auto refused = this->store().UpdatePair(a, b, 1000, [&](const PairState&) {
    return absl::StatusOr<PairChange>(absl::FailedPreconditionError("no"));
  });
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(), "no");
  EXPECT_EQ(this->store().LatestUserEventSeq(a).value(), 0u);
  EXPECT_EQ(this->store().LatestUserEventSeq(b).value(), 0u);
  PairState seen;
  ASSERT_TRUE(this->Apply(a, b, {}, &seen).ok());
  EXPECT_FALSE(seen.friends || seen.request_sent || seen.request_received || seen.i_blocked ||
               seen.they_blocked);
}

TYPED_TEST_P(FriendStoreContract, FriendsAreFriendsBothWaysUntilEitherEndsIt) {
  Party ann = this->NewParty("ann"), ben = this->NewParty("ben"), cy = this->NewParty("cy");
  ASSERT_TRUE(this->Act(v1::FRIEND_ACTION_ADD, ann, ben).ok());
  ASSERT_TRUE(this->Act(v1::FRIEND_ACTION_ACCEPT, ben, ann, 5000).ok());
  ASSERT_TRUE(this->Act(v1::FRIEND_ACTION_ADD, cy, ann).ok());
  ASSERT_TRUE(this->Act(v1::FRIEND_ACTION_ACCEPT, ann, cy).ok());
  EXPECT_THAT(this->store().FriendIds(ann.id).value(), UnorderedElementsAre(ben.id, cy.id));
  EXPECT_THAT(this->store().FriendIds(ben.id).value(), ElementsAre(ann.id));
  EXPECT_TRUE(this->store().AreFriends(ann.id, ben.id).value());
  EXPECT_TRUE(this->store().AreFriends(ben.id, ann.id).value());
  EXPECT_FALSE(this->store().AreFriends(ben.id, cy.id).value());
  auto snapshot = this->store().Snapshot(ben.id);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_THAT(snapshot->requests, IsEmpty()) << "accepting answers the request";
  ASSERT_EQ(snapshot->friends.size(), 1u);
  EXPECT_EQ(snapshot->friends[0].user_id, ann.id);
  EXPECT_EQ(snapshot->friends[0].since_ms, 5000);

  ASSERT_TRUE(this->Act(v1::FRIEND_ACTION_REMOVE, ben, ann).ok());
  EXPECT_FALSE(this->store().AreFriends(ann.id, ben.id).value());
  EXPECT_THAT(this->store().FriendIds(ann.id).value(), ElementsAre(cy.id));
  EXPECT_THAT(this->store().FriendIds(ben.id).value(), IsEmpty());
}

TYPED_TEST_P(FriendStoreContract, ABlockEndsTheFriendshipAndIsSeenFromBothSides) {
  Party ann = this->NewParty("ann"), ben = this->NewParty("ben");
  ASSERT_TRUE(this->Act(v1::FRIEND_ACTION_ADD, ann, ben).ok());
  ASSERT_TRUE(this->Act(v1::FRIEND_ACTION_ACCEPT, ben, ann).ok());
  ASSERT_TRUE(this->Act(v1::FRIEND_ACTION_BLOCK, ann, ben).ok());
  EXPECT_THAT(this->store().FriendIds(ann.id).value(), IsEmpty());
  EXPECT_TRUE(this->store().EitherBlocked(ann.id, ben.id).value());
  EXPECT_TRUE(this->store().EitherBlocked(ben.id, ann.id).value());
  EXPECT_FALSE(this->store().EitherBlocked(ann.id, this->NewUser()).value());
  EXPECT_THAT(this->store().Snapshot(ann.id)->blocked, ElementsAre(ben.id));
  EXPECT_THAT(this->store().Snapshot(ann.id)->blocked_by, IsEmpty());
  EXPECT_THAT(this->store().Snapshot(ben.id)->blocked_by, ElementsAre(ann.id));
  auto refused = this->Act(v1::FRIEND_ACTION_ADD, ben, ann);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);

  ASSERT_TRUE(this->Act(v1::FRIEND_ACTION_UNBLOCK, ann, ben).ok());
  EXPECT_FALSE(this->store().EitherBlocked(ben.id, ann.id).value());
  EXPECT_THAT(this->store().Snapshot(ann.id)->blocked, IsEmpty());
}

TYPED_TEST_P(FriendStoreContract, EventsGetDenseSeqsPerUserAndPageAfterASeq) {
  const uint64_t a = this->NewUser(), b = this->NewUser();
  PairChange change;
  for (int i = 0; i < 5; ++i) change.events.emplace_back(a, this->Event("friend_removed", b));
  change.events.emplace_back(b, this->Event("friend_removed", a));
  auto stored = this->Apply(a, b, change, nullptr, 777);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(stored->second.size(), 6u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(stored->second[i].event.seq(), i + 1u);
  EXPECT_EQ(stored->second[5].event.seq(), 1u) << "each user has a sequence of their own";
  ASSERT_TRUE(this->Apply(b, a, change).ok());

  EXPECT_EQ(this->store().LatestUserEventSeq(a).value(), 10u);
  EXPECT_EQ(this->store().LatestUserEventSeq(b).value(), 2u);
  EXPECT_EQ(this->store().Snapshot(a)->events_latest_seq, 10u);
  EXPECT_THAT(this->Seqs(this->store().UserEventsAfter(a, 0, 100).value()),
              ElementsAre(1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u));
  EXPECT_THAT(this->Seqs(this->store().UserEventsAfter(a, 3, 2).value()), ElementsAre(4u, 5u));
  EXPECT_THAT(this->store().UserEventsAfter(a, 10, 100).value(), IsEmpty());
  auto first = this->store().UserEventsAfter(b, 0, 1).value();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].at_ms(), 777);
  EXPECT_EQ(first[0].friend_().type(), "friend_removed");
  EXPECT_EQ(first[0].friend_().user_id(), a);
  EXPECT_EQ(first[0].friend_().username(), "user" + std::to_string(a));
}

TYPED_TEST_P(FriendStoreContract, ConcurrentCrossingRequestsMakeExactlyOneFriendship) {
  for (int round = 0; round < 10; ++round) {
    Party a = this->NewParty("a"), b = this->NewParty("b");
    std::thread t1([&] { EXPECT_TRUE(this->Act(v1::FRIEND_ACTION_ADD, a, b).ok()); });
    std::thread t2([&] { EXPECT_TRUE(this->Act(v1::FRIEND_ACTION_ADD, b, a).ok()); });
    t1.join();
    t2.join();
    EXPECT_THAT(this->store().FriendIds(a.id).value(), ElementsAre(b.id)) << round;
    EXPECT_THAT(this->store().Snapshot(a.id)->requests, IsEmpty()) << round;
    // One request and one friend_added each, with no seq given twice.
    EXPECT_THAT(this->Seqs(this->store().UserEventsAfter(a.id, 0, 10).value()), ElementsAre(1u, 2u))
        << round;
  }
}

REGISTER_TYPED_TEST_SUITE_P(FriendStoreContract, AUserNeverSeenHasNothing,
                            ARequestIsKeptWithItsEventsAndTheStateIsReadInTheChange,
                            TheDecisionSeesThePairFromTheCallersSide,
                            ARefusedDecisionChangesAndRecordsNothing,
                            FriendsAreFriendsBothWaysUntilEitherEndsIt,
                            ABlockEndsTheFriendshipAndIsSeenFromBothSides,
                            EventsGetDenseSeqsPerUserAndPageAfterASeq,
                            ConcurrentCrossingRequestsMakeExactlyOneFriendship);

}  // namespace natter::chat
