// ChatService's notification settings on fakes (issue 23 item 8): a mute for a while or until
// unmuted, a level, what is refused, who may set them, what ListConversations shows and what the
// user's other devices are told.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "chat_service.h"
#include "chat_service_fakes.h"
#include "common/channels.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_event_publisher.h"
#include "fakes/fake_friend_store.h"
#include "fakes/fake_message_store.h"
#include "fakes/fake_rate_limiter.h"
#include "fakes/fake_typing_limiter.h"
#include "fakes/fake_user_directory.h"
#include "natter/v1/gateway.pb.h"
#include "services/chat/callers.h"

namespace natter::chat {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr uint64_t kLobby = fakes::FakeMessageStore::kLobbyId;
constexpr int64_t kHourMs = 3600 * 1000;

class NotificationsTest : public ::testing::Test, protected ChatServiceFakes {
 protected:
  void SetUp() override {
    store_.SetFriendStore(friends_);
    users_.Set(1, "alice");
    users_.Set(2, "bob");
  }

  absl::StatusOr<v1::NotificationSettings> Set(const v1::Caller& who, uint64_t conversation,
                                               v1::NotifyLevel level,
                                               std::optional<int64_t> muted_until_ms) {
    v1::SetNotificationsRequest r;
    *r.mutable_caller() = who;
    r.mutable_conversation()->set_id(conversation);
    r.set_level(level);
    if (muted_until_ms) r.set_muted_until_ms(*muted_until_ms);
    return service_.SetNotifications(r);
  }
  absl::StatusOr<v1::NotificationSettings> Mute(const v1::Caller& who, int64_t until,
                                                uint64_t conversation = kLobby) {
    return Set(who, conversation, v1::NOTIFY_LEVEL_UNSPECIFIED, until);
  }
  // The settings `who` sees for `conversation` in ListConversations.
  v1::NotificationSettings Listed(const v1::Caller& who, uint64_t conversation = kLobby) {
    v1::ListConversationsRequest r;
    *r.mutable_caller() = who;
    auto listed = service_.ListConversations(r);
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (listed.ok()) {
      for (const auto& c : listed->conversations()) {
        if (c.id() == conversation) return c.notifications();
      }
    }
    ADD_FAILURE() << "conversation " << conversation << " not listed";
    return {};
  }

  const v1::Caller alice_ = MakeCaller(1, "alice");
  const v1::Caller bob_ = MakeCaller(2, "bob");
};

TEST_F(NotificationsTest, NobodyIsMutedAndEveryoneHearsOfAllByDefault) {
  v1::NotificationSettings listed = Listed(alice_);
  EXPECT_EQ(listed.conversation_id(), kLobby);
  EXPECT_EQ(listed.level(), v1::NOTIFY_LEVEL_ALL);
  EXPECT_EQ(listed.muted_until_ms(), 0);
}

TEST_F(NotificationsTest, AMuteIsTheUsersOwnAndReachesTheirOtherDevicesOnly) {
  const int64_t until = clock_.NowMs() + 8 * kHourMs;
  auto muted = Mute(alice_, until);
  ASSERT_TRUE(muted.ok()) << muted.status();
  EXPECT_EQ(muted->conversation_id(), kLobby);
  EXPECT_EQ(muted->muted_until_ms(), until);
  EXPECT_EQ(muted->level(), v1::NOTIFY_LEVEL_ALL);
  EXPECT_EQ(Listed(alice_).muted_until_ms(), until);
  EXPECT_EQ(Listed(bob_).muted_until_ms(), 0);

  auto published = publisher_.published();
  ASSERT_THAT(published, SizeIs(1));
  EXPECT_EQ(published[0].channel, UserChannel(1));
  v1::ServerEvent event;
  ASSERT_TRUE(event.ParseFromString(published[0].payload));
  ASSERT_TRUE(event.has_notifications());
  EXPECT_EQ(event.notifications().conversation_id(), kLobby);
  EXPECT_EQ(event.notifications().muted_until_ms(), until);
}

TEST_F(NotificationsTest, TheLevelAndTheMuteChangeApartAndZeroUnmutes) {
  ASSERT_TRUE(Mute(alice_, kMutedForeverMs).ok());
  auto none = Set(alice_, kLobby, v1::NOTIFY_LEVEL_NONE, std::nullopt);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->level(), v1::NOTIFY_LEVEL_NONE);
  EXPECT_EQ(none->muted_until_ms(), kMutedForeverMs);  // kept

