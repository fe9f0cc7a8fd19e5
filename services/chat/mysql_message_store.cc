#include "mysql_message_store.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <memory>

namespace natter::chat {
namespace {

constexpr const char* kConversationColumns = "SELECT id, kind, COALESCE(name, ''), last_seq ";

ConversationRecord ReadConversation(sql::ResultSet& row) {
  ConversationRecord c;
  c.id = row.getUInt64(1);
  c.kind = row.getString(2);
  c.name = row.getString(3);
  c.latest_seq = row.getUInt64(4);
  return c;
}

// The original ack for (sender, client_msg_id), if that message exists.
std::optional<v1::SendAck> FindPrevious(sql::Connection& conn, const NewMessage& m) {
  std::unique_ptr<sql::PreparedStatement> query(
      conn.prepareStatement("SELECT conversation_id, seq, id, sent_at_ms FROM messages "
                            "WHERE sender_id = ? AND client_msg_id = ?"));
  query->setUInt64(1, m.sender_id);
  query->setString(2, m.client_msg_id);
  std::unique_ptr<sql::ResultSet> row(query->executeQuery());
  if (!row->next()) return std::nullopt;
  v1::SendAck ack;
  ack.set_conversation_id(row->getUInt64(1));
  ack.set_seq(row->getUInt64(2));
  ack.set_message_id(row->getUInt64(3));
  ack.set_sent_at_ms(row->getInt64(4));
  ack.set_duplicate(true);
  return ack;
}

}  // namespace

absl::StatusOr<std::optional<ConversationRecord>> MysqlMessageStore::FindRoom(
    std::string_view name) {
  return pool_.Run(
      "find room", [&](sql::Connection& conn) -> absl::StatusOr<std::optional<ConversationRecord>> {
        std::unique_ptr<sql::PreparedStatement> query(
            conn.prepareStatement(std::string(kConversationColumns) +
                                  "FROM conversations WHERE kind = 'room' AND name = ?"));
        query->setString(1, std::string(name));
        std::unique_ptr<sql::ResultSet> row(query->executeQuery());
        if (!row->next()) return std::nullopt;
        return ReadConversation(*row);
      });
}

absl::StatusOr<std::optional<ConversationRecord>> MysqlMessageStore::FindConversation(uint64_t id) {
  return pool_.Run("find conversation",
                   [&](sql::Connection& conn) -> absl::StatusOr<std::optional<ConversationRecord>> {
                     std::unique_ptr<sql::PreparedStatement> query(conn.prepareStatement(
                         std::string(kConversationColumns) + "FROM conversations WHERE id = ?"));
                     query->setUInt64(1, id);
                     std::unique_ptr<sql::ResultSet> row(query->executeQuery());
                     if (!row->next()) return std::nullopt;
                     return ReadConversation(*row);
                   });
}

absl::StatusOr<std::vector<ConversationRecord>> MysqlMessageStore::ConversationsOf(
    uint64_t user_id) {
  // Every user belongs to the lobby; room membership arrives with user-created rooms.
  return pool_.Run("list conversations",
                   [&](sql::Connection& conn) -> absl::StatusOr<std::vector<ConversationRecord>> {
                     std::unique_ptr<sql::PreparedStatement> query(conn.prepareStatement(
                         std::string(kConversationColumns) +
                         "FROM conversations WHERE kind = 'room' AND name = 'lobby'"));
                     std::unique_ptr<sql::ResultSet> rows(query->executeQuery());
                     std::vector<ConversationRecord> out;
                     while (rows->next()) out.push_back(ReadConversation(*rows));
                     return out;
                   });
}

absl::StatusOr<AppendResult> MysqlMessageStore::Append(const NewMessage& m) {
  return pool_.Run("append message", [&](sql::Connection& conn) -> absl::StatusOr<AppendResult> {
    conn.setAutoCommit(false);
    // Two attempts: a concurrent replay of the same client_msg_id may commit between our dedupe
    // check and our insert; the insert then fails on the unique key and the second check finds it.
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (auto previous = FindPrevious(conn, m)) {
        conn.commit();
        conn.setAutoCommit(true);
        return AppendResult{*previous, true};
      }
      std::unique_ptr<sql::PreparedStatement> bump(conn.prepareStatement(
          "UPDATE conversations SET last_seq = LAST_INSERT_ID(last_seq + 1) WHERE id = ?"));
      bump->setUInt64(1, m.conversation_id);
      if (bump->executeUpdate() != 1) {
        conn.rollback();
        conn.setAutoCommit(true);
        return absl::NotFoundError("conversation " + std::to_string(m.conversation_id) +
                                   " does not exist");
      }
      std::unique_ptr<sql::Statement> stmt(conn.createStatement());
      uint64_t seq = 0;
      {
        std::unique_ptr<sql::ResultSet> row(stmt->executeQuery("SELECT LAST_INSERT_ID()"));
        row->next();
        seq = row->getUInt64(1);
      }
      std::unique_ptr<sql::PreparedStatement> insert(conn.prepareStatement(
          "INSERT INTO messages (conversation_id, seq, sender_id, sender, client_msg_id, body, "
          "sent_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)"));
      insert->setUInt64(1, m.conversation_id);
      insert->setUInt64(2, seq);
      insert->setUInt64(3, m.sender_id);
      insert->setString(4, m.sender);
      insert->setString(5, m.client_msg_id);
      insert->setString(6, m.text);
      insert->setInt64(7, m.sent_at_ms);
      try {
        insert->executeUpdate();
      } catch (const sql::SQLException& e) {
        if (e.getErrorCode() != kErDupEntry || attempt > 0) throw;
        conn.rollback();
        continue;
      }
      uint64_t id = 0;
      {
        std::unique_ptr<sql::ResultSet> row(stmt->executeQuery("SELECT LAST_INSERT_ID()"));
        row->next();
        id = row->getUInt64(1);
      }
      conn.commit();
      conn.setAutoCommit(true);
      AppendResult result;
      result.ack.set_conversation_id(m.conversation_id);
      result.ack.set_seq(seq);
      result.ack.set_message_id(id);
      result.ack.set_sent_at_ms(m.sent_at_ms);
      return result;
    }
    conn.rollback();
    conn.setAutoCommit(true);
    return absl::AbortedError("message could not be stored, try again");
  });
}

