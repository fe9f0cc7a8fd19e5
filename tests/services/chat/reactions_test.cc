// ChatService's reactions on fakes (issue 23 item 3): entries with a seq, idempotent add and
// remove, who may react to what, the emoji and the per-message limit, and what reads and
// deliveries carry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chat_service.h"
#include "chat_service_fakes.h"
#include "common/text.h"
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

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr uint64_t kLobby = fakes::FakeMessageStore::kLobbyId;

// A reaction as "emoji count user,user".
std::string Show(const v1::Reaction& r) {
  std::string out = r.emoji() + " " + std::to_string(r.count());
  for (int i = 0; i < r.users_size(); ++i) out += (i == 0 ? " " : ",") + r.users(i);
  return out;
}

std::vector<std::string> Show(const v1::ChatMessage& m) {
  std::vector<std::string> out;
  for (const auto& r : m.reactions()) out.push_back(Show(r));
  return out;
}

class ReactionsTest : public ::testing::Test, protected ChatServiceFakes {
 protected:
  void SetUp() override {
    store_.SetFriendStore(friends_);
    users_.Set(1, "alice");
    users_.Set(2, "bob");
    users_.Set(3, "carol");
    auto sent = Send(alice_, kLobby, "m1", "hello");
    ASSERT_TRUE(sent.ok()) << sent.status();
    publisher_.Clear();
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
  absl::StatusOr<v1::SendAck> React(const v1::Caller& who, uint64_t seq, const std::string& emoji,
                                    const std::string& id, bool remove = false,
                                    uint64_t conversation = kLobby) {
    v1::ReactRequest r;
    *r.mutable_caller() = who;
    r.mutable_conversation()->set_id(conversation);
    r.set_seq(seq);
    r.set_emoji(emoji);
    r.set_remove(remove);
    r.set_client_msg_id(id);
    return service_.React(r);
  }
  v1::ChatMessage HistoryMessage(const v1::Caller& who, uint64_t seq) {
    v1::HistoryRequest r;
    *r.mutable_caller() = who;
    r.set_conversation_id(kLobby);
    auto history = service_.History(r);
    EXPECT_TRUE(history.ok()) << history.status();
    for (const auto& m : history->messages()) {
      if (m.seq() == seq) return m;
    }
    ADD_FAILURE() << "message " << seq << " not in history";
    return {};
  }
  v1::SyncResponse SyncAll(const v1::Caller& who, uint64_t conversation = kLobby) {
    v1::SyncRequest r;
    *r.mutable_caller() = who;
    r.set_conversation_id(conversation);
    auto sync = service_.Sync(r);
    EXPECT_TRUE(sync.ok()) << sync.status();
    return sync.ok() ? *sync : v1::SyncResponse();
  }
  std::vector<v1::ChatMessage> PublishedEntries() const {
    std::vector<v1::ChatMessage> out;
    for (const auto& p : publisher_.published()) {
      v1::ServerEvent e;
      EXPECT_TRUE(e.ParseFromString(p.payload));
      if (e.has_message()) out.push_back(e.message());
    }
    return out;
  }

  const v1::Caller alice_ = MakeCaller(1, "alice");
  const v1::Caller bob_ = MakeCaller(2, "bob");
  const v1::Caller carol_ = MakeCaller(3, "carol");
};

TEST_F(ReactionsTest, AReactionIsAnEntryDeliveredWithTheMessagesReactionsAfterIt) {
  auto first = React(bob_, 1, "👍", "r1");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->seq(), 2u);
  EXPECT_FALSE(first->unchanged());
  ASSERT_TRUE(React(carol_, 1, "👍", "r2").ok());
  ASSERT_TRUE(React(bob_, 1, "🎉", "r3").ok());

  auto published = PublishedEntries();
  ASSERT_THAT(published, SizeIs(3));
  const v1::ChatMessage& last = published[2];
  EXPECT_EQ(last.type(), kTypeReactionAdded);
  EXPECT_EQ(last.seq(), 4u);
  EXPECT_EQ(last.target_seq(), 1u);
  EXPECT_EQ(last.text(), "🎉");
  EXPECT_EQ(last.sender(), "bob");
  EXPECT_EQ(last.room(), "lobby");
  EXPECT_THAT(Show(last), ElementsAre("👍 2 bob,carol", "🎉 1 bob"));
  EXPECT_THAT(last.reactions(0).user_ids(), ElementsAre(2u, 3u));
  EXPECT_THAT(Show(published[0]), ElementsAre("👍 1 bob"));
}

