// ChatService beyond the lobby, on fakes: room membership, direct conversations between friends,
// edits and deletions, typing indicators and read markers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "chat_service.h"
#include "chat_service_fakes.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_event_publisher.h"
#include "fakes/fake_friend_store.h"
#include "fakes/fake_message_store.h"
#include "fakes/fake_rate_limiter.h"
#include "fakes/fake_typing_limiter.h"
#include "fakes/fake_user_directory.h"
#include "natter/v1/gateway.pb.h"
#include "room_service.h"
#include "services/chat/callers.h"

namespace natter::chat {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr uint64_t kLobby = fakes::FakeMessageStore::kLobbyId;

v1::ConversationRef ById(uint64_t id) {
  v1::ConversationRef ref;
  ref.set_id(id);
  return ref;
}

v1::ConversationRef WithUser(const std::string& name) {
  v1::ConversationRef ref;
  ref.set_with_user(name);
  return ref;
}

class ConversationsTest : public ::testing::Test, protected ChatServiceFakes {
 protected:
  void SetUp() override {
    store_.SetFriendStore(friends_);
    users_.Set(1, "alice");
    users_.Set(2, "bob");
    users_.Set(3, "carol");
  }

  void MakeFriends(uint64_t a, uint64_t b) {
    auto done = friends_.UpdatePair(a, b, 0, [](const PairState&) -> absl::StatusOr<PairChange> {
      PairChange change;
      change.friends = true;
      return change;
    });
    ASSERT_TRUE(done.ok());
  }
  void Unfriend(uint64_t a, uint64_t b) {
    auto done = friends_.UpdatePair(a, b, 0, [](const PairState&) -> absl::StatusOr<PairChange> {
      PairChange change;
      change.friends = false;
      return change;
    });
    ASSERT_TRUE(done.ok());
  }
  void Block(uint64_t a, uint64_t b) {
    auto done = friends_.UpdatePair(a, b, 0, [](const PairState&) -> absl::StatusOr<PairChange> {
      PairChange change;
      change.friends = false;
      change.i_blocked = true;
      return change;
    });
    ASSERT_TRUE(done.ok());
  }

  absl::StatusOr<v1::SendAck> SendTo(const v1::Caller& from, const std::string& to,
                                     const std::string& id, const std::string& text = "hi") {
    v1::SendRequest r;
    *r.mutable_caller() = from;
    r.set_to_user(to);
    r.set_client_msg_id(id);
    r.set_text(text);
    return service_.Send(r);
  }
  absl::StatusOr<v1::SendAck> SendIn(const v1::Caller& from, uint64_t conversation,
                                     const std::string& id, const std::string& text = "hi") {
    v1::SendRequest r;
    *r.mutable_caller() = from;
    r.set_conversation_id(conversation);
    r.set_client_msg_id(id);
    r.set_text(text);
    return service_.Send(r);
  }
  absl::StatusOr<v1::SendAck> Edit(const v1::Caller& who, uint64_t conversation, uint64_t seq,
                                   const std::string& text, const std::string& id) {
    v1::EditRequest r;
    *r.mutable_caller() = who;
    *r.mutable_conversation() = ById(conversation);
    r.set_seq(seq);
    r.set_text(text);
    r.set_client_msg_id(id);
    return service_.Edit(r);
  }
  absl::StatusOr<v1::SendAck> Delete(const v1::Caller& who, uint64_t conversation, uint64_t seq,
                                     const std::string& id) {
    v1::DeleteRequest r;
    *r.mutable_caller() = who;
    *r.mutable_conversation() = ById(conversation);
    r.set_seq(seq);
    r.set_client_msg_id(id);
    return service_.Delete(r);
  }
  absl::StatusOr<v1::HistoryResponse> History(const v1::Caller& who, uint64_t conversation) {
    v1::HistoryRequest r;
    *r.mutable_caller() = who;
    r.set_conversation_id(conversation);
    return service_.History(r);
  }
  absl::StatusOr<v1::SyncResponse> Sync(const v1::Caller& who, uint64_t conversation,
                                        uint64_t after = 0) {
    v1::SyncRequest r;
    *r.mutable_caller() = who;
    r.set_conversation_id(conversation);
    r.set_after_seq(after);
    return service_.Sync(r);
  }
  absl::StatusOr<v1::MarkReadResponse> MarkRead(const v1::Caller& who, uint64_t conversation,
                                                uint64_t seq) {
    v1::MarkReadRequest r;
    *r.mutable_caller() = who;
    *r.mutable_conversation() = ById(conversation);
    r.set_seq(seq);
    return service_.MarkRead(r);
  }
  std::vector<v1::ServerEvent> Published(const std::string& channel) const {
    std::vector<v1::ServerEvent> out;
    for (const auto& p : publisher_.published()) {
      if (p.channel != channel) continue;
      v1::ServerEvent e;
      e.ParseFromString(p.payload);
      out.push_back(e);
    }
    return out;
  }
  v1::Conversation Find(const v1::Caller& who, uint64_t id) {
    v1::ListConversationsRequest r;
    *r.mutable_caller() = who;
    auto list = service_.ListConversations(r);
    EXPECT_TRUE(list.ok()) << list.status();
    for (const auto& c : list->conversations()) {
      if (c.id() == id) return c;
    }
    ADD_FAILURE() << "conversation " << id << " not listed";
    return {};
  }

