// The MySQL stores against a real MariaDB: schema migrations, users, and the message sequencing and
// dedupe rules under concurrency; the FriendStore contract (tests/services/chat) on MySQL. One
// MariaDB serves every suite of the binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "auth_schema.h"
#include "chat_schema.h"
#include "common/config.h"
#include "common/migrations.h"
#include "common/mysql_pool.h"
#include "common/name_skeleton.h"
#include "common/text.h"
#include "friendship_rules.h"
#include "harness/harness.h"
#include "mysql_friend_store.h"
#include "mysql_message_store.h"
#include "mysql_user_store.h"
#include "room_rules.h"
#include "room_service.h"
#include "services/chat/friend_store_contract.h"

namespace natter {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// The binary's MariaDB with both components' schema, from before the first test to after the last.
class MariaDbEnvironment final : public ::testing::Environment {
 public:
  void SetUp() override {
    dir_ = std::make_unique<testing::TempDir>();
    db_ = std::make_unique<testing::MariaDb>(dir_->path() / "mysql");
    pool_ = std::make_unique<MysqlPool>(ParseMysqlUrl(db_->url()).value(), 16);
    ASSERT_TRUE(ApplyMigrations(*pool_, "auth", auth::Migrations()).ok());
    ASSERT_TRUE(ApplyMigrations(*pool_, "chat", chat::Migrations()).ok());
  }
  void TearDown() override {
    pool_.reset();
    db_.reset();
    dir_.reset();
  }

  static testing::TempDir& dir() { return *instance_->dir_; }
  static testing::MariaDb& db() { return *instance_->db_; }
  static MysqlPool& pool() { return *instance_->pool_; }

  static MariaDbEnvironment* instance_;

 private:
  std::unique_ptr<testing::TempDir> dir_;
  std::unique_ptr<testing::MariaDb> db_;
  std::unique_ptr<MysqlPool> pool_;
};

MariaDbEnvironment* MariaDbEnvironment::instance_ =
    static_cast<MariaDbEnvironment*>(::testing::AddGlobalTestEnvironment(new MariaDbEnvironment));

class MysqlStoresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = &MariaDbEnvironment::dir();
    db_ = &MariaDbEnvironment::db();
    pool_ = &MariaDbEnvironment::pool();
  }

  // Settings for a database user of its own (created if need be), so that its one connection can
  // be killed alone (KillSessionsOf).
  static MysqlConfig AsOwnUser(const std::string& user) {
    db_->Sql("CREATE USER IF NOT EXISTS '" + user + "'@'127.0.0.1' IDENTIFIED BY '" + user +
             "-pw'; GRANT ALL ON natter.* TO '" + user + "'@'127.0.0.1'");
    MysqlConfig config = ParseMysqlUrl(db_->url()).value();
    config.user = user;
    config.password = user + "-pw";
    return config;
  }
  // The server closes every session of `user`, as a shutdown does.
  static void KillSessionsOf(const std::string& user) {
    db_->Sql("SELECT CONCAT('KILL ', id) FROM information_schema.processlist WHERE user = '" +
             user + "' INTO @kill; PREPARE k FROM @kill; EXECUTE k");
  }

  static uint64_t LobbyId() {
    chat::MysqlMessageStore store(*pool_);
    return store.FindRoom("lobby", 0).value().value().id;
  }

  static testing::TempDir* dir_;
  static testing::MariaDb* db_;
  static MysqlPool* pool_;
};

testing::TempDir* MysqlStoresTest::dir_ = nullptr;
testing::MariaDb* MysqlStoresTest::db_ = nullptr;
MysqlPool* MysqlStoresTest::pool_ = nullptr;

struct MysqlFriendStoreEnv {
  static void SetUpTestSuite() {}
  static void TearDownTestSuite() {}
  static std::unique_ptr<chat::FriendStore> MakeStore() {
    return std::make_unique<chat::MysqlFriendStore>(MariaDbEnvironment::pool());
  }
};

chat::NewMessage Message(uint64_t conversation, uint64_t sender, std::string client_msg_id,
                         std::string text = "hello") {
  chat::NewMessage m;
  m.conversation_id = conversation;
  m.sender_id = sender;
  m.sender = "user" + std::to_string(sender);
  m.client_msg_id = std::move(client_msg_id);
  m.text = std::move(text);
  m.sent_at_ms = 1'700'000'000'000;
  return m;
}

TEST_F(MysqlStoresTest, MigrationsAreRecordedAndIdempotent) {
  EXPECT_TRUE(ApplyMigrations(*pool_, "auth", auth::Migrations()).ok());
  EXPECT_TRUE(ApplyMigrations(*pool_, "chat", chat::Migrations()).ok());
  std::string rows = db_->Sql(
      "SELECT component, version FROM natter.schema_migrations "
      "ORDER BY component, version");
  // Every migration of each component, once.
  std::string expected;
  for (const auto& [component, migrations] :
       {std::pair{"auth", &auth::Migrations()}, std::pair{"chat", &chat::Migrations()}}) {
    for (const auto& m : *migrations) {
      expected += std::string(component) + "\t" + std::to_string(m.version) + "\n";
    }
  }
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(chat::Migrations().back().version, 15);
}

// Reported from `./natter up --ha`: a release of the migration lock that met a busy row (there:
// Galera's 1213 while another service took turns for the lock) was not retried, and the next
// service waited out the whole lease. Here the row is held by another transaction when the release
// comes, longer than the pool's lock wait (1 s): the release must wait its turn and still happen.
TEST_F(MysqlStoresTest, AReleaseOfTheMigrationLockThatMeetsABusyRowIsRetried) {
  MysqlPool pool(ParseMysqlUrl(db_->url()).value(),
                 MysqlPoolOptions{.max_connections = 2,
                                  .read_timeout = std::chrono::seconds(2),
                                  .write_timeout = std::chrono::seconds(2)});
  // A migration that runs for a second, so the row can be taken hold of before the release.
  static const std::vector<Migration> slow = {{1, "001_slow.sql", "DO SLEEP(1)"}};
  std::atomic<bool> held{false};
  std::thread holder([&] {
    ASSERT_TRUE(testing::WaitFor(
        [&] {
          return db_->Sql("SELECT holder FROM natter.schema_migration_lock WHERE id = 1") != "\n";
        },
        std::chrono::seconds(30)));
    auto locked = pool_->Run("hold the lock row", [&](sql::Connection& conn) -> absl::Status {
      std::unique_ptr<sql::Statement> stmt(conn.createStatement());
      stmt->execute("BEGIN");
      std::unique_ptr<sql::ResultSet>(
          stmt->executeQuery("SELECT holder FROM schema_migration_lock WHERE id = 1 FOR UPDATE"));
      held = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2500));
      stmt->execute("COMMIT");
      return absl::OkStatus();
    });
    EXPECT_TRUE(locked.ok()) << locked;
  });
  // A lease long enough that the keeper does not renew (and so meet the held row) meanwhile.
  auto applied =
      ApplyMigrations(pool, "slowtest", slow,
                      {.lease = std::chrono::seconds(60), .wait = std::chrono::seconds(30)});
  holder.join();
  ASSERT_TRUE(applied.ok()) << applied;
  EXPECT_TRUE(held);
  EXPECT_EQ(db_->Sql("SELECT holder, expires_at_ms FROM natter.schema_migration_lock WHERE id = 1"),
            "\t0\n")
      << "the lock was left to expire";
}

// Found by the kube-play test (tests/deploy/kube-play): a migration Job that started before MariaDB
// accepted connections gave up with "another process holds the migration lock (holder unknown)",
// though no one held it. What stopped it was the server being unreachable, and it must say so.
TEST_F(MysqlStoresTest, AMigrationThatCannotReachTheServerSaysSoRatherThanBlamingALockHolder) {
  MysqlConfig unreachable = ParseMysqlUrl(db_->url()).value();
  unreachable.nodes.front().port = testing::FreePort();
  MysqlPool pool(unreachable, MysqlPoolOptions{.max_connections = 1,
                                               .connect_timeout = std::chrono::seconds(1)});
  static const std::vector<Migration> one = {{1, "001_one.sql", "DO 1"}};
  auto applied =
      ApplyMigrations(pool, "unreachable", one,
                      {.lease = std::chrono::seconds(60), .wait = std::chrono::seconds(1)});
  ASSERT_FALSE(applied.ok());
  EXPECT_TRUE(absl::IsUnavailable(applied)) << applied;
  EXPECT_THAT(std::string(applied.message()), Not(HasSubstr("another process holds")));
  EXPECT_THAT(std::string(applied.message()), HasSubstr("database is unavailable"));
}

TEST_F(MysqlStoresTest, CreatesAndFindsUsersByKey) {
  auth::MysqlUserStore users(*pool_);
  auto id = users.CreateUser({"Carol", "carol", "carol", "$argon2id$v=19$fake", "Carol C.", 1});
  ASSERT_TRUE(id.ok()) << id.status();
  auto found = users.FindByKey("carol");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, *id);
  EXPECT_EQ((*found)->username, "Carol");
  EXPECT_EQ((*found)->password_hash, "$argon2id$v=19$fake");
  EXPECT_EQ((*found)->display_name, "Carol C.");
  EXPECT_EQ((*found)->created_at_ms, 1);
  EXPECT_FALSE((*found)->deleted);
  EXPECT_EQ(users.FindById(*id).value()->username, "Carol");
  EXPECT_FALSE(users.FindByKey("nobody").value().has_value());
}

