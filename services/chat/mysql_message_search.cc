// MysqlMessageStore's search: the index statements Append runs (mysql_search_index.h), Search and
// the background indexing of older messages (migrations/012_message_search.sql).
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "common/check.h"
#include "mysql_message_store.h"
#include "mysql_search_index.h"
#include "search_query.h"

namespace natter::chat {
namespace {

using Stmt = sql::PreparedStatement*;
using Rows = std::unique_ptr<sql::ResultSet>;

Stmt Prepare(sql::Connection& conn, const std::string& sql) { return &CachedStatement(conn, sql); }

// Who may read a message `s` that search finds: CanReadSeq (room_rules.h) in SQL, over the
// message's conversation `c` and the viewer's membership `cm` (LEFT JOINed on the viewer).
// Everyone reads the lobby; members read their rooms, groups and direct conversations, a room
// or group whose history is since_join (or a setting this release does not know: the stricter)
// from their member_joined (member_added) entry on (joined_seq 0: a member from before migration
// 014 reads everything).
constexpr char kViewerCanRead[] =
    "(c.name_key <=> 'lobby' OR (cm.user_id IS NOT NULL AND (c.kind = 'direct' OR "
    "c.history = 'all' OR cm.joined_seq = 0 OR s.seq >= cm.joined_seq)))";

}  // namespace

void IndexNewMessage(sql::Connection& conn, uint64_t conversation_id, uint64_t seq,
                     uint64_t sender_id, int64_t sent_at_ms, std::string_view text) {
  const std::string terms = IndexDocument(text);
  if (terms.empty()) return;
  Stmt insert = Prepare(conn,
                        "INSERT INTO message_search (conversation_id, seq, sender_id, sent_at_ms, "
                        "terms) VALUES (?, ?, ?, ?, ?)");
  insert->setUInt64(1, conversation_id);
  insert->setUInt64(2, seq);
  insert->setUInt64(3, sender_id);
  insert->setInt64(4, sent_at_ms);
  insert->setString(5, terms);
  insert->executeUpdate();
}

void ReindexEditedMessage(sql::Connection& conn, uint64_t conversation_id, uint64_t seq,
                          std::string_view text) {
  Stmt upsert = Prepare(conn,
                        "INSERT INTO message_search (conversation_id, seq, sender_id, sent_at_ms, "
                        "terms) SELECT conversation_id, seq, sender_id, sent_at_ms, ? FROM "
                        "messages WHERE conversation_id = ? AND seq = ? "
                        "ON DUPLICATE KEY UPDATE terms = VALUES(terms)");
  upsert->setString(1, IndexDocument(text));
  upsert->setUInt64(2, conversation_id);
  upsert->setUInt64(3, seq);
  upsert->executeUpdate();
}

void UnindexDeletedMessage(sql::Connection& conn, uint64_t conversation_id, uint64_t seq) {
  Stmt remove = Prepare(conn, "DELETE FROM message_search WHERE conversation_id = ? AND seq = ?");
  remove->setUInt64(1, conversation_id);
  remove->setUInt64(2, seq);
  remove->executeUpdate();
}

absl::StatusOr<std::vector<SearchHitRecord>> MysqlMessageStore::Search(const SearchSpec& spec) {
  const std::string against = BooleanModeQuery(spec.clauses);
  if (against.empty() || spec.limit == 0) return std::vector<SearchHitRecord>{};
  return pool_.Run(
      "search messages",
      [&](sql::Connection& conn) -> absl::StatusOr<std::vector<SearchHitRecord>> {
        // The FULLTEXT index finds the candidates; the join with messages reads each one's text as
        // it is now and leaves out deleted ones whatever the index says (the backfill may index a
        // message just before its deletion commits).
        Stmt q = Prepare(
            conn, std::string(
                      "SELECT s.conversation_id, s.seq, m.id, m.sender_id, m.sender, m.body, "
                      "m.sent_at_ms, m.edited_at_ms, c.kind, COALESCE(c.name, c.topic, ''), "
                      "COALESCE(c.direct_low, 0), COALESCE(c.direct_high, 0), "
                      "MATCH (s.terms) AGAINST (? IN BOOLEAN MODE) AS score "
                      "FROM message_search s "
                      "JOIN messages m ON m.conversation_id = s.conversation_id AND m.seq = s.seq "
                      "JOIN conversations c ON c.id = s.conversation_id "
                      "LEFT JOIN conversation_members cm ON cm.conversation_id = s.conversation_id "
                      "AND cm.user_id = ? "
                      "WHERE MATCH (s.terms) AGAINST (? IN BOOLEAN MODE) "
                      "AND m.type = 'message' AND m.deleted = 0 AND ") +
                      kViewerCanRead +
                      " AND (? = 0 OR s.sender_id = ?) AND (? = 0 OR s.conversation_id = ?) "
                      "AND s.sent_at_ms >= ? AND s.sent_at_ms < ? "
                      "ORDER BY score DESC, s.sent_at_ms DESC, s.conversation_id DESC, s.seq DESC "
                      "LIMIT ? OFFSET ?");
        int i = 1;
        q->setString(i++, against);
        q->setUInt64(i++, spec.viewer);
        q->setString(i++, against);
        q->setUInt64(i++, spec.sender_id);
        q->setUInt64(i++, spec.sender_id);
        q->setUInt64(i++, spec.conversation_id);
        q->setUInt64(i++, spec.conversation_id);
        q->setInt64(i++, spec.after_ms);
        q->setInt64(i++, spec.before_ms);
        q->setUInt(i++, spec.limit);
        q->setUInt(i++, spec.offset);
        Rows rows(q->executeQuery());
        std::vector<SearchHitRecord> out;
        while (rows->next()) {
          SearchHitRecord& hit = out.emplace_back();
          v1::ChatMessage& m = hit.message;
          m.set_conversation_id(rows->getUInt64(1));
          m.set_seq(rows->getUInt64(2));
          m.set_message_id(rows->getUInt64(3));
          m.set_sender_id(rows->getUInt64(4));
          m.set_sender(rows->getString(5));
          m.set_text(rows->getString(6));
          m.set_sent_at_ms(rows->getInt64(7));
          m.set_edited_at_ms(rows->getInt64(8));
          m.set_type(kTypeMessage);
          hit.kind = rows->getString(9);
          hit.name = rows->getString(10);
          hit.direct_low = rows->getUInt64(11);
          hit.direct_high = rows->getUInt64(12);
          hit.score = rows->getDouble(13);
        }
        return out;
      });
}

absl::StatusOr<size_t> MysqlMessageStore::IndexOlderMessages(size_t limit) {
  return pool_.Run("index older messages", [&](sql::Connection& conn) -> absl::StatusOr<size_t> {
    Transaction tx(conn);
    // The progress row, locked: replicas starting together take turns, batch by batch.
    Stmt progress = Prepare(
        conn, "SELECT after_message_id FROM message_search_backfill WHERE id = 1 FOR UPDATE");
    Rows at(progress->executeQuery());
    if (!at->next()) return size_t{0};  // the migration made this row; without it, nothing to do
    const uint64_t after = at->getUInt64(1);
    Stmt batch = Prepare(conn,
                         "SELECT id, conversation_id, seq, sender_id, sent_at_ms, body, "
                         "type = 'message' AND deleted = 0 "
                         "FROM messages WHERE id > ? ORDER BY id LIMIT ?");
    batch->setUInt64(1, after);
    batch->setUInt64(2, limit);
    Rows rows(batch->executeQuery());
    size_t seen = 0;
    uint64_t last = after;
    // INSERT IGNORE: a message indexed already (sent after the upgrade, or edited since) keeps its
    // row, which Append wrote from its text as it is now.
    Stmt insert = Prepare(conn,
                          "INSERT IGNORE INTO message_search (conversation_id, seq, sender_id, "
                          "sent_at_ms, terms) VALUES (?, ?, ?, ?, ?)");
    while (rows->next()) {
      ++seen;
      last = rows->getUInt64(1);
      if (!rows->getBoolean(7)) continue;
      const std::string terms = IndexDocument(std::string(rows->getString(6)));
      if (terms.empty()) continue;
      insert->setUInt64(1, rows->getUInt64(2));
      insert->setUInt64(2, rows->getUInt64(3));
      insert->setUInt64(3, rows->getUInt64(4));
      insert->setInt64(4, rows->getInt64(5));
      insert->setString(5, terms);
      insert->executeUpdate();
    }
    if (seen > 0) {
      Stmt moved =
          Prepare(conn, "UPDATE message_search_backfill SET after_message_id = ? WHERE id = 1");
      moved->setUInt64(1, last);
      moved->executeUpdate();
    }
    tx.Commit();
    return seen;
  });
}

}  // namespace natter::chat