TEST_F(ReactionsTest, HistoryAndSyncCarryTheReactionsAsTheyAreNow) {
  ASSERT_TRUE(React(bob_, 1, "👍", "r1").ok());
  ASSERT_TRUE(React(carol_, 1, "❤️", "r2").ok());
  ASSERT_TRUE(React(bob_, 1, "👍", "r3", /*remove=*/true).ok());

  EXPECT_THAT(Show(HistoryMessage(alice_, 1)), ElementsAre("❤️ 1 carol"));
  v1::SyncResponse sync = SyncAll(alice_);
  ASSERT_EQ(sync.messages_size(), 4) << "the message and three reaction entries";
  EXPECT_THAT(Show(sync.messages(0)), ElementsAre("❤️ 1 carol"));
  // Each reaction entry carries its target's reactions as read: applied in seq order, a device
  // catching up ends where the others are.
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(sync.messages(i).target_seq(), 1u);
    EXPECT_THAT(Show(sync.messages(i)), ElementsAre("❤️ 1 carol")) << i;
  }
  EXPECT_EQ(sync.messages(3).type(), kTypeReactionRemoved);
  // History shows messages only, not the reaction entries.
  v1::HistoryRequest h;
  *h.mutable_caller() = alice_;
  h.set_conversation_id(kLobby);
  EXPECT_EQ(service_.History(h)->messages_size(), 1);
}

TEST_F(ReactionsTest, ReadsNameReactorsAsTheyAreCalledNow) {
  ASSERT_TRUE(React(bob_, 1, "👍", "r1").ok());
  users_.Set(2, "deleted user");
  EXPECT_THAT(Show(HistoryMessage(alice_, 1)), ElementsAre("👍 1 deleted user"));
}

TEST_F(ReactionsTest, AddingTwiceOrRemovingWhatIsNotThereChangesNothingAndStoresNothing) {
  ASSERT_TRUE(React(bob_, 1, "👍", "r1").ok());
  publisher_.Clear();
  auto again = React(bob_, 1, "👍", "r2");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->unchanged());
  EXPECT_EQ(again->seq(), 0u);
  EXPECT_EQ(again->conversation_id(), kLobby);
  EXPECT_EQ(again->sent_at_ms(), clock_.NowMs());
  auto absent = React(bob_, 1, "🎉", "r3", /*remove=*/true);
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_TRUE(absent->unchanged());
  EXPECT_THAT(store_.Messages(kLobby), SizeIs(2)) << "the message and the first reaction";
  EXPECT_THAT(publisher_.published(), IsEmpty());

  auto removed = React(bob_, 1, "👍", "r4", /*remove=*/true);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->seq(), 3u);
  EXPECT_FALSE(removed->unchanged());
  EXPECT_THAT(Show(HistoryMessage(alice_, 1)), IsEmpty());
  ASSERT_THAT(PublishedEntries(), SizeIs(1));
  EXPECT_THAT(PublishedEntries()[0].reactions(), IsEmpty()) << "the last one went";
}

