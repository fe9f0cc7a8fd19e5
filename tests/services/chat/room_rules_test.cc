// The room rules, action by action and state by state.
#include "room_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace natter::chat {
namespace {

using ::testing::HasSubstr;

const Party kAlice{1, "alice"};
const Party kBob{2, "bob"};

ConversationRecord Room(const std::string& name, uint64_t owner = 1, uint32_t members = 2) {
  ConversationRecord c;
  c.id = 5;
  c.kind = "room";
  c.name = name;
  c.owner_id = owner;
  c.member_count = members;
  c.topic = "old topic";
  return c;
}

constexpr MemberRole kOwner = MemberRole::kOwner;
constexpr MemberRole kModerator = MemberRole::kModerator;
constexpr MemberRole kMember = MemberRole::kMember;

// The room as the actor (of `role`, if a member) finds it; with `target`, the target is a plain
// member.
RoomState State(ConversationRecord room, std::optional<MemberRole> role, bool target = false,
                std::optional<uint64_t> successor = std::nullopt) {
  RoomState state{.room = std::move(room), .actor_role = role, .successor = successor};
  if (target) state.target_role = kMember;
  return state;
}

RoomRequestArgs Args(RoomAction action, Party actor = kAlice, Party target = {}) {
  return RoomRequestArgs{.action = action, .actor = actor, .target = target};
}

std::string Error(const absl::StatusOr<RoomChange>& c) { return std::string(c.status().message()); }

TEST(RoomRulesTest, JoiningAddsTheMemberAndTellsTheirDevices) {
  auto c = DecideRoomChange(State(Room("dev"), std::nullopt), Args(RoomAction::kJoin, kBob));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->add_actor);
  EXPECT_FALSE(c->new_owner.has_value());
  EXPECT_EQ(c->entry_type, kTypeMemberJoined);
  ASSERT_EQ(c->events.size(), 1u);
  EXPECT_EQ(c->events[0].first, kBob.id);
  EXPECT_EQ(c->events[0].second.room().type(), "joined");
  EXPECT_EQ(c->events[0].second.room().conversation_id(), 5u);
}

TEST(RoomRulesTest, JoiningARoomOneIsInChangesNothing) {
  auto c = DecideRoomChange(State(Room("dev"), kMember), Args(RoomAction::kJoin, kBob));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->noop);
  EXPECT_TRUE(c->events.empty());
}

TEST(RoomRulesTest, JoiningAnOwnerlessRoomAdoptsIt) {
  auto c = DecideRoomChange(State(Room("dev", 0, 0), std::nullopt), Args(RoomAction::kJoin, kBob));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->new_owner, kBob.id);
}

TEST(RoomRulesTest, AFullRoomRefusesNewMembers) {
  auto c = DecideRoomChange(State(Room("dev", 1, kMaxRoomMembers), std::nullopt),
                            Args(RoomAction::kJoin, kBob));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Error(c), HasSubstr("is full"));
}

TEST(RoomRulesTest, LeavingRemovesTheMember) {
  auto c = DecideRoomChange(State(Room("dev"), kMember), Args(RoomAction::kLeave, kBob));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->remove_actor);
  EXPECT_FALSE(c->new_owner.has_value());
  EXPECT_EQ(c->entry_type, kTypeMemberLeft);
  EXPECT_EQ(c->events.at(0).second.room().type(), "left");
}

TEST(RoomRulesTest, AnOwnerWhoLeavesHandsTheRoomToTheLongestMember) {
  auto c = DecideRoomChange(State(Room("dev"), kOwner, false, kBob.id),
                            Args(RoomAction::kLeave, kAlice));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->new_owner, kBob.id);
}

TEST(RoomRulesTest, TheLastOwnerLeavingLeavesTheRoomOwnerless) {
  auto c = DecideRoomChange(State(Room("dev", 1, 1), kOwner), Args(RoomAction::kLeave, kAlice));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->new_owner, 0u);
}

TEST(RoomRulesTest, LeavingARoomOneIsNotInIsRefused) {
  auto c = DecideRoomChange(State(Room("dev"), std::nullopt), Args(RoomAction::kLeave, kBob));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Error(c), "you are not in room \"dev\"");
}