namespace {

// Messages of one conversation in a seq range, in the order the query gives.
absl::StatusOr<std::vector<v1::ChatMessage>> ReadMessages(MysqlPool& pool, const char* what,
                                                          const char* sql, uint64_t conversation_id,
                                                          uint64_t seq, uint32_t limit) {
  return pool.Run(what, [&](sql::Connection& conn) -> absl::StatusOr<std::vector<v1::ChatMessage>> {
    std::unique_ptr<sql::PreparedStatement> query(conn.prepareStatement(sql));
    query->setUInt64(1, conversation_id);
    query->setUInt64(2, seq);
    query->setUInt(3, limit);
    std::unique_ptr<sql::ResultSet> rows(query->executeQuery());
    std::vector<v1::ChatMessage> out;
    while (rows->next()) {
      v1::ChatMessage& m = out.emplace_back();
      m.set_conversation_id(conversation_id);
      m.set_seq(rows->getUInt64(1));
      m.set_message_id(rows->getUInt64(2));
      m.set_sender_id(rows->getUInt64(3));
      m.set_sender(rows->getString(4));
      m.set_client_msg_id(rows->getString(5));
      m.set_text(rows->getString(6));
      m.set_sent_at_ms(rows->getInt64(7));
    }
    return out;
  });
}

}  // namespace

// Both are range scans of the primary key (conversation_id, seq), at any conversation size.
absl::StatusOr<std::vector<v1::ChatMessage>> MysqlMessageStore::MessagesAfter(
    uint64_t conversation_id, uint64_t after_seq, uint32_t limit) {
  return ReadMessages(pool_, "messages after",
                      "SELECT seq, id, sender_id, sender, client_msg_id, body, sent_at_ms "
                      "FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                      conversation_id, after_seq, limit);
}

absl::StatusOr<std::vector<v1::ChatMessage>> MysqlMessageStore::MessagesBefore(
    uint64_t conversation_id, uint64_t before_seq, uint32_t limit) {
  return ReadMessages(pool_, "messages before",
                      "SELECT seq, id, sender_id, sender, client_msg_id, body, sent_at_ms "
                      "FROM messages WHERE conversation_id = ? AND seq < ? "
                      "ORDER BY seq DESC LIMIT ?",
                      conversation_id, before_seq, limit);
}

}  // namespace natter::chat
