// RoomService on fakes: creating, joining, leaving, removing members, topic and name; what each
// stores, publishes and refuses.
#include "room_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "common/name_skeleton.h"
#include "common/text.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_event_publisher.h"
#include "fakes/fake_message_store.h"
#include "fakes/fake_rate_limiter.h"
#include "fakes/fake_user_directory.h"
#include "natter/v1/gateway.pb.h"
#include "services/chat/callers.h"

namespace natter::chat {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

class RoomServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    users_.Set(1, "alice");
    users_.Set(2, "bob");
    users_.Set(3, "carol");
    users_.Set(4, "dave");
  }

  absl::StatusOr<v1::RoomResponse> Create(const v1::Caller& who, const std::string& name,
                                          const std::string& topic = "") {
    v1::CreateRoomRequest r;
    *r.mutable_caller() = who;
    r.set_name(name);
    r.set_topic(topic);
    return rooms_.CreateRoom(r);
  }
  v1::RoomRequest Req(const v1::Caller& who, const std::string& room) {
    v1::RoomRequest r;
    *r.mutable_caller() = who;
    r.set_room(room);
    return r;
  }
  absl::StatusOr<v1::RoomResponse> Kick(const v1::Caller& who, const std::string& room,
                                        const std::string& user,
                                        v1::MemberAction action = v1::MEMBER_ACTION_REMOVE) {
    v1::RemoveMemberRequest r;
    *r.mutable_caller() = who;
    r.set_room(room);
    r.set_username(user);
    r.set_action(action);
    return rooms_.RemoveMember(r);
  }
  absl::StatusOr<v1::RoomResponse> Ban(const v1::Caller& who, const std::string& room,
                                       const std::string& user) {
    return Kick(who, room, user, v1::MEMBER_ACTION_BAN);
  }
  absl::StatusOr<v1::RoomResponse> Unban(const v1::Caller& who, const std::string& room,
                                         const std::string& user) {
    return Kick(who, room, user, v1::MEMBER_ACTION_UNBAN);
  }
  absl::StatusOr<v1::RoomMembersResponse> Bans(const v1::Caller& who, const std::string& room) {
    v1::RoomRequest r = Req(who, room);
    r.set_bans(true);
    return rooms_.RoomMembers(r);
  }
  absl::StatusOr<v1::RoomResponse> SetRole(const v1::Caller& who, const std::string& room,
                                           const std::string& user, v1::RoomRole role) {
    v1::SetMemberRoleRequest r;
    *r.mutable_caller() = who;
    r.set_room(room);
    r.set_username(user);
    r.set_role(role);
    return rooms_.SetMemberRole(r);
  }
  absl::StatusOr<v1::RoomResponse> Mod(const v1::Caller& who, const std::string& room,
                                       const std::string& user) {
    return SetRole(who, room, user, v1::ROOM_ROLE_MODERATOR);
  }
  std::vector<std::string> Members(const std::string& room) {
    auto members = rooms_.RoomMembers(Req(alice_, room));
    EXPECT_TRUE(members.ok()) << members.status();
    std::vector<std::string> out;
    for (const auto& m : members->members()) out.push_back(m.username() + ":" + m.role());
    return out;
  }
  std::vector<std::string> EntryTypes(uint64_t room) {
    std::vector<std::string> out;
    for (const auto& m : store_.Messages(room)) out.push_back(m.type());
    return out;
  }

  const v1::Caller alice_ = MakeCaller(1, "alice");
  const v1::Caller bob_ = MakeCaller(2, "bob");
  const v1::Caller carol_ = MakeCaller(3, "carol");
  const v1::Caller dave_ = MakeCaller(4, "dave");
  fakes::FakeMessageStore store_;
  fakes::FakeEventPublisher publisher_;
  fakes::FakeClock clock_;
  fakes::FakeUserDirectory users_;
  fakes::FakeRateLimiter limiter_{clock_};
  RoomService rooms_{store_, publisher_, users_, limiter_, ChatLimits::Unlimited(), clock_};
};

TEST_F(RoomServiceTest, TheCreatorOwnsANewRoom) {
  auto room = Create(alice_, "Dev", "all things build");
  ASSERT_TRUE(room.ok()) << room.status();
  EXPECT_EQ(room->room().name(), "Dev");
  EXPECT_EQ(room->room().topic(), "all things build");
  EXPECT_EQ(room->room().owner(), "alice");
  EXPECT_EQ(room->room().member_count(), 1u);
  EXPECT_EQ(room->room().latest_seq(), 1u);
  EXPECT_THAT(EntryTypes(room->room().id()), ElementsAre("room_created"));
  EXPECT_THAT(Members("dev"), ElementsAre("alice:owner"));
  auto events = store_.UserEvents();
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].event.room().type(), "joined");
}