TEST(RoomRulesTest, TheLobbyCannotBeLeftOrChanged) {
  EXPECT_TRUE(
      DecideRoomChange(State(Room("lobby", 0), std::nullopt), Args(RoomAction::kJoin))->noop);
  EXPECT_EQ(DecideRoomChange(State(Room("lobby", 0), std::nullopt), Args(RoomAction::kLeave))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  for (auto action :
       {RoomAction::kRemove, RoomAction::kSetRole, RoomAction::kSetTopic, RoomAction::kRename}) {
    EXPECT_EQ(DecideRoomChange(State(Room("lobby", 0), std::nullopt), Args(action)).status().code(),
              absl::StatusCode::kPermissionDenied);
  }
}

TEST(RoomRulesTest, TheOwnerRemovesAMember) {
  auto c = DecideRoomChange(State(Room("dev"), kOwner, /*target=*/true),
                            Args(RoomAction::kRemove, kAlice, kBob));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->remove_target);
  EXPECT_EQ(c->entry_type, kTypeMemberRemoved);
  EXPECT_EQ(c->target_user_id, kBob.id);
  EXPECT_EQ(c->target_user, "bob");
  ASSERT_EQ(c->events.size(), 1u);
  EXPECT_EQ(c->events[0].first, kBob.id);
  EXPECT_EQ(c->events[0].second.room().type(), "removed");
  EXPECT_EQ(c->events[0].second.room().by(), "alice");
}

TEST(RoomRulesTest, OnlyTheOwnerRemovesMembers) {
  auto c =
      DecideRoomChange(State(Room("dev"), kMember, true), Args(RoomAction::kRemove, kBob, kAlice));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Error(c), "only the owner and moderators of \"dev\" can remove members");
  c = DecideRoomChange(State(Room("dev"), std::nullopt, true),
                       Args(RoomAction::kRemove, kBob, kAlice));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(RoomRulesTest, RemovingSomeoneNotInTheRoomIsNotFound) {
  auto c =
      DecideRoomChange(State(Room("dev"), kOwner, false), Args(RoomAction::kRemove, kAlice, kBob));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Error(c), "bob is not in room \"dev\"");
}

TEST(RoomRulesTest, TheOwnerCannotRemoveThemselves) {
  auto c =
      DecideRoomChange(State(Room("dev"), kOwner, true), Args(RoomAction::kRemove, kAlice, kAlice));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RoomRulesTest, TheOwnerSetsTheTopic) {
  RoomRequestArgs args = Args(RoomAction::kSetTopic);
  args.topic = "release planning";
  auto c = DecideRoomChange(State(Room("dev"), kOwner), args);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->topic, "release planning");
  EXPECT_EQ(c->entry_type, kTypeTopicChanged);
  EXPECT_EQ(c->entry_text, "release planning");
  EXPECT_TRUE(c->events.empty());
  args.topic = "old topic";
  EXPECT_TRUE(DecideRoomChange(State(Room("dev"), kOwner), args)->noop);
}

TEST(RoomRulesTest, OnlyTheOwnerSetsTheTopicOrRenames) {
  RoomRequestArgs topic = Args(RoomAction::kSetTopic, kBob);
  topic.topic = "mine now";
  EXPECT_EQ(DecideRoomChange(State(Room("dev"), kMember), topic).status().code(),
            absl::StatusCode::kPermissionDenied);
  RoomRequestArgs rename = Args(RoomAction::kRename, kBob);
  rename.name = "bobs";
  rename.name_key = "bobs";
  auto c = DecideRoomChange(State(Room("dev"), kMember), rename);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Error(c), "only the owner of \"dev\" can rename it");
}

TEST(RoomRulesTest, TheOwnerRenames) {
  RoomRequestArgs args = Args(RoomAction::kRename);
  args.name = "Engineering";
  args.name_key = "engineering";
  auto c = DecideRoomChange(State(Room("dev"), kOwner), args);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->name, "Engineering");
  EXPECT_EQ(c->name_key, "engineering");
  EXPECT_EQ(c->entry_type, kTypeRoomRenamed);
  EXPECT_EQ(c->entry_text, "Engineering");
}

// ---- bans (issue 19) ----

RoomState Banned(RoomState state, bool actor_banned, bool target_banned) {
  state.actor_banned = actor_banned;
  state.target_banned = target_banned;
  return state;
}

TEST(RoomRulesTest, ABannedUserCannotJoin) {
  auto c = DecideRoomChange(Banned(State(Room("dev"), std::nullopt), true, false),
                            Args(RoomAction::kJoin, kBob));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Error(c), "you are banned from room \"dev\"");
}

TEST(RoomRulesTest, BanningAMemberRemovesThemAndTellsTheirDevices) {
  auto c = DecideRoomChange(State(Room("dev"), kOwner, /*target=*/true),
                            Args(RoomAction::kBan, kAlice, kBob));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->ban_target, true);
  EXPECT_TRUE(c->remove_target);
  EXPECT_EQ(c->entry_type, kTypeMemberRemoved);
  EXPECT_EQ(c->entry_text, "banned");
  EXPECT_EQ(c->target_user_id, kBob.id);
  ASSERT_EQ(c->events.size(), 1u);
  EXPECT_EQ(c->events[0].first, kBob.id);
  EXPECT_EQ(c->events[0].second.room().type(), "removed");
  EXPECT_EQ(c->events[0].second.room().by(), "alice");
}

