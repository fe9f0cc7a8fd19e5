// ChatService on a fake message store and publisher: validation, dense seqs, dedupe, publish, sync.
#include "chat_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "chat_service_fakes.h"
#include "common/status.h"
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

std::string Message(const absl::Status& status) { return std::string(status.message()); }

std::vector<uint64_t> Seqs(const v1::SyncResponse& response) {
  std::vector<uint64_t> out;
  for (const auto& m : response.messages()) out.push_back(m.seq());
  return out;
}

class ChatServiceTest : public ::testing::Test, protected ChatServiceFakes {
 protected:
  v1::SendRequest ToLobby(const std::string& client_msg_id, const std::string& text) const {
    v1::SendRequest request;
    *request.mutable_caller() = alice_;
    request.set_room("lobby");
    request.set_client_msg_id(client_msg_id);
    request.set_text(text);
    return request;
  }

  absl::StatusOr<v1::SendAck> Send(const std::string& client_msg_id, const std::string& text) {
    return service_.Send(ToLobby(client_msg_id, text));
  }

  // Sends `n` messages "message 1".."message n" to the lobby.
  void SendMany(int n) {
    for (int i = 1; i <= n; ++i) {
      auto ack = Send("m" + std::to_string(i), "message " + std::to_string(i));
      ASSERT_TRUE(ack.ok()) << ack.status();
    }
  }

  absl::StatusOr<v1::SyncResponse> Sync(uint64_t after_seq, uint32_t limit,
                                        uint64_t conversation_id = kLobby) {
    v1::SyncRequest request;
    *request.mutable_caller() = alice_;
    request.set_conversation_id(conversation_id);
    request.set_after_seq(after_seq);
    request.set_limit(limit);
    return service_.Sync(request);
  }

  const v1::Caller alice_ = MakeCaller(7, "alice");
};

TEST_F(ChatServiceTest, SendToLobbyAssignsDenseSeqsFromOne) {
  std::vector<uint64_t> seqs;
  std::vector<uint64_t> ids;
  for (const char* id : {"c1", "c2", "c3"}) {
    auto ack = Send(id, "hello");
    ASSERT_TRUE(ack.ok()) << ack.status();
    EXPECT_EQ(ack->conversation_id(), kLobby);
    EXPECT_FALSE(ack->duplicate());
    EXPECT_EQ(ack->sent_at_ms(), clock_.NowMs());
    seqs.push_back(ack->seq());
    ids.push_back(ack->message_id());
  }
  EXPECT_THAT(seqs, ElementsAre(1, 2, 3));
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end());
}

TEST_F(ChatServiceTest, SendStoresTheMessage) {
  clock_.SetNowMs(1'700'000'123'456);
  ASSERT_TRUE(Send("c1", "hi there").ok());
  auto stored = store_.Messages(kLobby);
  ASSERT_THAT(stored, SizeIs(1));
  EXPECT_EQ(stored[0].seq(), 1u);
  EXPECT_EQ(stored[0].sender_id(), 7u);
  EXPECT_EQ(stored[0].sender(), "alice");
  EXPECT_EQ(stored[0].client_msg_id(), "c1");
  EXPECT_EQ(stored[0].text(), "hi there");
  EXPECT_EQ(stored[0].sent_at_ms(), 1'700'000'123'456);
}

TEST_F(ChatServiceTest, SendPublishesMessageEventOnRoomChannel) {
  auto ack = Send("c1", "hello, lobby");
  ASSERT_TRUE(ack.ok()) << ack.status();
  auto published = publisher_.published();
  ASSERT_THAT(published, SizeIs(1));
  EXPECT_EQ(published[0].channel, "room:1");

  v1::ServerEvent event;
  ASSERT_TRUE(event.ParseFromString(published[0].payload));
  ASSERT_EQ(event.kind_case(), v1::ServerEvent::kMessage);
  const v1::ChatMessage& m = event.message();
  EXPECT_EQ(m.conversation_id(), kLobby);
  EXPECT_EQ(m.seq(), 1u);
  EXPECT_EQ(m.message_id(), ack->message_id());
  EXPECT_EQ(m.sender_id(), 7u);
  EXPECT_EQ(m.sender(), "alice");
  EXPECT_EQ(m.text(), "hello, lobby");
  EXPECT_EQ(m.sent_at_ms(), ack->sent_at_ms());
  EXPECT_EQ(m.room(), "lobby");
  EXPECT_EQ(m.client_msg_id(), "c1");
}

