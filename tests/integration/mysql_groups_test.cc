// Group conversations on a real MariaDB (migration 015): a group is a conversation of kind
// 'group' with no name (so any number of groups, none in the rooms' namespace or listed), its
// members from its group_created entry on; an added member reads from their member_added entry on
// (messages, search), a removed one no longer has it; creations are counted per creator.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "chat_schema.h"
#include "common/config.h"
#include "common/migrations.h"
#include "common/mysql_pool.h"
#include "group_rules.h"
#include "harness/harness.h"
#include "mysql_message_store.h"
#include "room_rules.h"
#include "search_query.h"

namespace natter {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

class MysqlGroupsTest : public ::testing::Test {
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

  static chat::Party User(uint64_t id) { return {id, "user" + std::to_string(id)}; }

  chat::RoomChangeResult Create(uint64_t creator, std::vector<uint64_t> members,
                                const std::string& title = "", int64_t now = 1000) {
    chat::NewGroup g{.title = title,
                     .creator_id = creator,
                     .creator = User(creator).username,
                     .members = std::move(members),
                     .now_ms = now};
    auto created = store_.CreateGroup(g);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : chat::RoomChangeResult{};
  }

  absl::StatusOr<chat::RoomChangeResult> Change(uint64_t group, chat::GroupRequestArgs args) {
    return store_.ChangeRoom(
        group, args.actor.id, args.actor.username, args.target.id, 2000,
        [&](const chat::RoomState& state) { return chat::DecideGroupChange(state, args); });
  }

  uint64_t Send(uint64_t group, uint64_t from, const std::string& text) {
    chat::NewMessage m;
    m.conversation_id = group;
    m.sender_id = from;
    m.sender = User(from).username;
    m.client_msg_id = "g" + std::to_string(++sent_);
    m.text = text;
    m.sent_at_ms = 3000;
    auto stored = store_.Append(m);
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? stored->ack.seq() : 0;
  }

  std::vector<std::string> Found(uint64_t viewer, const std::string& query) {
    chat::SearchSpec spec;
    spec.viewer = viewer;
    spec.clauses = chat::ParseSearchQuery(query).value().clauses;
    spec.limit = 50;
    auto hits = store_.Search(spec);
    EXPECT_TRUE(hits.ok()) << hits.status();
    std::vector<std::string> out;
    if (hits.ok()) {
      for (const auto& hit : *hits) out.push_back(hit.message.text());
    }
    return out;
  }

  static testing::TempDir* dir_;
  static testing::MariaDb* db_;
  static MysqlPool* pool_;
  chat::MysqlMessageStore store_{*pool_};
  inline static int sent_ = 0;
};

testing::TempDir* MysqlGroupsTest::dir_ = nullptr;
testing::MariaDb* MysqlGroupsTest::db_ = nullptr;
MysqlPool* MysqlGroupsTest::pool_ = nullptr;

TEST_F(MysqlGroupsTest, AGroupHasItsMembersFromItsFirstEntryAndNoName) {
  auto made = Create(11, {12, 13}, "weekend");
  const chat::ConversationRecord& g = made.room;
  EXPECT_TRUE(g.is_group());
  EXPECT_EQ(g.name, "");
  EXPECT_EQ(g.topic, "weekend");  // the title
  EXPECT_EQ(g.owner_id, 11u);
  EXPECT_EQ(g.member_count, 3u);
  EXPECT_EQ(g.latest_seq, 1u);
  ASSERT_TRUE(made.entry.has_value());
  EXPECT_EQ(made.entry->type(), "group_created");
  std::vector<uint64_t> told;
  for (const auto& e : made.events) {
    EXPECT_EQ(e.event.room().type(), "joined");
    EXPECT_EQ(e.event.room().seq(), 1u);
    EXPECT_EQ(e.event.room().by(), "user11");
    told.push_back(e.user_id);
  }
  EXPECT_THAT(told, ElementsAre(11, 12, 13));
  auto members = store_.Members(g.id, 10).value();
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].role, chat::MemberRole::kOwner);
  auto seen = store_.FindConversation(g.id, 13).value();
  ASSERT_TRUE(seen.has_value());
  EXPECT_TRUE(seen->is_member);
  EXPECT_EQ(chat::ReadableFrom(*seen), 1u);
  EXPECT_FALSE(store_.FindConversation(g.id, 14).value()->is_member);
  // Another group with no title: no name clashes, and neither is a room.
  Create(11, {12, 13});
  EXPECT_THAT(store_.ListRooms("", 200, 11).value(),
              ::testing::Each(::testing::Field(&chat::ConversationRecord::kind, "room")));
  // The groups are among the member's conversations (for the Welcome) and rooms (for the
  // gateway's subscriptions).
  // (Each list is held first: a range-for over a temporary StatusOr's value() would dangle.)
  size_t groups = 0;
  const auto conversations = store_.ConversationsOf(12).value();
  for (const auto& c : conversations) groups += c.is_group();
  EXPECT_EQ(groups, 2u);
  groups = 0;
  const auto rooms = store_.RoomsOf(12).value();
  for (const auto& c : rooms) groups += c.is_group();
  EXPECT_EQ(groups, 2u);
}

