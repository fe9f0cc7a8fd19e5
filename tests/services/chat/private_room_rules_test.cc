// The private-room rules: invitations, mutes, privacy and history settings, and who reads what.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "room_rules.h"

namespace natter::chat {
namespace {

using ::testing::HasSubstr;

const Party kAlice{1, "alice"};  // owns the room
const Party kBob{2, "bob"};
const Party kCarol{3, "carol"};

constexpr MemberRole kOwner = MemberRole::kOwner;
constexpr MemberRole kModerator = MemberRole::kModerator;
constexpr MemberRole kMember = MemberRole::kMember;
constexpr int64_t kForever = 253'402'300'799'000;

ConversationRecord Room(bool is_private = true) {
  ConversationRecord c;
  c.id = 5;
  c.kind = "room";
  c.name = "secret";
  c.owner_id = kAlice.id;
  c.member_count = 2;
  c.is_private = is_private;
  return c;
}

InvitationRecord InvitationOf(const Party& invitee, const Party& inviter = kAlice) {
  return {5, "secret", invitee.id, inviter.id, inviter.username, 1000};
}

RoomState State(std::optional<MemberRole> actor, std::optional<MemberRole> target = std::nullopt,
                ConversationRecord room = Room()) {
  return RoomState{.room = std::move(room), .actor_role = actor, .target_role = target};
}

RoomRequestArgs Args(RoomAction action, Party actor, Party target = {}) {
  return RoomRequestArgs{.action = action, .actor = actor, .target = target};
}

TEST(PrivateRoomRulesTest, APrivateRoomCannotBeJoinedWithoutAnInvitationAndSaysNoSuchRoom) {
  auto c = DecideRoomChange(State(std::nullopt), Args(RoomAction::kJoin, kBob));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(c.status().message(), "no room named \"secret\"");
}

TEST(PrivateRoomRulesTest, JoiningWithAnInvitationAcceptsItAndTellsTheInviter) {
  RoomState s = State(std::nullopt);
  s.actor_invitation = InvitationOf(kBob);
  auto c = DecideRoomChange(s, Args(RoomAction::kAccept, kBob));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->add_actor);
  EXPECT_TRUE(c->drop_actor_invitation);
  EXPECT_EQ(c->entry_type, kTypeMemberJoined);
  ASSERT_EQ(c->events.size(), 3u);
  EXPECT_EQ(c->events[0].first, kBob.id);
  EXPECT_EQ(c->events[0].second.room().type(), "joined");
  EXPECT_EQ(c->events[1].first, kAlice.id);
  EXPECT_EQ(c->events[1].second.invitation().type(), "accepted");
  EXPECT_EQ(c->events[1].second.invitation().invitee(), "bob");
  EXPECT_EQ(c->events[2].first, kBob.id);
  EXPECT_EQ(c->events[2].second.invitation().type(), "accepted");
}

TEST(PrivateRoomRulesTest, AcceptingWithoutAnInvitationIsNotFound) {
  auto c = DecideRoomChange(State(std::nullopt, std::nullopt, Room(false)),
                            Args(RoomAction::kAccept, kBob));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(c.status().message(), HasSubstr("no invitation"));
}

TEST(PrivateRoomRulesTest, AnInvitedUserWhoWasBannedMeanwhileCannotJoin) {
  RoomState s = State(std::nullopt);
  s.actor_invitation = InvitationOf(kBob);
  s.actor_banned = true;
  auto c = DecideRoomChange(s, Args(RoomAction::kAccept, kBob));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(PrivateRoomRulesTest, DecliningDropsTheInvitationAndTellsTheInviterWithoutAnEntry) {
  RoomState s = State(std::nullopt);
  s.actor_invitation = InvitationOf(kBob, kCarol);
  auto c = DecideRoomChange(s, Args(RoomAction::kDecline, kBob));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->drop_actor_invitation);
  EXPECT_FALSE(c->add_actor);
  EXPECT_TRUE(c->entry_type.empty());
  ASSERT_EQ(c->events.size(), 2u);
  EXPECT_EQ(c->events[0].first, kCarol.id);
  EXPECT_EQ(c->events[0].second.invitation().type(), "declined");
  EXPECT_FALSE(c->events[0].second.has_room());
}

TEST(PrivateRoomRulesTest, ModeratorsInviteAndTheInviteeIsTold) {
  auto c = DecideRoomChange(State(kModerator), Args(RoomAction::kInvite, kCarol, kBob));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->invite_target);
  EXPECT_TRUE(c->entry_type.empty());
  ASSERT_EQ(c->events.size(), 1u);
  EXPECT_EQ(c->events[0].first, kBob.id);
  const v1::RoomInvitation& i = c->events[0].second.invitation();
  EXPECT_EQ(i.type(), "invited");
  EXPECT_EQ(i.inviter(), "carol");
  EXPECT_EQ(i.invitee(), "bob");
  EXPECT_EQ(i.conversation_id(), 5u);
}

