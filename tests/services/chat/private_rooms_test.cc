// Private rooms on the fakes, through RoomService and ChatService together: a private room is
// unlisted and does not exist for outsiders; invitations reach the invitee as stored events and
// their answers the inviter; a muted member reads but cannot post; a since_join member reads
// from their join on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "friendship_rules.h"
#include "room_service.h"
#include "services/chat/callers.h"
#include "services/chat/chat_service_fakes.h"

namespace natter::chat {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class PrivateRoomsTest : public ::testing::Test, protected ChatServiceFakes {
 protected:
  void SetUp() override {
    users_.Set(1, "alice");
    users_.Set(2, "bob");
    users_.Set(3, "carol");
    clock_.SetNowMs(1'000'000);
  }

  absl::StatusOr<v1::RoomResponse> Create(
      const v1::Caller& who, const std::string& name, bool is_private,
      v1::HistoryVisibility history = v1::HISTORY_VISIBILITY_UNSPECIFIED) {
    v1::CreateRoomRequest r;
    *r.mutable_caller() = who;
    r.set_name(name);
    r.set_private_room(is_private);
    r.set_history(history);
    return rooms_.CreateRoom(r);
  }
  v1::RoomRequest Req(const v1::Caller& who, const std::string& room) {
    v1::RoomRequest r;
    *r.mutable_caller() = who;
    r.set_room(room);
    return r;
  }
  absl::StatusOr<v1::RoomResponse> Invite(const v1::Caller& who, const std::string& room,
                                          const std::string& user, bool cancel = false) {
    v1::InviteRequest r;
    *r.mutable_caller() = who;
    r.set_room(room);
    r.set_username(user);
    r.set_cancel(cancel);
    return rooms_.Invite(r);
  }
  absl::StatusOr<v1::RoomResponse> Answer(const v1::Caller& who, const std::string& room,
                                          bool accept) {
    v1::AnswerInvitationRequest r;
    *r.mutable_caller() = who;
    r.set_room(room);
    r.set_accept(accept);
    return rooms_.AnswerInvitation(r);
  }
  absl::StatusOr<v1::RoomResponse> Mute(const v1::Caller& who, const std::string& room,
                                        const std::string& user, int64_t until) {
    v1::MuteMemberRequest r;
    *r.mutable_caller() = who;
    r.set_room(room);
    r.set_username(user);
    r.set_muted_until_ms(until);
    return rooms_.MuteMember(r);
  }
  absl::StatusOr<v1::SendAck> Send(const v1::Caller& who, const std::string& room,
                                   const std::string& text) {
    v1::SendRequest r;
    *r.mutable_caller() = who;
    r.set_room(room);
    r.set_text(text);
    r.set_client_msg_id("m" + std::to_string(++sent_));
    return service_.Send(r);
  }
  // The invitation events `user_id` got, as "type room inviter>invitee".
  std::vector<std::string> InvitationEvents(uint64_t user_id) {
    std::vector<std::string> out;
    for (const auto& e : store_.UserEvents()) {
      if (e.user_id != user_id || !e.event.has_invitation()) continue;
      const auto& i = e.event.invitation();
      out.push_back(i.type() + " " + i.room() + " " + i.inviter() + ">" + i.invitee());
    }
    return out;
  }