TEST_F(MysqlStoresTest, DuplicateUsernameKeyIsAlreadyExists) {
  auth::MysqlUserStore users(*pool_);
  ASSERT_TRUE(users.CreateUser({"dave", "dave", "dave", "h", "dave", 1}).ok());
  auto again = users.CreateUser({"DAVE", "dave", "dave", "h", "DAVE", 1});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(MysqlStoresTest, SqlMetacharactersAreStoredVerbatim) {
  auth::MysqlUserStore users(*pool_);
  std::string nasty = "x'); DROP TABLE users; --";
  ASSERT_TRUE(users.CreateUser({nasty, nasty, nasty, "h", nasty, 1}).ok());
  auto found = users.FindByKey(nasty);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->username, nasty);
}

TEST_F(MysqlStoresTest, UpdatesPasswordHash) {
  auth::MysqlUserStore users(*pool_);
  auto id = users.CreateUser({"erin", "erin", "erin", "old", "erin", 1});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(users.UpdatePasswordHash(*id, "new").ok());
  EXPECT_EQ(users.FindByKey("erin").value()->password_hash, "new");
}

TEST_F(MysqlStoresTest, FindsSeveralUsersByIdAndUpdatesDisplayNames) {
  auth::MysqlUserStore users(*pool_);
  auto a = users.CreateUser({"frank", "frank", "frank", "h", "Frank", 1});
  auto b = users.CreateUser({"grace", "grace", "grace", "h", "Grace", 1});
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(users.UpdateDisplayName(*b, "Grace \xF0\x9F\x8C\xB8").ok());
  auto found = users.FindByIds({*a, *b, 999999});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 2u);
  for (const auto& u : *found) {
    EXPECT_EQ(u.display_name, u.id == *a ? "Frank" : "Grace \xF0\x9F\x8C\xB8");
  }
  EXPECT_TRUE(users.FindByIds({}).value().empty());
}

TEST_F(MysqlStoresTest, AvatarsAreVersionedBinarySafeBlobs) {
  auth::MysqlUserStore users(*pool_);
  auto id = users.CreateUser({"heidi", "heidi", "heidi", "h", "heidi", 1});
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE(users.GetAvatar(*id).value().has_value());
  std::string png("\x89PNG\r\n\x1a\n\0\0\xff binary", 19);
  EXPECT_EQ(users.SetAvatar(*id, png, 5).value(), 1u);
  EXPECT_EQ(users.SetAvatar(*id, png + "2", 6).value(), 2u);
  auto avatar = users.GetAvatar(*id);
  ASSERT_TRUE(avatar.ok() && avatar->has_value());
  EXPECT_EQ((*avatar)->first, 2u);
  EXPECT_EQ((*avatar)->second, png + "2");
  EXPECT_EQ(users.FindById(*id).value()->avatar_version, 2u);
  EXPECT_EQ(users.SetAvatar(999999, png, 7).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(MysqlStoresTest, DeletedUserKeepsItsIdAndNameButLosesTheRest) {
  auth::MysqlUserStore users(*pool_);
  auto id = users.CreateUser({"ivan", "ivan", "ivan", "hash", "Ivan", 1});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(users.SetAvatar(*id, "png", 2).ok());
  ASSERT_TRUE(users.MarkDeleted(*id, 3, "$argon2id$unusable").ok());
  auto user = users.FindByKey("ivan").value();
  ASSERT_TRUE(user.has_value());
  EXPECT_TRUE(user->deleted);
  EXPECT_EQ(user->password_hash, "$argon2id$unusable");
  EXPECT_EQ(user->display_name, "");
  EXPECT_FALSE(users.GetAvatar(*id).value().has_value());
  EXPECT_EQ(users.CreateUser({"Ivan", "ivan", "ivan", "h", "x", 4}).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(MysqlStoresTest, AppendAssignsDenseSeqsAndReplayReturnsOriginalAck) {
  chat::MysqlMessageStore store(*pool_);
  uint64_t lobby = LobbyId();
  uint64_t before = store.FindConversation(lobby, 0).value()->latest_seq;
  auto first = store.Append(Message(lobby, 100, "m-1"));
  auto second = store.Append(Message(lobby, 100, "m-2"));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->ack.seq(), before + 1);
  EXPECT_EQ(second->ack.seq(), before + 2);
  EXPECT_FALSE(first->duplicate);

  auto replay = store.Append(Message(lobby, 100, "m-1"));
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->duplicate);
  EXPECT_EQ(replay->ack.seq(), first->ack.seq());
  EXPECT_EQ(replay->ack.message_id(), first->ack.message_id());
  EXPECT_EQ(store.FindConversation(lobby, 0).value()->latest_seq, before + 2);
}

// Issue 23 item 2: a reply stores the seq it quotes; every read joins the quoted message as it is
// now (its first 100 characters, counted in code points; none once it is deleted).
TEST_F(MysqlStoresTest, AReplyIsReadWithItsQuoteAsItIsNow) {
  chat::MysqlMessageStore store(*pool_);
  uint64_t lobby = LobbyId();
  std::string long_text;
  for (int i = 0; i < 120; ++i) long_text += "\u4f60";  // 你: three bytes, one code point
  auto quoted = store.Append(Message(lobby, 120, "q-1", long_text));
  ASSERT_TRUE(quoted.ok()) << quoted.status();
  chat::NewMessage reply = Message(lobby, 121, "q-2", "a reply");
  reply.reply_to_seq = quoted->ack.seq();
  auto replied = store.Append(reply);
  ASSERT_TRUE(replied.ok()) << replied.status();

  auto found = store.FindMessage(lobby, replied->ack.seq());
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->reply_to_seq(), quoted->ack.seq());
  EXPECT_EQ((*found)->reply().sender(), "user120");
  EXPECT_EQ((*found)->reply().sender_id(), 120u);
  EXPECT_EQ((*found)->reply().snippet().size(), chat::kReplySnippetChars * 3);
  EXPECT_FALSE((*found)->reply().deleted());
  auto plain = store.FindMessage(lobby, quoted->ack.seq());
  ASSERT_TRUE(plain.ok() && plain->has_value());
  EXPECT_FALSE((*plain)->has_reply());
  EXPECT_EQ((*plain)->reply_to_seq(), 0u);

  chat::NewMessage edit = Message(lobby, 120, "q-3", "shorter now");
  edit.type = chat::kTypeEdited;
  edit.target_seq = quoted->ack.seq();
  ASSERT_TRUE(store.Append(edit).ok());
  auto after = store.MessagesAfter(lobby, replied->ack.seq() - 1, 1);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].reply().snippet(), "shorter now");

  chat::NewMessage deletion = Message(lobby, 120, "q-4", "");
  deletion.type = chat::kTypeDeleted;
  deletion.target_seq = quoted->ack.seq();
  ASSERT_TRUE(store.Append(deletion).ok());
  auto before = store.MessagesBefore(lobby, replied->ack.seq() + 1, 1);
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->size(), 1u);
  EXPECT_TRUE((*before)[0].reply().deleted());
  EXPECT_EQ((*before)[0].reply().snippet(), "");
}

// Issue 23 item 3: a reaction is an entry with a seq and a row of message_reactions, changed in
// one transaction; adding one already there or removing one not there stores nothing (no seq is
// used up); a message takes at most 20 different emoji; a deletion clears its reactions.
TEST_F(MysqlStoresTest, ReactionsAreEntriesAndTheCurrentSetIsReadByMessage) {
  chat::MysqlMessageStore store(*pool_);
  uint64_t lobby = LobbyId();
  auto target = store.Append(Message(lobby, 130, "x-1", "react to me"));
  ASSERT_TRUE(target.ok()) << target.status();
  const uint64_t seq = target->ack.seq();
  auto reaction = [&](uint64_t user, const std::string& id, const std::string& emoji,
                      bool remove = false) {
    chat::NewMessage m = Message(lobby, user, id, emoji);
    m.type = remove ? chat::kTypeReactionRemoved : chat::kTypeReactionAdded;
    m.target_seq = seq;
    return store.Append(m);
  };
  auto up = reaction(131, "x-2", "👍");
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(up->ack.seq(), seq + 1);
  ASSERT_EQ(up->reactions.size(), 1u);
  EXPECT_EQ(up->reactions[0].emoji(), "👍");
  ASSERT_TRUE(reaction(132, "x-3", "🎉").ok());
  auto second = reaction(130, "x-4", "👍");  // the author may react too
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->reactions.size(), 2u);
  EXPECT_EQ(second->reactions[0].count(), 2u);
  EXPECT_THAT(second->reactions[0].user_ids(), ElementsAre(131u, 130u));
  EXPECT_THAT(second->reactions[0].users(), ElementsAre("user131", "user130"));
  EXPECT_EQ(second->reactions[1].emoji(), "🎉");

  // No-ops: nothing stored, the seq not used up.
  auto again = reaction(131, "x-5", "👍");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->unchanged);
  EXPECT_TRUE(again->ack.unchanged());
  auto absent = reaction(131, "x-6", "🎉", /*remove=*/true);
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_TRUE(absent->unchanged);
  // A skin tone is another reaction (compared byte for byte).
  auto toned = reaction(131, "x-7", "👍🏽");
  ASSERT_TRUE(toned.ok());
  EXPECT_EQ(toned->ack.seq(), seq + 4) << "the no-ops took no seq";
  auto removed = reaction(131, "x-8", "👍", /*remove=*/true);
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(removed->unchanged);
  EXPECT_EQ(removed->ack.seq(), seq + 5);
  // A replay of the first add is answered from the dedupe record, not applied again.
  auto replay = reaction(131, "x-2", "👍");
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->duplicate);
  EXPECT_EQ(replay->ack.seq(), seq + 1);

  // Read by message, whatever the length of the list (here more than one IN list's worth).
  std::vector<uint64_t> seqs;
  for (uint64_t s = 1; s <= 600; ++s) seqs.push_back(seq + 1000 + s);
  seqs.push_back(seq);
  auto read = store.Reactions(lobby, seqs);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 1u);
  const auto& now = read->at(seq);
  ASSERT_EQ(now.size(), 3u);
  EXPECT_EQ(now[0].emoji(), "🎉");
  EXPECT_EQ(now[1].emoji(), "👍");
  EXPECT_THAT(now[1].user_ids(), ElementsAre(130u));
  EXPECT_EQ(now[2].emoji(), "👍🏽");
  // History leaves reaction entries out.
  auto page = store.MessagesBefore(lobby, seq + 100, 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].seq(), seq);

  // Not on a reaction entry, nor on a deleted message; a deletion clears them.
  chat::NewMessage on_entry = Message(lobby, 131, "x-9", "👍");
  on_entry.type = chat::kTypeReactionAdded;
  on_entry.target_seq = seq + 1;
  EXPECT_EQ(store.Append(on_entry).status().code(), absl::StatusCode::kFailedPrecondition);
  chat::NewMessage deletion = Message(lobby, 130, "x-10", "");
  deletion.type = chat::kTypeDeleted;
  deletion.target_seq = seq;
  ASSERT_TRUE(store.Append(deletion).ok());
  EXPECT_TRUE(store.Reactions(lobby, {seq}).value().empty());
  auto late = reaction(132, "x-11", "😮");
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(late.status().message(), "message " + std::to_string(seq) + " was deleted");
}

