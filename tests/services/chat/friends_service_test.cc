// FriendsService on fakes: requests between users, durable events for both sides (also for whoever
// is offline), lists, sync, and what presence is told.
#include "friends_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/channels.h"
#include "common/status.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_event_publisher.h"
#include "fakes/fake_friend_store.h"
#include "fakes/fake_message_store.h"
#include "fakes/fake_rate_limiter.h"
#include "fakes/fake_user_directory.h"
#include "natter/v1/gateway.pb.h"
#include "natter/v1/presence.pb.h"

namespace natter::chat {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

class FriendsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    users_.Set(1, "alice");
    users_.Set(2, "bob");
    users_.Set(3, "carol");
  }

  static v1::Caller Caller(uint64_t id, const std::string& name) {
    v1::Caller c;
    c.set_user_id(id);
    c.set_username(name);
    return c;
  }
  absl::StatusOr<v1::FriendshipResponse> Act(uint64_t id, const std::string& name,
                                             v1::FriendAction action, const std::string& other,
                                             const std::string& message = "") {
    v1::FriendshipRequest r;
    *r.mutable_caller() = Caller(id, name);
    r.set_action(action);
    r.set_username(other);
    r.set_message(message);
    return service_.Friendship(r);
  }
  v1::SyncUserEventsResponse Events(uint64_t id, const std::string& name, uint64_t after = 0) {
    v1::SyncUserEventsRequest r;
    *r.mutable_caller() = Caller(id, name);
    r.set_after_seq(after);
    return service_.SyncUserEvents(r).value();
  }
  std::vector<std::string> Types(const v1::SyncUserEventsResponse& sync) {
    std::vector<std::string> out;
    for (const auto& e : sync.events())
      out.push_back(e.friend_().type() + ":" + e.friend_().username());
    return out;
  }

  fakes::FakeFriendStore friends_;
  fakes::FakeMessageStore messages_;
  fakes::FakeUserDirectory users_;
  fakes::FakeEventPublisher publisher_;
  fakes::FakeClock clock_;
  fakes::FakeRateLimiter limiter_{clock_};
  FriendsService service_{
      friends_, messages_, users_, publisher_, limiter_, ChatLimits::Unlimited(), clock_};
};

TEST_F(FriendsServiceTest, ARequestAndItsAcceptanceAreStoredForBothSides) {
  ASSERT_EQ(Act(1, "alice", v1::FRIEND_ACTION_ADD, "bob", "hello!")->relation(), "request_sent");
  // Bob was offline: the request waits for him as an event with a seq.
  auto bob = Events(2, "bob");
  EXPECT_THAT(Types(bob), ElementsAre("friend_request:alice"));
  EXPECT_EQ(bob.events(0).seq(), 1u);
  EXPECT_EQ(bob.events(0).friend_().message(), "hello!");
  EXPECT_EQ(bob.latest_seq(), 1u);

  ASSERT_EQ(Act(2, "bob", v1::FRIEND_ACTION_ACCEPT, "alice")->relation(), "friends");
  EXPECT_THAT(Types(Events(1, "alice")), ElementsAre("friend_request:bob", "friend_added:bob"));
  EXPECT_THAT(Types(Events(2, "bob", 1)), ElementsAre("friend_added:alice"));
}

TEST_F(FriendsServiceTest, ARejectionReachesTheRequester) {
  ASSERT_TRUE(Act(1, "alice", v1::FRIEND_ACTION_ADD, "bob").ok());
  ASSERT_EQ(Act(2, "bob", v1::FRIEND_ACTION_REJECT, "alice")->relation(), "none");
  EXPECT_THAT(Types(Events(1, "alice")),
              ElementsAre("friend_request:bob", "friend_request_rejected:bob"));
}

TEST_F(FriendsServiceTest, EveryStoredEventIsPublishedToItsUser) {
  ASSERT_TRUE(Act(1, "alice", v1::FRIEND_ACTION_ADD, "bob").ok());
  auto published = publisher_.published();
  ASSERT_THAT(published, SizeIs(2));
  EXPECT_EQ(published[0].channel, "user:1");
  EXPECT_EQ(published[1].channel, "user:2");
  v1::ServerEvent event;
  ASSERT_TRUE(event.ParseFromString(published[1].payload));
  EXPECT_EQ(event.user_event().seq(), 1u);
  EXPECT_EQ(event.user_event().friend_().type(), "friend_request");
}

TEST_F(FriendsServiceTest, FriendshipChangesTellPresenceWhoseAudienceChanged) {
  ASSERT_TRUE(Act(1, "alice", v1::FRIEND_ACTION_ADD, "bob").ok());
  ASSERT_TRUE(Act(2, "bob", v1::FRIEND_ACTION_ACCEPT, "alice").ok());
  auto published = publisher_.published();
  ASSERT_FALSE(published.empty());
  EXPECT_EQ(published.back().channel, kAudienceChangedChannel);
  v1::AudienceChanged changed;
  ASSERT_TRUE(changed.ParseFromString(published.back().payload));
  EXPECT_THAT(changed.user_ids(), ElementsAre(2u, 1u));
}

