// Mentions on fakes (issue 23 item 4): which "@names" a text gives, whom they resolve to in each
// kind of conversation, what Send, Edit, Sync, History and deliveries carry, the mentions list and
// the "mentions" notification level.
#include "mentions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chat_service.h"
#include "chat_service_fakes.h"
#include "natter/v1/gateway.pb.h"
#include "services/chat/callers.h"

namespace natter::chat {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr uint64_t kLobby = fakes::FakeMessageStore::kLobbyId;

// Mentions as "username" (with a "+" when added).
std::vector<std::string> Show(const v1::ChatMessage& m) {
  std::vector<std::string> out;
  for (const auto& mention : m.mentions()) {
    out.push_back(mention.username() + (mention.added() ? "+" : ""));
  }
  return out;
}

TEST(MentionedNamesTest, NamesFollowTheSignInTheOrderFirstWrittenOnceEach) {
  EXPECT_THAT(MentionedNames("@bob hi @carol_1, and @bob again"), ElementsAre("bob", "carol_1"));
  EXPECT_THAT(MentionedNames("(@dana) @x.y-z"), ElementsAre("dana", "x.y-z"));
  EXPECT_THAT(MentionedNames("@Bob @bob"), ElementsAre("Bob", "bob"));  // natter-auth folds case
}

TEST(MentionedNamesTest, TheEndOfASentenceIsNoPartOfTheName) {
  EXPECT_THAT(MentionedNames("thanks @ann."), ElementsAre("ann"));
  EXPECT_THAT(MentionedNames("@ann- and @bo..."), ElementsAre("ann", "bo"));
}

TEST(MentionedNamesTest, AnAddressALoneSignAndAnOverlongNameAreNoMentions) {
  EXPECT_THAT(MentionedNames("mail ann@example.com or 1@2"), IsEmpty());
  EXPECT_THAT(MentionedNames("@ @. @!"), IsEmpty());
  EXPECT_THAT(MentionedNames("@" + std::string(kMaxMentionNameBytes + 1, 'a')), IsEmpty());
}

TEST(MentionedNamesTest, OtherScriptsAndTheFullwidthSignWork) {
  EXPECT_THAT(MentionedNames("你好＠小明，@José!"), ElementsAre("小明", "José"));
}

TEST(MentionedNamesTest, AtMostTheGivenNumberOfNames) {
  std::string text;
  for (int i = 0; i < 30; ++i) text += "@u" + std::to_string(i) + " ";
  auto names = MentionedNames(text);
  ASSERT_THAT(names, SizeIs(kMaxMentions));
  EXPECT_EQ(names.back(), "u19");
}

class MentionsTest : public ::testing::Test, protected ChatServiceFakes {
 protected:
  void SetUp() override {
    store_.SetFriendStore(friends_);
    users_.Set(1, "alice");
    users_.Set(2, "bob");
    users_.Set(3, "carol");
  }

  absl::StatusOr<v1::SendAck> Send(const v1::Caller& from, uint64_t conversation,
                                   const std::string& id, const std::string& text) {
    v1::SendRequest r;
    *r.mutable_caller() = from;
    r.set_conversation_id(conversation);
    r.set_client_msg_id(id);
    r.set_text(text);
    return service_.Send(r);
  }
  absl::StatusOr<v1::SendAck> Edit(const v1::Caller& from, uint64_t conversation, uint64_t seq,
                                   const std::string& id, const std::string& text) {
    v1::EditRequest r;
    *r.mutable_caller() = from;
    r.mutable_conversation()->set_id(conversation);
    r.set_seq(seq);
    r.set_client_msg_id(id);
    r.set_text(text);
    return service_.Edit(r);
  }
  std::vector<v1::ChatMessage> Published() const {
    std::vector<v1::ChatMessage> out;
    for (const auto& p : publisher_.published()) {
      v1::ServerEvent e;
      EXPECT_TRUE(e.ParseFromString(p.payload));
      if (e.has_message()) out.push_back(e.message());
    }
    return out;
  }
  v1::SyncResponse SyncAll(const v1::Caller& who, uint64_t conversation) {
    v1::SyncRequest r;
    *r.mutable_caller() = who;
    r.set_conversation_id(conversation);
    auto sync = service_.Sync(r);
    EXPECT_TRUE(sync.ok()) << sync.status();
    return sync.ok() ? *sync : v1::SyncResponse();
  }
  v1::HistoryResponse HistoryOf(const v1::Caller& who, uint64_t conversation) {
    v1::HistoryRequest r;
    *r.mutable_caller() = who;
    r.set_conversation_id(conversation);
    auto history = service_.History(r);
    EXPECT_TRUE(history.ok()) << history.status();
    return history.ok() ? *history : v1::HistoryResponse();
  }
  absl::StatusOr<v1::ListMentionsResponse> Mentions(const v1::Caller& who, uint32_t limit = 0,
                                                    uint64_t before = 0) {
    v1::ListMentionsRequest r;
    *r.mutable_caller() = who;
    r.set_limit(limit);
    r.set_before_message_id(before);
    return service_.ListMentions(r);
  }
  // The texts of `who`'s mentions list, newest first.
  std::vector<std::string> MentionTexts(const v1::Caller& who) {
    auto listed = Mentions(who);
    EXPECT_TRUE(listed.ok()) << listed.status();
    std::vector<std::string> out;
    if (listed.ok()) {
      for (const auto& m : listed->messages()) out.push_back(m.text());
    }
    return out;
  }
  void BeFriends(uint64_t a, uint64_t b, bool friends) {
    auto done =
        friends_.UpdatePair(a, b, 0, [friends](const PairState&) -> absl::StatusOr<PairChange> {
          PairChange change;
          change.friends = friends;
          return change;
        });
    ASSERT_TRUE(done.ok()) << done.status();
  }