TEST_F(MysqlStoresTest, AMessageTakesAtMost20DifferentEmoji) {
  chat::MysqlMessageStore store(*pool_);
  uint64_t lobby = LobbyId();
  auto target = store.Append(Message(lobby, 135, "y-1", "popular"));
  ASSERT_TRUE(target.ok()) << target.status();
  auto react = [&](uint64_t user, const std::string& id, const std::string& emoji) {
    chat::NewMessage m = Message(lobby, user, id, emoji);
    m.type = chat::kTypeReactionAdded;
    m.target_seq = target->ack.seq();
    return store.Append(m);
  };
  std::vector<std::string> emoji;
  for (int i = 0; i < 20; ++i) emoji.push_back("\u2600" + std::to_string(i));  // distinct bytes
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(react(136, "y-e" + std::to_string(i), emoji[i]).ok()) << i;
  }
  auto more = react(137, "y-more", "👍");
  EXPECT_EQ(more.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(more.status().message(), chat::kRefusedTooManyReactions);
  EXPECT_TRUE(react(137, "y-same", emoji[3]).ok()) << "an emoji already there is no new one";
  EXPECT_EQ(store.Reactions(lobby, {target->ack.seq()}).value().at(target->ack.seq()).size(), 20u);
}

// Issue 19: a client_msg_id names one entry. Reusing it for another text, conversation or target
// is ALREADY_EXISTS; an exact replay is answered with the original ack, also after the message
// was edited (the text as first sent is what counts) and for entries from before body_sha256.
TEST_F(MysqlStoresTest, AReusedClientMsgIdIsRefusedAndAnExactReplayAnswered) {
  chat::MysqlMessageStore store(*pool_);
  uint64_t lobby = LobbyId();
  auto other = store.OpenDirect(110, 111, 1000);
  ASSERT_TRUE(other.ok()) << other.status();
  auto first = store.Append(Message(lobby, 110, "r-1", "as first sent"));
  ASSERT_TRUE(first.ok()) << first.status();
  const uint64_t latest = store.FindConversation(lobby, 0).value()->latest_seq;

  auto other_text = store.Append(Message(lobby, 110, "r-1", "another text"));
  EXPECT_EQ(other_text.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(std::string(other_text.status().message())
                .rfind("client_msg_id \"r-1\" was already used for a different message", 0),
            0u);
  EXPECT_EQ(store.Append(Message(other->id, 110, "r-1", "as first sent")).status().code(),
            absl::StatusCode::kAlreadyExists);

  chat::NewMessage edit = Message(lobby, 110, "r-2", "edited text");
  edit.type = chat::kTypeEdited;
  edit.target_seq = first->ack.seq();
  ASSERT_TRUE(store.Append(edit).ok());
  auto after_edit = store.Append(Message(lobby, 110, "r-1", "as first sent"));
  ASSERT_TRUE(after_edit.ok()) << after_edit.status();
  EXPECT_TRUE(after_edit->duplicate);
  EXPECT_EQ(after_edit->ack.seq(), first->ack.seq());
  auto edit_again = store.Append(edit);
  ASSERT_TRUE(edit_again.ok()) << edit_again.status();
  EXPECT_TRUE(edit_again->duplicate);
  edit.text = "edited otherwise";
  EXPECT_EQ(store.Append(edit).status().code(), absl::StatusCode::kAlreadyExists);
  edit.text = "edited text";
  edit.target_seq = first->ack.seq() - 1;
  EXPECT_EQ(store.Append(edit).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store.FindConversation(lobby, 0).value()->latest_seq, latest + 1);  // the edit only

  // An entry stored before the migration has no body_sha256: its text is compared while it is
  // as sent.
  auto legacy = store.Append(Message(lobby, 110, "r-3", "old one"));
  ASSERT_TRUE(legacy.ok());
  db_->Sql(
      "UPDATE natter.messages SET body_sha256 = NULL WHERE sender_id = 110 AND "
      "client_msg_id = 'r-3'");
  EXPECT_TRUE(store.Append(Message(lobby, 110, "r-3", "old one")).value().duplicate);
  EXPECT_EQ(store.Append(Message(lobby, 110, "r-3", "not it")).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(MysqlStoresTest, CachedStatementsDieWithTheirConnection) {
  MysqlPool pool(AsOwnUser("cachetest"), 1);
  chat::MysqlMessageStore store(pool);
  uint64_t lobby = LobbyId();
  ASSERT_TRUE(store.Append(Message(lobby, 101, "c-1")).ok());
  ASSERT_TRUE(store.Append(Message(lobby, 101, "c-2")).ok());  // the cached statements again

  // The server drops the connection: the call that finds out fails as UNAVAILABLE (retrying helps),
  // and the next one gets a new connection with freshly prepared statements.
  KillSessionsOf("cachetest");
  auto lost = store.Append(Message(lobby, 101, "c-3"));
  if (!lost.ok()) {
    EXPECT_EQ(lost.status().code(), absl::StatusCode::kUnavailable) << lost.status();
  }
  auto again = store.Append(Message(lobby, 101, "c-3"));
  ASSERT_TRUE(again.ok()) << again.status();
  auto replay = store.Append(Message(lobby, 101, "c-2"));
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->duplicate);
}

// Found by the MariaDB-restart fault test: the driver's own commit() ignores a failed COMMIT, so a
// transaction the server rolled back (its connection closed by a shutdown) was acked as stored.
TEST_F(MysqlStoresTest, ACommitOnALostConnectionIsAnErrorNotASuccess) {
  db_->Sql("CREATE TABLE IF NOT EXISTS natter.commit_probe (id INT PRIMARY KEY)");
  MysqlPool pool(AsOwnUser("committest"), 1);
  auto committed = pool.Run("commit probe", [&](sql::Connection& conn) -> absl::Status {
    Transaction tx(conn);
    CachedStatement(conn, "INSERT INTO commit_probe (id) VALUES (1)").executeUpdate();
    // The server closes the session with the transaction open, so it rolls the transaction back.
    KillSessionsOf("committest");
    tx.Commit();
    return absl::OkStatus();
  });
  EXPECT_EQ(committed.code(), absl::StatusCode::kUnavailable) << committed;
  EXPECT_EQ(db_->Sql("SELECT COUNT(*) FROM natter.commit_probe"), "0\n");
  // The pool retired the connection; the next call works.
  auto next = pool.Run("after", [&](sql::Connection& conn) -> absl::Status {
    Transaction tx(conn);
    CachedStatement(conn, "INSERT INTO commit_probe (id) VALUES (2)").executeUpdate();
    tx.Commit();
    return absl::OkStatus();
  });
  EXPECT_TRUE(next.ok()) << next;
  EXPECT_EQ(db_->Sql("SELECT id FROM natter.commit_probe"), "2\n");
}

TEST_F(MysqlStoresTest, ConcurrentSendersGetDenseUniqueSeqs) {
  chat::MysqlMessageStore store(*pool_);
  uint64_t lobby = LobbyId();
  uint64_t before = store.FindConversation(lobby, 0).value()->latest_seq;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Each message is sent twice, as a client retrying would: one message, one seq.
        std::string id = "c-" + std::to_string(t) + "-" + std::to_string(i);
        auto a = store.Append(Message(lobby, 200 + t, id));
        auto b = store.Append(Message(lobby, 200 + t, id));
        ASSERT_TRUE(a.ok()) << a.status();
        ASSERT_TRUE(b.ok()) << b.status();
        ASSERT_EQ(a->ack.seq(), b->ack.seq());
        seqs[t].push_back(a->ack.seq());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<uint64_t> all;
  for (const auto& s : seqs) all.insert(s.begin(), s.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.begin(), before + 1);
  EXPECT_EQ(*all.rbegin(), before + kThreads * kPerThread);
}

TEST_F(MysqlStoresTest, MessagesAfterPagesInSeqOrderAndKeepsUnicode) {
  chat::MysqlMessageStore store(*pool_);
  uint64_t lobby = LobbyId();
  uint64_t before = store.FindConversation(lobby, 0).value()->latest_seq;
  const std::string emoji = "caf\xC3\xA9 \xF0\x9F\x98\x80 '\"; --";
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store.Append(Message(lobby, 300, "p-" + std::to_string(i), emoji)).ok());
  }
  auto page = store.MessagesAfter(lobby, before + 1, 3);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].seq(), before + 2);
  EXPECT_EQ((*page)[2].seq(), before + 4);
  EXPECT_EQ((*page)[0].text(), emoji);
  EXPECT_EQ((*page)[0].sender(), "user300");
  EXPECT_EQ(store.MessagesAfter(lobby, before + 5, 10).value().size(), 0u);
}