TEST_F(MysqlGroupsTest, AnAddedMemberReadsAndFindsFromTheirJoinOn) {
  const uint64_t g = Create(21, {22, 23}).room.id;
  Send(g, 22, "zebra before");
  auto added =
      Change(g, {.action = chat::GroupAction::kAdd, .actor = User(22), .target = User(24)});
  ASSERT_TRUE(added.ok()) << added.status();
  ASSERT_TRUE(added->entry.has_value());
  EXPECT_EQ(added->entry->type(), "member_added");
  EXPECT_EQ(added->entry->target_user_id(), 24u);
  EXPECT_EQ(added->room.member_count, 4u);
  ASSERT_EQ(added->events.size(), 1u);
  EXPECT_EQ(added->events[0].user_id, 24u);
  EXPECT_EQ(added->events[0].event.room().seq(), added->entry->seq());
  auto seen = store_.FindConversation(g, 24).value();
  EXPECT_EQ(seen->joined_seq, added->entry->seq());
  Send(g, 23, "zebra after");
  EXPECT_THAT(Found(24, "zebra"), ElementsAre("zebra after"));
  EXPECT_EQ(Found(23, "zebra").size(), 2u);
  EXPECT_THAT(Found(25, "zebra"), IsEmpty());
}

TEST_F(MysqlGroupsTest, ARemovedMemberNoLongerHasTheGroup) {
  const uint64_t g = Create(31, {32, 33}).room.id;
  Send(g, 32, "yak chat");
  auto removed =
      Change(g, {.action = chat::GroupAction::kRemove, .actor = User(31), .target = User(33)});
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->entry->type(), "member_removed");
  EXPECT_EQ(removed->events[0].event.room().type(), "removed");
  EXPECT_FALSE(store_.FindConversation(g, 33).value()->is_member);
  const auto left_with = store_.ConversationsOf(33).value();
  for (const auto& c : left_with) EXPECT_NE(c.id, g);
  EXPECT_THAT(Found(33, "yak"), IsEmpty());
  // The creator leaves: the longest-standing member owns the group.
  auto left = Change(g, {.action = chat::GroupAction::kLeave, .actor = User(31)});
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(store_.FindConversation(g, 32).value()->owner_id, 32u);
  EXPECT_EQ(store_.FindConversation(g, 32).value()->member_count, 1u);
}

TEST_F(MysqlGroupsTest, ARenameKeepsTheTitleAndCreationsAreCountedPerCreator) {
  const uint64_t g = Create(41, {42, 43}, "", 5000).room.id;
  auto renamed =
      Change(g, {.action = chat::GroupAction::kRename, .actor = User(43), .title = "hike"});
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_EQ(renamed->entry->type(), "group_renamed");
  EXPECT_EQ(renamed->entry->text(), "hike");
  EXPECT_EQ(store_.FindConversation(g, 41).value()->topic, "hike");
  Create(41, {42, 43}, "", 6000);
  EXPECT_EQ(store_.GroupsCreatedSince(41, 5000).value(), 2u);
  EXPECT_EQ(store_.GroupsCreatedSince(41, 5001).value(), 1u);
  EXPECT_EQ(store_.GroupsCreatedSince(42, 0).value(), 0u);
}

TEST_F(MysqlGroupsTest, GroupMembersOfGivesTheFirstMembersOfEachOfTheUsersGroups) {
  const uint64_t first = Create(51, {52, 53, 54}).room.id;
  const uint64_t second = Create(52, {51, 55}).room.id;
  Create(56, {57, 58});  // not 51's
  const uint64_t left = Create(53, {51, 54}).room.id;
  ASSERT_TRUE(Change(left, {.action = chat::GroupAction::kLeave, .actor = User(51)}).ok());
  auto members = store_.GroupMembersOf(51, 2);
  ASSERT_TRUE(members.ok()) << members.status();
  std::map<uint64_t, std::vector<uint64_t>> ids;
  for (const auto& [group, list] : *members) {
    for (const auto& m : list) ids[group].push_back(m.user_id);
  }
  // As Members orders them: the owner, then by joining (here at once) and id.
  EXPECT_THAT(ids,
              ElementsAre(Pair(first, ElementsAre(51, 52)), Pair(second, ElementsAre(52, 51))));
  EXPECT_EQ(members->at(second)[0].role, chat::MemberRole::kOwner);
  EXPECT_THAT(store_.GroupMembersOf(59, 5).value(), IsEmpty());
}

}  // namespace
}  // namespace natter