TEST_F(RoomServiceTest, RoomNamesAreCheckedAndUniqueIgnoringCase) {
  ASSERT_TRUE(Create(alice_, "dev").ok());
  auto taken = Create(bob_, "DEV");
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(taken.status().message(), "a room named \"DEV\" exists already");
  EXPECT_EQ(Create(bob_, "lobby").status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Create(bob_, "x").status().message(), "room name must be 2 to 32 characters long");
  EXPECT_EQ(Create(bob_, "has space").status().message(),
            "room name may contain only letters, digits, '_', '.' and '-'");
  EXPECT_TRUE(Create(bob_, "café-crème").ok());
  EXPECT_EQ(Create(bob_, "news", std::string(251, 't')).status().message(),
            "topic must be at most 250 characters long");
  EXPECT_EQ(Create(bob_, "news", "two\nlines").status().message(), "topic must be one line");
}

TEST_F(RoomServiceTest, JoiningAndLeavingAreEntriesAndUserEvents) {
  auto room = Create(alice_, "dev");
  ASSERT_TRUE(room.ok());
  uint64_t id = room->room().id();
  publisher_.Clear();
  auto joined = rooms_.JoinRoom(Req(bob_, "dev"));
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->room().member_count(), 2u);
  EXPECT_THAT(Members("dev"), ElementsAre("alice:owner", "bob:member"));
  // Joining twice changes nothing.
  ASSERT_TRUE(rooms_.JoinRoom(Req(bob_, "dev")).ok());
  ASSERT_TRUE(rooms_.LeaveRoom(Req(bob_, "dev")).ok());
  EXPECT_THAT(EntryTypes(id), ElementsAre("room_created", "member_joined", "member_left"));
  EXPECT_THAT(Members("dev"), ElementsAre("alice:owner"));

  std::vector<std::string> channels;
  for (const auto& p : publisher_.published()) channels.push_back(p.channel);
  // Entry on the room, event to the user, audience change for presence; twice.
  EXPECT_THAT(channels,
              ElementsAre("room:" + std::to_string(id), "user:2", "presence:audience_changed",
                          "room:" + std::to_string(id), "user:2", "presence:audience_changed"));
  auto events = store_.UserEvents();
  ASSERT_THAT(events, SizeIs(3));
  EXPECT_EQ(events[1].event.room().type(), "joined");
  EXPECT_EQ(events[1].event.room().seq(), 2u);  // the seq of the member_joined entry
  EXPECT_EQ(events[2].event.room().type(), "left");
}