TEST_F(MysqlStoresTest, MessagesBeforePagesBackwards) {
  chat::MysqlMessageStore store(*pool_);
  uint64_t lobby = LobbyId();
  uint64_t before = store.FindConversation(lobby, 0).value()->latest_seq;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(
        store.Append(Message(lobby, 310, "b-" + std::to_string(i), "t" + std::to_string(i))).ok());
  }
  auto page = store.MessagesBefore(lobby, before + 4, 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].seq(), before + 3);  // newest first
  EXPECT_EQ((*page)[1].seq(), before + 2);
  EXPECT_EQ((*page)[1].text(), "t1");
}

TEST_F(MysqlStoresTest, AppendToMissingConversationIsNotFound) {
  chat::MysqlMessageStore store(*pool_);
  auto result = store.Append(Message(999999, 1, "x-1"));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(MysqlStoresTest, EveryUserIsInTheLobby) {
  chat::MysqlMessageStore store(*pool_);
  auto conversations = store.ConversationsOf(42);
  ASSERT_TRUE(conversations.ok());
  ASSERT_EQ(conversations->size(), 1u);
  EXPECT_EQ((*conversations)[0].name, "lobby");
  EXPECT_EQ((*conversations)[0].kind, "room");
}

absl::StatusOr<std::pair<chat::PairChange, std::vector<chat::StoredUserEvent>>> Befriend(
    chat::MysqlFriendStore& store, v1::FriendAction action, chat::Party me, chat::Party other) {
  return store.UpdatePair(me.id, other.id, 1000, [&](const chat::PairState& state) {
    return chat::DecideFriendship(action, state, me, other, "hi");
  });
}

// ---- rooms, direct conversations, edits and read markers ----

chat::NewRoom MakeRoom(const std::string& name, uint64_t owner) {
  chat::NewRoom r;
  r.name = name;
  r.name_key = FoldCase(name).value();
  r.name_skeleton = chat::RoomNameSkeleton(name).value();
  r.owner_id = owner;
  r.owner = "user" + std::to_string(owner);
  r.topic = "topic of " + name;
  r.now_ms = 1000;
  return r;
}

absl::StatusOr<chat::RoomChangeResult> Change(chat::MysqlMessageStore& store, uint64_t room,
                                              chat::RoomRequestArgs args, int64_t now = 2000) {
  return store.ChangeRoom(
      room, args.actor.id, args.actor.username, args.target.id, now,
      [&](const chat::RoomState& state) { return chat::DecideRoomChange(state, args); });
}

chat::Party User(uint64_t id) { return {id, "user" + std::to_string(id)}; }

v1::Mention MentionOf(uint64_t user) {
  v1::Mention m;
  m.set_user_id(user);
  m.set_username("user" + std::to_string(user));
  m.set_added(true);
  return m;
}

// Mentions as "user:added" (1 or 0).
std::vector<std::string> ShowMentions(const std::vector<v1::Mention>& mentions) {
  std::vector<std::string> out;
  for (const auto& m : mentions) {
    out.push_back(std::to_string(m.user_id()) + ":" + (m.added() ? "1" : "0"));
  }
  return out;
}

std::vector<std::string> MentionTexts(chat::MysqlMessageStore& store, uint64_t user,
                                      uint64_t before = UINT64_MAX, uint32_t limit = 10) {
  std::vector<std::string> out;
  auto listed = store.MentionsOf(user, before, limit);
  EXPECT_TRUE(listed.ok()) << listed.status();
  if (listed.ok()) {
    for (const auto& m : *listed) out.push_back(m.text());
  }
  return out;
}

TEST_F(MysqlStoresTest, MentionsAreStoredWithTheirEntryReplacedByEditsAndListedPerUser) {
  chat::MysqlMessageStore store(*pool_);
  const uint64_t lobby = LobbyId();
  chat::NewMessage m = Message(lobby, 1401, "mn-1", "hi @user1402 @user1403");
  m.mentions = {MentionOf(1402), MentionOf(1403)};
  auto sent = store.Append(m);
  ASSERT_TRUE(sent.ok()) << sent.status();
  const uint64_t seq = sent->ack.seq();
  EXPECT_THAT(ShowMentions(sent->mentions), ElementsAre("1402:1", "1403:1"));

  chat::NewMessage edit = Message(lobby, 1401, "mn-2", "hi @user1403 @user1404");
  edit.type = chat::kTypeEdited;
  edit.target_seq = seq;
  edit.mentions = {MentionOf(1403), MentionOf(1404)};
  auto edited = store.Append(edit);
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_THAT(ShowMentions(edited->mentions), ElementsAre("1403:0", "1404:1"));
  auto read = store.Mentions(lobby, {seq, edited->ack.seq(), seq + 500});
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_THAT(ShowMentions(read->at(seq)), ElementsAre("1403:0", "1404:1"));
  EXPECT_THAT(ShowMentions(read->at(edited->ack.seq())), ElementsAre("1403:0", "1404:1"));
  EXPECT_EQ(read->at(seq)[1].username(), "user1404");

  EXPECT_THAT(MentionTexts(store, 1402), IsEmpty());
  EXPECT_THAT(MentionTexts(store, 1404), ElementsAre("hi @user1403 @user1404"));
  auto listed = store.MentionsOf(1404, UINT64_MAX, 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].conversation_id(), lobby);
  EXPECT_EQ((*listed)[0].seq(), seq);
  EXPECT_EQ((*listed)[0].type(), chat::kTypeMessage);

  // Newest first, a page at a time.
  chat::NewMessage later = Message(lobby, 1402, "mn-3", "@user1404 again");
  later.mentions = {MentionOf(1404)};
  ASSERT_TRUE(store.Append(later).ok());
  EXPECT_THAT(MentionTexts(store, 1404), ElementsAre("@user1404 again", "hi @user1403 @user1404"));
  const uint64_t newest = store.MentionsOf(1404, UINT64_MAX, 1).value().at(0).message_id();
  EXPECT_THAT(MentionTexts(store, 1404, newest), ElementsAre("hi @user1403 @user1404"));

  // A deletion takes the message's mentions with it.
  chat::NewMessage deletion = Message(lobby, 1401, "mn-4", "");
  deletion.type = chat::kTypeDeleted;
  deletion.target_seq = seq;
  ASSERT_TRUE(store.Append(deletion).ok());
  EXPECT_TRUE(store.Mentions(lobby, {seq}).value().empty());
  EXPECT_THAT(MentionTexts(store, 1404), ElementsAre("@user1404 again"));
}

TEST_F(MysqlStoresTest, TheMentionsListHasOnlyRoomsTheUserIsIn) {
  chat::MysqlMessageStore store(*pool_);
  auto created = store.CreateRoom(MakeRoom("mention-room", 1411));
  ASSERT_TRUE(created.ok()) << created.status();
  const uint64_t room = created->room.id;
  ASSERT_TRUE(Change(store, room, {.action = chat::RoomAction::kJoin, .actor = User(1412)}).ok());
  chat::NewMessage m = Message(room, 1411, "mr-1", "@user1412 look");
  m.mentions = {MentionOf(1412)};
  ASSERT_TRUE(store.Append(m).ok());
  EXPECT_THAT(MentionTexts(store, 1412), ElementsAre("@user1412 look"));
  ASSERT_TRUE(Change(store, room, {.action = chat::RoomAction::kLeave, .actor = User(1412)}).ok());
  EXPECT_THAT(MentionTexts(store, 1412), IsEmpty());
}