  auto unmuted = Mute(alice_, 0);
  ASSERT_TRUE(unmuted.ok()) << unmuted.status();
  EXPECT_EQ(unmuted->muted_until_ms(), 0);
  EXPECT_EQ(unmuted->level(), v1::NOTIFY_LEVEL_NONE);  // kept
  EXPECT_EQ(Listed(alice_).level(), v1::NOTIFY_LEVEL_NONE);

  auto all = Set(alice_, kLobby, v1::NOTIFY_LEVEL_ALL, std::nullopt);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(Listed(alice_).level(), v1::NOTIFY_LEVEL_ALL);
}

TEST_F(NotificationsTest, AMuteThatRanOutReadsAsNotMuted) {
  ASSERT_TRUE(Mute(alice_, clock_.NowMs() + kHourMs).ok());
  clock_.Advance(std::chrono::minutes(59));
  EXPECT_NE(Listed(alice_).muted_until_ms(), 0);
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_EQ(Listed(alice_).muted_until_ms(), 0);
}

TEST_F(NotificationsTest, AMuteInThePastOrMoreThanAYearAheadIsRefused) {
  const int64_t now = clock_.NowMs();
  for (int64_t until :
       {now, now - kHourMs, int64_t{-1}, now + kMaxMuteMs + 1, kMutedForeverMs - 1}) {
    auto refused = Mute(alice_, until);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << until;
  }
  EXPECT_THAT(std::string(Mute(alice_, now - 1).status().message()),
              HasSubstr("must end in the future"));
  EXPECT_THAT(std::string(Mute(alice_, now + kMaxMuteMs + 1).status().message()),
              HasSubstr("366 days"));
  EXPECT_TRUE(Mute(alice_, now + kMaxMuteMs).ok());
  EXPECT_TRUE(Mute(alice_, kMutedForeverMs).ok());
  EXPECT_THAT(publisher_.published(), SizeIs(2));  // the refusals told no one
}

TEST_F(NotificationsTest, AnEmptyChangeOrAnUnknownLevelIsRefused) {
  auto empty = Set(alice_, kLobby, v1::NOTIFY_LEVEL_UNSPECIFIED, std::nullopt);
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  auto unknown = Set(alice_, kLobby, static_cast<v1::NotifyLevel>(42), std::nullopt);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("all, mentions or none"));
}

TEST_F(NotificationsTest, OnlyMembersSetTheirs) {
  const uint64_t dev = store_.AddConversation("room", "dev");
  store_.AddMember(dev, 2, MemberRole::kOwner);
  auto outsider = Mute(alice_, kMutedForeverMs, dev);
  EXPECT_EQ(outsider.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Mute(bob_, kMutedForeverMs, dev).ok());
  auto missing = Mute(alice_, kMutedForeverMs, 999);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(NotificationsTest, AMutedConversationStillDeliversItsMessages) {
  ASSERT_TRUE(Mute(bob_, kMutedForeverMs).ok());
  publisher_.Clear();
  v1::SendRequest send;
  *send.mutable_caller() = alice_;
  send.set_conversation_id(kLobby);
  send.set_client_msg_id("m1");
  send.set_text("hello");
  ASSERT_TRUE(service_.Send(send).ok());
  auto published = publisher_.published();
  ASSERT_THAT(published, SizeIs(1));
  EXPECT_EQ(published[0].channel, ConversationChannel(kLobby));
}

TEST_F(NotificationsTest, AStoreFailureIsReportedAndToldToNoOne) {
  store_.FailNext(absl::UnavailableError("database down"), "SetNotifications");
  auto failed = Mute(alice_, kMutedForeverMs);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(publisher_.published(), SizeIs(0));
}

}  // namespace
}  // namespace natter::chat