  const v1::Caller alice_ = MakeCaller(1, "alice");
  const v1::Caller bob_ = MakeCaller(2, "bob");
  const v1::Caller carol_ = MakeCaller(3, "carol");
};

// ---- rooms: members only ----

TEST_F(ConversationsTest, OnlyMembersUseARoom) {
  uint64_t dev = store_.AddConversation("room", "dev");
  store_.AddMember(dev, alice_.user_id(), MemberRole::kOwner);
  auto send = SendIn(bob_, dev, "b1");
  EXPECT_EQ(send.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(send.status().message(), "you are not in room \"dev\"; join it first");
  EXPECT_EQ(Sync(bob_, dev).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(History(bob_, dev).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(SendIn(alice_, dev, "a1").ok());
  EXPECT_THAT(publisher_.published(), SizeIs(1));
}

// ---- direct conversations ----

TEST_F(ConversationsTest, FriendsStartADirectConversationByUsername) {
  MakeFriends(1, 2);
  auto ack = SendTo(alice_, "bob", "d1", "hello bob");
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->seq(), 1u);
  EXPECT_NE(ack->conversation_id(), kLobby);
  // The same pair always gets the same conversation, from either side.
  auto reply = SendTo(bob_, "alice", "d2", "hi alice");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->conversation_id(), ack->conversation_id());
  EXPECT_EQ(reply->seq(), 2u);
}

TEST_F(ConversationsTest, ADirectMessageGoesToBothUsersChannelsNamingThePeer) {
  MakeFriends(1, 2);
  ASSERT_TRUE(SendTo(alice_, "bob", "d1", "psst").ok());
  auto to_bob = Published("user:2");
  auto to_alice = Published("user:1");
  ASSERT_THAT(to_bob, SizeIs(1));
  ASSERT_THAT(to_alice, SizeIs(1));
  EXPECT_EQ(to_bob[0].message().text(), "psst");
  EXPECT_EQ(to_bob[0].message().peer(), "alice");
  EXPECT_EQ(to_bob[0].message().peer_id(), 1u);
  EXPECT_EQ(to_alice[0].message().peer(), "bob");
  EXPECT_EQ(publisher_.batches(), 1);  // one round trip for both copies
}

TEST_F(ConversationsTest, LaterMessagesToAUserNeedNoConversationLookup) {
  MakeFriends(1, 2);
  auto first = SendTo(alice_, "bob", "d1");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(store_.find_direct_calls(), 1);  // found none, so it opened one
  auto second = SendTo(alice_, "bob", "d2");
  auto reply = SendTo(bob_, "alice", "d3");
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(store_.find_direct_calls(), 1);
  EXPECT_EQ(second->conversation_id(), first->conversation_id());
  EXPECT_EQ(reply->conversation_id(), first->conversation_id());
  EXPECT_EQ(reply->seq(), 3u);
  // Both copies still name the peer, as for the first message.
  auto to_bob = Published("user:2");
  ASSERT_THAT(to_bob, SizeIs(3));
  EXPECT_EQ(to_bob[2].message().peer(), "alice");
  EXPECT_EQ(to_bob[2].message().seq(), 3u);
}

TEST_F(ConversationsTest, ABlockStopsMessagesToAUserInAKnownConversation) {
  MakeFriends(1, 2);
  ASSERT_TRUE(SendTo(alice_, "bob", "d1").ok());
  Block(2, 1);
  auto from_alice = SendTo(alice_, "bob", "d2");
  EXPECT_EQ(from_alice.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(from_alice.status().message(), "you cannot message this user");
  EXPECT_EQ(SendTo(bob_, "alice", "d3").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Published("user:2"), SizeIs(1));  // only the message before the block
  // A replay of the message sent before the block gets its ack (the message exists).
  auto replay = SendTo(alice_, "bob", "d1");
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->seq(), 1u);
}

// Issue 19: "friends only" holds for a direct conversation that already exists, whichever way a
// message names it.
TEST_F(ConversationsTest, AfterUnfriendingNoDirectMessagePasses) {
  MakeFriends(1, 2);
  auto first = SendTo(alice_, "bob", "d1", "while friends");
  ASSERT_TRUE(first.ok());
  Unfriend(2, 1);
  publisher_.Clear();
  auto by_name = SendTo(alice_, "bob", "d2");
  EXPECT_EQ(by_name.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(by_name.status().message(), kRefusedNotFriends);
  auto by_id = SendIn(bob_, first->conversation_id(), "d3");
  EXPECT_EQ(by_id.status().code(), absl::StatusCode::kPermissionDenied);
  v1::TypingRequest typing;
  *typing.mutable_caller() = alice_;
  *typing.mutable_conversation() = WithUser("bob");
  EXPECT_EQ(service_.Typing(typing).status().code(), absl::StatusCode::kPermissionDenied);
  // An edit carries new text: refused too.
  EXPECT_EQ(Edit(alice_, first->conversation_id(), 1, "edited later", "e1").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(publisher_.published().empty());
  EXPECT_THAT(store_.Messages(first->conversation_id()), SizeIs(1));
  // A replay of the message sent while friends gets its original ack.
  auto replay = SendTo(alice_, "bob", "d1", "while friends");
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->duplicate());
  EXPECT_EQ(replay->seq(), first->seq());
}

TEST_F(ConversationsTest, AfterUnfriendingOneMayStillDeleteReadAndLookBack) {
  MakeFriends(1, 2);
  auto first = SendTo(alice_, "bob", "d1", "regrettable");
  ASSERT_TRUE(first.ok());
  Unfriend(1, 2);
  publisher_.Clear();
  // Taking back what one said carries nothing new.
  auto deleted = Delete(alice_, first->conversation_id(), 1, "x1");
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  // History stays readable to both; reading moves one's own marker, and the other side is no
  // longer told.
  EXPECT_TRUE(History(bob_, first->conversation_id()).ok());
  publisher_.Clear();
  auto read = MarkRead(bob_, first->conversation_id(), 2);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->last_read_seq(), 2u);
  EXPECT_THAT(Published("user:2"), SizeIs(1));  // bob's own devices
  EXPECT_THAT(Published("user:1"), SizeIs(0));
}

TEST_F(ConversationsTest, FriendsAgainMayMessageAgain) {
  MakeFriends(1, 2);
  auto first = SendTo(alice_, "bob", "d1");
  ASSERT_TRUE(first.ok());
  Unfriend(1, 2);
  ASSERT_FALSE(SendTo(alice_, "bob", "d2").ok());
  MakeFriends(1, 2);
  auto again = SendTo(alice_, "bob", "d2");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->conversation_id(), first->conversation_id());
}

TEST_F(ConversationsTest, StrangersCannotStartADirectConversation) {
  auto ack = SendTo(alice_, "bob", "d1");
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ack.status().message(), "you can message \"bob\" once you are friends");
  EXPECT_TRUE(publisher_.published().empty());
}