// Issue 23 item 2: replies.
TEST_F(ChatServiceTest, AReplyQuotesTheMessageAndGoesOutWithItsPreview) {
  ASSERT_TRUE(Send("q", std::string(150, 'x')).ok());
  publisher_.Clear();
  v1::SendRequest reply = ToLobby("r", "agreed");
  reply.set_reply_to_seq(1);
  auto ack = service_.Send(reply);
  ASSERT_TRUE(ack.ok()) << ack.status();

  auto published = publisher_.published();
  ASSERT_THAT(published, SizeIs(1));
  v1::ServerEvent event;
  ASSERT_TRUE(event.ParseFromString(published[0].payload));
  const v1::ChatMessage& m = event.message();
  EXPECT_EQ(m.seq(), 2u);
  EXPECT_EQ(m.text(), "agreed");
  EXPECT_EQ(m.reply_to_seq(), 1u);
  EXPECT_EQ(m.reply().sender(), "alice");
  EXPECT_EQ(m.reply().sender_id(), 7u);
  EXPECT_EQ(m.reply().snippet(), std::string(kReplySnippetChars, 'x'));
  EXPECT_FALSE(m.reply().deleted());
  auto synced = Sync(1, 10);
  ASSERT_TRUE(synced.ok());
  EXPECT_EQ(synced->messages(0).reply().snippet(), m.reply().snippet());
}

TEST_F(ChatServiceTest, AReplyToNothingOrToAnEntryThatIsNoMessageOrToADeletedOneIsRefused) {
  ASSERT_TRUE(Send("q", "first").ok());
  v1::SendRequest reply = ToLobby("r1", "to nothing");
  reply.set_reply_to_seq(9);
  auto none = service_.Send(reply);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Message(none.status()), "there is no message 9 in this conversation to reply to");

  v1::DeleteRequest deletion;
  *deletion.mutable_caller() = alice_;
  deletion.mutable_conversation()->set_id(kLobby);
  deletion.set_seq(1);
  deletion.set_client_msg_id("d1");
  ASSERT_TRUE(service_.Delete(deletion).ok());  // entry 2 is the deletion
  reply = ToLobby("r2", "to a deletion entry");
  reply.set_reply_to_seq(2);
  EXPECT_EQ(service_.Send(reply).status().code(), absl::StatusCode::kNotFound);
  reply = ToLobby("r3", "to the deleted message");
  reply.set_reply_to_seq(1);
  auto deleted = service_.Send(reply);
  EXPECT_EQ(deleted.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Message(deleted.status()), "message 1 was deleted; it cannot be replied to");
  EXPECT_THAT(store_.Messages(kLobby), SizeIs(2)) << "nothing refused was stored";
}

TEST_F(ChatServiceTest, AQuoteFollowsEditsAndDeletionOfTheQuotedMessage) {
  ASSERT_TRUE(Send("q", "helo").ok());
  v1::SendRequest reply = ToLobby("r", "what?");
  reply.set_reply_to_seq(1);
  ASSERT_TRUE(service_.Send(reply).ok());
  v1::EditRequest edit;
  *edit.mutable_caller() = alice_;
  edit.mutable_conversation()->set_id(kLobby);
  edit.set_seq(1);
  edit.set_text("hello");
  edit.set_client_msg_id("e1");
  ASSERT_TRUE(service_.Edit(edit).ok());
  auto synced = Sync(1, 1);
  ASSERT_TRUE(synced.ok());
  EXPECT_EQ(synced->messages(0).reply().snippet(), "hello");

  v1::DeleteRequest deletion;
  *deletion.mutable_caller() = alice_;
  deletion.mutable_conversation()->set_id(kLobby);
  deletion.set_seq(1);
  deletion.set_client_msg_id("d1");
  ASSERT_TRUE(service_.Delete(deletion).ok());
  synced = Sync(1, 1);
  ASSERT_TRUE(synced.ok());
  EXPECT_TRUE(synced->messages(0).reply().deleted());
  EXPECT_EQ(synced->messages(0).reply().snippet(), "");
}