TEST_F(ReactionsTest, ARetryWithTheSameClientMsgIdGetsTheOriginalAckAndIsNotAppliedTwice) {
  auto first = React(bob_, 1, "👍", "r1");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(React(bob_, 1, "👍", "r2", /*remove=*/true).ok());
  auto retry = React(bob_, 1, "👍", "r1");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->duplicate());
  EXPECT_EQ(retry->seq(), first->seq());
  EXPECT_THAT(Show(HistoryMessage(alice_, 1)), IsEmpty()) << "the removal after it stands";
  auto reused = React(bob_, 1, "🎉", "r1");
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(ReactionsTest, OnlyALiveMessageOfTheConversationTakesReactions) {
  auto none = React(bob_, 9, "👍", "r1");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(none.status().message(), "no message 9 in this conversation");

  ASSERT_TRUE(React(bob_, 1, "👍", "r2").ok());  // seq 2, a reaction entry
  auto to_entry = React(carol_, 2, "👍", "r3");
  EXPECT_EQ(to_entry.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(to_entry.status().message(), "entry 2 is not a message; only messages have reactions");

  v1::DeleteRequest deletion;
  *deletion.mutable_caller() = alice_;
  deletion.mutable_conversation()->set_id(kLobby);
  deletion.set_seq(1);
  deletion.set_client_msg_id("d1");
  ASSERT_TRUE(service_.Delete(deletion).ok());
  auto deleted = React(carol_, 1, "🎉", "r4");
  EXPECT_EQ(deleted.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(deleted.status().message(), "message 1 was deleted");
  // A deleted message shows nothing, reactions included.
  v1::SyncResponse sync = SyncAll(alice_);
  EXPECT_TRUE(sync.messages(0).deleted());
  EXPECT_THAT(sync.messages(0).reactions(), IsEmpty());
  EXPECT_THAT(sync.messages(1).reactions(), IsEmpty());
}

TEST_F(ReactionsTest, OnlyMembersReact) {
  uint64_t dev = store_.AddConversation("room", "dev");
  store_.AddMember(dev, alice_.user_id(), MemberRole::kOwner);
  ASSERT_TRUE(Send(alice_, dev, "d1", "in dev").ok());
  auto outsider = React(bob_, 1, "👍", "r1", false, dev);
  EXPECT_EQ(outsider.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(outsider.status().message(), "you are not in room \"dev\"; join it first");
  EXPECT_TRUE(React(alice_, 1, "👍", "r2", false, dev).ok());
}

TEST_F(ReactionsTest, ADirectConversationIsForItsTwoFriendsOnly) {
  auto done = friends_.UpdatePair(1, 2, 0, [](const PairState&) -> absl::StatusOr<PairChange> {
    PairChange change;
    change.friends = true;
    return change;
  });
  ASSERT_TRUE(done.ok());
  v1::SendRequest r;
  *r.mutable_caller() = alice_;
  r.set_to_user("bob");
  r.set_client_msg_id("dm1");
  r.set_text("psst");
  auto sent = service_.Send(r);
  ASSERT_TRUE(sent.ok()) << sent.status();
  const uint64_t direct = sent->conversation_id();
  EXPECT_EQ(React(carol_, 1, "👍", "c1", false, direct).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(React(bob_, 1, "👍", "b1", false, direct).ok());

  done = friends_.UpdatePair(1, 2, 0, [](const PairState&) -> absl::StatusOr<PairChange> {
    PairChange change;
    change.friends = false;
    return change;
  });
  ASSERT_TRUE(done.ok());
  auto after = React(bob_, 1, "🎉", "b2", false, direct);
  EXPECT_EQ(after.status().code(), absl::StatusCode::kPermissionDenied);
  // Taking one back is always allowed.
  EXPECT_TRUE(React(bob_, 1, "👍", "b3", true, direct).ok());
}

TEST_F(ReactionsTest, AMessageTakesAtMost20DifferentEmojiButAnyNumberOfUsersEach) {
  // 20 different symbols (U+2600..U+2613 are all So).
  std::vector<std::string> emoji;
  for (char32_t cp = 0x2600; cp < 0x2614; ++cp) {
    std::string s;
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
    emoji.push_back(s);
  }
  ASSERT_THAT(emoji, SizeIs(kMaxReactionEmoji));
  for (size_t i = 0; i < emoji.size(); ++i) {
    auto added = React(bob_, 1, emoji[i], "r" + std::to_string(i));
    ASSERT_TRUE(added.ok()) << i << " " << added.status();
  }
  auto more = React(carol_, 1, "👍", "c1");
  EXPECT_EQ(more.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(more.status().message(), kRefusedTooManyReactions);
  EXPECT_TRUE(React(carol_, 1, emoji[0], "c2").ok()) << "one already there";
  ASSERT_TRUE(React(bob_, 1, emoji[5], "r-x", /*remove=*/true).ok());
  EXPECT_TRUE(React(carol_, 1, "👍", "c3").ok()) << "room again once one went";
  EXPECT_THAT(HistoryMessage(alice_, 1).reactions(), SizeIs(kMaxReactionEmoji));
}

TEST_F(ReactionsTest, TheEmojiIsValidated) {
  struct Case {
    std::string emoji;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"", "emoji is empty"},
           {"a", "that is not an emoji"},
           {"7", "that is not an emoji"},
           {" ", "that is not an emoji"},
           {"\n", "that is not an emoji"},
           {"!", "that is not an emoji"},
           {"👍a", "that is not an emoji"},
           {"👍 ", "that is not an emoji"},
           {"\xff", "not valid UTF-8"},
           {"👍👍", "give one emoji, not 2"},
           {"\u202E👍", "that is not an emoji"},
           {std::string(33, 'x'), "too long: 33 bytes, at most 32 allowed"},
       }) {
    auto refused = React(bob_, 1, c.emoji, "v");
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << c.emoji;
    EXPECT_THAT(std::string(refused.status().message()), HasSubstr(c.error)) << c.emoji;
  }
  int n = 0;
  for (const char* ok : {"👍", "❤️", "🇫🇷", "👍🏽", "👩‍💻", "🏳️‍🌈", "☺"}) {
    auto added = React(bob_, 1, ok, "ok" + std::to_string(n++));
    EXPECT_TRUE(added.ok()) << ok << " " << added.status();
  }
  EXPECT_THAT(HistoryMessage(alice_, 1).reactions(), SizeIs(7));
  EXPECT_EQ(React(bob_, 0, "👍", "z").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(React(bob_, 1, "👍", "").status().code(), absl::StatusCode::kInvalidArgument);
}

// Reactions draw on the allowance of messages, edits and deletions.
TEST_F(ReactionsTest, ReactionsDrawOnTheMessageAllowance) {
  ChatLimits limits = ChatLimits::Unlimited();
  limits.messages = {1, 2};
  ChatService limited{store_, friends_, publisher_, users_, typing_, limiter_, limits, clock_};
  v1::ReactRequest r;
  *r.mutable_caller() = bob_;
  r.mutable_conversation()->set_id(kLobby);
  r.set_seq(1);
  r.set_emoji("👍");
  for (int i = 0; i < 2; ++i) {
    r.set_remove(i == 1);
    r.set_client_msg_id("l" + std::to_string(i));
    ASSERT_TRUE(limited.React(r).ok()) << i;
  }
  r.set_client_msg_id("l2");
  auto refused = limited.React(r);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("too fast"));
}

}  // namespace
}  // namespace natter::chat