TEST_F(FriendsServiceTest, APublishFailureLosesNothing) {
  publisher_.FailNext(absl::UnavailableError("redis is down"));
  ASSERT_TRUE(Act(1, "alice", v1::FRIEND_ACTION_ADD, "bob").ok());
  EXPECT_THAT(Types(Events(2, "bob")), ElementsAre("friend_request:alice"));
}

TEST_F(FriendsServiceTest, ListsFriendsAndPendingRequestsWithProfiles) {
  ASSERT_TRUE(Act(1, "alice", v1::FRIEND_ACTION_ADD, "bob").ok());
  ASSERT_TRUE(Act(2, "bob", v1::FRIEND_ACTION_ACCEPT, "alice").ok());
  ASSERT_TRUE(Act(3, "carol", v1::FRIEND_ACTION_ADD, "alice", "remember me?").ok());
  ASSERT_TRUE(Act(1, "alice", v1::FRIEND_ACTION_BLOCK, "carol").ok());
  ASSERT_TRUE(Act(1, "alice", v1::FRIEND_ACTION_UNBLOCK, "carol").ok());
  ASSERT_TRUE(Act(3, "carol", v1::FRIEND_ACTION_ADD, "alice", "please").ok());
  v1::ListFriendsRequest r;
  *r.mutable_caller() = Caller(1, "alice");
  auto list = service_.ListFriends(r);
  ASSERT_TRUE(list.ok());
  ASSERT_THAT(list->friends(), SizeIs(1));
  EXPECT_EQ(list->friends(0).username(), "bob");
  ASSERT_THAT(list->requests(), SizeIs(1));
  EXPECT_EQ(list->requests(0).username(), "carol");
  EXPECT_TRUE(list->requests(0).incoming());
  EXPECT_EQ(list->requests(0).message(), "please");
  EXPECT_EQ(list->events_latest_seq(), Events(1, "alice").latest_seq());
}