TEST_F(ChatServiceTest, ReplayedClientMsgIdReturnsOriginalAck) {
  auto original = Send("retry-me", "first try");
  ASSERT_TRUE(original.ok()) << original.status();
  clock_.Advance(std::chrono::seconds(5));

  auto replay = Send("retry-me", "first try");
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->duplicate());
  EXPECT_EQ(replay->conversation_id(), original->conversation_id());
  EXPECT_EQ(replay->seq(), original->seq());
  EXPECT_EQ(replay->message_id(), original->message_id());
  EXPECT_EQ(replay->sent_at_ms(), original->sent_at_ms());

  auto stored = store_.Messages(kLobby);
  ASSERT_THAT(stored, SizeIs(1));
  EXPECT_EQ(stored[0].text(), "first try");
  // The replay publishes the stored message again (the first publish may never have happened);
  // receivers that have its seq drop it.
  auto published = publisher_.published();
  ASSERT_THAT(published, SizeIs(2));
  EXPECT_EQ(published[1].channel, published[0].channel);
  v1::ServerEvent again;
  ASSERT_TRUE(again.ParseFromString(published[1].payload));
  EXPECT_EQ(again.message().seq(), original->seq());
  EXPECT_EQ(again.message().text(), "first try");
  // The next new message continues the sequence without a gap.
  auto next = Send("fresh", "third");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq(), 2u);
}

// Issue 19: a client_msg_id names one message; reusing it for another text or conversation is
// refused, not answered with the first message's ack.
TEST_F(ChatServiceTest, ReplayedClientMsgIdWithOtherTextIsRefused) {
  auto original = Send("retry-me", "first try");
  ASSERT_TRUE(original.ok()) << original.status();
  auto reused = Send("retry-me", "something else");
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(Message(reused.status()),
              HasSubstr("client_msg_id \"retry-me\" was already used for a different message"));
  ASSERT_THAT(store_.Messages(kLobby), SizeIs(1));
  EXPECT_EQ(store_.Messages(kLobby)[0].text(), "first try");
  EXPECT_THAT(publisher_.published(), SizeIs(1));  // the refusal published nothing
}

TEST_F(ChatServiceTest, ReplayedClientMsgIdInAnotherConversationIsRefused) {
  uint64_t dev = store_.AddConversation("room", "dev");
  store_.AddMember(dev, alice_.user_id());
  ASSERT_TRUE(Send("retry-me", "hello").ok());
  v1::SendRequest elsewhere = ToLobby("retry-me", "hello");
  elsewhere.set_room("dev");
  auto reused = service_.Send(elsewhere);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(store_.Messages(dev), IsEmpty());
}

TEST_F(ChatServiceTest, AReplayOfAnEditedMessageStillGetsItsOriginalAck) {
  auto original = Send("m1", "hello");
  ASSERT_TRUE(original.ok());
  v1::EditRequest edit;
  *edit.mutable_caller() = alice_;
  edit.mutable_conversation()->set_id(kLobby);
  edit.set_seq(original->seq());
  edit.set_text("hello, edited");
  edit.set_client_msg_id("e1");
  ASSERT_TRUE(service_.Edit(edit).ok());
  // The message's text changed since; the replay is compared with the text as first sent.
  auto replay = Send("m1", "hello");
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->duplicate());
  EXPECT_EQ(replay->seq(), original->seq());
}

