// The friendship rules, action by action and state by state.
#include "friendship_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace natter::chat {
namespace {

const Party kMe{1, "alice"};
const Party kBob{2, "bob"};

PairState State(bool friends, bool sent, bool received, bool i_blocked, bool they_blocked) {
  return PairState{friends, sent, received, i_blocked, they_blocked};
}

// "type>recipient" for each event, e.g. "friend_added>2".
std::vector<std::string> Events(const PairChange& c) {
  std::vector<std::string> out;
  for (const auto& [recipient, e] : c.events)
    out.push_back(e.type() + ">" + std::to_string(recipient));
  return out;
}

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(FriendshipRulesTest, AddSendsARequestThatBothSidesHearOf) {
  auto c = DecideFriendship(v1::FRIEND_ACTION_ADD, {}, kMe, kBob, "hi bob");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->request_sent, true);
  EXPECT_EQ(c->request_message, "hi bob");
  EXPECT_EQ(c->relation, "request_sent");
  EXPECT_THAT(Events(*c), ElementsAre("friend_request>1", "friend_request>2"));
  EXPECT_TRUE(c->events[0].second.outgoing());
  EXPECT_EQ(c->events[0].second.username(), "bob");
  EXPECT_FALSE(c->events[1].second.outgoing());
  EXPECT_EQ(c->events[1].second.username(), "alice");
  EXPECT_EQ(c->events[1].second.message(), "hi bob");
}

TEST(FriendshipRulesTest, ASecondRequestInTheSameDirectionChangesNothing) {
  auto c = DecideFriendship(v1::FRIEND_ACTION_ADD, State(false, true, false, false, false), kMe,
                            kBob, "again");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->request_sent.has_value());
  EXPECT_THAT(c->events, IsEmpty());
  EXPECT_EQ(c->relation, "request_sent");
}

TEST(FriendshipRulesTest, CrossingRequestsBecomeAFriendship) {
  auto c = DecideFriendship(v1::FRIEND_ACTION_ADD, State(false, false, true, false, false), kMe,
                            kBob, "");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->friends, true);
  EXPECT_EQ(c->request_received, false);
  EXPECT_THAT(Events(*c), ElementsAre("friend_added>1", "friend_added>2"));
}

TEST(FriendshipRulesTest, RequestsThatCannotBeSent) {
  struct Case {
    PairState state;
    absl::StatusCode code;
    std::string message;
  };
  for (const auto& c : std::vector<Case>{
           {State(true, false, false, false, false), absl::StatusCode::kAlreadyExists,
            "you and bob are already friends"},
           {State(false, false, false, true, false), absl::StatusCode::kFailedPrecondition,
            "unblock bob first"},
           {State(false, false, false, false, true), absl::StatusCode::kPermissionDenied,
            "you cannot send bob a friend request"},
       }) {
    auto result = DecideFriendship(v1::FRIEND_ACTION_ADD, c.state, kMe, kBob, "");
    EXPECT_EQ(result.status().code(), c.code);
    EXPECT_EQ(result.status().message(), c.message);
  }
  EXPECT_EQ(DecideFriendship(v1::FRIEND_ACTION_ADD, {}, kMe, kMe, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FriendshipRulesTest, CancelAcceptRejectNeedAPendingRequest) {
  EXPECT_EQ(DecideFriendship(v1::FRIEND_ACTION_CANCEL, {}, kMe, kBob, "").status().message(),
            "no pending request to bob");
  EXPECT_EQ(DecideFriendship(v1::FRIEND_ACTION_ACCEPT, {}, kMe, kBob, "").status().message(),
            "no pending request from bob");
  EXPECT_EQ(DecideFriendship(v1::FRIEND_ACTION_REJECT, {}, kMe, kBob, "").status().message(),
            "no pending request from bob");
  // My own request cannot be accepted by me.
  EXPECT_EQ(DecideFriendship(v1::FRIEND_ACTION_ACCEPT, State(false, true, false, false, false), kMe,
                             kBob, "")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(FriendshipRulesTest, EachAnswerIsAnEventForBothSides) {
  PairState pending_from_bob = State(false, false, true, false, false);
  auto accept = DecideFriendship(v1::FRIEND_ACTION_ACCEPT, pending_from_bob, kMe, kBob, "");
  EXPECT_THAT(Events(*accept), ElementsAre("friend_added>1", "friend_added>2"));
  EXPECT_EQ(accept->friends, true);
  auto reject = DecideFriendship(v1::FRIEND_ACTION_REJECT, pending_from_bob, kMe, kBob, "");
  EXPECT_THAT(Events(*reject),
              ElementsAre("friend_request_rejected>1", "friend_request_rejected>2"));
  EXPECT_EQ(reject->request_received, false);
  EXPECT_FALSE(reject->friends.has_value());
  auto cancel = DecideFriendship(v1::FRIEND_ACTION_CANCEL, State(false, true, false, false, false),
                                 kMe, kBob, "");
  EXPECT_THAT(Events(*cancel),
              ElementsAre("friend_request_cancelled>1", "friend_request_cancelled>2"));
}

TEST(FriendshipRulesTest, RemoveEndsAFriendship) {
  auto c = DecideFriendship(v1::FRIEND_ACTION_REMOVE, State(true, false, false, false, false), kMe,
                            kBob, "");
  EXPECT_EQ(c->friends, false);
  EXPECT_THAT(Events(*c), ElementsAre("friend_removed>1", "friend_removed>2"));
  EXPECT_EQ(DecideFriendship(v1::FRIEND_ACTION_REMOVE, {}, kMe, kBob, "").status().message(),
            "bob is not your friend");
}

TEST(FriendshipRulesTest, BlockingEndsEverythingBetweenUs) {
  auto c = DecideFriendship(v1::FRIEND_ACTION_BLOCK, State(true, false, false, false, false), kMe,
                            kBob, "");
  EXPECT_EQ(c->i_blocked, true);
  EXPECT_EQ(c->friends, false);
  EXPECT_THAT(Events(*c), ElementsAre("friend_removed>1", "friend_removed>2"));
  auto pending = DecideFriendship(v1::FRIEND_ACTION_BLOCK, State(false, false, true, false, false),
                                  kMe, kBob, "");
  EXPECT_EQ(pending->request_received, false);
  EXPECT_EQ(pending->relation, "blocked");
  auto again = DecideFriendship(v1::FRIEND_ACTION_BLOCK, State(false, false, false, true, false),
                                kMe, kBob, "");
  EXPECT_FALSE(again->i_blocked.has_value());
  EXPECT_THAT(again->events, IsEmpty());
}

TEST(FriendshipRulesTest, UnblockOnlyWhatIsBlocked) {
  auto c = DecideFriendship(v1::FRIEND_ACTION_UNBLOCK, State(false, false, false, true, false), kMe,
                            kBob, "");
  EXPECT_EQ(c->i_blocked, false);
  EXPECT_EQ(c->relation, "none");
  EXPECT_EQ(DecideFriendship(v1::FRIEND_ACTION_UNBLOCK, {}, kMe, kBob, "").status().message(),
            "bob is not blocked");
}

TEST(FriendshipRulesTest, RelationNamesTheStrongestState) {
  EXPECT_EQ(RelationOf({}), "none");
  EXPECT_EQ(RelationOf(State(true, false, false, false, false)), "friends");
  EXPECT_EQ(RelationOf(State(false, true, false, false, false)), "request_sent");
  EXPECT_EQ(RelationOf(State(false, false, true, false, false)), "request_received");
  EXPECT_EQ(RelationOf(State(false, false, false, true, false)), "blocked");
}

}  // namespace
}  // namespace natter::chat