TEST_F(MysqlStoresTest, PinsAreEntriesListedNewestFirstUpToFiftyAndADeletionUnpins) {
  chat::MysqlMessageStore store(*pool_);
  auto created = store.CreateRoom(MakeRoom("pin-room", 1421));
  ASSERT_TRUE(created.ok()) << created.status();
  const uint64_t room = created->room.id;
  std::vector<uint64_t> seqs;
  for (size_t i = 0; i <= chat::kMaxPins; ++i) {
    auto sent =
        store.Append(Message(room, 1422, "pm-" + std::to_string(i), "n" + std::to_string(i)));
    ASSERT_TRUE(sent.ok()) << sent.status();
    seqs.push_back(sent->ack.seq());
  }
  auto pin = [&](uint64_t seq, const std::string& id, bool unpin = false) {
    chat::NewMessage m = Message(room, 1421, id, "");
    m.type = unpin ? chat::kTypeMessageUnpinned : chat::kTypeMessagePinned;
    m.target_seq = seq;
    return store.Append(m);
  };
  auto first = pin(seqs[0], "pp-0");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->unchanged);
  auto again = pin(seqs[0], "pp-again");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->unchanged);
  ASSERT_TRUE(pin(seqs[1], "pp-1").ok());
  auto pins = store.Pins(room);
  ASSERT_TRUE(pins.ok()) << pins.status();
  ASSERT_EQ(pins->size(), 2u);
  EXPECT_EQ((*pins)[0].message().seq(), seqs[1]);
  EXPECT_EQ((*pins)[0].message().text(), "n1");
  EXPECT_EQ((*pins)[0].pinned_by_id(), 1421u);
  EXPECT_EQ((*pins)[0].pinned_by(), "user1421");
  EXPECT_EQ((*pins)[1].message().seq(), seqs[0]);

  auto absent = pin(seqs[2], "pu-absent", /*unpin=*/true);
  ASSERT_TRUE(absent.ok());
  EXPECT_TRUE(absent->unchanged);
  for (size_t i = 2; i < chat::kMaxPins; ++i) {
    ASSERT_TRUE(pin(seqs[i], "pp-" + std::to_string(i)).ok()) << i;
  }
  auto over = pin(seqs[chat::kMaxPins], "pp-over");
  EXPECT_EQ(over.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(over.status().message(), chat::kRefusedTooManyPins);

  chat::NewMessage deletion = Message(room, 1422, "pd-1", "");
  deletion.type = chat::kTypeDeleted;
  deletion.target_seq = seqs[0];
  ASSERT_TRUE(store.Append(deletion).ok());
  EXPECT_EQ(store.Pins(room).value().size(), chat::kMaxPins - 1);
  EXPECT_TRUE(pin(seqs[chat::kMaxPins], "pp-over-2").ok()) << "the deletion made room";
  EXPECT_EQ(pin(seqs[0], "pp-deleted").status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(MysqlStoresTest, RoomsKeepMembersOwnerAndEntriesInOneSequence) {
  chat::MysqlMessageStore store(*pool_);
  auto created = store.CreateRoom(MakeRoom("it-room", 501));
  ASSERT_TRUE(created.ok()) << created.status();
  uint64_t room = created->room.id;
  EXPECT_EQ(created->room.owner_id, 501u);
  EXPECT_EQ(created->room.latest_seq, 1u);
  EXPECT_EQ(created->room.topic, "topic of it-room");
  ASSERT_EQ(created->events.size(), 1u);
  EXPECT_EQ(created->events[0].event.room().seq(), 1u);
  EXPECT_EQ(store.CreateRoom(MakeRoom("it-room", 502)).status().code(),
            absl::StatusCode::kAlreadyExists);

  auto joined = Change(store, room, {.action = chat::RoomAction::kJoin, .actor = User(502)});
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->room.member_count, 2u);
  EXPECT_TRUE(joined->room.is_member);
  EXPECT_EQ(joined->entry->seq(), 2u);
  EXPECT_EQ(joined->events.at(0).event.room().seq(), 2u);
  ASSERT_TRUE(
      Change(store, room, {.action = chat::RoomAction::kJoin, .actor = User(503)}, 3000).ok());
  auto members = store.Members(room, 100);
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->size(), 3u);
  EXPECT_EQ((*members)[0].role, chat::MemberRole::kOwner);

  auto kicked = Change(
      store, room, {.action = chat::RoomAction::kRemove, .actor = User(501), .target = User(503)});
  ASSERT_TRUE(kicked.ok()) << kicked.status();
  EXPECT_EQ(kicked->entry->target_user_id(), 503u);
  EXPECT_EQ(kicked->room.member_count, 2u);
  EXPECT_FALSE(store.FindConversation(room, 503)->value().is_member);

  auto left = Change(store, room, {.action = chat::RoomAction::kLeave, .actor = User(501)});
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(left->room.owner_id, 502u);  // the longest-standing member inherits it
  auto rooms = store.RoomsOf(502);
  ASSERT_TRUE(rooms.ok());
  ASSERT_EQ(rooms->size(), 2u);
  EXPECT_EQ((*rooms)[0].name, "lobby");
  EXPECT_EQ((*rooms)[1].id, room);

  auto entries = store.MessagesAfter(room, 0, 100);
  ASSERT_TRUE(entries.ok());
  std::vector<std::string> types;
  for (const auto& e : *entries) types.push_back(e.type());
  EXPECT_EQ(types, (std::vector<std::string>{"room_created", "member_joined", "member_joined",
                                             "member_removed", "member_left"}));
}

// Issue 19: a ban removes a member and keeps them out until it is lifted; it is read under the
// room's lock with the rest of the room's state.
TEST_F(MysqlStoresTest, ABanKeepsAUserOutUntilLifted) {
  chat::MysqlMessageStore store(*pool_);
  auto created = store.CreateRoom(MakeRoom("ban-room", 521));
  ASSERT_TRUE(created.ok()) << created.status();
  const uint64_t room = created->room.id;
  ASSERT_TRUE(Change(store, room, {.action = chat::RoomAction::kJoin, .actor = User(522)}).ok());
  auto banned =
      Change(store, room,
             {.action = chat::RoomAction::kBan, .actor = User(521), .target = User(522)}, 3000);
  ASSERT_TRUE(banned.ok()) << banned.status();
  ASSERT_TRUE(banned->entry.has_value());
  EXPECT_EQ(banned->entry->type(), "member_removed");
  EXPECT_EQ(banned->entry->text(), "banned");
  EXPECT_EQ(banned->events.at(0).event.room().type(), "removed");
  EXPECT_FALSE(store.FindConversation(room, 522)->value().is_member);
  // A ban of someone who never joined: no entry.
  auto pre =
      Change(store, room,
             {.action = chat::RoomAction::kBan, .actor = User(521), .target = User(523)}, 4000);
  ASSERT_TRUE(pre.ok()) << pre.status();
  EXPECT_FALSE(pre->entry.has_value());
  const uint64_t latest = store.FindConversation(room, 521)->value().latest_seq;

  for (uint64_t user : {522, 523}) {
    auto join = Change(store, room, {.action = chat::RoomAction::kJoin, .actor = User(user)});
    EXPECT_EQ(join.status().code(), absl::StatusCode::kPermissionDenied);
  }
  EXPECT_EQ(store.FindConversation(room, 521)->value().latest_seq, latest);
  auto bans = store.Bans(room, 10);
  ASSERT_TRUE(bans.ok()) << bans.status();
  ASSERT_EQ(bans->size(), 2u);
  EXPECT_EQ((*bans)[0].user_id, 523u);  // newest first
  EXPECT_EQ((*bans)[1].user_id, 522u);
  EXPECT_EQ((*bans)[1].by_user_id, 521u);
  EXPECT_EQ((*bans)[1].banned_at_ms, 3000);

  ASSERT_TRUE(Change(store, room,
                     {.action = chat::RoomAction::kUnban, .actor = User(521), .target = User(522)})
                  .ok());
  EXPECT_TRUE(Change(store, room, {.action = chat::RoomAction::kJoin, .actor = User(522)}).ok());
  EXPECT_EQ(store.Bans(room, 10)->size(), 1u);
}

// Issue 19 item 13: conversation_members.role holds 'moderator' (migration 006); members are
// listed owner, moderators, members; the longest-serving moderator inherits the room; a removed
// moderator comes back a member.
TEST_F(MysqlStoresTest, ModeratorsAreListedAfterTheOwnerAndInheritTheRoom) {
  chat::MysqlMessageStore store(*pool_);
  auto created = store.CreateRoom(MakeRoom("mod-room", 531));
  ASSERT_TRUE(created.ok()) << created.status();
  const uint64_t room = created->room.id;
  for (uint64_t user : {532, 533, 534}) {
    ASSERT_TRUE(Change(store, room, {.action = chat::RoomAction::kJoin, .actor = User(user)},
                       static_cast<int64_t>(user) * 10)
                    .ok());
  }
  auto made = Change(store, room,
                     {.action = chat::RoomAction::kSetRole,
                      .actor = User(531),
                      .target = User(534),
                      .role = chat::MemberRole::kModerator},
                     6000);
  ASSERT_TRUE(made.ok()) << made.status();
  ASSERT_TRUE(made->entry.has_value());
  EXPECT_EQ(made->entry->type(), "member_role_changed");
  EXPECT_EQ(made->entry->text(), "moderator");
  EXPECT_EQ(made->entry->target_user_id(), 534u);
  EXPECT_TRUE(made->events.empty());
  auto order = [&] {
    std::vector<std::pair<uint64_t, chat::MemberRole>> out;
    auto members = store.Members(room, 100);
    EXPECT_TRUE(members.ok()) << members.status();
    if (members.ok()) {
      for (const auto& m : *members) out.emplace_back(m.user_id, m.role);
    }
    return out;
  };
  using chat::MemberRole;
  EXPECT_EQ(order(), (std::vector<std::pair<uint64_t, MemberRole>>{{531, MemberRole::kOwner},
                                                                   {534, MemberRole::kModerator},
                                                                   {532, MemberRole::kMember},
                                                                   {533, MemberRole::kMember}}));
  EXPECT_EQ(store.FindRoom("mod-room", 534)->value().role, MemberRole::kModerator);
  EXPECT_EQ(store.FindRoom("mod-room", 532)->value().role, MemberRole::kMember);
  EXPECT_EQ(store.FindRoom("mod-room", 999)->value().role, std::nullopt);

  // The moderator bans a member, but not the owner.
  auto banned = Change(store, room,
                       {.action = chat::RoomAction::kBan, .actor = User(534), .target = User(532)});
  ASSERT_TRUE(banned.ok()) << banned.status();
  auto refused = Change(
      store, room, {.action = chat::RoomAction::kRemove, .actor = User(534), .target = User(531)});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);

  // The owner leaves: the moderator (who joined after 533) inherits the room.
  auto left = Change(store, room, {.action = chat::RoomAction::kLeave, .actor = User(531)});
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(left->room.owner_id, 534u);
  EXPECT_EQ(order(), (std::vector<std::pair<uint64_t, MemberRole>>{{534, MemberRole::kOwner},
                                                                   {533, MemberRole::kMember}}));

  // A moderator removed and back is a member.
  ASSERT_TRUE(Change(store, room,
                     {.action = chat::RoomAction::kSetRole,
                      .actor = User(534),
                      .target = User(533),
                      .role = MemberRole::kModerator})
                  .ok());
  ASSERT_TRUE(Change(store, room,
                     {.action = chat::RoomAction::kRemove, .actor = User(534), .target = User(533)})
                  .ok());
  ASSERT_TRUE(Change(store, room, {.action = chat::RoomAction::kJoin, .actor = User(533)}).ok());
  EXPECT_EQ(order(), (std::vector<std::pair<uint64_t, MemberRole>>{{534, MemberRole::kOwner},
                                                                   {533, MemberRole::kMember}}));
}