TEST_F(ConversationsTest, ABlockStopsMessagesBothWays) {
  MakeFriends(1, 2);
  auto first = SendTo(alice_, "bob", "d1");
  ASSERT_TRUE(first.ok());
  Block(2, 1);
  auto from_alice = SendIn(alice_, first->conversation_id(), "d2");
  EXPECT_EQ(from_alice.status().code(), absl::StatusCode::kPermissionDenied);
  auto from_bob = SendIn(bob_, first->conversation_id(), "d3");
  EXPECT_EQ(from_bob.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(from_alice.status().message(), "you cannot message this user");
}

TEST_F(ConversationsTest, AnOutsiderCannotSeeADirectConversation) {
  MakeFriends(1, 2);
  auto ack = SendTo(alice_, "bob", "d1", "secret");
  ASSERT_TRUE(ack.ok());
  uint64_t dm = ack->conversation_id();
  EXPECT_EQ(Sync(carol_, dm).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(History(carol_, dm).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(SendIn(carol_, dm, "c1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Sync(carol_, dm).status().message(), "no conversation " + std::to_string(dm));
}

TEST_F(ConversationsTest, HistoryWithAUser) {
  MakeFriends(1, 2);
  ASSERT_TRUE(SendTo(alice_, "bob", "d1", "one").ok());
  ASSERT_TRUE(SendTo(bob_, "alice", "d2", "two").ok());
  v1::HistoryRequest r;
  *r.mutable_caller() = bob_;
  r.set_with_user("alice");
  auto history = service_.History(r);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->messages_size(), 2);
  EXPECT_EQ(history->messages(0).text(), "one");
  EXPECT_EQ(history->messages(0).peer(), "alice");
  r.set_with_user("carol");
  EXPECT_EQ(service_.History(r).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ConversationsTest, DirectConversationsAreListedWithThePeer) {
  MakeFriends(1, 2);
  auto ack = SendTo(alice_, "bob", "d1");
  ASSERT_TRUE(ack.ok());
  v1::Conversation seen_by_bob = Find(bob_, ack->conversation_id());
  EXPECT_EQ(seen_by_bob.kind(), "direct");
  EXPECT_EQ(seen_by_bob.name(), "alice");
  EXPECT_EQ(seen_by_bob.peer_id(), 1u);
  EXPECT_EQ(seen_by_bob.unread(), 1u);
  EXPECT_EQ(seen_by_bob.last_entry().seq(), 1u);  // for a preview
  EXPECT_EQ(seen_by_bob.last_entry().text(), "hi");
  EXPECT_EQ(seen_by_bob.last_entry().sender(), "alice");
  EXPECT_EQ(Find(alice_, ack->conversation_id()).unread(), 0u);  // one's own message is read

  // A reaction after it is no message: the preview stays the message.
  v1::ReactRequest react;
  *react.mutable_caller() = bob_;
  react.mutable_conversation()->set_id(ack->conversation_id());
  react.set_seq(1);
  react.set_emoji("🎉");
  react.set_client_msg_id("r1");
  ASSERT_TRUE(service_.React(react).ok());
  seen_by_bob = Find(bob_, ack->conversation_id());
  EXPECT_EQ(seen_by_bob.latest_seq(), 2u);
  EXPECT_EQ(seen_by_bob.last_entry().seq(), 1u);
  EXPECT_EQ(seen_by_bob.last_entry().text(), "hi");
}

TEST_F(ConversationsTest, RoomsOnlyListsWhatANewStreamSubscribesTo) {
  uint64_t dev = store_.AddConversation("room", "dev");
  store_.AddMember(dev, alice_.user_id(), MemberRole::kOwner);
  uint64_t ops = store_.AddConversation("room", "ops");
  store_.AddMember(ops, bob_.user_id(), MemberRole::kOwner);
  MakeFriends(1, 2);
  ASSERT_TRUE(SendTo(alice_, "bob", "d1").ok());
  ASSERT_TRUE(SendIn(alice_, dev, "r1").ok());
  const int lookups = users_.profile_lookups();

  v1::ListConversationsRequest r;
  *r.mutable_caller() = alice_;
  r.set_rooms_only(true);
  auto list = service_.ListConversations(r);
  ASSERT_TRUE(list.ok()) << list.status();
  std::vector<std::string> names;
  for (const auto& c : list->conversations()) {
    EXPECT_EQ(c.kind(), "room");
    EXPECT_FALSE(c.has_last_entry());  // no previews, so no names to look up either
    names.push_back(c.name());
  }
  // The lobby and dev; not ops, not the direct conversation.
  EXPECT_THAT(names, ElementsAre("lobby", "dev"));
  EXPECT_EQ(users_.profile_lookups(), lookups);
}

// ---- edits and deletions ----

TEST_F(ConversationsTest, AnEditIsAnEntryAndHistoryShowsTheNewText) {
  ASSERT_TRUE(SendIn(alice_, kLobby, "m1", "helo").ok());
  clock_.Advance(std::chrono::seconds(3));
  auto edit = Edit(alice_, kLobby, 1, "hello", "e1");
  ASSERT_TRUE(edit.ok()) << edit.status();
  EXPECT_EQ(edit->seq(), 2u);

  auto sync = Sync(bob_, kLobby);
  ASSERT_TRUE(sync.ok());
  ASSERT_EQ(sync->messages_size(), 2);
  EXPECT_EQ(sync->messages(1).type(), "message_edited");
  EXPECT_EQ(sync->messages(1).target_seq(), 1u);
  EXPECT_EQ(sync->messages(1).text(), "hello");

  auto history = History(bob_, kLobby);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->messages_size(), 1);  // the edit entry itself is not history
  EXPECT_EQ(history->messages(0).text(), "hello");
  EXPECT_EQ(history->messages(0).edited_at_ms(), clock_.NowMs());

  auto live = Published("room:1");
  ASSERT_THAT(live, SizeIs(2));
  EXPECT_EQ(live[1].message().type(), "message_edited");
}

TEST_F(ConversationsTest, ADeletedMessageIsEmptyAndCannotBeChangedAgain) {
  ASSERT_TRUE(SendIn(alice_, kLobby, "m1", "oops").ok());
  auto deleted = Delete(alice_, kLobby, 1, "x1");
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  auto history = History(bob_, kLobby);
  ASSERT_EQ(history->messages_size(), 1);
  EXPECT_TRUE(history->messages(0).deleted());
  EXPECT_EQ(history->messages(0).text(), "");
  EXPECT_EQ(Edit(alice_, kLobby, 1, "back", "e1").status().code(),
            absl::StatusCode::kFailedPrecondition);
  // A replayed deletion answers with the original ack.
  auto replay = Delete(alice_, kLobby, 1, "x1");
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->duplicate());
  EXPECT_EQ(replay->seq(), deleted->seq());
}

TEST_F(ConversationsTest, OnlyOwnMessagesAreEditedOrDeleted) {
  ASSERT_TRUE(SendIn(alice_, kLobby, "m1", "mine").ok());
  auto edit = Edit(bob_, kLobby, 1, "yours now", "e1");
  EXPECT_EQ(edit.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(edit.status().message(), "you can edit only your own messages");
  EXPECT_EQ(Delete(bob_, kLobby, 1, "x1").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Edit(alice_, kLobby, 9, "nothing", "e2").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Edit(alice_, kLobby, 1, "", "e3").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.Messages(kLobby).at(0).text(), "mine");
}

TEST_F(ConversationsTest, EditEntriesCannotThemselvesBeEdited) {
  ASSERT_TRUE(SendIn(alice_, kLobby, "m1", "a").ok());
  ASSERT_TRUE(Edit(alice_, kLobby, 1, "b", "e1").ok());
  auto again = Edit(alice_, kLobby, 2, "c", "e2");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
}

// ---- typing ----

TEST_F(ConversationsTest, TypingIsPublishedAtMostOncePerWindow) {
  v1::TypingRequest r;
  *r.mutable_caller() = alice_;
  r.mutable_conversation()->set_room("lobby");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(service_.Typing(r).ok());
  auto typing = Published("room:1");
  ASSERT_THAT(typing, SizeIs(1));
  EXPECT_EQ(typing[0].typing().username(), "alice");
  EXPECT_EQ(typing[0].typing().room(), "lobby");
  clock_.Advance(std::chrono::milliseconds(kTypingWindowMs));
  ASSERT_TRUE(service_.Typing(r).ok());
  EXPECT_THAT(Published("room:1"), SizeIs(2));
  EXPECT_TRUE(store_.Messages(kLobby).empty());  // never stored
}

TEST_F(ConversationsTest, TypingInADirectConversationReachesOnlyThePeer) {
  MakeFriends(1, 2);
  auto ack = SendTo(alice_, "bob", "d1");
  ASSERT_TRUE(ack.ok());
  publisher_.Clear();
  v1::TypingRequest r;
  *r.mutable_caller() = alice_;
  *r.mutable_conversation() = WithUser("bob");
  ASSERT_TRUE(service_.Typing(r).ok());
  EXPECT_THAT(Published("user:2"), SizeIs(1));
  EXPECT_THAT(Published("user:1"), SizeIs(0));
  *r.mutable_caller() = carol_;
  *r.mutable_conversation() = ById(ack->conversation_id());
  EXPECT_EQ(service_.Typing(r).status().code(), absl::StatusCode::kNotFound);
}

// ---- read markers and unread counts ----

TEST_F(ConversationsTest, UnreadCountsMessagesFromOthersAfterTheMarker) {
  ASSERT_EQ(Find(bob_, kLobby).unread(), 0u);  // a newcomer starts with the lobby read
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(SendIn(alice_, kLobby, "m" + std::to_string(i)).ok());
  ASSERT_TRUE(Edit(alice_, kLobby, 3, "changed", "e1").ok());  // an edit is not a new message
  EXPECT_EQ(Find(bob_, kLobby).unread(), 3u);
  auto read = MarkRead(bob_, kLobby, 2);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->last_read_seq(), 2u);
  EXPECT_EQ(read->unread(), 1u);
  EXPECT_EQ(Find(bob_, kLobby).unread(), 1u);
  EXPECT_EQ(Find(bob_, kLobby).last_read_seq(), 2u);
}

TEST_F(ConversationsTest, AReadMarkerNeverMovesBackAndStopsAtTheLatest) {
  ASSERT_TRUE(SendIn(alice_, kLobby, "m1").ok());
  ASSERT_TRUE(SendIn(alice_, kLobby, "m2").ok());
  Find(bob_, kLobby);
  EXPECT_EQ(MarkRead(bob_, kLobby, 99)->last_read_seq(), 2u);
  EXPECT_EQ(MarkRead(bob_, kLobby, 1)->last_read_seq(), 2u);
}

TEST_F(ConversationsTest, ReadingADirectConversationTellsThePeerAndOwnDevices) {
  MakeFriends(1, 2);
  auto ack = SendTo(alice_, "bob", "d1");
  ASSERT_TRUE(ack.ok());
  publisher_.Clear();
  ASSERT_TRUE(MarkRead(bob_, ack->conversation_id(), 1).ok());
  auto to_alice = Published("user:1");
  ASSERT_THAT(to_alice, SizeIs(1));
  EXPECT_EQ(to_alice[0].read().username(), "bob");
  EXPECT_EQ(to_alice[0].read().seq(), 1u);
  EXPECT_THAT(Published("user:2"), SizeIs(1));
  EXPECT_EQ(Find(alice_, ack->conversation_id()).peer_read_seq(), 1u);
  // Reading again changes nothing and tells nobody.
  publisher_.Clear();
  ASSERT_TRUE(MarkRead(bob_, ack->conversation_id(), 1).ok());
  EXPECT_TRUE(publisher_.published().empty());
}

// ---- bans (issue 19) ----

// A public room's history is open to whoever joins (as on most platforms); a ban closes it: the
// banned user is out, cannot join again, and so cannot sync or page through the room.
TEST_F(ConversationsTest, ABannedUserCanNoLongerReadTheRoom) {
  RoomService rooms{store_, publisher_, users_, limiter_, ChatLimits::Unlimited(), clock_};
  v1::CreateRoomRequest create;
  *create.mutable_caller() = alice_;
  create.set_name("dev");
  auto room = rooms.CreateRoom(create);
  ASSERT_TRUE(room.ok()) << room.status();
  const uint64_t dev = room->room().id();
  ASSERT_TRUE(SendIn(alice_, dev, "a1", "before bob came").ok());
  v1::RoomRequest join;
  *join.mutable_caller() = bob_;
  join.set_room("dev");
  ASSERT_TRUE(rooms.JoinRoom(join).ok());
  // A newcomer sees what was said before they joined.
  auto history = History(bob_, dev);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->messages(1).text(), "before bob came");

  v1::RemoveMemberRequest ban;
  *ban.mutable_caller() = alice_;
  ban.set_room("dev");
  ban.set_username("bob");
  ban.set_action(v1::MEMBER_ACTION_BAN);
  ASSERT_TRUE(rooms.RemoveMember(ban).ok());
  EXPECT_EQ(Sync(bob_, dev).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(History(bob_, dev).status().code(), absl::StatusCode::kFailedPrecondition);
  auto rejoin = rooms.JoinRoom(join);
  EXPECT_EQ(rejoin.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Sync(bob_, dev).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace natter::chat