TEST(PrivateRoomRulesTest, PlainMembersCannotInvite) {
  auto c = DecideRoomChange(State(kMember), Args(RoomAction::kInvite, kCarol, kBob));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(PrivateRoomRulesTest, MembersAndTheBannedCannotBeInvited) {
  auto member = DecideRoomChange(State(kOwner, kMember), Args(RoomAction::kInvite, kAlice, kBob));
  EXPECT_EQ(member.status().code(), absl::StatusCode::kAlreadyExists);
  RoomState s = State(kOwner);
  s.target_banned = true;
  auto banned = DecideRoomChange(s, Args(RoomAction::kInvite, kAlice, kBob));
  EXPECT_EQ(banned.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(banned.status().message(), HasSubstr("banned"));
}

TEST(PrivateRoomRulesTest, NoOneInABlockWithTheInviterCanBeInvited) {
  RoomState s = State(kOwner);
  s.blocked = true;
  auto c = DecideRoomChange(s, Args(RoomAction::kInvite, kAlice, kBob));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(c.status().message(), "you cannot invite this user");
}

TEST(PrivateRoomRulesTest, InvitingTwiceChangesNothing) {
  RoomState s = State(kOwner);
  s.target_invitation = InvitationOf(kBob);
  auto c = DecideRoomChange(s, Args(RoomAction::kInvite, kAlice, kBob));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->noop);
}

TEST(PrivateRoomRulesTest, PendingInvitationsAreLimitedPerRoomInviterAndInvitee) {
  RoomState room = State(kOwner);
  room.room_invitations = kMaxRoomInvitations;
  EXPECT_EQ(DecideRoomChange(room, Args(RoomAction::kInvite, kAlice, kBob)).status().code(),
            absl::StatusCode::kResourceExhausted);
  RoomState inviter = State(kOwner);
  inviter.actor_invitations_sent = kMaxInvitationsSent;
  EXPECT_EQ(DecideRoomChange(inviter, Args(RoomAction::kInvite, kAlice, kBob)).status().code(),
            absl::StatusCode::kResourceExhausted);
  RoomState invitee = State(kOwner);
  invitee.target_invitations = kMaxInvitationsHeld;
  EXPECT_EQ(DecideRoomChange(invitee, Args(RoomAction::kInvite, kAlice, kBob)).status().code(),
            absl::StatusCode::kResourceExhausted);
  invitee.target_invitations = kMaxInvitationsHeld - 1;
  EXPECT_TRUE(DecideRoomChange(invitee, Args(RoomAction::kInvite, kAlice, kBob)).ok());
}

TEST(PrivateRoomRulesTest, CancellingTellsTheInviteeWhoCancelled) {
  RoomState s = State(kModerator);
  s.target_invitation = InvitationOf(kBob);
  auto c = DecideRoomChange(s, Args(RoomAction::kCancelInvitation, kCarol, kBob));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->drop_target_invitation);
  ASSERT_EQ(c->events.size(), 1u);
  EXPECT_EQ(c->events[0].second.invitation().type(), "cancelled");
  EXPECT_EQ(c->events[0].second.invitation().by(), "carol");
  auto none =
      DecideRoomChange(State(kModerator), Args(RoomAction::kCancelInvitation, kCarol, kBob));
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
}

TEST(PrivateRoomRulesTest, BanningAnInvitedUserCancelsTheInvitation) {
  RoomState s = State(kOwner);
  s.target_invitation = InvitationOf(kBob);
  auto c = DecideRoomChange(s, Args(RoomAction::kBan, kAlice, kBob));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->drop_target_invitation);
  ASSERT_EQ(c->events.size(), 1u);
  EXPECT_EQ(c->events[0].second.invitation().type(), "cancelled");
}