TEST_F(ChatServiceTest, ReplayedEditsAndDeletionsMustMatchTooButAnExactReplayIsAnswered) {
  ASSERT_TRUE(Send("m1", "one").ok());
  ASSERT_TRUE(Send("m2", "two").ok());
  v1::EditRequest edit;
  *edit.mutable_caller() = alice_;
  edit.mutable_conversation()->set_id(kLobby);
  edit.set_seq(1);
  edit.set_text("one, edited");
  edit.set_client_msg_id("e1");
  auto first = service_.Edit(edit);
  ASSERT_TRUE(first.ok()) << first.status();
  auto exact = service_.Edit(edit);
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_TRUE(exact->duplicate());
  EXPECT_EQ(exact->seq(), first->seq());
  edit.set_text("one, edited differently");
  EXPECT_EQ(service_.Edit(edit).status().code(), absl::StatusCode::kAlreadyExists);

  v1::DeleteRequest del;
  *del.mutable_caller() = alice_;
  del.mutable_conversation()->set_id(kLobby);
  del.set_seq(1);
  del.set_client_msg_id("d1");
  ASSERT_TRUE(service_.Delete(del).ok());
  del.set_seq(2);  // the same client_msg_id for deleting another message
  EXPECT_EQ(service_.Delete(del).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(store_.Messages(kLobby)[1].deleted());
}

TEST_F(ChatServiceTest, SameClientMsgIdFromAnotherSenderIsANewMessage) {
  ASSERT_TRUE(Send("shared-id", "from alice").ok());
  v1::SendRequest from_bob = ToLobby("shared-id", "from bob");
  *from_bob.mutable_caller() = MakeCaller(8, "bob");
  auto ack = service_.Send(from_bob);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_FALSE(ack->duplicate());
  EXPECT_EQ(ack->seq(), 2u);
  EXPECT_THAT(publisher_.published(), SizeIs(2));
}

TEST_F(ChatServiceTest, SendsToConversationById) {
  v1::SendRequest request = ToLobby("c1", "by id");
  request.set_conversation_id(kLobby);  // replaces the room in the oneof
  auto ack = service_.Send(request);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->conversation_id(), kLobby);
  v1::ServerEvent event;
  ASSERT_TRUE(event.ParseFromString(publisher_.published().at(0).payload));
  EXPECT_EQ(event.message().room(), "lobby");
}

TEST_F(ChatServiceTest, RoomsKeepSeparateSequences) {
  uint64_t other = store_.AddConversation("room", "random");
  store_.AddMember(other, alice_.user_id());
  v1::SendRequest to_other = ToLobby("o1", "elsewhere");
  to_other.set_room("random");
  auto ack = service_.Send(to_other);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->conversation_id(), other);
  EXPECT_EQ(ack->seq(), 1u);
  EXPECT_EQ(publisher_.published().at(0).channel, "room:" + std::to_string(other));
  auto lobby = Send("l1", "here");
  ASSERT_TRUE(lobby.ok());
  EXPECT_EQ(lobby->seq(), 1u);
}

TEST_F(ChatServiceTest, UnknownRoomIsNotFound) {
  v1::SendRequest request = ToLobby("c1", "hello?");
  request.set_room("no-such-room");
  auto ack = service_.Send(request);
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Message(ack.status()), "no room named \"no-such-room\"");
  EXPECT_EQ(store_.append_calls(), 0);
  EXPECT_THAT(publisher_.published(), IsEmpty());
}

TEST_F(ChatServiceTest, RoomNamesIgnoreCase) {
  v1::SendRequest request = ToLobby("c1", "hello?");
  request.set_room("LOBBY");
  auto ack = service_.Send(request);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->conversation_id(), kLobby);
}

TEST_F(ChatServiceTest, UnknownConversationIdIsNotFound) {
  v1::SendRequest request = ToLobby("c1", "hello?");
  request.set_conversation_id(42);
  auto ack = service_.Send(request);
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Message(ack.status()), "no conversation 42");
}

TEST_F(ChatServiceTest, MissingCallerIsInvalidArgument) {
  v1::SendRequest no_caller = ToLobby("c1", "hi");
  no_caller.clear_caller();
  v1::SendRequest no_id = ToLobby("c1", "hi");
  no_id.mutable_caller()->set_user_id(0);
  v1::SendRequest no_name = ToLobby("c1", "hi");
  no_name.mutable_caller()->clear_username();
  for (const auto& request : {no_caller, no_id, no_name}) {
    auto ack = service_.Send(request);
    EXPECT_EQ(ack.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Message(ack.status()), "request has no authenticated caller");
  }
  EXPECT_EQ(store_.append_calls(), 0);
}

TEST_F(ChatServiceTest, MissingTargetIsInvalidArgument) {
  v1::SendRequest request = ToLobby("c1", "to whom?");
  request.clear_target();
  auto ack = service_.Send(request);
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(ack.status()), HasSubstr("say where to send the message"));
  EXPECT_EQ(store_.append_calls(), 0);
}