TEST(RoomRulesTest, BanningANonMemberKeepsThemOutWithoutAnEntry) {
  auto c = DecideRoomChange(State(Room("dev"), kOwner, /*target=*/false),
                            Args(RoomAction::kBan, kAlice, kBob));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->ban_target, true);
  EXPECT_FALSE(c->remove_target);
  EXPECT_TRUE(c->entry_type.empty());
  EXPECT_TRUE(c->events.empty());
}

TEST(RoomRulesTest, APlainMemberNeitherBansNorLiftsBans) {
  for (RoomAction action : {RoomAction::kBan, RoomAction::kUnban}) {
    auto c = DecideRoomChange(Banned(State(Room("dev"), kMember, true), false, true),
                              Args(action, kBob, Party{3, "carol"}));
    EXPECT_EQ(c.status().code(), absl::StatusCode::kPermissionDenied);
  }
  auto self = DecideRoomChange(State(Room("dev"), kOwner), Args(RoomAction::kBan, kAlice, kAlice));
  EXPECT_EQ(self.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RoomRulesTest, BanningTwiceChangesNothingAndUnbanNeedsABan) {
  auto again = DecideRoomChange(Banned(State(Room("dev"), kOwner), false, true),
                                Args(RoomAction::kBan, kAlice, kBob));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->noop);
  auto unban = DecideRoomChange(Banned(State(Room("dev"), kOwner), false, true),
                                Args(RoomAction::kUnban, kAlice, kBob));
  ASSERT_TRUE(unban.ok());
  EXPECT_EQ(unban->ban_target, false);
  EXPECT_TRUE(unban->entry_type.empty());
  auto none = DecideRoomChange(State(Room("dev"), kOwner), Args(RoomAction::kUnban, kAlice, kBob));
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Error(none), "bob is not banned from room \"dev\"");
}

// ---- moderators (issue 19 item 13) ----

const Party kCarol{3, "carol"};

// The room as the actor (of `role`) finds it, with the target (if a member) of `target`.
RoomState Roles(MemberRole actor, std::optional<MemberRole> target) {
  RoomState state = State(Room("dev"), actor);
  state.target_role = target;
  return state;
}

TEST(RoomRulesTest, AModeratorRemovesBansAndUnbansPlainMembers) {
  auto removed =
      DecideRoomChange(Roles(kModerator, kMember), Args(RoomAction::kRemove, kBob, kCarol));
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_TRUE(removed->remove_target);
  EXPECT_EQ(removed->entry_type, kTypeMemberRemoved);
  EXPECT_EQ(removed->events.at(0).second.room().by(), "bob");
  auto banned = DecideRoomChange(Roles(kModerator, kMember), Args(RoomAction::kBan, kBob, kCarol));
  ASSERT_TRUE(banned.ok()) << banned.status();
  EXPECT_EQ(banned->ban_target, true);
  EXPECT_TRUE(banned->remove_target);
  // Someone not in the room, banned before they come, and a ban lifted.
  auto kept_out =
      DecideRoomChange(Roles(kModerator, std::nullopt), Args(RoomAction::kBan, kBob, kCarol));
  ASSERT_TRUE(kept_out.ok()) << kept_out.status();
  EXPECT_EQ(kept_out->ban_target, true);
  auto lifted = DecideRoomChange(Banned(Roles(kModerator, std::nullopt), false, true),
                                 Args(RoomAction::kUnban, kBob, kCarol));
  ASSERT_TRUE(lifted.ok()) << lifted.status();
  EXPECT_EQ(lifted->ban_target, false);
}

TEST(RoomRulesTest, AModeratorCannotRemoveOrBanTheOwner) {
  for (RoomAction action : {RoomAction::kRemove, RoomAction::kBan}) {
    auto c = DecideRoomChange(Roles(kModerator, kOwner), Args(action, kBob, kAlice));
    EXPECT_EQ(c.status().code(), absl::StatusCode::kPermissionDenied);
  }
  auto c = DecideRoomChange(Roles(kModerator, kOwner), Args(RoomAction::kBan, kBob, kAlice));
  EXPECT_EQ(Error(c), "alice owns room \"dev\"; moderators cannot ban the owner");
}