TEST_F(FriendsServiceTest, RefusesBadRequestsClearly) {
  EXPECT_EQ(Act(1, "alice", v1::FRIEND_ACTION_ADD, "nobody").status().message(),
            "no user named \"nobody\"");
  EXPECT_EQ(Act(1, "alice", v1::FRIEND_ACTION_ADD, "alice").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Act(1, "alice", v1::FRIEND_ACTION_UNSPECIFIED, "bob").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Act(1, "alice", v1::FRIEND_ACTION_ADD, "bob", std::string(201, 'x')).status().message(),
            "request message must be at most 200 characters long");
  EXPECT_EQ(Act(1, "alice", v1::FRIEND_ACTION_ADD, "bob", "\x01").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Act(1, "alice", v1::FRIEND_ACTION_REMOVE, "bob", "why").status().message(),
            "only a friend request carries a message");
  users_.Set(4, "deleted user");
  EXPECT_EQ(Act(1, "alice", v1::FRIEND_ACTION_ADD, "deleted user").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(FriendsServiceTest, ABlockedUserCannotSendRequests) {
  ASSERT_TRUE(Act(2, "bob", v1::FRIEND_ACTION_BLOCK, "alice").ok());
  auto refused = Act(1, "alice", v1::FRIEND_ACTION_ADD, "bob");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Types(Events(2, "bob")), ElementsAre());
}

TEST_F(FriendsServiceTest, ABlockAndItsEndAreAnnouncedToBothUsersGateways) {
  // What each user's gateways are told: (user channel, about whom, hidden).
  auto block_changes = [&] {
    std::vector<std::string> out;
    for (const auto& p : publisher_.published()) {
      v1::ServerEvent event;
      if (!event.ParseFromString(p.payload) || !event.has_block_changed()) continue;
      out.push_back(p.channel + " " + std::to_string(event.block_changed().user_id()) +
                    (event.block_changed().hidden() ? " hidden" : " shown"));
    }
    publisher_.Clear();
    return out;
  };
  ASSERT_TRUE(Act(2, "bob", v1::FRIEND_ACTION_BLOCK, "alice").ok());
  EXPECT_THAT(block_changes(), ElementsAre("user:2 1 hidden", "user:1 2 hidden"));
  ASSERT_TRUE(Act(2, "bob", v1::FRIEND_ACTION_BLOCK, "alice").ok());  // already: nothing changes
  EXPECT_THAT(block_changes(), ElementsAre());
  ASSERT_TRUE(Act(1, "alice", v1::FRIEND_ACTION_BLOCK, "bob").ok());
  EXPECT_THAT(block_changes(), ElementsAre("user:1 2 hidden", "user:2 1 hidden"));
  // Bob lifts his block, but alice's still stands: they stay hidden from each other.
  ASSERT_TRUE(Act(2, "bob", v1::FRIEND_ACTION_UNBLOCK, "alice").ok());
  EXPECT_THAT(block_changes(), ElementsAre("user:2 1 hidden", "user:1 2 hidden"));
  ASSERT_TRUE(Act(1, "alice", v1::FRIEND_ACTION_UNBLOCK, "bob").ok());
  EXPECT_THAT(block_changes(), ElementsAre("user:1 2 shown", "user:2 1 shown"));
}

TEST_F(FriendsServiceTest, PresenceAudienceIsFriendsAndRooms) {
  ASSERT_TRUE(Act(1, "alice", v1::FRIEND_ACTION_ADD, "bob").ok());
  ASSERT_TRUE(Act(2, "bob", v1::FRIEND_ACTION_ACCEPT, "alice").ok());
  v1::PresenceAudienceRequest r;
  r.set_user_id(1);
  auto audience = service_.PresenceAudience(r);
  ASSERT_TRUE(audience.ok());
  EXPECT_THAT(audience->friend_ids(), ElementsAre(2u));
  EXPECT_THAT(audience->room_names(), ElementsAre("lobby"));
}

TEST_F(FriendsServiceTest, SyncPagesThroughEvents) {
  for (const char* name : {"bob", "carol"}) {
    ASSERT_TRUE(Act(1, "alice", v1::FRIEND_ACTION_ADD, name).ok());
    ASSERT_TRUE(Act(1, "alice", v1::FRIEND_ACTION_CANCEL, name).ok());
  }
  v1::SyncUserEventsRequest r;
  *r.mutable_caller() = Caller(1, "alice");
  r.set_limit(3);
  auto page = service_.SyncUserEvents(r);
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(page->events(), SizeIs(3));
  EXPECT_TRUE(page->has_more());
  r.set_limit(501);
  EXPECT_EQ(service_.SyncUserEvents(r).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(FriendsServiceTest, FriendRequestsAreLimitedPerDay) {
  ChatLimits limits = ChatLimits::Unlimited();
  limits.friend_requests = {2.0 / 86400.0, 2};
  FriendsService limited{friends_, messages_, users_, publisher_, limiter_, limits, clock_};
  auto add = [&](const std::string& other) {
    v1::FriendshipRequest r;
    *r.mutable_caller() = Caller(1, "alice");
    r.set_action(v1::FRIEND_ACTION_ADD);
    r.set_username(other);
    return limited.Friendship(r);
  };
  ASSERT_TRUE(add("bob").ok());
  ASSERT_TRUE(add("carol").ok());
  auto refused = add("dave");  // refused before the lookup: it does not tell whether dave exists
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("too many friend requests (at most 2 a day)"));
  EXPECT_EQ(RetryAfter(refused.status()), std::chrono::milliseconds(43'200'000));
  // Answering requests is not limited.
  EXPECT_TRUE(Act(2, "bob", v1::FRIEND_ACTION_ACCEPT, "alice").ok());
  clock_.Advance(std::chrono::hours(12));
  users_.Set(4, "dave");
  EXPECT_TRUE(add("dave").ok());
}

// Issue 19: every friendship action writes and tells both sides, so each draws on a per-user
// allowance; a refused one changes nothing.
TEST_F(FriendsServiceTest, FriendshipActionsAreLimitedPerUser) {
  ChatLimits limits = ChatLimits::Unlimited();
  limits.friend_actions = {1, 3};
  FriendsService limited{friends_, messages_, users_, publisher_, limiter_, limits, clock_};
  auto act = [&](uint64_t id, const std::string& name, v1::FriendAction action,
                 const std::string& other) {
    v1::FriendshipRequest r;
    *r.mutable_caller() = Caller(id, name);
    r.set_action(action);
    r.set_username(other);
    return limited.Friendship(r);
  };
  ASSERT_TRUE(act(1, "alice", v1::FRIEND_ACTION_BLOCK, "bob").ok());
  ASSERT_TRUE(act(1, "alice", v1::FRIEND_ACTION_UNBLOCK, "bob").ok());
  ASSERT_TRUE(act(1, "alice", v1::FRIEND_ACTION_BLOCK, "bob").ok());
  const size_t published = publisher_.published().size();
  auto refused = act(1, "alice", v1::FRIEND_ACTION_UNBLOCK, "bob");
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("changing friendships too fast (at most 1 a second)"));
  EXPECT_EQ(RetryAfter(refused.status()), std::chrono::milliseconds(1000));
  EXPECT_EQ(publisher_.published().size(), published);
  auto snapshot = friends_.Snapshot(1);
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->blocked.size(), 1u);  // still blocked: the refused unblock did nothing
  // Another user's allowance is their own; and a second later alice may act again.
  EXPECT_TRUE(act(3, "carol", v1::FRIEND_ACTION_ADD, "bob").ok());
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(act(1, "alice", v1::FRIEND_ACTION_UNBLOCK, "bob").ok());
}

}  // namespace
}  // namespace natter::chat