TEST_F(ChatServiceTest, RejectsBadClientMsgIds) {
  for (const std::string& id :
       std::vector<std::string>{"", std::string(65, 'a'), "has space", "semi;colon", "sl/ash",
                                "quote'", "new\nline", "r\xC3\xA9", std::string("n\0l", 3)}) {
    auto ack = Send(id, "hello");
    EXPECT_EQ(ack.status().code(), absl::StatusCode::kInvalidArgument) << "id \"" << id << "\"";
  }
  EXPECT_EQ(store_.append_calls(), 0);
}

TEST_F(ChatServiceTest, AcceptsClientMsgIdsAtTheLimits) {
  for (const std::string& id : std::vector<std::string>{
           "x", std::string(64, 'a'), "0b9f-41c2_9e.1:2", "550e8400-e29b-41d4-a716-446655440000"}) {
    auto ack = Send(id, "hello");
    EXPECT_TRUE(ack.ok()) << "id \"" << id << "\": " << ack.status();
  }
}

TEST_F(ChatServiceTest, RejectsBadText) {
  struct Case {
    std::string text;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{{"", "message is empty"},
                                         {"   \n\t", "message is only white space"},
                                         {std::string(kMaxMessageBytes + 1, 'x'),
                                          "message is too long: 4097 bytes, at most 4096 allowed"},
                                         {"bad \xC3\x28 utf8", "message is not valid UTF-8"},
                                         {"truncated \xF0\x9F\x98", "message is not valid UTF-8"},
                                         {"ding\a", "message contains control characters"},
                                         {"\x1B[2J", "message contains control characters"}}) {
    auto ack = Send("c1", c.text);
    EXPECT_EQ(ack.status().code(), absl::StatusCode::kInvalidArgument) << c.error;
    EXPECT_EQ(Message(ack.status()), c.error);
  }
  EXPECT_EQ(store_.append_calls(), 0);
  EXPECT_THAT(publisher_.published(), IsEmpty());
}

TEST_F(ChatServiceTest, AcceptsTextOfExactlyMaxBytes) {
  std::string text(kMaxMessageBytes, 'x');
  ASSERT_EQ(text.size(), 4096u);
  auto ack = Send("c1", text);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(store_.Messages(kLobby).at(0).text(), text);
  auto multiline = Send("c2", "line one\n\tline two \xF0\x9F\x98\x80");
  EXPECT_TRUE(multiline.ok()) << multiline.status();
}

TEST_F(ChatServiceTest, PublishFailureStillReturnsAck) {
  publisher_.FailNext(absl::UnavailableError("redis is down"));
  auto ack = Send("c1", "stored anyway");
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->seq(), 1u);
  EXPECT_FALSE(ack->duplicate());
  EXPECT_THAT(store_.Messages(kLobby), SizeIs(1));
  EXPECT_THAT(publisher_.published(), IsEmpty());

  // The client did get its ack; had it not (say the commit's answer was lost), its retry would
  // publish what was stored.
  auto retry = Send("c1", "stored anyway");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->duplicate());
  ASSERT_THAT(publisher_.published(), SizeIs(1));
  v1::ServerEvent event;
  ASSERT_TRUE(event.ParseFromString(publisher_.published()[0].payload));
  EXPECT_EQ(event.message().seq(), 1u);
  EXPECT_EQ(event.message().text(), "stored anyway");

  auto next = Send("c2", "published");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq(), 2u);
  EXPECT_THAT(publisher_.published(), SizeIs(2));
}

TEST_F(ChatServiceTest, StoreFailureIsReturnedAndNothingIsPublished) {
  store_.FailNext(absl::UnavailableError("mysql is down"), "Append");
  auto ack = Send("c1", "lost");
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Message(ack.status()), "mysql is down");
  EXPECT_THAT(publisher_.published(), IsEmpty());
  // The client retries with the same id and gets a fresh message, not a duplicate.
  auto retry = Send("c1", "lost");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_FALSE(retry->duplicate());
  EXPECT_EQ(retry->seq(), 1u);
}