TEST(PrivateRoomRulesTest, ModeratorsMuteMembersWithAnEntry) {
  RoomRequestArgs args = Args(RoomAction::kMute, kCarol, kBob);
  args.muted_until_ms = kForever;
  auto c = DecideRoomChange(State(kModerator, kMember), args);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->target_muted_until_ms, kForever);
  EXPECT_EQ(c->entry_type, kTypeMemberMuted);
  EXPECT_EQ(c->entry_text, "253402300799000");
  EXPECT_EQ(c->target_user_id, kBob.id);

  RoomState muted = State(kModerator, kMember);
  muted.target_muted_until_ms = kForever;
  args.muted_until_ms = 0;
  auto unmute = DecideRoomChange(muted, args);
  ASSERT_TRUE(unmute.ok());
  EXPECT_EQ(unmute->target_muted_until_ms, 0);
  EXPECT_EQ(unmute->entry_type, kTypeMemberUnmuted);
}

TEST(PrivateRoomRulesTest, AModeratorCannotMuteTheOwnerOrAnotherModerator) {
  RoomRequestArgs args = Args(RoomAction::kMute, kCarol, kAlice);
  args.muted_until_ms = kForever;
  EXPECT_EQ(DecideRoomChange(State(kModerator, kOwner), args).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(DecideRoomChange(State(kModerator, kModerator), args).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(DecideRoomChange(State(kMember, kMember), args).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(DecideRoomChange(State(kModerator, std::nullopt), args).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(PrivateRoomRulesTest, OnlyTheOwnerChangesPrivacyAndHistory) {
  RoomRequestArgs args = Args(RoomAction::kSetPrivacy, kAlice);
  args.is_private = false;
  auto c = DecideRoomChange(State(kOwner), args);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->is_private, false);
  EXPECT_EQ(c->entry_type, kTypeRoomPrivacyChanged);
  EXPECT_EQ(c->entry_text, "public");
  EXPECT_EQ(
      DecideRoomChange(State(kModerator), Args(RoomAction::kSetPrivacy, kCarol)).status().code(),
      absl::StatusCode::kPermissionDenied);

  RoomRequestArgs history = Args(RoomAction::kSetHistory, kAlice);
  history.history = RoomHistory::kSinceJoin;
  auto h = DecideRoomChange(State(kOwner), history);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->history, RoomHistory::kSinceJoin);
  EXPECT_EQ(h->entry_text, "since_join");
  history.actor = kCarol;
  EXPECT_EQ(DecideRoomChange(State(kModerator), history).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(PrivateRoomRulesTest, APrivateRoomIsVisibleOnlyToMembersAndInvitees) {
  ConversationRecord room = Room();
  EXPECT_FALSE(RoomVisible(room, false));
  EXPECT_TRUE(RoomVisible(room, true));
  room.is_member = true;
  EXPECT_TRUE(RoomVisible(room, false));
  EXPECT_TRUE(RoomVisible(Room(false), false));
}

TEST(PrivateRoomRulesTest, ASinceJoinMemberReadsFromTheirJoinOn) {
  ConversationRecord room = Room();
  room.is_member = true;
  room.joined_seq = 7;
  EXPECT_TRUE(CanReadSeq(room, 1));  // history "all"
  room.history = RoomHistory::kSinceJoin;
  EXPECT_EQ(ReadableFrom(room), 7u);
  EXPECT_FALSE(CanReadSeq(room, 6));
  EXPECT_TRUE(CanReadSeq(room, 7));
  room.joined_seq = 0;  // a member from before joined_seq was kept
  EXPECT_TRUE(CanReadSeq(room, 1));
  room.is_member = false;
  EXPECT_FALSE(CanReadSeq(room, 9));
}

TEST(PrivateRoomRulesTest, AMutedMemberCannotPostUntilTheMuteEnds) {
  ConversationRecord room = Room();
  room.muted_until_ms = 5000;
  auto s = CheckMayPost(room, 4000);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("until 1970-01-01T00:00:05Z"));
  EXPECT_TRUE(CheckMayPost(room, 5000).ok());
  room.muted_until_ms = kForever;
  EXPECT_THAT(CheckMayPost(room, 4000).message(), HasSubstr("until they unmute you"));
}

}  // namespace
}  // namespace natter::chat
