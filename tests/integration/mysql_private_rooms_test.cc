// Private rooms on a real MariaDB (migration 014): a private room is listed only to its members;
// an invitation is a row and a stored event, counted against its limits under the room's lock,
// and joining answers it; a mute and the joining seq are kept with the membership.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chat_schema.h"
#include "common/config.h"
#include "common/migrations.h"
#include "common/mysql_pool.h"
#include "common/text.h"
#include "harness/harness.h"
#include "mysql_message_store.h"
#include "room_rules.h"
#include "room_service.h"

namespace natter {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kForever = 253'402'300'799'000;

class MysqlPrivateRoomsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    db_ = new testing::MariaDb(dir_->path() / "mysql");
    pool_ = new MysqlPool(ParseMysqlUrl(db_->url()).value(), 4);
    ASSERT_TRUE(ApplyMigrations(*pool_, "chat", chat::Migrations()).ok());
  }
  static void TearDownTestSuite() {
    delete pool_;
    delete db_;
    delete dir_;
  }

  uint64_t Create(const std::string& name, uint64_t owner, bool is_private,
                  chat::RoomHistory history = chat::RoomHistory::kAll) {
    chat::NewRoom r;
    r.name = name;
    r.name_key = FoldCase(name).value();
    r.name_skeleton = chat::RoomNameSkeleton(name).value();
    r.owner_id = owner;
    r.owner = User(owner).username;
    r.now_ms = 1000;
    r.is_private = is_private;
    r.history = history;
    auto created = store_.CreateRoom(r);
    EXPECT_TRUE(created.ok()) << created.status();
    return created->room.id;
  }

  absl::StatusOr<chat::RoomChangeResult> Change(uint64_t room, chat::RoomRequestArgs args,
                                                int64_t now = 2000) {
    return store_.ChangeRoom(
        room, args.actor.id, args.actor.username, args.target.id, now,
        [&](const chat::RoomState& state) { return chat::DecideRoomChange(state, args); });
  }

  static chat::Party User(uint64_t id) { return {id, "user" + std::to_string(id)}; }

  std::vector<std::string> Listed(uint64_t viewer, const std::string& prefix) {
    auto rooms = store_.ListRooms(prefix, 50, viewer);
    EXPECT_TRUE(rooms.ok()) << rooms.status();
    std::vector<std::string> out;
    for (const auto& r : *rooms) out.push_back(r.name);
    return out;
  }

  static testing::TempDir* dir_;
  static testing::MariaDb* db_;
  static MysqlPool* pool_;
  chat::MysqlMessageStore store_{*pool_};
};

testing::TempDir* MysqlPrivateRoomsTest::dir_ = nullptr;
testing::MariaDb* MysqlPrivateRoomsTest::db_ = nullptr;
MysqlPool* MysqlPrivateRoomsTest::pool_ = nullptr;

TEST_F(MysqlPrivateRoomsTest, APrivateRoomIsListedOnlyToItsMembers) {
  const uint64_t room = Create("pv-hidden", 11, true);
  Create("pv-open", 11, false);
  EXPECT_THAT(Listed(12, "pv-"), ElementsAre("pv-open"));
  EXPECT_THAT(Listed(11, "pv-"), ElementsAre("pv-hidden", "pv-open"));
  auto found = store_.FindRoom("pv-hidden", 12).value();
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->is_private);
  EXPECT_FALSE(found->is_member);
  EXPECT_EQ(store_.FindConversation(room, 11).value()->joined_seq, 1u);
}

TEST_F(MysqlPrivateRoomsTest, AnInvitationIsStoredAndJoiningAnswersIt) {
  const uint64_t room = Create("pv-invite", 21, true, chat::RoomHistory::kSinceJoin);
  // Without an invitation the room cannot be joined.
  EXPECT_EQ(Change(room, {.action = chat::RoomAction::kJoin, .actor = User(22)}).status().code(),
            absl::StatusCode::kNotFound);
  auto invited = Change(
      room, {.action = chat::RoomAction::kInvite, .actor = User(21), .target = User(22)}, 3000);
  ASSERT_TRUE(invited.ok()) << invited.status();
  EXPECT_FALSE(invited->entry.has_value());
  ASSERT_EQ(invited->events.size(), 1u);
  EXPECT_EQ(invited->events[0].user_id, 22u);
  EXPECT_EQ(invited->events[0].event.invitation().type(), "invited");
  EXPECT_EQ(invited->events[0].event.invitation().room(), "pv-invite");
  EXPECT_EQ(invited->events[0].event.invitation().created_at_ms(), 3000);
  EXPECT_GT(invited->events[0].event.seq(), 0u);

  auto pending = store_.InvitationsOf(22, 10);
  ASSERT_TRUE(pending.ok()) << pending.status();
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].room, "pv-invite");
  EXPECT_EQ((*pending)[0].inviter, "user21");
  EXPECT_EQ((*pending)[0].created_at_ms, 3000);
  EXPECT_TRUE(store_.FindInvitation(room, 22).value().has_value());
  EXPECT_FALSE(store_.FindInvitation(room, 23).value().has_value());

  auto joined = Change(room, {.action = chat::RoomAction::kAccept, .actor = User(22)}, 4000);
  ASSERT_TRUE(joined.ok()) << joined.status();
  ASSERT_TRUE(joined->entry.has_value());
  EXPECT_EQ(joined->entry->type(), "member_joined");
  std::vector<std::string> events;
  for (const auto& e : joined->events) {
    events.push_back(std::to_string(e.user_id) + ":" +
                     (e.event.has_room() ? "room_" + e.event.room().type()
                                         : "invitation_" + e.event.invitation().type()));
  }
  EXPECT_THAT(events,
              ElementsAre("22:room_joined", "21:invitation_accepted", "22:invitation_accepted"));
  EXPECT_THAT(store_.InvitationsOf(22, 10).value(), IsEmpty());
  // The member's join is where their since_join history starts.
  auto seen = store_.FindConversation(room, 22).value();
  EXPECT_EQ(seen->joined_seq, joined->entry->seq());
  EXPECT_EQ(chat::ReadableFrom(*seen), joined->entry->seq());
  EXPECT_EQ(seen->history, chat::RoomHistory::kSinceJoin);
  EXPECT_THAT(Listed(22, "pv-inv"), ElementsAre("pv-invite"));
}