TEST_F(ChatServiceTest, SyncReturnsMessagesAfterSeqInOrder) {
  SendMany(5);
  auto page = Sync(2, 2);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Seqs(*page), ElementsAre(3, 4));
  EXPECT_TRUE(page->has_more());
  EXPECT_EQ(page->latest_seq(), 5u);
  EXPECT_EQ(page->messages(0).text(), "message 3");
  EXPECT_EQ(page->messages(0).sender(), "alice");
  EXPECT_EQ(page->messages(0).room(), "lobby");
  EXPECT_EQ(page->messages(0).conversation_id(), kLobby);

  auto rest = Sync(4, 10);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_THAT(Seqs(*rest), ElementsAre(5));
  EXPECT_FALSE(rest->has_more());
  EXPECT_EQ(rest->latest_seq(), 5u);
}

TEST_F(ChatServiceTest, SyncHasNoMoreWhenPageEndsExactlyAtLatest) {
  SendMany(5);
  auto page = Sync(3, 2);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Seqs(*page), ElementsAre(4, 5));
  EXPECT_FALSE(page->has_more());
}

TEST_F(ChatServiceTest, SyncAtLatestSeqIsEmpty) {
  SendMany(3);
  auto page = Sync(3, 10);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->messages(), IsEmpty());
  EXPECT_FALSE(page->has_more());
  EXPECT_EQ(page->latest_seq(), 3u);
}

TEST_F(ChatServiceTest, SyncOfEmptyConversationHasLatestSeqZero) {
  auto page = Sync(0, 10);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->messages(), IsEmpty());
  EXPECT_FALSE(page->has_more());
  EXPECT_EQ(page->latest_seq(), 0u);
}

TEST_F(ChatServiceTest, SyncLimitAbove500IsInvalidArgument) {
  auto page = Sync(0, 501);
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(page.status()), "limit must be at most 500");
  EXPECT_TRUE(Sync(0, 500).ok());
}

TEST_F(ChatServiceTest, SyncLimitZeroMeans100) {
  SendMany(150);
  auto page = Sync(0, 0);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(page->messages(), SizeIs(100));
  EXPECT_EQ(page->messages(0).seq(), 1u);
  EXPECT_EQ(page->messages(99).seq(), 100u);
  EXPECT_TRUE(page->has_more());
  EXPECT_EQ(page->latest_seq(), 150u);
}

TEST_F(ChatServiceTest, SyncMaxLimitReturns500) {
  SendMany(501);
  auto page = Sync(0, 500);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(page->messages(), SizeIs(500));
  EXPECT_EQ(page->messages(499).seq(), 500u);
  EXPECT_TRUE(page->has_more());
}

TEST_F(ChatServiceTest, SyncOfUnknownConversationIsNotFound) {
  auto page = Sync(0, 10, 99);
  EXPECT_EQ(page.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Message(page.status()), "no conversation 99");
}

TEST_F(ChatServiceTest, SyncWithoutCallerIsInvalidArgument) {
  v1::SyncRequest request;
  request.set_conversation_id(kLobby);
  EXPECT_EQ(service_.Sync(request).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ChatServiceTest, SyncPassesOnStoreFailure) {
  SendMany(2);
  store_.FailNext(absl::UnavailableError("mysql is down"), "MessagesAfter");
  EXPECT_EQ(Sync(0, 10).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ChatServiceTest, ListConversationsReturnsLobbyWithLatestSeq) {
  SendMany(3);
  v1::ListConversationsRequest request;
  *request.mutable_caller() = alice_;
  auto list = service_.ListConversations(request);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_THAT(list->conversations(), SizeIs(1));
  const v1::Conversation& lobby = list->conversations(0);
  EXPECT_EQ(lobby.id(), kLobby);
  EXPECT_EQ(lobby.kind(), "room");
  EXPECT_EQ(lobby.name(), "lobby");
  EXPECT_EQ(lobby.latest_seq(), 3u);
}

TEST_F(ChatServiceTest, ListConversationsWithoutCallerIsInvalidArgument) {
  v1::ListConversationsRequest request;
  EXPECT_EQ(service_.ListConversations(request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ChatServiceTest, ConcurrentSendersGetDenseUniqueSeqs) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  std::vector<int> failures(kThreads, 0);
  {
    std::vector<std::jthread> senders;
    for (int t = 0; t < kThreads; ++t) {
      senders.emplace_back([&, t] {
        v1::Caller caller = MakeCaller(100 + t, "user" + std::to_string(t));
        for (int i = 0; i < kPerThread; ++i) {
          v1::SendRequest request = ToLobby("t" + std::to_string(t) + "-" + std::to_string(i),
                                            "message " + std::to_string(i));
          *request.mutable_caller() = caller;
          auto ack = service_.Send(request);
          if (ack.ok()) {
            seqs[t].push_back(ack->seq());
          } else {
            ++failures[t];
          }
        }
      });
    }
  }
  std::vector<uint64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0) << "thread " << t;
    // Each sender's own messages are acked in increasing seq order.
    EXPECT_TRUE(std::is_sorted(seqs[t].begin(), seqs[t].end())) << "thread " << t;
    all.insert(all.end(), seqs[t].begin(), seqs[t].end());
  }
  std::sort(all.begin(), all.end());
  std::vector<uint64_t> expected(kThreads * kPerThread);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = i + 1;
  EXPECT_EQ(all, expected);
  EXPECT_THAT(store_.Messages(kLobby), SizeIs(kThreads * kPerThread));
  EXPECT_THAT(publisher_.published(), SizeIs(kThreads * kPerThread));
}

}  // namespace
}  // namespace natter::chat