  const v1::Caller alice_ = MakeCaller(1, "alice");
  const v1::Caller bob_ = MakeCaller(2, "bob");
  const v1::Caller carol_ = MakeCaller(3, "carol");
  RoomService rooms_{store_, publisher_, users_, limiter_, ChatLimits::Unlimited(), clock_};
  int sent_ = 0;
};

TEST_F(PrivateRoomsTest, APrivateRoomIsUnlistedAndDoesNotExistForOutsiders) {
  auto room = Create(alice_, "secret", true);
  ASSERT_TRUE(room.ok()) << room.status();
  EXPECT_TRUE(room->room().private_room());
  ASSERT_TRUE(Create(alice_, "open", false).ok());

  v1::ListRoomsRequest list;
  *list.mutable_caller() = bob_;
  auto listed = rooms_.ListRooms(list);
  ASSERT_TRUE(listed.ok());
  std::vector<std::string> names;
  for (const auto& r : listed->rooms()) names.push_back(r.room().name());
  EXPECT_THAT(names, ElementsAre("lobby", "open"));
  *list.mutable_caller() = alice_;
  EXPECT_EQ(rooms_.ListRooms(list)->rooms_size(), 3);

  auto join = rooms_.JoinRoom(Req(bob_, "secret"));
  EXPECT_EQ(join.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(join.status().message(), "no room named \"secret\"");
  EXPECT_EQ(rooms_.RoomMembers(Req(bob_, "secret")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Send(bob_, "secret", "hi").status().code(), absl::StatusCode::kNotFound);
  v1::SyncRequest sync;
  *sync.mutable_caller() = bob_;
  sync.set_conversation_id(room->room().id());
  EXPECT_EQ(service_.Sync(sync).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(PrivateRoomsTest, AnInvitationIsStoredForTheInviteeAndItsAnswerReachesTheInviter) {
  ASSERT_TRUE(Create(alice_, "secret", true).ok());
  ASSERT_TRUE(Invite(alice_, "secret", "bob").ok());
  EXPECT_THAT(InvitationEvents(2), ElementsAre("invited secret alice>bob"));

  v1::ListInvitationsRequest list;
  *list.mutable_caller() = bob_;
  auto pending = rooms_.ListInvitations(list);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->invitations_size(), 1);
  EXPECT_EQ(pending->invitations(0).room(), "secret");
  EXPECT_EQ(pending->invitations(0).inviter(), "alice");
  EXPECT_EQ(pending->invitations(0).created_at_ms(), 1'000'000);

  // Invited, bob sees the room (to answer) but it is still not listed to him.
  EXPECT_TRUE(rooms_.RoomMembers(Req(bob_, "secret")).ok());
  auto joined = Answer(bob_, "secret", true);
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->room().member_count(), 2u);
  EXPECT_THAT(InvitationEvents(1), ElementsAre("accepted secret alice>bob"));
  EXPECT_THAT(rooms_.ListInvitations(list)->invitations(), IsEmpty());
  EXPECT_TRUE(Send(bob_, "secret", "thanks").ok());
}

TEST_F(PrivateRoomsTest, ADeclinedOrCancelledInvitationNoLongerOpensTheRoom) {
  ASSERT_TRUE(Create(alice_, "secret", true).ok());
  ASSERT_TRUE(Invite(alice_, "secret", "bob").ok());
  ASSERT_TRUE(Answer(bob_, "secret", false).ok());
  EXPECT_THAT(InvitationEvents(1), ElementsAre("declined secret alice>bob"));
  EXPECT_EQ(rooms_.JoinRoom(Req(bob_, "secret")).status().code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(Invite(alice_, "secret", "carol").ok());
  ASSERT_TRUE(Invite(alice_, "secret", "carol", /*cancel=*/true).ok());
  EXPECT_THAT(InvitationEvents(3),
              ElementsAre("invited secret alice>carol", "cancelled secret alice>carol"));
  EXPECT_EQ(Answer(carol_, "secret", true).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(PrivateRoomsTest, TheBannedCannotBeInvited) {
  ASSERT_TRUE(Create(alice_, "secret", true).ok());
  v1::RemoveMemberRequest ban;
  *ban.mutable_caller() = alice_;
  ban.set_room("secret");
  ban.set_username("bob");
  ban.set_action(v1::MEMBER_ACTION_BAN);
  ASSERT_TRUE(rooms_.RemoveMember(ban).ok());
  auto invite = Invite(alice_, "secret", "bob");
  EXPECT_EQ(invite.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(invite.status().message(), HasSubstr("banned"));
}

TEST_F(PrivateRoomsTest, AUserWhoBlockedTheInviterCannotBeInvited) {
  store_.SetFriendStore(friends_);
  ASSERT_TRUE(Create(alice_, "secret", true).ok());
  auto blocked = friends_.UpdatePair(2, 1, 1000, [](const PairState& state) {
    return DecideFriendship(v1::FRIEND_ACTION_BLOCK, state, {2, "bob"}, {1, "alice"}, "");
  });
  ASSERT_TRUE(blocked.ok()) << blocked.status();
  auto invite = Invite(alice_, "secret", "bob");
  EXPECT_EQ(invite.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(invite.status().message(), "you cannot invite this user");
  EXPECT_THAT(InvitationEvents(2), IsEmpty());
  EXPECT_TRUE(Invite(alice_, "secret", "carol").ok());
}

TEST_F(PrivateRoomsTest, AMutedMemberReadsButCannotSendUntilTheMuteEnds) {
  ASSERT_TRUE(Create(alice_, "open", false).ok());
  ASSERT_TRUE(rooms_.JoinRoom(Req(bob_, "open")).ok());
  const int64_t until = clock_.NowMs() + 60'000;
  ASSERT_TRUE(Mute(alice_, "open", "bob", until).ok());
  auto refused = Send(bob_, "open", "let me speak");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("muted you in room \"open\""));
  ASSERT_TRUE(Send(alice_, "open", "quiet please").ok());
  v1::HistoryRequest history;
  *history.mutable_caller() = bob_;
  history.set_room("open");
  EXPECT_TRUE(service_.History(history).ok());

  auto members = rooms_.RoomMembers(Req(alice_, "open"));
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->members(1).muted_until_ms(), until);

  clock_.Advance(std::chrono::milliseconds(60'000));
  EXPECT_TRUE(Send(bob_, "open", "back").ok());
  EXPECT_EQ(Mute(alice_, "open", "bob", clock_.NowMs() - 1).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(PrivateRoomsTest, ASinceJoinMemberCannotReadEarlierHistory) {
  auto room = Create(alice_, "secret", true, v1::HISTORY_VISIBILITY_SINCE_JOIN);
  ASSERT_TRUE(room.ok());
  EXPECT_EQ(room->room().history(), v1::HISTORY_VISIBILITY_SINCE_JOIN);
  ASSERT_TRUE(Send(alice_, "secret", "before bob").ok());  // seq 2
  ASSERT_TRUE(Invite(alice_, "secret", "bob").ok());
  ASSERT_TRUE(Answer(bob_, "secret", true).ok());         // seq 3
  ASSERT_TRUE(Send(alice_, "secret", "after bob").ok());  // seq 4

  v1::HistoryRequest history;
  *history.mutable_caller() = bob_;
  history.set_room("secret");
  auto page = service_.History(history);
  ASSERT_TRUE(page.ok()) << page.status();
  std::vector<uint64_t> seqs;
  for (const auto& m : page->messages()) seqs.push_back(m.seq());
  EXPECT_THAT(seqs, ElementsAre(3, 4));
  EXPECT_FALSE(page->has_more());

  v1::SyncRequest sync;
  *sync.mutable_caller() = bob_;
  sync.set_conversation_id(room->room().id());
  auto synced = service_.Sync(sync);
  ASSERT_TRUE(synced.ok());
  ASSERT_EQ(synced->messages_size(), 2);
  EXPECT_EQ(synced->messages(0).seq(), 3u);

  v1::SendRequest reply;
  *reply.mutable_caller() = bob_;
  reply.set_room("secret");
  reply.set_text("what did I miss?");
  reply.set_client_msg_id("reply");
  reply.set_reply_to_seq(2);
  EXPECT_EQ(service_.Send(reply).status().code(), absl::StatusCode::kNotFound);

  // Alice, there from the start, reads all of it.
  *history.mutable_caller() = alice_;
  EXPECT_EQ(service_.History(history)->messages_size(), 4);
}

// Pins follow the history rule too: a since_join member does not see, and as a moderator cannot
// pin, a message from before they joined.
TEST_F(PrivateRoomsTest, ASinceJoinMemberSeesOnlyThePinsItCanRead) {
  auto room = Create(alice_, "secret", true, v1::HISTORY_VISIBILITY_SINCE_JOIN);
  ASSERT_TRUE(room.ok());
  const uint64_t id = room->room().id();
  ASSERT_TRUE(Send(alice_, "secret", "before bob").ok());  // seq 2
  auto pin = [&](const v1::Caller& who, uint64_t seq) {
    v1::PinRequest r;
    *r.mutable_caller() = who;
    r.mutable_conversation()->set_id(id);
    r.set_seq(seq);
    r.set_client_msg_id("pin-" + who.username() + "-" + std::to_string(seq));
    return service_.Pin(r);
  };
  ASSERT_TRUE(pin(alice_, 2).ok());                       // seq 3
  ASSERT_TRUE(Invite(alice_, "secret", "bob").ok());
  ASSERT_TRUE(Answer(bob_, "secret", true).ok());         // seq 4
  ASSERT_TRUE(Send(alice_, "secret", "after bob").ok());  // seq 5
  ASSERT_TRUE(pin(alice_, 5).ok());
  auto pinned = [&](const v1::Caller& who) {
    v1::ListPinsRequest r;
    *r.mutable_caller() = who;
    r.mutable_conversation()->set_id(id);
    auto pins = service_.ListPins(r);
    EXPECT_TRUE(pins.ok()) << pins.status();
    std::vector<std::string> texts;
    if (pins.ok()) {
      for (const auto& p : pins->pins()) texts.push_back(p.message().text());
    }
    return texts;
  };
  EXPECT_THAT(pinned(alice_), ElementsAre("after bob", "before bob"));
  EXPECT_THAT(pinned(bob_), ElementsAre("after bob"));

  v1::SetMemberRoleRequest promote;
  *promote.mutable_caller() = alice_;
  promote.set_room("secret");
  promote.set_username("bob");
  promote.set_role(v1::ROOM_ROLE_MODERATOR);
  ASSERT_TRUE(rooms_.SetMemberRole(promote).ok());
  EXPECT_EQ(pin(bob_, 2).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(pin(bob_, 5).ok());  // already pinned: unchanged
}

TEST_F(PrivateRoomsTest, OnlyTheOwnerMakesARoomPublicAndThenAnyoneMayJoin) {
  ASSERT_TRUE(Create(alice_, "secret", true).ok());
  v1::UpdateRoomRequest update;
  *update.mutable_caller() = alice_;
  update.set_room("secret");
  update.set_private_room(false);
  auto after = rooms_.UpdateRoom(update);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_FALSE(after->room().private_room());
  EXPECT_TRUE(rooms_.JoinRoom(Req(bob_, "secret")).ok());
  *update.mutable_caller() = bob_;
  update.set_private_room(true);
  EXPECT_EQ(rooms_.UpdateRoom(update).status().code(), absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace natter::chat