// Issue 19 item 13: a moderator's ban and the owner's demotion of that moderator take turns on the
// room's lock, and the ban is decided on the role as it is once it has the lock. Here the ban
// arrives while the demotion holds the lock: it waits, then finds a plain member and is refused.
TEST_F(MysqlStoresTest, AModeratorsBanWaitsForTheirDemotionAndIsThenRefused) {
  chat::MysqlMessageStore store(*pool_);
  auto created = store.CreateRoom(MakeRoom("demote-room", 541));
  ASSERT_TRUE(created.ok()) << created.status();
  const uint64_t room = created->room.id;
  for (uint64_t user : {542, 543}) {
    ASSERT_TRUE(Change(store, room, {.action = chat::RoomAction::kJoin, .actor = User(user)}).ok());
  }
  ASSERT_TRUE(Change(store, room,
                     {.action = chat::RoomAction::kSetRole,
                      .actor = User(541),
                      .target = User(542),
                      .role = chat::MemberRole::kModerator})
                  .ok());

  // The ban comes through a pool of its own whose lock waits outlast any slowness of the poll
  // below (the shared pool cuts them at 5 s, which a loaded machine has been seen to exceed).
  MysqlPool patient_pool(ParseMysqlUrl(db_->url()).value(),
                         MysqlPoolOptions{.max_connections = 1,
                                          .read_timeout = std::chrono::seconds(240),
                                          .write_timeout = std::chrono::seconds(240)});
  chat::MysqlMessageStore patient_store(patient_pool);
  absl::StatusOr<chat::RoomChangeResult> ban = absl::UnknownError("not run");
  std::thread banner;
  bool waited = false;
  std::string waiting;  // the last count of waiting transactions seen
  const chat::RoomRequestArgs demote{.action = chat::RoomAction::kSetRole,
                                     .actor = User(541),
                                     .target = User(542),
                                     .role = chat::MemberRole::kMember};
  auto demoted =
      store.ChangeRoom(room, 541, "user541", 542, 3000, [&](const chat::RoomState& state) {
        // The demotion holds the room's lock now: the ban must queue behind it.
        banner = std::thread([&] {
          ban = Change(patient_store, room,
                       {.action = chat::RoomAction::kBan, .actor = User(542), .target = User(543)});
        });
        // At least one waiting transaction: the ban is the only one that can wait now. (Exactly
        // one was asked for before, and CI saw the poll never match while the ban did wait.)
        waited = testing::WaitFor(
            [&] {
              waiting = db_->Sql(
                  "SELECT COUNT(*) FROM information_schema.INNODB_TRX "
                  "WHERE trx_state = 'LOCK WAIT'");
              return waiting != "0\n";
            },
            std::chrono::seconds(100));
        return chat::DecideRoomChange(state, demote);
      });
  banner.join();
  ASSERT_TRUE(demoted.ok()) << demoted.status();
  EXPECT_TRUE(waited) << "the ban did not wait for the room's lock (waiting transactions: "
                      << waiting << ")";
  EXPECT_EQ(ban.status().code(), absl::StatusCode::kPermissionDenied) << ban.status();
  auto members = store.Members(room, 10).value();
  ASSERT_EQ(members.size(), 3u);  // 543 is still there
  EXPECT_TRUE(store.Bans(room, 10)->empty());
}

TEST_F(MysqlStoresTest, RenamingToATakenNameIsAlreadyExistsAndChangesNothing) {
  chat::MysqlMessageStore store(*pool_);
  auto a = store.CreateRoom(MakeRoom("rename-a", 510));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(store.CreateRoom(MakeRoom("rename-b", 510)).ok());
  chat::RoomRequestArgs args{.action = chat::RoomAction::kRename, .actor = User(510)};
  args.name = args.name_key = "rename-b";
  args.name_skeleton = chat::RoomNameSkeleton("rename-b").value();
  EXPECT_EQ(Change(store, a->room.id, args).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store.FindConversation(a->room.id, 510)->value().latest_seq, 1u);
  args.name = "Rename-C";
  args.name_key = "rename-c";
  args.name_skeleton = chat::RoomNameSkeleton("Rename-C").value();
  auto renamed = Change(store, a->room.id, args);
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_EQ(store.FindRoom("rename-c", 510)->value().name, "Rename-C");
  auto listed = store.ListRooms("rename-", 10, 510);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "rename-b");
  EXPECT_TRUE((*listed)[0].is_member);
  // LIKE metacharacters in a prefix match themselves only.
  EXPECT_TRUE(store.ListRooms("rename%", 10, 510)->empty());
}

// "skеl-a" with a Cyrillic е; "ｓｋｅｌ-b" in fullwidth letters; "lоbby" with a Cyrillic о.
constexpr char kCyrillicSkelA[] = "sk\xD0\xB5l-a";
constexpr char kFullwidthSkelB[] = "\xEF\xBD\x93\xEF\xBD\x8B\xEF\xBD\x85\xEF\xBD\x8C-b";
constexpr char kCyrillicLobby[] =
    "l\xD0\xBE"
    "bby";

TEST_F(MysqlStoresTest, LookAlikeRoomNamesAreRefusedByTheUniqueSkeleton) {
  chat::MysqlMessageStore store(*pool_);
  auto a = store.CreateRoom(MakeRoom("skel-a", 530));
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = store.CreateRoom(MakeRoom("skel-b", 530));
  ASSERT_TRUE(b.ok()) << b.status();
  // The same key is still told apart from a look-alike.
  EXPECT_EQ(store.CreateRoom(MakeRoom("SKEL-A", 531)).status(),
            absl::AlreadyExistsError(std::string(chat::kRoomNameKeyTaken)));
  EXPECT_EQ(store.CreateRoom(MakeRoom(kCyrillicSkelA, 531)).status(),
            absl::AlreadyExistsError(std::string(chat::kRoomNameSkeletonTaken)));
  EXPECT_EQ(store.CreateRoom(MakeRoom(kFullwidthSkelB, 531)).status(),
            absl::AlreadyExistsError(std::string(chat::kRoomNameSkeletonTaken)));
  EXPECT_TRUE(store.ListRooms(FoldCase(kCyrillicSkelA).value(), 10, 531)->empty());

  auto rename = [&](uint64_t room, const std::string& name) {
    chat::RoomRequestArgs args{.action = chat::RoomAction::kRename, .actor = User(530)};
    args.name = name;
    args.name_key = FoldCase(name).value();
    args.name_skeleton = chat::RoomNameSkeleton(name).value();
    return Change(store, room, args);
  };
  // Another room's look-alike is refused and changes nothing ...
  EXPECT_EQ(rename(b->room.id, kCyrillicSkelA).status(),
            absl::AlreadyExistsError(std::string(chat::kRoomNameSkeletonTaken)));
  EXPECT_EQ(store.FindConversation(b->room.id, 530)->value().name, "skel-b");
  EXPECT_EQ(store.FindConversation(b->room.id, 530)->value().latest_seq, 1u);
  // ... while a room's own name in other letters is its own: the row does not clash with itself.
  auto own = rename(a->room.id, kCyrillicSkelA);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->room.name, kCyrillicSkelA);
  ASSERT_TRUE(rename(a->room.id, "SKEL-A").ok());
  // The skeleton moves with a rename: the old one is free for anyone, the new one is held.
  ASSERT_TRUE(rename(b->room.id, "skel-c").ok());
  EXPECT_TRUE(store.CreateRoom(MakeRoom(kFullwidthSkelB, 531)).ok());
  EXPECT_EQ(store.CreateRoom(MakeRoom("SKEL-C", 531)).status(),
            absl::AlreadyExistsError(std::string(chat::kRoomNameKeyTaken)));
}