TEST(RoomRulesTest, AModeratorCannotRemoveOrBanAnotherModerator) {
  for (RoomAction action : {RoomAction::kRemove, RoomAction::kBan}) {
    auto c = DecideRoomChange(Roles(kModerator, kModerator), Args(action, kBob, kCarol));
    EXPECT_EQ(c.status().code(), absl::StatusCode::kPermissionDenied);
  }
  auto c = DecideRoomChange(Roles(kModerator, kModerator), Args(RoomAction::kRemove, kBob, kCarol));
  EXPECT_EQ(Error(c), "carol is a moderator of \"dev\" too; only the owner can remove a moderator");
  auto self =
      DecideRoomChange(Roles(kModerator, kModerator), Args(RoomAction::kRemove, kBob, kBob));
  EXPECT_EQ(self.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RoomRulesTest, TheOwnerRemovesAndBansModerators) {
  for (RoomAction action : {RoomAction::kRemove, RoomAction::kBan}) {
    auto c = DecideRoomChange(Roles(kOwner, kModerator), Args(action, kAlice, kBob));
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_TRUE(c->remove_target);  // and with the membership, the role
  }
}

TEST(RoomRulesTest, TheOwnerMakesAMemberAModerator) {
  RoomRequestArgs args = Args(RoomAction::kSetRole, kAlice, kBob);
  args.role = kModerator;
  auto c = DecideRoomChange(Roles(kOwner, kMember), args);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->target_role, kModerator);
  EXPECT_FALSE(c->remove_target);
  EXPECT_EQ(c->entry_type, kTypeMemberRoleChanged);
  EXPECT_EQ(c->entry_text, "moderator");
  EXPECT_EQ(c->target_user_id, kBob.id);
  EXPECT_EQ(c->target_user, "bob");
  // The target stays in the room: no membership event (gateways would unsubscribe them).
  EXPECT_TRUE(c->events.empty());
}

TEST(RoomRulesTest, TheOwnerMakesAModeratorAMemberAgain) {
  RoomRequestArgs args = Args(RoomAction::kSetRole, kAlice, kBob);
  args.role = kMember;
  auto c = DecideRoomChange(Roles(kOwner, kModerator), args);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->target_role, kMember);
  EXPECT_EQ(c->entry_type, kTypeMemberRoleChanged);
  EXPECT_EQ(c->entry_text, "member");
}

TEST(RoomRulesTest, GivingARoleSomeoneHasChangesNothing) {
  for (MemberRole role : {kModerator, kMember}) {
    RoomRequestArgs args = Args(RoomAction::kSetRole, kAlice, kBob);
    args.role = role;
    auto c = DecideRoomChange(Roles(kOwner, role), args);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_TRUE(c->noop);
    EXPECT_TRUE(c->entry_type.empty());
  }
}

TEST(RoomRulesTest, OnlyTheOwnerChangesRoles) {
  RoomRequestArgs args = Args(RoomAction::kSetRole, kBob, kCarol);
  args.role = kModerator;
  for (std::optional<MemberRole> actor :
       {std::optional(kModerator), std::optional(kMember), std::optional<MemberRole>()}) {
    RoomState state = State(Room("dev"), actor);
    state.target_role = kMember;
    auto c = DecideRoomChange(state, args);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(Error(c), "only the owner of \"dev\" can appoint or remove moderators");
  }
}

TEST(RoomRulesTest, TheOwnersOwnRoleCannotChangeAndThereIsOneOwner) {
  RoomRequestArgs self = Args(RoomAction::kSetRole, kAlice, kAlice);
  self.role = kModerator;
  auto c = DecideRoomChange(Roles(kOwner, kOwner), self);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Error(c), HasSubstr("the owner's role cannot change"));
  RoomRequestArgs second_owner = Args(RoomAction::kSetRole, kAlice, kBob);
  second_owner.role = kOwner;
  EXPECT_EQ(DecideRoomChange(Roles(kOwner, kMember), second_owner).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RoomRulesTest, ARoleIsForAMember) {
  RoomRequestArgs args = Args(RoomAction::kSetRole, kAlice, kBob);
  args.role = kModerator;
  auto c = DecideRoomChange(Roles(kOwner, std::nullopt), args);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Error(c), "bob is not in room \"dev\"");
}

TEST(RoomRulesTest, AModeratorNeitherSetsTheTopicNorRenames) {
  RoomRequestArgs topic = Args(RoomAction::kSetTopic, kBob);
  topic.topic = "mine now";
  EXPECT_EQ(DecideRoomChange(State(Room("dev"), kModerator), topic).status().code(),
            absl::StatusCode::kPermissionDenied);
  RoomRequestArgs rename = Args(RoomAction::kRename, kBob);
  rename.name = "bobs";
  rename.name_key = "bobs";
  EXPECT_EQ(DecideRoomChange(State(Room("dev"), kModerator), rename).status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace natter::chat