namespace natter::chat {
namespace {

class ChatSenderNamesTest : public ::testing::Test, protected ChatServiceFakes {
 protected:
  v1::SendRequest Send(uint64_t user_id, const std::string& username, const std::string& id) {
    v1::SendRequest r;
    r.mutable_caller()->set_user_id(user_id);
    r.mutable_caller()->set_username(username);
    r.set_room("lobby");
    r.set_client_msg_id(id);
    r.set_text("hello");
    return r;
  }
  v1::SyncResponse SyncAll() {
    v1::SyncRequest r;
    r.mutable_caller()->set_user_id(1);
    r.mutable_caller()->set_username("reader");
    r.set_conversation_id(1);
    return service_.Sync(r).value();
  }
};

TEST_F(ChatSenderNamesTest, HistoryShowsADeletedSenderAsDeletedUser) {
  ASSERT_TRUE(service_.Send(Send(5, "alice", "a-1")).ok());
  ASSERT_TRUE(service_.Send(Send(6, "bob", "b-1")).ok());
  users_.Set(5, "deleted user");
  users_.Set(6, "bob");
  auto sync = SyncAll();
  ASSERT_EQ(sync.messages_size(), 2);
  EXPECT_EQ(sync.messages(0).sender(), "deleted user");
  EXPECT_EQ(sync.messages(1).sender(), "bob");
}

TEST_F(ChatSenderNamesTest, StoredNamesAreUsedWhenTheDirectoryIsUnavailable) {
  ASSERT_TRUE(service_.Send(Send(5, "alice", "a-1")).ok());
  users_.FailNext(absl::UnavailableError("auth is down"));
  auto sync = SyncAll();
  ASSERT_EQ(sync.messages_size(), 1);
  EXPECT_EQ(sync.messages(0).sender(), "alice");
}

}  // namespace
}  // namespace natter::chat