TEST_F(MysqlStoresTest, TheBackfillGivesOldRoomsASkeletonOnceAndTheOlderLookAlikeKeepsIt) {
  chat::MysqlMessageStore store(*pool_);
  // Rooms as they were before migration 005: no skeleton, the lobby's neither, and a pair of
  // look-alikes (the older one first) that were let in back then.
  auto paypal = store.CreateRoom(MakeRoom("old-paypal", 540));
  ASSERT_TRUE(paypal.ok()) << paypal.status();
  auto news = store.CreateRoom(MakeRoom("old-news", 540));
  ASSERT_TRUE(news.ok()) << news.status();
  db_->Sql(
      "UPDATE natter.conversations SET name_skeleton = NULL "
      "WHERE name_key IN ('old-paypal', 'old-news', 'lobby'); "
      // "old-pаypal" with a Cyrillic а, written as UTF-8 bytes so the client's charset is moot.
      "INSERT INTO natter.conversations (kind, name, name_key, created_at_ms) VALUES ('room', "
      "CONVERT(X'6F6C642D70D0B07970616C' USING utf8mb4), "
      "CONVERT(X'6F6C642D70D0B07970616C' USING utf8mb4), 1)");
  const std::string spoof_name = "old-p\xD0\xB0ypal";
  auto spoof = store.FindRoom(spoof_name, 0);
  ASSERT_TRUE(spoof.ok() && spoof->has_value()) << spoof.status();
  auto without = store.RoomsWithoutSkeleton(0, 1000);
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_EQ(without->size(), 4u);

  // Several replicas starting at once, in batches smaller than the work.
  std::vector<std::thread> replicas;
  std::vector<absl::Status> results(4);
  for (size_t i = 0; i < results.size(); ++i) {
    replicas.emplace_back(
        [&, i] { results[i] = chat::BackfillRoomNameSkeletons(store, 1).status(); });
  }
  for (auto& t : replicas) t.join();
  for (const auto& s : results) EXPECT_TRUE(s.ok()) << s;

  auto skeleton_of = [&](uint64_t id) {
    return db_->Sql("SELECT HEX(name_skeleton) FROM natter.conversations WHERE id = " +
                    std::to_string(id));
  };
  auto hex = [](const std::string& bytes) {
    constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : bytes) out += {kDigits[c >> 4], kDigits[c & 15]};
    return out + "\n";
  };
  EXPECT_EQ(skeleton_of(paypal->room.id), hex(NameSkeleton("old-paypal").value()));
  EXPECT_EQ(skeleton_of(news->room.id), hex(NameSkeleton("old-news").value()));
  EXPECT_EQ(skeleton_of(LobbyId()), hex(NameSkeleton("lobby").value()));
  EXPECT_EQ(skeleton_of((*spoof)->id), "NULL\n");  // keeps its name, not the skeleton
  // Only the clashing look-alike is left, and running again changes nothing.
  without = store.RoomsWithoutSkeleton(0, 1000);
  ASSERT_TRUE(without.ok());
  ASSERT_EQ(without->size(), 1u);
  EXPECT_EQ((*without)[0].first, (*spoof)->id);
  EXPECT_EQ(chat::BackfillRoomNameSkeletons(store).value(), 0u);
  // Now no third look-alike joins them, nor one of the lobby.
  EXPECT_EQ(store.CreateRoom(MakeRoom("OLD-PAYPAL", 541)).status(),
            absl::AlreadyExistsError(std::string(chat::kRoomNameKeyTaken)));
  EXPECT_EQ(store.CreateRoom(MakeRoom("\xEF\xBD\x8F\xEF\xBD\x8C\xEF\xBD\x84-paypal", 541)).status(),
            absl::AlreadyExistsError(std::string(chat::kRoomNameSkeletonTaken)));
  EXPECT_EQ(store.CreateRoom(MakeRoom(kCyrillicLobby, 541)).status(),
            absl::AlreadyExistsError(std::string(chat::kRoomNameSkeletonTaken)));
  // A direct conversation has no name and never gets a skeleton.
  ASSERT_TRUE(store.OpenDirect(540, 541, 1000).ok());
  EXPECT_EQ(store.RoomsWithoutSkeleton(0, 1000)->size(), 1u);
}

TEST_F(MysqlStoresTest, OneDirectConversationPerPairEvenWhenOpenedAtOnce) {
  chat::MysqlMessageStore store(*pool_);
  std::vector<uint64_t> ids(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < ids.size(); ++i) {
    threads.emplace_back([&, i] {
      auto c = i % 2 ? store.OpenDirect(601, 602, 1000) : store.OpenDirect(602, 601, 1000);
      ids[i] = c.ok() ? c->id : 0;
    });
  }
  for (auto& t : threads) t.join();
  for (uint64_t id : ids) EXPECT_EQ(id, ids[0]);
  ASSERT_NE(ids[0], 0u);
  auto found = store.FindDirect(602, 601);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, ids[0]);
  EXPECT_EQ((*found)->PeerOf(602), 601u);
  EXPECT_FALSE(store.FindConversation(ids[0], 603)->value().is_member);
  auto of_601 = store.ConversationsOf(601);
  ASSERT_TRUE(of_601.ok());
  ASSERT_EQ(of_601->size(), 2u);
  EXPECT_EQ((*of_601)[1].kind, "direct");
}

TEST_F(MysqlStoresTest, ABlockRefusesDirectMessagesInTheAppendItself) {
  chat::MysqlMessageStore store(*pool_);
  chat::MysqlFriendStore friends(*pool_);
  chat::Party cat{651, "cat"}, dan{652, "dan"};
  auto dm = store.OpenDirect(cat.id, dan.id, 1000);
  ASSERT_TRUE(dm.ok()) << dm.status();
  auto direct = [&](uint64_t from, std::string id) {
    chat::NewMessage m = Message(dm->id, from, std::move(id));
    m.friends_only = true;
    return store.Append(m);
  };
  ASSERT_TRUE(Befriend(friends, v1::FRIEND_ACTION_ADD, cat, dan).ok());
  ASSERT_TRUE(Befriend(friends, v1::FRIEND_ACTION_ACCEPT, dan, cat).ok());
  auto before = direct(cat.id, "b-1");
  ASSERT_TRUE(before.ok()) << before.status();

  ASSERT_TRUE(Befriend(friends, v1::FRIEND_ACTION_BLOCK, dan, cat).ok());
  auto from_cat = direct(cat.id, "b-2");
  EXPECT_EQ(from_cat.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(from_cat.status().message(), "you cannot message this user");
  EXPECT_EQ(direct(dan.id, "b-3").status().code(), absl::StatusCode::kPermissionDenied);
  // What was stored before the block is still answered with its ack on a replay.
  auto replay = direct(cat.id, "b-1");
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->duplicate);
  EXPECT_EQ(replay->ack.seq(), 1u);
  // Nothing refused took a seq: the next entry (an edit, which is not refused) is seq 2.
  chat::NewMessage edit = Message(dm->id, cat.id, "b-4", "edited");
  edit.type = chat::kTypeEdited;
  edit.target_seq = 1;
  auto edited = store.Append(edit);
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_EQ(edited->ack.seq(), 2u);
  // A conversation that does not exist is still NOT_FOUND.
  chat::NewMessage nowhere = Message(dm->id + 1000, cat.id, "b-6");
  nowhere.friends_only = true;
  EXPECT_EQ(store.Append(nowhere).status().code(), absl::StatusCode::kNotFound);
}

// Issue 19: an existing direct conversation carries messages only while its two are friends,
// checked in the append's own UPDATE like a block.
TEST_F(MysqlStoresTest, AnUnfriendingRefusesDirectMessagesInTheAppendItself) {
  chat::MysqlMessageStore store(*pool_);
  chat::MysqlFriendStore friends(*pool_);
  chat::Party eve{661, "eve"}, fay{662, "fay"};
  auto dm = store.OpenDirect(eve.id, fay.id, 1000);
  ASSERT_TRUE(dm.ok()) << dm.status();
  auto direct = [&](uint64_t from, std::string id) {
    chat::NewMessage m = Message(dm->id, from, std::move(id));
    m.friends_only = true;
    return store.Append(m);
  };
  // Never friends: refused.
  auto stranger = direct(eve.id, "u-0");
  EXPECT_EQ(stranger.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(stranger.status().message(), chat::kRefusedNotFriends);
  ASSERT_TRUE(Befriend(friends, v1::FRIEND_ACTION_ADD, eve, fay).ok());
  ASSERT_TRUE(Befriend(friends, v1::FRIEND_ACTION_ACCEPT, fay, eve).ok());
  ASSERT_TRUE(direct(eve.id, "u-1").ok());
  ASSERT_TRUE(Befriend(friends, v1::FRIEND_ACTION_REMOVE, fay, eve).ok());
  for (uint64_t from : {eve.id, fay.id}) {
    auto refused = direct(from, "u-2-" + std::to_string(from));
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(refused.status().message(), chat::kRefusedNotFriends);
  }
  auto replay = direct(eve.id, "u-1");
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->duplicate);
  EXPECT_EQ(store.FindConversation(dm->id, eve.id).value()->latest_seq, 1u);  // nothing took a seq
  // A deletion is not friends_only, and friends again may write again.
  chat::NewMessage deletion = Message(dm->id, eve.id, "u-3", "");
  deletion.type = chat::kTypeDeleted;
  deletion.target_seq = 1;
  ASSERT_TRUE(store.Append(deletion).ok());
  ASSERT_TRUE(Befriend(friends, v1::FRIEND_ACTION_ADD, fay, eve).ok());
  ASSERT_TRUE(Befriend(friends, v1::FRIEND_ACTION_ACCEPT, eve, fay).ok());
  auto again = direct(fay.id, "u-4");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->ack.seq(), 3u);
}

TEST_F(MysqlStoresTest, EditsAndDeletionsChangeTheirTargetAtomically) {
  chat::MysqlMessageStore store(*pool_);
  auto dm = store.OpenDirect(611, 612, 1000);
  ASSERT_TRUE(dm.ok());
  ASSERT_TRUE(store.Append(Message(dm->id, 611, "e-1", "first")).ok());
  chat::NewMessage edit = Message(dm->id, 611, "e-2", "first, fixed");
  edit.type = chat::kTypeEdited;
  edit.target_seq = 1;
  edit.sent_at_ms = 1'700'000'001'000;
  auto edited = store.Append(edit);
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_EQ(edited->ack.seq(), 2u);
  auto target = store.FindMessage(dm->id, 1);
  ASSERT_TRUE(target.ok() && target->has_value());
  EXPECT_EQ((*target)->text(), "first, fixed");
  EXPECT_EQ((*target)->edited_at_ms(), 1'700'000'001'000);

  chat::NewMessage not_mine = Message(dm->id, 612, "e-3", "hijack");
  not_mine.type = chat::kTypeEdited;
  not_mine.target_seq = 1;
  EXPECT_EQ(store.Append(not_mine).status().code(), absl::StatusCode::kFailedPrecondition);

  chat::NewMessage del = Message(dm->id, 611, "e-4", "");
  del.type = chat::kTypeDeleted;
  del.target_seq = 1;
  ASSERT_TRUE(store.Append(del).ok());
  EXPECT_TRUE(store.FindMessage(dm->id, 1)->value().deleted());
  chat::NewMessage again = edit;
  again.client_msg_id = "e-5";
  EXPECT_EQ(store.Append(again).status().code(), absl::StatusCode::kFailedPrecondition);
  // The refused changes took no seq: the conversation has 3 entries, history shows 1 message.
  EXPECT_EQ(store.FindConversation(dm->id, 611)->value().latest_seq, 3u);
  auto history = store.MessagesBefore(dm->id, 100, 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].text(), "");
}

