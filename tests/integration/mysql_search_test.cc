// Message search on a real MariaDB with the server's default full-text settings (migration 012):
// English with its stopwords and one- and two-letter words, Chinese by bigrams and characters,
// phrases, from:, in:, dates, edits and deletions, who may read what, ranking and paging, and the
// background indexing of messages stored before the index existed.
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
#include "room_service.h"
#include "search_query.h"

namespace natter {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr int64_t kJan1 = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr int64_t kDayMs = 86'400'000;

class MysqlSearchTest : public ::testing::Test {
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

  void SetUp() override {
    // Each test starts with no messages (the lobby stays).
    db_->Sql(
        "DELETE FROM natter.message_search; DELETE FROM natter.messages; "
        "DELETE FROM natter.conversation_members; "
        "DELETE FROM natter.conversations WHERE NOT name_key <=> 'lobby'; "
        "UPDATE natter.conversations SET last_seq = 0, last_msg_no = 0; "
        "UPDATE natter.message_search_backfill SET after_message_id = 0");
    lobby_ = store_.FindRoom("lobby", 0).value().value().id;
  }

  uint64_t Send(uint64_t conversation, uint64_t sender, const std::string& text,
                int64_t at = kJan1) {
    chat::NewMessage m;
    m.conversation_id = conversation;
    m.sender_id = sender;
    m.sender = "user" + std::to_string(sender);
    m.client_msg_id = "c" + std::to_string(++sent_);
    m.text = text;
    m.sent_at_ms = at;
    auto stored = store_.Append(m);
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? stored->ack.seq() : 0;
  }
  void Change(uint64_t conversation, uint64_t sender, uint64_t seq, const std::string& type,
              const std::string& text) {
    chat::NewMessage m;
    m.conversation_id = conversation;
    m.sender_id = sender;
    m.sender = "user" + std::to_string(sender);
    m.client_msg_id = "c" + std::to_string(++sent_);
    m.type = type;
    m.target_seq = seq;
    m.text = text;
    m.sent_at_ms = kJan1 + 1000;
    auto stored = store_.Append(m);
    ASSERT_TRUE(stored.ok()) << stored.status();
  }
  uint64_t Room(const std::string& name, uint64_t owner) {
    chat::NewRoom r;
    r.name = name;
    r.name_key = FoldCase(name).value();
    r.name_skeleton = chat::RoomNameSkeleton(name).value();
    r.owner_id = owner;
    r.owner = "user" + std::to_string(owner);
    r.now_ms = kJan1;
    auto created = store_.CreateRoom(r);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->room.id : 0;
  }

  std::vector<chat::SearchHitRecord> Hits(chat::SearchSpec spec) {
    if (spec.limit == 0) spec.limit = 50;
    auto hits = store_.Search(spec);
    EXPECT_TRUE(hits.ok()) << hits.status();
    return hits.ok() ? *hits : std::vector<chat::SearchHitRecord>{};
  }
  // The texts `viewer` finds with `query` (the query language, operators aside).
  std::vector<std::string> Found(uint64_t viewer, const std::string& query,
                                 chat::SearchSpec spec = {}) {
    auto parsed = chat::ParseSearchQuery(query);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    if (!parsed.ok()) return {};
    spec.viewer = viewer;
    spec.clauses = parsed->clauses;
    if (parsed->after_ms) spec.after_ms = *parsed->after_ms;
    if (parsed->before_ms) spec.before_ms = *parsed->before_ms;
    std::vector<std::string> out;
    for (const auto& hit : Hits(spec)) out.push_back(hit.message.text());
    return out;
  }