TEST_F(MysqlPrivateRoomsTest, PendingInvitationsAreCountedPerInvitee) {
  for (int i = 0; i < static_cast<int>(chat::kMaxInvitationsHeld); ++i) {
    const uint64_t owner = 1000 + i;
    const uint64_t room = Create("pv-many-" + std::to_string(i), owner, true);
    ASSERT_TRUE(
        Change(room,
               {.action = chat::RoomAction::kInvite, .actor = User(owner), .target = User(31)})
            .ok());
  }
  const uint64_t one_more = Create("pv-one-more", 32, true);
  auto refused = Change(
      one_more, {.action = chat::RoomAction::kInvite, .actor = User(32), .target = User(31)});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(store_.InvitationsOf(31, 500)->size(), chat::kMaxInvitationsHeld);
}

TEST_F(MysqlPrivateRoomsTest, ABlockEitherWayIsReadWithTheRoom) {
  const uint64_t room = Create("pv-blocked", 61, true);
  db_->Sql("INSERT INTO natter.blocks (user_id, blocked_id, created_at_ms) VALUES (62, 61, 1)");
  auto refused =
      Change(room, {.action = chat::RoomAction::kInvite, .actor = User(61), .target = User(62)});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(
      Change(room, {.action = chat::RoomAction::kInvite, .actor = User(61), .target = User(63)})
          .ok());
}

TEST_F(MysqlPrivateRoomsTest, DecliningAndBanningDropTheInvitation) {
  const uint64_t room = Create("pv-decline", 41, true);
  ASSERT_TRUE(
      Change(room, {.action = chat::RoomAction::kInvite, .actor = User(41), .target = User(42)})
          .ok());
  auto declined = Change(room, {.action = chat::RoomAction::kDecline, .actor = User(42)});
  ASSERT_TRUE(declined.ok()) << declined.status();
  ASSERT_EQ(declined->events.size(), 2u);
  EXPECT_EQ(declined->events[0].user_id, 41u);
  EXPECT_EQ(declined->events[0].event.invitation().type(), "declined");
  EXPECT_FALSE(store_.FindInvitation(room, 42).value().has_value());

  ASSERT_TRUE(
      Change(room, {.action = chat::RoomAction::kInvite, .actor = User(41), .target = User(43)})
          .ok());
  auto banned =
      Change(room, {.action = chat::RoomAction::kBan, .actor = User(41), .target = User(43)});
  ASSERT_TRUE(banned.ok()) << banned.status();
  EXPECT_FALSE(store_.FindInvitation(room, 43).value().has_value());
  EXPECT_EQ(banned->events.at(0).event.invitation().type(), "cancelled");
}

TEST_F(MysqlPrivateRoomsTest, AMuteIsKeptWithTheMembershipAndSettingsWithTheRoom) {
  const uint64_t room = Create("pv-mute", 51, false);
  ASSERT_TRUE(Change(room, {.action = chat::RoomAction::kJoin, .actor = User(52)}).ok());
  auto muted = Change(room, {.action = chat::RoomAction::kMute,
                             .actor = User(51),
                             .target = User(52),
                             .muted_until_ms = kForever});
  ASSERT_TRUE(muted.ok()) << muted.status();
  EXPECT_EQ(muted->entry->type(), "member_muted");
  EXPECT_EQ(store_.FindConversation(room, 52).value()->muted_until_ms, kForever);
  auto members = store_.Members(room, 10).value();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[1].muted_until_ms, kForever);

  auto made_private = Change(
      room, {.action = chat::RoomAction::kSetPrivacy, .actor = User(51), .is_private = true});
  ASSERT_TRUE(made_private.ok()) << made_private.status();
  EXPECT_TRUE(made_private->room.is_private);
  EXPECT_EQ(made_private->entry->text(), "private");
  auto history = Change(room, {.action = chat::RoomAction::kSetHistory,
                               .actor = User(51),
                               .history = chat::RoomHistory::kSinceJoin});
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(store_.FindConversation(room, 52).value()->history, chat::RoomHistory::kSinceJoin);
  auto mine = store_.ConversationsOf(52).value();
  ASSERT_EQ(mine.size(), 2u);  // the lobby and this room
  EXPECT_TRUE(mine[1].is_private);
  EXPECT_EQ(mine[1].history, chat::RoomHistory::kSinceJoin);
}

}  // namespace
}  // namespace natter