// The chat list previews a conversation's latest message: a reaction or a room change after it is
// no message, and an empty preview is what a client showed when one came last.
TEST_F(MysqlStoresTest, ConversationsPreviewTheLatestMessageNotTheLatestEntry) {
  chat::MysqlMessageStore store(*pool_);
  auto dm = store.OpenDirect(645, 646, 1000);
  ASSERT_TRUE(dm.ok()) << dm.status();
  ASSERT_TRUE(store.Append(Message(dm->id, 645, "p-1", "first")).ok());
  auto latest = store.Append(Message(dm->id, 646, "p-2", "the latest word"));
  ASSERT_TRUE(latest.ok()) << latest.status();
  chat::NewMessage reaction = Message(dm->id, 645, "p-3", "🎉");
  reaction.type = chat::kTypeReactionAdded;
  reaction.target_seq = latest->ack.seq();
  ASSERT_TRUE(store.Append(reaction).ok());
  auto listed = store.ConversationsOf(645);
  ASSERT_TRUE(listed.ok()) << listed.status();
  bool found = false;
  for (const auto& c : *listed) {
    if (c.id != dm->id) continue;
    found = true;
    EXPECT_EQ(c.latest_seq, latest->ack.seq() + 1);
    ASSERT_TRUE(c.last_entry.has_value());
    EXPECT_EQ(c.last_entry->seq(), latest->ack.seq());
    EXPECT_EQ(c.last_entry->type(), "message");
    EXPECT_EQ(c.last_entry->text(), "the latest word");
    EXPECT_EQ(c.last_entry->sender_id(), 646u);
  }
  EXPECT_TRUE(found);

  // A room whose latest entry is a join: the message before it.
  auto created = store.CreateRoom(MakeRoom("preview-room", 645));
  ASSERT_TRUE(created.ok()) << created.status();
  const uint64_t room = created->room.id;
  ASSERT_TRUE(store.Append(Message(room, 645, "p-4", "welcome")).ok());
  ASSERT_TRUE(Change(store, room, {.action = chat::RoomAction::kJoin, .actor = User(646)}).ok());
  auto rooms = store.ConversationsOf(645);
  ASSERT_TRUE(rooms.ok()) << rooms.status();
  for (const auto& c : *rooms) {
    if (c.id != room) continue;
    EXPECT_EQ(c.latest_seq, 3u);
    ASSERT_TRUE(c.last_entry.has_value());
    EXPECT_EQ(c.last_entry->type(), "message");
    EXPECT_EQ(c.last_entry->text(), "welcome");
  }
}

TEST_F(MysqlStoresTest, ReadMarkersCountUnreadMessagesOnly) {
  chat::MysqlMessageStore store(*pool_);
  auto dm = store.OpenDirect(621, 622, 1000);
  ASSERT_TRUE(dm.ok());
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(store.Append(Message(dm->id, 621, "r-" + std::to_string(i))).ok());
  }
  chat::NewMessage edit = Message(dm->id, 621, "r-edit", "changed");
  edit.type = chat::kTypeEdited;
  edit.target_seq = 4;
  ASSERT_TRUE(store.Append(edit).ok());
  auto unread_of = [&](uint64_t user) -> std::pair<uint64_t, uint64_t> {
    auto conversations = store.ConversationsOf(user);
    if (!conversations.ok()) return {999, 999};
    for (const auto& c : *conversations) {
      if (c.id == dm->id) return {c.last_msg_no - c.read_msg_no, c.peer_read_seq};
    }
    return {999, 999};
  };
  EXPECT_EQ(unread_of(622).first, 4u);
  auto listed = store.ConversationsOf(622);
  ASSERT_TRUE(listed.ok());
  for (const auto& c : *listed) {
    if (c.id != dm->id) continue;
    // The preview is the latest message as it is now, not the edit entry after it.
    ASSERT_TRUE(c.last_entry.has_value());
    EXPECT_EQ(c.last_entry->seq(), 4u);
    EXPECT_EQ(c.last_entry->type(), "message");
    EXPECT_EQ(c.last_entry->text(), "changed");
  }
  EXPECT_EQ(unread_of(621).first, 0u);  // sending reads
  auto read = store.MarkRead(622, dm->id, 2);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->moved);
  EXPECT_EQ(read->last_read_seq, 2u);
  EXPECT_EQ(read->unread, 2u);
  EXPECT_EQ(unread_of(621).second, 2u);  // the peer sees how far it was read
  auto back = store.MarkRead(622, dm->id, 1);
  EXPECT_FALSE(back->moved);
  EXPECT_EQ(back->last_read_seq, 2u);
  auto all = store.MarkRead(622, dm->id, 1000);
  EXPECT_EQ(all->last_read_seq, 5u);
  EXPECT_EQ(all->unread, 0u);
}

TEST_F(MysqlStoresTest, NotificationSettingsArePerUserAndChangeOneAtATime) {
  chat::MysqlMessageStore store(*pool_);
  auto dm = store.OpenDirect(641, 642, 1000);
  ASSERT_TRUE(dm.ok());
  auto settings_of = [&](uint64_t user, uint64_t conversation) -> chat::NotificationRecord {
    auto conversations = store.ConversationsOf(user);
    EXPECT_TRUE(conversations.ok()) << conversations.status();
    if (conversations.ok()) {
      for (const auto& c : *conversations) {
        if (c.id == conversation) return c.notifications;
      }
    }
    ADD_FAILURE() << "conversation " << conversation << " not listed for " << user;
    return {"missing", -1};
  };
  EXPECT_EQ(settings_of(641, dm->id).level, "all");
  EXPECT_EQ(settings_of(641, dm->id).muted_until_ms, 0);

  auto muted = store.SetNotifications(641, dm->id, std::nullopt, 5'000'000);
  ASSERT_TRUE(muted.ok()) << muted.status();
  EXPECT_EQ(muted->level, "all");
  EXPECT_EQ(muted->muted_until_ms, 5'000'000);
  auto none = store.SetNotifications(641, dm->id, "none", std::nullopt);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->level, "none");
  EXPECT_EQ(none->muted_until_ms, 5'000'000);  // kept
  auto unmuted = store.SetNotifications(641, dm->id, std::nullopt, 0);
  ASSERT_TRUE(unmuted.ok()) << unmuted.status();
  EXPECT_EQ(unmuted->level, "none");  // kept
  EXPECT_EQ(unmuted->muted_until_ms, 0);

  EXPECT_EQ(settings_of(641, dm->id).level, "none");
  EXPECT_EQ(settings_of(642, dm->id).level, "all");  // the other side's are their own
  ASSERT_TRUE(store.SetNotifications(642, LobbyId(), "all", 253'402'300'799'000).ok());
  EXPECT_EQ(settings_of(642, LobbyId()).muted_until_ms, 253'402'300'799'000);
  EXPECT_EQ(settings_of(641, LobbyId()).muted_until_ms, 0);
  EXPECT_EQ(settings_of(642, dm->id).muted_until_ms, 0);
}

TEST_F(MysqlStoresTest, ANewcomerStartsWithTheLobbyRead) {
  chat::MysqlMessageStore store(*pool_);
  ASSERT_TRUE(store.Append(Message(LobbyId(), 631, "lobby-read-1")).ok());
  auto first = store.ConversationsOf(632);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ((*first)[0].last_msg_no - (*first)[0].read_msg_no, 0u);
  ASSERT_TRUE(store.Append(Message(LobbyId(), 631, "lobby-read-2")).ok());
  auto later = store.ConversationsOf(632);
  EXPECT_EQ((*later)[0].last_msg_no - (*later)[0].read_msg_no, 1u);
}

// Issue 21: an exception other than sql::SQLException escaping a call kept its pool slot for good
// (one such call per connection, and the pool answered "all database connections are busy"), and
// the statement cache, keyed by the connection's address, could hand a later connection at the
// same address the statements of the one destroyed. Now the lease goes back, closed, either way,
// and owns its statements.
TEST_F(MysqlStoresTest, ACallEndedByAnyExceptionGivesItsConnectionBack) {
  MysqlPool pool(ParseMysqlUrl(db_->url()).value(), 1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_THROW(pool.Run("throwing call",
                          [&](sql::Connection& conn) -> absl::Status {
                            std::unique_ptr<sql::ResultSet>(
                                CachedStatement(conn, "SELECT 1").executeQuery());
                            throw std::runtime_error("not a database error");
                          }),
                 std::runtime_error);
    auto answer = pool.Run("next call", [&](sql::Connection& conn) -> absl::StatusOr<int> {
      std::unique_ptr<sql::ResultSet> row(CachedStatement(conn, "SELECT 1").executeQuery());
      if (!row->next()) return absl::InternalError("no row");
      return row->getInt(1);
    });
    ASSERT_TRUE(answer.ok()) << answer.status();
    EXPECT_EQ(*answer, 1);
  }
}

TEST_F(MysqlStoresTest, UnreachableServerIsUnavailable) {
  MysqlConfig config = ParseMysqlUrl(db_->url()).value();
  config.nodes[0].port = testing::FreePort();
  MysqlPool pool(config, 1);
  EXPECT_EQ(pool.Check().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace natter

namespace natter::chat {
INSTANTIATE_TYPED_TEST_SUITE_P(Mysql, FriendStoreContract, ::testing::Types<MysqlFriendStoreEnv>);
}  // namespace natter::chat