  const v1::Caller alice_ = MakeCaller(1, "alice");
  const v1::Caller bob_ = MakeCaller(2, "bob");
  const v1::Caller carol_ = MakeCaller(3, "carol");
};

TEST_F(MentionsTest, ALobbyMessageMentionsEveryKnownNameIgnoringCaseButNotItsSender) {
  auto sent = Send(alice_, kLobby, "m1", "@BOB and @Carol, meet @alice and @nobody");
  ASSERT_TRUE(sent.ok()) << sent.status();
  auto published = Published();
  ASSERT_THAT(published, SizeIs(1));
  EXPECT_THAT(Show(published[0]), ElementsAre("bob+", "carol+"));
  EXPECT_EQ(published[0].mentions(0).user_id(), 2u);
  EXPECT_EQ(published[0].text(), "@BOB and @Carol, meet @alice and @nobody");  // as written

  auto synced = SyncAll(bob_, kLobby);
  ASSERT_THAT(synced.messages(), SizeIs(1));
  EXPECT_THAT(Show(synced.messages(0)), ElementsAre("bob+", "carol+"));
  EXPECT_THAT(Show(HistoryOf(carol_, kLobby).messages(0)), ElementsAre("bob+", "carol+"));
}

TEST_F(MentionsTest, AFullwidthNameMentionsItsUser) {
  ASSERT_TRUE(Send(alice_, kLobby, "m1", "＠ＢＯＢ look").ok());
  EXPECT_THAT(Show(Published().at(0)), ElementsAre("bob+"));
}

TEST_F(MentionsTest, InARoomOnlyMembersAreMentioned) {
  const uint64_t dev = store_.AddConversation("room", "dev");
  store_.AddMember(dev, alice_.user_id(), MemberRole::kOwner);
  store_.AddMember(dev, bob_.user_id());
  ASSERT_TRUE(Send(alice_, dev, "m1", "@bob @carol").ok());
  EXPECT_THAT(Show(Published().at(0)), ElementsAre("bob+"));
  EXPECT_THAT(MentionTexts(carol_), IsEmpty());
}

TEST_F(MentionsTest, InADirectConversationOnlyThePeerIsMentioned) {
  BeFriends(1, 2, true);
  v1::SendRequest r;
  *r.mutable_caller() = alice_;
  r.set_to_user("bob");
  r.set_client_msg_id("dm1");
  r.set_text("@bob, did @carol call?");
  auto sent = service_.Send(r);
  ASSERT_TRUE(sent.ok()) << sent.status();
  auto published = Published();
  ASSERT_THAT(published, SizeIs(2));  // a copy for each side
  EXPECT_THAT(Show(published[0]), ElementsAre("bob+"));
  EXPECT_THAT(MentionTexts(bob_), ElementsAre("@bob, did @carol call?"));
  EXPECT_THAT(MentionTexts(carol_), IsEmpty());
}

TEST_F(MentionsTest, AnEditReplacesTheMentionsAndMarksOnlyTheNewOnesAdded) {
  ASSERT_TRUE(Send(alice_, kLobby, "m1", "hi @bob").ok());
  auto edited = Edit(alice_, kLobby, 1, "e1", "hi @bob and @carol");
  ASSERT_TRUE(edited.ok()) << edited.status();
  auto published = Published();
  ASSERT_THAT(published, SizeIs(2));
  EXPECT_EQ(published[1].type(), kTypeEdited);
  EXPECT_THAT(Show(published[1]), ElementsAre("bob", "carol+"));

  // A catch-up reads each entry's as delivered; history the message's as it is now.
  auto synced = SyncAll(carol_, kLobby);
  ASSERT_THAT(synced.messages(), SizeIs(2));
  EXPECT_THAT(Show(synced.messages(1)), ElementsAre("bob", "carol+"));
  EXPECT_THAT(Show(HistoryOf(carol_, kLobby).messages(0)), ElementsAre("bob", "carol+"));
  EXPECT_THAT(MentionTexts(carol_), ElementsAre("hi @bob and @carol"));

  ASSERT_TRUE(Edit(alice_, kLobby, 1, "e2", "hi @carol").ok());
  EXPECT_THAT(Show(Published().at(2)), ElementsAre("carol"));
  EXPECT_THAT(MentionTexts(bob_), IsEmpty());
  EXPECT_THAT(MentionTexts(carol_), ElementsAre("hi @carol"));
}

TEST_F(MentionsTest, AReplayedSendPublishesTheOriginalWithItsMentions) {
  ASSERT_TRUE(Send(alice_, kLobby, "m1", "@bob").ok());
  auto again = Send(alice_, kLobby, "m1", "@bob");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate());
  auto published = Published();
  ASSERT_THAT(published, SizeIs(2));
  EXPECT_THAT(Show(published[1]), ElementsAre("bob+"));
}