namespace natter::chat {
namespace {

class ChatHistoryTest : public ::testing::Test, protected ChatServiceFakes {
 protected:
  void SetUp() override {
    users_.Set(5, "alice");
    for (int i = 1; i <= 7; ++i) {
      v1::SendRequest r;
      r.mutable_caller()->set_user_id(5);
      r.mutable_caller()->set_username("alice");
      r.set_room("lobby");
      r.set_client_msg_id("h-" + std::to_string(i));
      r.set_text("m" + std::to_string(i));
      ASSERT_TRUE(service_.Send(r).ok());
    }
  }
  absl::StatusOr<v1::HistoryResponse> History(uint64_t before, uint32_t limit) {
    v1::HistoryRequest r;
    r.mutable_caller()->set_user_id(6);
    r.mutable_caller()->set_username("bob");
    r.set_room("lobby");
    r.set_before_seq(before);
    r.set_limit(limit);
    return service_.History(r);
  }
  static std::vector<uint64_t> Seqs(const v1::HistoryResponse& h) {
    std::vector<uint64_t> out;
    for (const auto& m : h.messages()) out.push_back(m.seq());
    return out;
  }
};

TEST_F(ChatHistoryTest, PagesBackwardsFromTheLatestOldestFirst) {
  auto latest = History(0, 3);
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_THAT(Seqs(*latest), ElementsAre(5u, 6u, 7u));
  EXPECT_TRUE(latest->has_more());
  EXPECT_EQ(latest->messages(0).room(), "lobby");
  EXPECT_EQ(latest->messages(0).sender(), "alice");
  auto older = History(5, 3);
  EXPECT_THAT(Seqs(*older), ElementsAre(2u, 3u, 4u));
  EXPECT_TRUE(older->has_more());
  auto oldest = History(2, 3);
  EXPECT_THAT(Seqs(*oldest), ElementsAre(1u));
  EXPECT_FALSE(oldest->has_more());
}

TEST_F(ChatHistoryTest, LimitDefaultsTo50AndIsAtMost200) {
  auto all = History(0, 0);
  EXPECT_THAT(Seqs(*all), SizeIs(7));
  EXPECT_FALSE(all->has_more());
  EXPECT_EQ(History(0, 201).status().code(), absl::StatusCode::kInvalidArgument);
  v1::HistoryRequest no_target;
  no_target.mutable_caller()->set_user_id(6);
  no_target.mutable_caller()->set_username("bob");
  EXPECT_EQ(service_.History(no_target).status().code(), absl::StatusCode::kInvalidArgument);
}

// Messages, edits and deletions share one allowance per user.
class ChatLimitsTest : public ChatServiceTest {
 protected:
  static ChatLimits TwoASecondBurstOfThree() {
    ChatLimits limits = ChatLimits::Unlimited();
    limits.messages = {2, 3};
    return limits;
  }
  ChatService limited_{
      store_, friends_, publisher_, users_, typing_, limiter_, TwoASecondBurstOfThree(), clock_};
};

TEST_F(ChatLimitsTest, ABurstPassesThenTheCallerIsToldHowLongToWait) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limited_.Send(ToLobby("b" + std::to_string(i), "hi")).ok()) << i;
  }
  auto refused = limited_.Send(ToLobby("b3", "hi"));
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Message(refused.status()), HasSubstr("sending too fast"));
  EXPECT_THAT(Message(refused.status()), HasSubstr("try again in 0.5 s"));
  EXPECT_EQ(RetryAfter(refused.status()), std::chrono::milliseconds(500));
  // Nothing of the refused message was stored or published.
  EXPECT_EQ(Sync(0, 100)->messages_size(), 3);

  clock_.Advance(std::chrono::milliseconds(500));
  EXPECT_TRUE(limited_.Send(ToLobby("b3", "hi")).ok());
  EXPECT_FALSE(limited_.Send(ToLobby("b4", "hi")).ok());
}

TEST_F(ChatLimitsTest, EditsAndDeletionsDrawOnTheSameAllowance) {
  auto first = limited_.Send(ToLobby("e0", "hi"));
  ASSERT_TRUE(first.ok());
  v1::EditRequest edit;
  *edit.mutable_caller() = alice_;
  edit.mutable_conversation()->set_id(kLobby);
  edit.set_seq(first->seq());
  edit.set_client_msg_id("e1");
  edit.set_text("hello");
  ASSERT_TRUE(limited_.Edit(edit).ok());
  v1::DeleteRequest del;
  *del.mutable_caller() = alice_;
  del.mutable_conversation()->set_id(kLobby);
  del.set_seq(first->seq());
  del.set_client_msg_id("e2");
  ASSERT_TRUE(limited_.Delete(del).ok());
  EXPECT_EQ(limited_.Send(ToLobby("e3", "again")).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(ChatLimitsTest, OneUsersFloodDoesNotTouchAnotherUsersAllowance) {
  for (int i = 0; i < 10; ++i)
    limited_.Send(ToLobby("f" + std::to_string(i), "spam")).IgnoreError();
  v1::SendRequest bob = ToLobby("bob-1", "hello");
  bob.mutable_caller()->set_user_id(8);
  bob.mutable_caller()->set_username("bob");
  EXPECT_TRUE(limited_.Send(bob).ok());
}

TEST_F(ChatLimitsTest, MessagesStillGoThroughWhenTheAllowanceCannotBeRead) {
  limiter_.FailWith(absl::UnavailableError("redis is down"));
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(limited_.Send(ToLobby("u" + std::to_string(i), "hi")).ok()) << i;
  }
}

}  // namespace
}  // namespace natter::chat
