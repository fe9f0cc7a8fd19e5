// Pinned messages on fakes (issue 23 item 8, second half): entries with a seq, idempotent pin and
// unpin, who may pin where, the per-conversation limit, deletion, and the pins list.
#include "pins.h"

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

class PinsTest : public ::testing::Test, protected ChatServiceFakes {
 protected:
  void SetUp() override {
    store_.SetFriendStore(friends_);
    users_.Set(1, "alice");
    users_.Set(2, "bob");
    users_.Set(3, "carol");
    dev_ = store_.AddConversation("room", "dev");
    store_.AddMember(dev_, alice_.user_id(), MemberRole::kOwner);
    store_.AddMember(dev_, bob_.user_id(), MemberRole::kModerator);
    store_.AddMember(dev_, carol_.user_id());
    for (int i = 1; i <= 3; ++i) {
      ASSERT_TRUE(Send(carol_, dev_, "m" + std::to_string(i), "note " + std::to_string(i)).ok());
    }
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
  absl::StatusOr<v1::SendAck> Pin(const v1::Caller& who, uint64_t seq, const std::string& id,
                                  bool unpin = false, uint64_t conversation = 0) {
    v1::PinRequest r;
    *r.mutable_caller() = who;
    r.mutable_conversation()->set_id(conversation == 0 ? dev_ : conversation);
    r.set_seq(seq);
    r.set_unpin(unpin);
    r.set_client_msg_id(id);
    return service_.Pin(r);
  }
  // The pinned messages' texts, most recently pinned first.
  std::vector<std::string> Pinned(const v1::Caller& who, uint64_t conversation = 0) {
    v1::ListPinsRequest r;
    *r.mutable_caller() = who;
    r.mutable_conversation()->set_id(conversation == 0 ? dev_ : conversation);
    auto pins = service_.ListPins(r);
    EXPECT_TRUE(pins.ok()) << pins.status();
    std::vector<std::string> out;
    if (pins.ok()) {
      for (const auto& p : pins->pins()) out.push_back(p.message().text());
    }
    return out;
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

  uint64_t dev_ = 0;
  const v1::Caller alice_ = MakeCaller(1, "alice");
  const v1::Caller bob_ = MakeCaller(2, "bob");
  const v1::Caller carol_ = MakeCaller(3, "carol");
};

TEST_F(PinsTest, APinIsAnEntryDeliveredToMembersAndListedNewestFirst) {
  auto pinned = Pin(alice_, 1, "p1");
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  EXPECT_EQ(pinned->seq(), 4u);
  ASSERT_TRUE(Pin(bob_, 3, "p2").ok());
  auto published = Published();
  ASSERT_THAT(published, SizeIs(2));
  EXPECT_EQ(published[0].type(), kTypeMessagePinned);
  EXPECT_EQ(published[0].target_seq(), 1u);
  EXPECT_EQ(published[0].sender(), "alice");
  EXPECT_EQ(published[0].room(), "dev");
  EXPECT_THAT(Pinned(carol_), ElementsAre("note 3", "note 1"));

  v1::ListPinsRequest r;
  *r.mutable_caller() = carol_;
  r.mutable_conversation()->set_room("dev");
  auto pins = service_.ListPins(r);
  ASSERT_TRUE(pins.ok()) << pins.status();
  EXPECT_EQ(pins->conversation_id(), dev_);
  EXPECT_EQ(pins->pins(0).pinned_by(), "bob");
  EXPECT_EQ(pins->pins(0).message().seq(), 3u);
  EXPECT_EQ(pins->pins(0).message().room(), "dev");
}

TEST_F(PinsTest, PinningTwiceOrUnpinningWhatIsNotPinnedChangesNothing) {
  ASSERT_TRUE(Pin(alice_, 1, "p1").ok());
  auto again = Pin(bob_, 1, "p2");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->unchanged());
  EXPECT_EQ(again->seq(), 0u);
  auto absent = Pin(alice_, 2, "u1", /*unpin=*/true);
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_TRUE(absent->unchanged());
  auto unpinned = Pin(bob_, 1, "u2", /*unpin=*/true);
  ASSERT_TRUE(unpinned.ok()) << unpinned.status();
  EXPECT_FALSE(unpinned->unchanged());
  EXPECT_EQ(unpinned->seq(), 5u) << "the no-ops took no seq";
  EXPECT_THAT(Pinned(carol_), IsEmpty());
  auto published = Published();
  ASSERT_THAT(published, SizeIs(2));
  EXPECT_EQ(published[1].type(), kTypeMessageUnpinned);
}

TEST_F(PinsTest, InARoomOnlyTheOwnerAndModeratorsPin) {
  auto member = Pin(carol_, 1, "p1");
  EXPECT_EQ(member.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(member.status().message(), "only the room's owner and moderators pin messages");
  ASSERT_TRUE(Send(alice_, kLobby, "l1", "lobby note").ok());
  auto lobby = Pin(alice_, 1, "p2", false, kLobby);
  EXPECT_EQ(lobby.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(lobby.status().message(), "messages in the lobby cannot be pinned");
  users_.Set(4, "dan");
  auto outsider = Pin(MakeCaller(4, "dan"), 1, "p3");
  EXPECT_EQ(outsider.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PinsTest, BothSidesOfADirectConversationPin) {
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
  r.set_text("the address");
  auto sent = service_.Send(r);
  ASSERT_TRUE(sent.ok()) << sent.status();
  ASSERT_TRUE(Pin(bob_, 1, "p1", false, sent->conversation_id()).ok());
  EXPECT_THAT(Pinned(alice_, sent->conversation_id()), ElementsAre("the address"));
  EXPECT_EQ(Pin(carol_, 1, "p2", false, sent->conversation_id()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(PinsTest, OnlyLiveMessagesArePinnedAndADeletionUnpins) {
  EXPECT_EQ(Pin(alice_, 99, "p1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Pin(alice_, 0, "p2").status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(Pin(alice_, 2, "p3").ok());
  auto entry = Pin(alice_, 4, "p4");  // seq 4 is the pin entry
  EXPECT_EQ(entry.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(entry.status().message(), "entry 4 is not a message; only messages can be pinned");
  v1::DeleteRequest del;
  *del.mutable_caller() = carol_;
  del.mutable_conversation()->set_id(dev_);
  del.set_seq(2);
  del.set_client_msg_id("d1");
  ASSERT_TRUE(service_.Delete(del).ok());
  EXPECT_THAT(Pinned(alice_), IsEmpty());
  EXPECT_EQ(Pin(alice_, 2, "p5").status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PinsTest, AConversationHoldsAtMostFiftyPins) {
  for (size_t i = 4; i <= kMaxPins + 1; ++i) {
    ASSERT_TRUE(Send(carol_, dev_, "m" + std::to_string(i), "note " + std::to_string(i)).ok());
  }
  for (uint64_t seq = 1; seq <= kMaxPins; ++seq) {
    ASSERT_TRUE(Pin(alice_, seq, "p" + std::to_string(seq)).ok()) << seq;
  }
  auto more = Pin(alice_, kMaxPins + 1, "p-more");
  EXPECT_EQ(more.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(more.status().message(), kRefusedTooManyPins);
  ASSERT_TRUE(Pin(alice_, 1, "u1", /*unpin=*/true).ok());
  EXPECT_TRUE(Pin(alice_, kMaxPins + 1, "p-more2").ok());
}

}  // namespace
}  // namespace natter::chat