TEST_F(RoomServiceTest, UnknownRoomsAreNotFound) {
  auto join = rooms_.JoinRoom(Req(bob_, "nowhere"));
  EXPECT_EQ(join.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(join.status().message(), "no room named \"nowhere\"");
}

TEST_F(RoomServiceTest, TheOwnerRemovesAMemberWhoIsTold) {
  ASSERT_TRUE(Create(alice_, "dev").ok());
  ASSERT_TRUE(rooms_.JoinRoom(Req(bob_, "dev")).ok());
  ASSERT_TRUE(rooms_.JoinRoom(Req(carol_, "dev")).ok());
  EXPECT_EQ(Kick(bob_, "dev", "carol").status().code(), absl::StatusCode::kPermissionDenied);
  auto kicked = Kick(alice_, "dev", "carol");
  ASSERT_TRUE(kicked.ok()) << kicked.status();
  EXPECT_THAT(Members("dev"), ElementsAre("alice:owner", "bob:member"));
  auto events = store_.UserEvents();
  EXPECT_EQ(events.back().user_id, 3u);
  EXPECT_EQ(events.back().event.room().type(), "removed");
  EXPECT_EQ(events.back().event.room().by(), "alice");
  EXPECT_EQ(Kick(alice_, "dev", "nobody").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RoomServiceTest, OwnershipPassesOnWhenTheOwnerLeaves) {
  ASSERT_TRUE(Create(alice_, "dev").ok());
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(rooms_.JoinRoom(Req(bob_, "dev")).ok());
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(rooms_.JoinRoom(Req(carol_, "dev")).ok());
  auto left = rooms_.LeaveRoom(Req(alice_, "dev"));
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(left->room().owner(), "bob");
  auto members = rooms_.RoomMembers(Req(carol_, "dev"));
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->members(0).username(), "bob");
  EXPECT_EQ(members->members(0).role(), "owner");
}

TEST_F(RoomServiceTest, TheOwnerSetsTopicAndRenames) {
  auto room = Create(alice_, "dev");
  ASSERT_TRUE(room.ok());
  ASSERT_TRUE(Create(bob_, "ops").ok());
  v1::UpdateRoomRequest r;
  *r.mutable_caller() = alice_;
  r.set_room("dev");
  r.set_topic("ship it");
  r.set_new_name("Engineering");
  auto updated = rooms_.UpdateRoom(r);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->room().name(), "Engineering");
  EXPECT_EQ(updated->room().topic(), "ship it");
  EXPECT_THAT(EntryTypes(room->room().id()),
              ElementsAre("room_created", "room_renamed", "topic_changed"));
  r.set_room("engineering");
  r.clear_topic();
  r.set_new_name("OPS");
  EXPECT_EQ(rooms_.UpdateRoom(r).status().code(), absl::StatusCode::kAlreadyExists);
  *r.mutable_caller() = bob_;
  r.clear_new_name();
  r.set_topic("hijack");
  EXPECT_EQ(rooms_.UpdateRoom(r).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(RoomServiceTest, ListsRoomsByNameWithMembership) {
  ASSERT_TRUE(Create(alice_, "dev").ok());
  ASSERT_TRUE(Create(bob_, "design").ok());
  ASSERT_TRUE(Create(bob_, "ops").ok());
  v1::ListRoomsRequest r;
  *r.mutable_caller() = alice_;
  r.set_prefix("DE");
  auto list = rooms_.ListRooms(r);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->rooms_size(), 2);
  EXPECT_EQ(list->rooms(0).room().name(), "design");
  EXPECT_FALSE(list->rooms(0).joined());
  EXPECT_EQ(list->rooms(1).room().name(), "dev");
  EXPECT_TRUE(list->rooms(1).joined());
  r.clear_prefix();
  r.set_limit(2);
  EXPECT_EQ(rooms_.ListRooms(r)->rooms_size(), 2);
  r.set_limit(201);
  EXPECT_EQ(rooms_.ListRooms(r).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RoomServiceTest, TheLobbyCannotBeLeftAndListsNoMembers) {
  EXPECT_EQ(rooms_.LeaveRoom(Req(alice_, "lobby")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(rooms_.RoomMembers(Req(alice_, "lobby")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(rooms_.JoinRoom(Req(alice_, "lobby")).ok());
}

// ---- bans (issue 19) ----

TEST_F(RoomServiceTest, ABannedMemberIsRemovedAndCannotRejoinUntilUnbanned) {
  ASSERT_TRUE(Create(alice_, "dev").ok());
  ASSERT_TRUE(rooms_.JoinRoom(Req(bob_, "dev")).ok());
  auto banned = Ban(alice_, "dev", "bob");
  ASSERT_TRUE(banned.ok()) << banned.status();
  EXPECT_THAT(Members("dev"), ElementsAre("alice:owner"));
  auto events = store_.UserEvents();
  EXPECT_EQ(events.back().user_id, 2u);
  EXPECT_EQ(events.back().event.room().type(), "removed");  // bob's gateways unsubscribe
  auto rejoin = rooms_.JoinRoom(Req(bob_, "dev"));
  EXPECT_EQ(rejoin.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(rejoin.status().message(), "you are banned from room \"dev\"");
  EXPECT_THAT(Members("dev"), ElementsAre("alice:owner"));
  ASSERT_TRUE(Unban(alice_, "dev", "bob").ok());
  ASSERT_TRUE(rooms_.JoinRoom(Req(bob_, "dev")).ok());
  EXPECT_THAT(Members("dev"), ElementsAre("alice:owner", "bob:member"));
}

TEST_F(RoomServiceTest, AKickedMemberMayRejoinButABannedOneMayNot) {
  ASSERT_TRUE(Create(alice_, "dev").ok());
  ASSERT_TRUE(rooms_.JoinRoom(Req(bob_, "dev")).ok());
  ASSERT_TRUE(Kick(alice_, "dev", "bob").ok());
  EXPECT_TRUE(rooms_.JoinRoom(Req(bob_, "dev")).ok());
  // A ban may come before they ever join.
  ASSERT_TRUE(Ban(alice_, "dev", "carol").ok());
  EXPECT_EQ(rooms_.JoinRoom(Req(carol_, "dev")).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(RoomServiceTest, TheOwnerListsBansAndOnlyTheOwnerBans) {
  ASSERT_TRUE(Create(alice_, "dev").ok());
  ASSERT_TRUE(rooms_.JoinRoom(Req(bob_, "dev")).ok());
  EXPECT_EQ(Ban(bob_, "dev", "carol").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Unban(bob_, "dev", "carol").status().code(), absl::StatusCode::kPermissionDenied);
  clock_.SetNowMs(1'000);
  ASSERT_TRUE(Ban(alice_, "dev", "carol").ok());
  clock_.SetNowMs(2'000);
  ASSERT_TRUE(Ban(alice_, "dev", "bob").ok());
  auto bans = Bans(alice_, "dev");
  ASSERT_TRUE(bans.ok()) << bans.status();
  ASSERT_THAT(bans->bans(), SizeIs(2));
  EXPECT_EQ(bans->bans(0).username(), "bob");  // newest first
  EXPECT_EQ(bans->bans(0).by(), "alice");
  EXPECT_EQ(bans->bans(0).banned_at_ms(), 2'000);
  EXPECT_EQ(bans->bans(1).username(), "carol");
  EXPECT_TRUE(bans->members().empty());
  EXPECT_EQ(Bans(carol_, "dev").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Unban(alice_, "dev", "alice").status().code(), absl::StatusCode::kNotFound);
  v1::RemoveMemberRequest odd;
  *odd.mutable_caller() = alice_;
  odd.set_room("dev");
  odd.set_username("bob");
  odd.set_action(static_cast<v1::MemberAction>(42));
  EXPECT_EQ(rooms_.RemoveMember(odd).status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- moderators (issue 19 item 13) ----

// alice owns "dev"; bob, carol and dave joined in that order, a second apart.
class ModeratorsTest : public RoomServiceTest {
 protected:
  void SetUp() override {
    RoomServiceTest::SetUp();
    auto created = Create(alice_, "dev");
    ASSERT_TRUE(created.ok()) << created.status();
    room_ = created->room().id();
    for (const v1::Caller* who : {&bob_, &carol_, &dave_}) {
      clock_.Advance(std::chrono::seconds(1));
      ASSERT_TRUE(rooms_.JoinRoom(Req(*who, "dev")).ok());
    }
  }
  uint64_t room_ = 0;
};

TEST_F(ModeratorsTest, TheOwnerMakesAMemberAModeratorAndTheRoomSeesIt) {
  publisher_.Clear();
  auto made = Mod(alice_, "dev", "bob");
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_THAT(Members("dev"),
              ElementsAre("alice:owner", "bob:moderator", "carol:member", "dave:member"));
  // An entry of the room, pushed to its members like every other change.
  auto entries = store_.Messages(room_);
  const v1::ChatMessage& entry = entries.back();
  EXPECT_EQ(entry.type(), "member_role_changed");
  EXPECT_EQ(entry.text(), "moderator");
  EXPECT_EQ(entry.sender(), "alice");
  EXPECT_EQ(entry.target_user_id(), 2u);
  EXPECT_EQ(entry.target_user(), "bob");
  auto published = publisher_.published();
  ASSERT_THAT(published, SizeIs(1));
  EXPECT_EQ(published[0].channel, "room:" + std::to_string(room_));
  v1::ServerEvent pushed;
  ASSERT_TRUE(pushed.ParseFromString(published[0].payload));
  EXPECT_EQ(pushed.message().type(), "member_role_changed");
  EXPECT_EQ(pushed.message().target_user(), "bob");
  // Granting it again changes nothing and says nothing.
  const size_t stored = store_.Messages(room_).size();
  ASSERT_TRUE(Mod(alice_, "dev", "bob").ok());
  EXPECT_EQ(store_.Messages(room_).size(), stored);
  EXPECT_THAT(publisher_.published(), SizeIs(1));
  // And back: a member again, another entry.
  ASSERT_TRUE(SetRole(alice_, "dev", "bob", v1::ROOM_ROLE_MEMBER).ok());
  EXPECT_EQ(store_.Messages(room_).back().text(), "member");
  EXPECT_THAT(Members("dev"),
              ElementsAre("alice:owner", "bob:member", "carol:member", "dave:member"));
}

TEST_F(ModeratorsTest, MembersAreListedOwnerThenModeratorsThenMembers) {
  ASSERT_TRUE(Mod(alice_, "dev", "dave").ok());
  ASSERT_TRUE(Mod(alice_, "dev", "carol").ok());
  EXPECT_THAT(Members("dev"),
              ElementsAre("alice:owner", "carol:moderator", "dave:moderator", "bob:member"));
}

TEST_F(ModeratorsTest, AModeratorRemovesBansAndListsBans) {
  ASSERT_TRUE(Mod(alice_, "dev", "bob").ok());
  ASSERT_TRUE(Kick(bob_, "dev", "dave").ok());
  auto banned = Ban(bob_, "dev", "carol");
  ASSERT_TRUE(banned.ok()) << banned.status();
  EXPECT_THAT(Members("dev"), ElementsAre("alice:owner", "bob:moderator"));
  auto events = store_.UserEvents();
  EXPECT_EQ(events.back().user_id, 3u);
  EXPECT_EQ(events.back().event.room().type(), "removed");
  EXPECT_EQ(events.back().event.room().by(), "bob");
  EXPECT_EQ(rooms_.JoinRoom(Req(carol_, "dev")).status().code(),
            absl::StatusCode::kPermissionDenied);
  auto bans = Bans(bob_, "dev");
  ASSERT_TRUE(bans.ok()) << bans.status();
  ASSERT_THAT(bans->bans(), SizeIs(1));
  EXPECT_EQ(bans->bans(0).username(), "carol");
  EXPECT_EQ(bans->bans(0).by(), "bob");
  ASSERT_TRUE(Unban(bob_, "dev", "carol").ok());
  EXPECT_TRUE(rooms_.JoinRoom(Req(carol_, "dev")).ok());
}

TEST_F(ModeratorsTest, AModeratorCannotActOnTheOwnerOrAnotherModerator) {
  ASSERT_TRUE(Mod(alice_, "dev", "bob").ok());
  ASSERT_TRUE(Mod(alice_, "dev", "carol").ok());
  for (const char* target : {"alice", "carol"}) {
    for (auto action : {v1::MEMBER_ACTION_REMOVE, v1::MEMBER_ACTION_BAN}) {
      auto refused = Kick(bob_, "dev", target, action);
      EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied) << target;
    }
  }
  EXPECT_EQ(Ban(bob_, "dev", "alice").status().message(),
            "alice owns room \"dev\"; moderators cannot ban the owner");
  EXPECT_EQ(Kick(bob_, "dev", "carol").status().message(),
            "carol is a moderator of \"dev\" too; only the owner can remove a moderator");
  // Nor give or take roles, nor set the topic.
  EXPECT_EQ(Mod(bob_, "dev", "dave").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(SetRole(bob_, "dev", "carol", v1::ROOM_ROLE_MEMBER).status().code(),
            absl::StatusCode::kPermissionDenied);
  v1::UpdateRoomRequest topic;
  *topic.mutable_caller() = bob_;
  topic.set_room("dev");
  topic.set_topic("bob's now");
  EXPECT_EQ(rooms_.UpdateRoom(topic).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(Members("dev"),
              ElementsAre("alice:owner", "bob:moderator", "carol:moderator", "dave:member"));
  // The owner may act on a moderator.
  EXPECT_TRUE(Kick(alice_, "dev", "carol").ok());
}

TEST_F(ModeratorsTest, APlainMemberNeitherGivesRolesNorBansNorSeesBans) {
  auto refused = Mod(carol_, "dev", "carol");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.status().message(),
            "only the owner of \"dev\" can appoint or remove moderators");
  EXPECT_EQ(Ban(carol_, "dev", "dave").status().message(),
            "only the owner and moderators of \"dev\" can ban users");
  EXPECT_EQ(Bans(carol_, "dev").status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ModeratorsTest, RoleChangesAreRefusedWithAStatusForEachCase) {
  auto not_in = Mod(alice_, "dev", "erin");
  EXPECT_EQ(not_in.status().code(), absl::StatusCode::kNotFound);  // no such user
  users_.Set(5, "erin");
  not_in = Mod(alice_, "dev", "erin");
  EXPECT_EQ(not_in.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(not_in.status().message(), "erin is not in room \"dev\"");
  EXPECT_EQ(Mod(alice_, "dev", "alice").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SetRole(alice_, "dev", "bob", v1::ROOM_ROLE_UNSPECIFIED).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SetRole(alice_, "dev", "bob", static_cast<v1::RoomRole>(42)).status().message(),
            "unknown role; use moderator or member");
  EXPECT_EQ(Mod(alice_, "dev", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Mod(alice_, "nowhere", "bob").status().code(), absl::StatusCode::kNotFound);
  auto lobby = Mod(alice_, "lobby", "bob");
  EXPECT_EQ(lobby.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(lobby.status().message(), "the lobby has no owner; nobody can change it");
  EXPECT_THAT(Members("dev"),
              ElementsAre("alice:owner", "bob:member", "carol:member", "dave:member"));
}

TEST_F(ModeratorsTest, ADemotedModeratorCanNoLongerBan) {
  ASSERT_TRUE(Mod(alice_, "dev", "bob").ok());
  ASSERT_TRUE(SetRole(alice_, "dev", "bob", v1::ROOM_ROLE_MEMBER).ok());
  EXPECT_EQ(Ban(bob_, "dev", "carol").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Bans(bob_, "dev").status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ModeratorsTest, OwnershipPassesToTheLongestServingModeratorBeforeAnyMember) {
  ASSERT_TRUE(Mod(alice_, "dev", "dave").ok());
  ASSERT_TRUE(Mod(alice_, "dev", "carol").ok());
  auto left = rooms_.LeaveRoom(Req(alice_, "dev"));
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(left->room().owner(), "carol");  // bob joined first, but is no moderator
  auto members = rooms_.RoomMembers(Req(bob_, "dev"));
  ASSERT_TRUE(members.ok());
  std::vector<std::string> roles;
  for (const auto& m : members->members()) roles.push_back(m.username() + ":" + m.role());
  EXPECT_THAT(roles, ElementsAre("carol:owner", "dave:moderator", "bob:member"));
  // With no moderator left, the longest-standing member.
  ASSERT_TRUE(rooms_.LeaveRoom(Req(dave_, "dev")).ok());
  ASSERT_TRUE(rooms_.LeaveRoom(Req(carol_, "dev")).ok());
  EXPECT_EQ(rooms_.RoomMembers(Req(bob_, "dev"))->room().owner(), "bob");
}

TEST_F(ModeratorsTest, ARemovedOrBannedModeratorComesBackAPlainMember) {
  ASSERT_TRUE(Mod(alice_, "dev", "bob").ok());
  ASSERT_TRUE(Kick(alice_, "dev", "bob").ok());
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(rooms_.JoinRoom(Req(bob_, "dev")).ok());
  EXPECT_THAT(Members("dev"),
              ElementsAre("alice:owner", "carol:member", "dave:member", "bob:member"));
  ASSERT_TRUE(Mod(alice_, "dev", "carol").ok());
  ASSERT_TRUE(Ban(alice_, "dev", "carol").ok());
  ASSERT_TRUE(Unban(alice_, "dev", "carol").ok());
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(rooms_.JoinRoom(Req(carol_, "dev")).ok());
  EXPECT_THAT(Members("dev"),
              ElementsAre("alice:owner", "dave:member", "bob:member", "carol:member"));
  EXPECT_EQ(Ban(carol_, "dev", "dave").status().code(), absl::StatusCode::kPermissionDenied);
}

// ---- look-alike room names (issue 19) ----

// "lоbby" with a Cyrillic о, "ｄｅｖ" in fullwidth letters, "dеv" with a Cyrillic е.
const std::string kCyrillicLobby =
    "l\xD0\xBE"
    "bby";
const std::string kFullwidthDev = "\xEF\xBD\x84\xEF\xBD\x85\xEF\xBD\x96";
const std::string kCyrillicDev = "d\xD0\xB5v";
const std::string kFullwidthPaypal =
    "\xEF\xBD\x90\xEF\xBD\x81\xEF\xBD\x99\xEF\xBD\x90\xEF\xBD\x81\xEF\xBD\x8C";

absl::StatusOr<v1::RoomResponse> Rename(RoomService& rooms, const v1::Caller& who,
                                        const std::string& room, const std::string& new_name) {
  v1::UpdateRoomRequest r;
  *r.mutable_caller() = who;
  r.set_room(room);
  r.set_new_name(new_name);
  return rooms.UpdateRoom(r);
}

TEST_F(RoomServiceTest, ALookAlikeOfAnExistingRoomNameCannotBeCreated) {
  ASSERT_TRUE(Create(alice_, "dev").ok());
  for (const std::string& look_alike : {kCyrillicLobby, kFullwidthDev, kCyrillicDev}) {
    auto refused = Create(bob_, look_alike);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kAlreadyExists) << look_alike;
    EXPECT_EQ(refused.status().message(), "a room whose name looks the same as \"" + look_alike +
                                              "\" exists already; choose another name");
  }
  // Nothing of the refused rooms was kept; an honest different name is welcome.
  EXPECT_EQ(rooms_.JoinRoom(Req(bob_, kCyrillicLobby)).status().code(),
            absl::StatusCode::kNotFound);
  auto other = Create(bob_, "dev2");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_TRUE(Create(bob_, "devs").ok());
  // The same name in other letters is still the plainer "named ... exists already".
  EXPECT_EQ(Create(bob_, "DEV").status().message(), "a room named \"DEV\" exists already");
}

TEST_F(RoomServiceTest, ARoomCannotBeRenamedToALookAlikeOfAnotherButOfItsOwnName) {
  auto dev = Create(alice_, "dev");
  ASSERT_TRUE(dev.ok());
  ASSERT_TRUE(Create(alice_, "ops").ok());
  auto refused = Rename(rooms_, alice_, "ops", kCyrillicLobby);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(refused.status().message(), "a room whose name looks the same as \"" + kCyrillicLobby +
                                            "\" exists already; choose another name");
  EXPECT_EQ(Rename(rooms_, alice_, "ops", kFullwidthDev).status().code(),
            absl::StatusCode::kAlreadyExists);
  auto ops = rooms_.JoinRoom(Req(bob_, "ops"));
  ASSERT_TRUE(ops.ok()) << ops.status();
  EXPECT_EQ(ops->room().name(), "ops");  // unchanged
  // A room's own name in other letters is still its own: a case change, or other look-alikes.
  auto upper = Rename(rooms_, alice_, "dev", "DEV");
  ASSERT_TRUE(upper.ok()) << upper.status();
  EXPECT_EQ(upper->room().name(), "DEV");
  auto fullwidth = Rename(rooms_, alice_, "dev", kFullwidthDev);
  ASSERT_TRUE(fullwidth.ok()) << fullwidth.status();
  EXPECT_EQ(fullwidth->room().id(), dev->room().id());
  // Its skeleton stays taken by it: nobody can bring back the plain "dev" beside it.
  EXPECT_EQ(Create(bob_, "dev").status().code(), absl::StatusCode::kAlreadyExists);
  // And a new name that looks like no other room's is fine.
  EXPECT_TRUE(Rename(rooms_, alice_, "ops", "operations").ok());
}

TEST_F(RoomServiceTest, TheBackfillGivesOldRoomsTheirSkeletonAndTheOlderLookAlikeKeepsIt) {
  // Rooms from before migration 005: a pair of look-alikes (the older first) and a plain one.
  uint64_t paypal = store_.AddLegacyRoom("paypal");
  uint64_t spoof = store_.AddLegacyRoom("p\xD0\xB0ypal");  // Cyrillic а
  uint64_t news = store_.AddLegacyRoom("news");
  // Until the backfill, a third look-alike could still get in; after it, it cannot.
  auto filled = BackfillRoomNameSkeletons(store_, 2);  // batches smaller than the rooms
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_EQ(*filled, 2u);
  EXPECT_EQ(store_.SkeletonOf(paypal), NameSkeleton("paypal").value());
  EXPECT_EQ(store_.SkeletonOf(spoof), std::nullopt);  // it keeps its name, not the skeleton
  EXPECT_EQ(store_.SkeletonOf(news), NameSkeleton("news").value());
  EXPECT_EQ(Create(bob_, kFullwidthPaypal).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Create(bob_, "NEWS").status().code(), absl::StatusCode::kAlreadyExists);
  // Idempotent: a second run (another replica, the next start) fills in nothing more.
  EXPECT_EQ(BackfillRoomNameSkeletons(store_).value(), 0u);
  EXPECT_EQ(store_.SkeletonOf(spoof), std::nullopt);
}

TEST_F(RoomServiceTest, TheBackfillStopsAtAStoreFailure) {
  store_.AddLegacyRoom("news");
  store_.FailNext(absl::UnavailableError("database down"), "SetRoomNameSkeleton");
  EXPECT_EQ(BackfillRoomNameSkeletons(store_).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(BackfillRoomNameSkeletons(store_).value(), 1u);
}

// ---- rate limits (issue 19) ----

class RoomLimitsTest : public RoomServiceTest {
 protected:
  static ChatLimits Limits() {
    ChatLimits limits = ChatLimits::Unlimited();
    limits.room_creations = {2.0 / 3600.0, 2};
    limits.room_changes = {1, 3};
    return limits;
  }
  RoomService limited_{store_, publisher_, users_, limiter_, Limits(), clock_};
};

TEST_F(RoomLimitsTest, CreatingRoomsIsLimitedPerUser) {
  auto create = [&](const v1::Caller& who, const std::string& name) {
    v1::CreateRoomRequest r;
    *r.mutable_caller() = who;
    r.set_name(name);
    return limited_.CreateRoom(r);
  };
  ASSERT_TRUE(create(alice_, "one").ok());
  ASSERT_TRUE(create(alice_, "two").ok());
  auto refused = create(alice_, "three");
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::StartsWith("you have created too many rooms (at most 2 an hour)"));
  EXPECT_EQ(RetryAfter(refused.status()), std::chrono::minutes(30));
  EXPECT_EQ(store_.FindRoom("three", 1)->has_value(), false);  // nothing stored
  EXPECT_TRUE(create(bob_, "three").ok());                     // bob's allowance is his own
}

TEST_F(RoomLimitsTest, JoinLeaveAndTopicChangesShareOneAllowance) {
  ASSERT_TRUE(Create(alice_, "dev").ok());
  ASSERT_TRUE(limited_.JoinRoom(Req(bob_, "dev")).ok());
  ASSERT_TRUE(limited_.LeaveRoom(Req(bob_, "dev")).ok());
  ASSERT_TRUE(limited_.JoinRoom(Req(bob_, "dev")).ok());
  const size_t entries = store_.Messages(2).size();
  const size_t published = publisher_.published().size();
  auto refused = limited_.LeaveRoom(Req(bob_, "dev"));
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::StartsWith("you are changing rooms too fast (at most 1 a second)"));
  EXPECT_EQ(RetryAfter(refused.status()), std::chrono::seconds(1));
  EXPECT_EQ(store_.Messages(2).size(), entries);  // nothing stored, nothing pushed
  EXPECT_EQ(publisher_.published().size(), published);
  EXPECT_THAT(Members("dev"), ElementsAre("alice:owner", "bob:member"));
  // Topic changes, removals and bans draw on the same allowance, per user.
  for (int i = 0; i < 3; ++i) {
    v1::UpdateRoomRequest topic;
    *topic.mutable_caller() = alice_;
    topic.set_room("dev");
    topic.set_topic("topic " + std::to_string(i));
    ASSERT_TRUE(limited_.UpdateRoom(topic).ok());
  }
  v1::RemoveMemberRequest ban;
  *ban.mutable_caller() = alice_;
  ban.set_room("dev");
  ban.set_username("bob");
  ban.set_action(v1::MEMBER_ACTION_BAN);
  EXPECT_EQ(limited_.RemoveMember(ban).status().code(), absl::StatusCode::kResourceExhausted);
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(limited_.RemoveMember(ban).ok());
}

TEST_F(RoomLimitsTest, RoleChangesDrawOnTheSameAllowance) {
  ASSERT_TRUE(Create(alice_, "dev").ok());
  ASSERT_TRUE(limited_.JoinRoom(Req(bob_, "dev")).ok());
  v1::SetMemberRoleRequest role;
  *role.mutable_caller() = alice_;
  role.set_room("dev");
  role.set_username("bob");
  for (int i = 0; i < 3; ++i) {
    role.set_role(i % 2 == 0 ? v1::ROOM_ROLE_MODERATOR : v1::ROOM_ROLE_MEMBER);
    ASSERT_TRUE(limited_.SetMemberRole(role).ok()) << i;
  }
  const size_t entries = store_.Messages(2).size();
  role.set_role(v1::ROOM_ROLE_MEMBER);
  auto refused = limited_.SetMemberRole(role);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfter(refused.status()), std::chrono::seconds(1));
  EXPECT_EQ(store_.Messages(2).size(), entries);
  EXPECT_THAT(Members("dev"), ElementsAre("alice:owner", "bob:moderator"));
}

}  // namespace
}  // namespace natter::chat