TEST_F(MentionsTest, TheMentionsListIsNewestFirstPagedAndLeavesDeletedMessagesOut) {
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(Send(alice_, kLobby, "m" + std::to_string(i), "@bob " + std::to_string(i)).ok());
  }
  ASSERT_TRUE(Send(carol_, kLobby, "c1", "not for bob").ok());
  v1::DeleteRequest del;
  *del.mutable_caller() = alice_;
  del.mutable_conversation()->set_id(kLobby);
  del.set_seq(4);
  del.set_client_msg_id("d1");
  ASSERT_TRUE(service_.Delete(del).ok());

  auto first = Mentions(bob_, 2);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_THAT(first->messages(), SizeIs(2));
  EXPECT_EQ(first->messages(0).text(), "@bob 5");
  EXPECT_EQ(first->messages(1).text(), "@bob 3");
  EXPECT_EQ(first->messages(1).room(), "lobby");
  EXPECT_THAT(Show(first->messages(1)), ElementsAre("bob+"));
  EXPECT_TRUE(first->has_more());
  auto second = Mentions(bob_, 2, first->messages(1).message_id());
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_THAT(second->messages(), SizeIs(2));
  EXPECT_EQ(second->messages(0).text(), "@bob 2");
  EXPECT_EQ(second->messages(1).text(), "@bob 1");
  EXPECT_FALSE(second->has_more());
}

TEST_F(MentionsTest, TheMentionsListLeavesOutRoomsTheUserLeft) {
  const uint64_t dev = store_.AddConversation("room", "dev");
  store_.AddMember(dev, alice_.user_id(), MemberRole::kOwner);
  store_.AddMember(dev, bob_.user_id());
  ASSERT_TRUE(Send(alice_, dev, "m1", "@bob in dev").ok());
  ASSERT_TRUE(Send(alice_, kLobby, "m2", "@bob in the lobby").ok());
  EXPECT_THAT(MentionTexts(bob_), ElementsAre("@bob in the lobby", "@bob in dev"));
  auto left = store_.ChangeRoom(dev, bob_.user_id(), "bob", 0, 0,
                                [](const RoomState&) -> absl::StatusOr<RoomChange> {
                                  RoomChange change;
                                  change.remove_actor = true;
                                  change.entry_type = kTypeMemberLeft;
                                  return change;
                                });
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_THAT(MentionTexts(bob_), ElementsAre("@bob in the lobby"));
}

TEST_F(MentionsTest, AListLimitOverTheMaximumIsRefused) {
  auto listed = Mentions(bob_, kMaxMentionsLimit + 1);
  EXPECT_EQ(listed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Mentions(bob_, kMaxMentionsLimit).ok());
}

TEST_F(MentionsTest, OnlyTheFirstTwentyNamesAreLookedUp) {
  std::string text;
  for (int i = 0; i < 20; ++i) text += "@ghost" + std::to_string(i) + " ";
  text += "@bob";
  ASSERT_TRUE(Send(alice_, kLobby, "m1", text).ok());
  EXPECT_THAT(Show(Published().at(0)), IsEmpty());
}

TEST_F(MentionsTest, AMessageIsNotStoredWhenNamesCannotBeLookedUp) {
  users_.FailNext(absl::UnavailableError("auth is down"));
  auto sent = Send(alice_, kLobby, "m1", "@bob");
  EXPECT_EQ(sent.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(store_.Messages(kLobby), IsEmpty());
  EXPECT_TRUE(Send(alice_, kLobby, "m1", "@bob").ok());  // the retry goes through
}

TEST_F(MentionsTest, TheMentionsLevelIsKeptAndShown) {
  v1::SetNotificationsRequest r;
  *r.mutable_caller() = bob_;
  r.mutable_conversation()->set_id(kLobby);
  r.set_level(v1::NOTIFY_LEVEL_MENTIONS);
  auto set = service_.SetNotifications(r);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->level(), v1::NOTIFY_LEVEL_MENTIONS);
  v1::ListConversationsRequest list;
  *list.mutable_caller() = bob_;
  auto conversations = service_.ListConversations(list);
  ASSERT_TRUE(conversations.ok()) << conversations.status();
  EXPECT_EQ(conversations->conversations(0).notifications().level(), v1::NOTIFY_LEVEL_MENTIONS);
}

}  // namespace
}  // namespace natter::chat