  static testing::TempDir* dir_;
  static testing::MariaDb* db_;
  static MysqlPool* pool_;
  chat::MysqlMessageStore store_{*pool_};
  uint64_t lobby_ = 0;
  int sent_ = 0;
};

testing::TempDir* MysqlSearchTest::dir_ = nullptr;
testing::MariaDb* MysqlSearchTest::db_ = nullptr;
MysqlPool* MysqlSearchTest::pool_ = nullptr;

TEST_F(MysqlSearchTest, TheServerRunsWithDefaultFullTextSettings) {
  // What the encoding is for: no server setting is needed. Were these changed, the tests below
  // would prove nothing about a stock MariaDB or Galera node.
  EXPECT_EQ(db_->Sql("SELECT @@innodb_ft_min_token_size, @@innodb_ft_enable_stopword, "
                     "@@innodb_ft_server_stopword_table IS NULL"),
            "3\t1\t1\n");
}

TEST_F(MysqlSearchTest, EnglishWordsStopwordsAndShortWordsAreAllFound) {
  Send(lobby_, 1, "To be or not to be, that is the question");
  Send(lobby_, 2, "I am at a loss");
  Send(lobby_, 2, "Go to the UN office");
  EXPECT_THAT(Found(7, "question"), ElementsAre("To be or not to be, that is the question"));
  EXPECT_THAT(Found(7, "QUESTION the"), ElementsAre("To be or not to be, that is the question"));
  EXPECT_THAT(Found(7, "\"to be or not to be\""),
              ElementsAre("To be or not to be, that is the question"));
  EXPECT_THAT(Found(7, "a"), ElementsAre("I am at a loss"));
  EXPECT_THAT(Found(7, "un"), ElementsAre("Go to the UN office"));
  EXPECT_THAT(Found(7, "\"the un\""), ElementsAre("Go to the UN office"));
  EXPECT_THAT(Found(7, "\"the question\" loss"), IsEmpty());
  EXPECT_THAT(Found(7, "\"be to\""), IsEmpty());
}

TEST_F(MysqlSearchTest, ChineseIsFoundByBigramsPhrasesAndSingleCharacters) {
  Send(lobby_, 1, "我们明天用中文开会");
  Send(lobby_, 2, "中国很大");
  Send(lobby_, 2, "今天天气很好");
  EXPECT_THAT(Found(7, "中文"), ElementsAre("我们明天用中文开会"));
  EXPECT_THAT(Found(7, "用中文开会"), ElementsAre("我们明天用中文开会"));
  EXPECT_THAT(Found(7, "明天开会"), IsEmpty());
  EXPECT_THAT(Found(7, "明天 开会"), ElementsAre("我们明天用中文开会"));
  EXPECT_THAT(Found(7, "中"), UnorderedElementsAre("我们明天用中文开会", "中国很大"));
  EXPECT_THAT(Found(7, "好"), ElementsAre("今天天气很好"));  // a run's last character
  EXPECT_THAT(Found(7, "很"), UnorderedElementsAre("中国很大", "今天天气很好"));
  EXPECT_THAT(Found(7, "天气"), ElementsAre("今天天气很好"));
}

TEST_F(MysqlSearchTest, FullWidthAndAccentedTextMeetsItsPlainForms) {
  Send(lobby_, 1, "Ｃａｆé at ＮＯＯＮ");
  EXPECT_THAT(Found(7, "café noon"), ElementsAre("Ｃａｆé at ＮＯＯＮ"));
}

TEST_F(MysqlSearchTest, OnlyConversationsTheViewerIsInAreSearched) {
  const uint64_t dev = Room("dev", 1);
  Send(dev, 1, "secret plans");
  auto direct = store_.OpenDirect(1, 2, kJan1);
  ASSERT_TRUE(direct.ok());
  Send(direct->id, 2, "secret handshake");
  Send(lobby_, 3, "no secret here");
  EXPECT_THAT(Found(1, "secret"),
              UnorderedElementsAre("secret plans", "secret handshake", "no secret here"));
  EXPECT_THAT(Found(2, "secret"), UnorderedElementsAre("secret handshake", "no secret here"));
  EXPECT_THAT(Found(3, "secret"), ElementsAre("no secret here"));
  auto hits = Hits({.viewer = 2, .clauses = {{{"handshake", false}}}});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].kind, "direct");
  EXPECT_EQ(hits[0].direct_low, 1u);
  EXPECT_EQ(hits[0].direct_high, 2u);
  EXPECT_EQ(hits[0].message.sender_id(), 2u);
  EXPECT_EQ(hits[0].message.sender(), "user2");
  EXPECT_GT(hits[0].score, 0);
}

TEST_F(MysqlSearchTest, ASinceJoinMemberFindsOnlyFromTheirJoinOn) {
  const uint64_t vault = Room("vault", 1);
  Send(vault, 1, "gold before");
  db_->Sql(
      "UPDATE natter.conversations SET history = 'since_join' WHERE id = " + std::to_string(vault) +
      "; INSERT INTO natter.conversation_members (conversation_id, user_id, role, "
      "joined_at_ms, joined_seq) VALUES (" +
      std::to_string(vault) + ", 2, 'member', 0, 3), (" + std::to_string(vault) +
      ", 3, 'member', 0, 0)");
  Send(vault, 1, "gold after");  // seq 3
  EXPECT_THAT(Found(1, "gold"), UnorderedElementsAre("gold before", "gold after"));
  EXPECT_THAT(Found(2, "gold"), ElementsAre("gold after"));
  // A member from before history settings (joined_seq 0) reads everything, as before.
  EXPECT_THAT(Found(3, "gold"), UnorderedElementsAre("gold before", "gold after"));
  db_->Sql("UPDATE natter.conversations SET history = 'all' WHERE id = " + std::to_string(vault));
  EXPECT_THAT(Found(2, "gold"), UnorderedElementsAre("gold before", "gold after"));
}

TEST_F(MysqlSearchTest, SenderConversationAndDatesNarrowTheSearch) {
  const uint64_t dev = Room("dev", 1);
  Send(lobby_, 1, "deploy one", kJan1 + 100);
  Send(lobby_, 2, "deploy two", kJan1 + kDayMs + 100);
  Send(dev, 1, "deploy three", kJan1 + 2 * kDayMs + 100);
  EXPECT_THAT(Found(1, "deploy", {.sender_id = 2}), ElementsAre("deploy two"));
  EXPECT_THAT(Found(1, "deploy", {.conversation_id = dev}), ElementsAre("deploy three"));
  EXPECT_THAT(Found(1, "deploy after:2026-01-01 before:2026-01-03"), ElementsAre("deploy two"));
  EXPECT_THAT(Found(1, "deploy before:2026-01-02"), ElementsAre("deploy one"));
  EXPECT_THAT(Found(1, "deploy after:2026-01-02"), ElementsAre("deploy three"));
}

TEST_F(MysqlSearchTest, AnEditIsFoundByItsNewWordsAndADeletionNever) {
  const uint64_t seq = Send(lobby_, 1, "meet at noon");
  Change(lobby_, 1, seq, chat::kTypeEdited, "meet at midnight");
  EXPECT_THAT(Found(7, "noon"), IsEmpty());
  EXPECT_THAT(Found(7, "midnight"), ElementsAre("meet at midnight"));
  auto hits = Hits({.viewer = 7, .clauses = {{{"midnight", false}}}});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].message.seq(), seq);
  EXPECT_GT(hits[0].message.edited_at_ms(), 0);
  Change(lobby_, 1, seq, chat::kTypeDeleted, "");
  EXPECT_THAT(Found(7, "midnight"), IsEmpty());
  EXPECT_THAT(Found(7, "meet"), IsEmpty());
  EXPECT_EQ(db_->Sql("SELECT COUNT(*) FROM natter.message_search"), "0\n");
}

TEST_F(MysqlSearchTest, AnEditGivesWordsToAMessageThatHadNone) {
  const uint64_t seq = Send(lobby_, 1, "👍");
  EXPECT_EQ(db_->Sql("SELECT COUNT(*) FROM natter.message_search"), "0\n");
  Change(lobby_, 1, seq, chat::kTypeEdited, "thumbs up");
  EXPECT_THAT(Found(7, "thumbs"), ElementsAre("thumbs up"));
}

TEST_F(MysqlSearchTest, TheMostRelevantComeFirstAndPagesFollowEachOther) {
  Send(lobby_, 1, "cake", kJan1 + 1);
  Send(lobby_, 1, "cake cake cake please", kJan1 + 2);
  Send(lobby_, 1, "more cake", kJan1 + 3);
  Send(lobby_, 1, "no dessert", kJan1 + 4);
  EXPECT_THAT(Found(7, "cake"), ElementsAre("cake cake cake please", "more cake", "cake"));
  EXPECT_THAT(Found(7, "cake", {.offset = 1, .limit = 1}), ElementsAre("more cake"));
  EXPECT_THAT(Found(7, "cake", {.offset = 2, .limit = 5}), ElementsAre("cake"));
  EXPECT_THAT(Found(7, "cake", {.offset = 3, .limit = 5}), IsEmpty());
}

TEST_F(MysqlSearchTest, MessagesFromBeforeTheIndexAreIndexedInTheBackground) {
  // Stored as an older release stored them: in messages only.
  db_->Sql(
      "INSERT INTO natter.messages (conversation_id, seq, sender_id, sender, client_msg_id, body, "
      "sent_at_ms, type, deleted) VALUES "
      "(" +
      std::to_string(lobby_) +
      ", 1, 1, 'user1', 'old1', 'an old 中文 message', 1000, 'message', 0), "
      "(" +
      std::to_string(lobby_) +
      ", 2, 1, 'user1', 'old2', 'an old deleted message', 1000, 'message', 1), "
      "(" +
      std::to_string(lobby_) + ", 3, 1, 'user1', 'old3', 'x', 1000, 'room_created', 0); " +
      "UPDATE natter.conversations SET last_seq = 3, last_msg_no = 2 WHERE id = " +
      std::to_string(lobby_));
  EXPECT_THAT(Found(7, "old"), IsEmpty());
  Send(lobby_, 2, "a new message");  // indexed as it is stored
  auto first = store_.IndexOlderMessages(2);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 2u);
  auto second = store_.IndexOlderMessages(2);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 2u);
  auto done = store_.IndexOlderMessages(2);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(*done, 0u);
  EXPECT_THAT(Found(7, "old"), ElementsAre("an old 中文 message"));
  EXPECT_THAT(Found(7, "中文"), ElementsAre("an old 中文 message"));
  EXPECT_THAT(Found(7, "message"), UnorderedElementsAre("an old 中文 message", "a new message"));
  EXPECT_EQ(db_->Sql("SELECT COUNT(*) FROM natter.message_search"), "2\n");
}

}  // namespace
}  // namespace natter
