#include "mysql_message_store.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <sstream>

#include "common/check.h"
#include "mysql_search_index.h"
#include "mysql_user_events.h"

namespace natter::chat {
namespace {

// Statements are the connection's, cached for its lifetime (CachedStatement); result sets are ours.
using Stmt = sql::PreparedStatement*;
using Rows = std::unique_ptr<sql::ResultSet>;

Stmt Prepare(sql::Connection& conn, const std::string& sql) { return &CachedStatement(conn, sql); }

// A conversation's columns, with whether the viewer (first parameter) is a member (the lobby has
// everyone) and the viewer's role, joining seq and mute (ReadViewedConversation).
constexpr char kConversationColumns[] =
    "SELECT c.id, c.kind, COALESCE(c.name, ''), c.last_seq, COALESCE(c.topic, ''), "
    "COALESCE(c.owner_id, 0), COALESCE(c.direct_low, 0), COALESCE(c.direct_high, 0), "
    "c.last_msg_no, c.member_count, (m.user_id IS NOT NULL OR c.name_key <=> 'lobby'), m.role, "
    "c.private, c.history, COALESCE(m.joined_seq, 0), COALESCE(m.muted_until_ms, 0) "
    "FROM conversations c "
    "LEFT JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = ? ";

// A role as conversation_members.role stores it. A name this release does not know (one a newer
// release added, read during a rolling update) grants nothing here: a plain member.
MemberRole StoredRole(const std::string& name) {
  return ParseMemberRole(name).value_or(MemberRole::kMember);
}

// The order of the members list, and of successors: the owner, the moderators, the members.
constexpr char kRoleRank[] = "CASE role WHEN 'owner' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END";

ConversationRecord ReadConversation(sql::ResultSet& row) {
  ConversationRecord c;
  c.id = row.getUInt64(1);
  c.kind = row.getString(2);
  c.name = row.getString(3);
  c.latest_seq = row.getUInt64(4);
  c.topic = row.getString(5);
  c.owner_id = row.getUInt64(6);
  c.direct_low = row.getUInt64(7);
  c.direct_high = row.getUInt64(8);
  c.last_msg_no = row.getUInt64(9);
  c.member_count = row.getUInt(10);
  c.is_member = row.getBoolean(11);
  return c;
}

// A row of kConversationColumns: the conversation with the viewer's role.
ConversationRecord ReadViewedConversation(sql::ResultSet& row) {
  ConversationRecord c = ReadConversation(row);
  if (!row.isNull(12)) c.role = StoredRole(row.getString(12));
  c.is_private = row.getBoolean(13);
  c.history = ParseRoomHistory(std::string(row.getString(14)));
  c.joined_seq = row.getUInt64(15);
  c.muted_until_ms = row.getInt64(16);
  return c;
}

// Which unique form of a room name a duplicate-key error is about: MariaDB names the key in its
// message. (The key of `name` goes with name_key: equal names have equal keys.)
absl::Status NameTaken(const sql::SQLException& e) {
  if (std::string_view(e.what()).find("uq_conversations_name_skeleton") != std::string_view::npos) {
    return absl::AlreadyExistsError(std::string(kRoomNameSkeletonTaken));
  }
  return absl::AlreadyExistsError(std::string(kRoomNameKeyTaken));
}

std::optional<ConversationRecord> QueryConversation(sql::Connection& conn, uint64_t viewer,
                                                    const std::string& where, uint64_t a,
                                                    uint64_t b = 0) {
  Stmt q = Prepare(conn, std::string(kConversationColumns) + where);
  q->setUInt64(1, viewer);
  q->setUInt64(2, a);
  if (where.find('?') != where.rfind('?')) q->setUInt64(3, b);
  Rows row(q->executeQuery());
  if (!row->next()) return std::nullopt;
  return ReadViewedConversation(*row);
}

// A conversation this transaction locked or created: it is there, or the code is wrong.
ConversationRecord ExistingConversation(sql::Connection& conn, uint64_t viewer, uint64_t id) {
  auto c = QueryConversation(conn, viewer, "WHERE c.id = ?", id);
  NATTER_CHECK(c.has_value(), "a conversation locked or created in this transaction is gone");
  return std::move(*c);
}

// Entries as `m`, each with the message it replies to as `q` (a primary-key lookup): its sender,
// the start of its text as it is now, and whether it was deleted.
const std::string kEntryColumns =
    "SELECT m.seq, m.id, m.sender_id, m.sender, m.client_msg_id, m.body, m.sent_at_ms, m.type, "
    "m.target_seq, m.target_user_id, m.edited_at_ms, m.deleted, m.reply_to_seq, q.sender_id, "
    "q.sender, LEFT(q.body, " +
    std::to_string(kReplySnippetChars) +
    "), q.deleted "
    "FROM messages m LEFT JOIN messages q ON m.reply_to_seq > 0 AND "
    "q.conversation_id = m.conversation_id AND q.seq = m.reply_to_seq ";

// An entry from the first 13 columns of kEntryColumns (m.seq .. m.reply_to_seq), starting at
// column `first`.
v1::ChatMessage ReadEntry(sql::ResultSet& row, uint64_t conversation_id, int first = 1) {
  v1::ChatMessage m;
  m.set_conversation_id(conversation_id);
  m.set_seq(row.getUInt64(first));
  m.set_message_id(row.getUInt64(first + 1));
  m.set_sender_id(row.getUInt64(first + 2));
  m.set_sender(row.getString(first + 3));
  m.set_client_msg_id(row.getString(first + 4));
  m.set_text(row.getString(first + 5));
  m.set_sent_at_ms(row.getInt64(first + 6));
  m.set_type(row.getString(first + 7));
  m.set_target_seq(row.getUInt64(first + 8));
  m.set_target_user_id(row.getUInt64(first + 9));
  m.set_edited_at_ms(row.getInt64(first + 10));
  m.set_deleted(row.getBoolean(first + 11));
  m.set_reply_to_seq(row.getUInt64(first + 12));
  return m;
}

// An entry with the message it replies to: all of kEntryColumns.
v1::ChatMessage ReadEntryWithReply(sql::ResultSet& row, uint64_t conversation_id) {
  v1::ChatMessage m = ReadEntry(row, conversation_id);
  if (m.reply_to_seq() != 0 && !row.isNull(14)) {  // the quoted message (entries are never removed)
    v1::ReplyPreview* reply = m.mutable_reply();
    reply->set_sender_id(row.getUInt64(14));
    reply->set_sender(row.getString(15));
    reply->set_deleted(row.getBoolean(17));
    if (!reply->deleted()) reply->set_snippet(row.getString(16));
  }
  return m;
}

// A replay of `m`: the original ack of (sender, client_msg_id) when that entry exists and is the
// same entry (conversation, type, target, and the text as first sent); ALREADY_EXISTS when the
// client_msg_id was used for a different one; nothing when it is new.
absl::StatusOr<std::optional<AppendResult>> FindReplay(sql::Connection& conn, const NewMessage& m) {
  // Entries from before body_sha256 have their text compared while it is still as sent (an edit
  // entry's always is; a message's until it is edited or deleted).
  Stmt query = Prepare(conn,
                       "SELECT conversation_id, seq, id, sent_at_ms, "
                       "conversation_id = ? AND type = ? AND target_seq = ? AND "
                       "CASE WHEN body_sha256 IS NOT NULL THEN body_sha256 = UNHEX(SHA2(?, 256)) "
                       "WHEN type <> 'message' OR (edited_at_ms = 0 AND deleted = 0) THEN body = ? "
                       "ELSE TRUE END "
                       "FROM messages WHERE sender_id = ? AND client_msg_id = ?");
  query->setUInt64(1, m.conversation_id);
  query->setString(2, m.type);
  query->setUInt64(3, m.target_seq);
  query->setString(4, m.text);
  query->setString(5, m.text);
  query->setUInt64(6, m.sender_id);
  query->setString(7, m.client_msg_id);
  Rows row(query->executeQuery());
  if (!row->next()) return std::nullopt;
  if (!row->getBoolean(5)) {
    return absl::AlreadyExistsError("client_msg_id \"" + m.client_msg_id +
                                    "\" was already used for a different message; use a new "
                                    "client_msg_id for each new message, edit or deletion");
  }
  AppendResult replay;
  replay.ack.set_conversation_id(row->getUInt64(1));
  replay.ack.set_seq(row->getUInt64(2));
  replay.ack.set_message_id(row->getUInt64(3));
  replay.ack.set_sent_at_ms(row->getInt64(4));
  replay.ack.set_duplicate(true);
  replay.duplicate = true;
  return replay;
}

struct Position {
  uint64_t seq = 0;
  uint64_t msg_no = 0;
};

// Inside a transaction: takes the conversation's next seq (locking its row until commit) into the
// session variables @natter_seq and @natter_msg_no, where InsertEntry can read them without another
// round trip; a message also takes the next message number. NOT_FOUND if the conversation does
// not exist (the variables are then left as they were). With `friends_only`, a direct conversation
// whose participants are not friends, or have a block between them (either way), is left alone:
// PERMISSION_DENIED. The bump reads `friendships` and `blocks` with a locking read, so a change of
// friendship and a message serialize: a message never slips past an unfriending or a block
// committed before it.
absl::Status TakeNextPosition(sql::Connection& conn, uint64_t conversation_id, bool is_message,
                              bool friends_only = false) {
  constexpr std::string_view kBump =
      "UPDATE conversations c SET c.last_seq = (@natter_seq := c.last_seq + 1), "
      "c.last_msg_no = (@natter_msg_no := c.last_msg_no + ?) WHERE c.id = ?";
  constexpr std::string_view kBetweenFriends =
      " AND EXISTS (SELECT 1 FROM friendships f WHERE "
      "f.user_id = c.direct_low AND f.friend_id = c.direct_high) "
      "AND NOT EXISTS (SELECT 1 FROM blocks b WHERE "
      "(b.user_id = c.direct_low AND b.blocked_id = c.direct_high) OR "
      "(b.user_id = c.direct_high AND b.blocked_id = c.direct_low))";
  Stmt bump = Prepare(
      conn, friends_only ? std::string(kBump) + std::string(kBetweenFriends) : std::string(kBump));
  bump->setUInt(1, is_message ? 1 : 0);
  bump->setUInt64(2, conversation_id);
  if (bump->executeUpdate() == 1) return absl::OkStatus();
  if (friends_only) {
    // Refused, or no such conversation: say which (this path is rare, so it may cost a query).
    Stmt why = Prepare(conn,
                       "SELECT EXISTS (SELECT 1 FROM blocks b WHERE "
                       "(b.user_id = c.direct_low AND b.blocked_id = c.direct_high) OR "
                       "(b.user_id = c.direct_high AND b.blocked_id = c.direct_low)) "
                       "FROM conversations c WHERE c.id = ?");
    why->setUInt64(1, conversation_id);
    Rows row(why->executeQuery());
    if (row->next()) {
      return absl::PermissionDeniedError(row->getBoolean(1) ? kRefusedBlocked : kRefusedNotFriends);
    }
  }
  return absl::NotFoundError("conversation " + std::to_string(conversation_id) + " does not exist");
}

// TakeNextPosition, for a caller that needs the position before it inserts the entry.
absl::StatusOr<Position> NextPosition(sql::Connection& conn, uint64_t conversation_id,
                                      bool is_message) {
  if (auto s = TakeNextPosition(conn, conversation_id, is_message); !s.ok()) return s;
  Stmt q = Prepare(conn, "SELECT @natter_seq, @natter_msg_no");
  Rows row(q->executeQuery());
  NATTER_CHECK(row->next(), "a SELECT of session variables gave no row");
  return Position{row->getUInt64(1), row->getUInt64(2)};
}

struct EntryRow {
  uint64_t conversation_id = 0;
  // Where the entry goes; none for the position TakeNextPosition took last.
  std::optional<Position> at;
  uint64_t sender_id = 0;
  std::string sender;
  std::string client_msg_id;
  std::string type;
  std::string body;
  uint64_t target_seq = 0;
  uint64_t target_user_id = 0;
  uint64_t reply_to_seq = 0;
  int64_t sent_at_ms = 0;
};

struct Inserted {
  uint64_t id = 0;
  Position at;
};

Inserted InsertEntry(sql::Connection& conn, const EntryRow& e) {
  // The position is bound, or the one TakeNextPosition left in the session.
  // body_sha256 keeps the text as first sent (a replay is compared with it); it refers to the body
  // set earlier in the same row rather than sending the text twice.
  Stmt insert =
      Prepare(conn, std::string("INSERT INTO messages (conversation_id, sender_id, sender, "
                                "client_msg_id, body, sent_at_ms, type, target_seq, "
                                "target_user_id, reply_to_seq, seq, msg_no, body_sha256) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ") +
                        (e.at ? "?, ?" : "@natter_seq, @natter_msg_no") +
                        ", UNHEX(SHA2(body, 256))) RETURNING id, seq, msg_no");
  insert->setUInt64(1, e.conversation_id);
  insert->setUInt64(2, e.sender_id);
  insert->setString(3, e.sender);
  insert->setString(4, e.client_msg_id);
  insert->setString(5, e.body);
  insert->setInt64(6, e.sent_at_ms);
  insert->setString(7, e.type);
  insert->setUInt64(8, e.target_seq);
  insert->setUInt64(9, e.target_user_id);
  insert->setUInt64(10, e.reply_to_seq);
  if (e.at) {
    insert->setUInt64(11, e.at->seq);
    insert->setUInt64(12, e.at->msg_no);
  }
  Rows row(insert->executeQuery());
  NATTER_CHECK(row->next(), "an INSERT ... RETURNING that succeeded returned no row");
  return Inserted{row->getUInt64(1), Position{row->getUInt64(2), row->getUInt64(3)}};
}

// The entry that opens a room or a group (seq 1, stored as message `message_id`), as members see
// it.
v1::ChatMessage FirstEntry(const EntryRow& e, uint64_t message_id) {
  v1::ChatMessage out;
  out.set_conversation_id(e.conversation_id);
  out.set_seq(1);
  out.set_message_id(message_id);
  out.set_sender_id(e.sender_id);
  out.set_sender(e.sender);
  out.set_text(e.body);
  out.set_sent_at_ms(e.sent_at_ms);
  out.set_client_msg_id(e.client_msg_id);
  out.set_type(e.type);
  return out;
}

// Moves a read marker forward to `at` (never back).
void AdvanceReadMarker(sql::Connection& conn, uint64_t user_id, uint64_t conversation_id,
                       Position at) {
  // msg_no is assigned before seq so that it compares against the old seq.
  Stmt q = Prepare(conn,
                   "INSERT INTO read_markers (user_id, conversation_id, seq, msg_no) "
                   "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
                   "msg_no = IF(VALUES(seq) > seq, VALUES(msg_no), msg_no), "
                   "seq = GREATEST(seq, VALUES(seq))");
  q->setUInt64(1, user_id);
  q->setUInt64(2, conversation_id);
  q->setUInt64(3, at.seq);
  q->setUInt64(4, at.msg_no);
  q->executeUpdate();
}

std::optional<Position> ReadMarker(sql::Connection& conn, uint64_t user_id,
                                   uint64_t conversation_id) {
  Stmt q = Prepare(conn,
                   "SELECT seq, msg_no FROM read_markers WHERE user_id = ? AND "
                   "conversation_id = ?");
  q->setUInt64(1, user_id);
  q->setUInt64(2, conversation_id);
  Rows row(q->executeQuery());
  if (!row->next()) return std::nullopt;
  return Position{row->getUInt64(1), row->getUInt64(2)};
}

// Runs `select` ("SELECT ... WHERE conversation_id = ? AND seq IN") for entries `seqs` of a
// conversation, followed by `order`, and hands each row to `on_row`. The seqs go in IN lists padded
// with 0 (no entry has seq 0) to one of a few lengths, so the statement cache holds at most four
// statements per query however many seqs a page asks about.
template <typename OnRow>
void ForSeqs(sql::Connection& conn, std::string_view select, std::string_view order,
             uint64_t conversation_id, std::vector<uint64_t> seqs, OnRow on_row) {
  constexpr size_t kListSizes[] = {1, 8, 64, 512};
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  for (size_t from = 0; from < seqs.size(); from += kListSizes[3]) {
    const size_t n = std::min(seqs.size() - from, kListSizes[3]);
    const size_t width = *std::find_if(std::begin(kListSizes), std::end(kListSizes),
                                       [n](size_t size) { return size >= n; });
    std::string sql = std::string(select) + " (?";
    for (size_t i = 1; i < width; ++i) sql += ", ?";
    sql += ") ";
    sql += order;
    Stmt q = Prepare(conn, sql);
    q->setUInt64(1, conversation_id);
    for (size_t i = 0; i < width; ++i) {
      q->setUInt64(static_cast<unsigned>(i + 2), i < n ? seqs[from + i] : 0);
    }
    Rows rows(q->executeQuery());
    while (rows->next()) on_row(*rows);
  }
}

// The reactions to messages `seqs` of a conversation (see MessageStore::Reactions).
std::map<uint64_t, std::vector<v1::Reaction>> ReadReactions(sql::Connection& conn,
                                                            uint64_t conversation_id,
                                                            std::vector<uint64_t> seqs) {
  std::map<uint64_t, std::vector<v1::Reaction>> out;
  ForSeqs(conn,
          "SELECT seq, emoji, user_id, username FROM message_reactions "
          "WHERE conversation_id = ? AND seq IN",
          "ORDER BY seq, entry_seq", conversation_id, std::move(seqs), [&](sql::ResultSet& row) {
            std::vector<v1::Reaction>& reactions = out[row.getUInt64(1)];
            const std::string emoji = row.getString(2);
            auto it = std::find_if(reactions.begin(), reactions.end(),
                                   [&](const v1::Reaction& r) { return r.emoji() == emoji; });
            if (it == reactions.end()) {
              it = reactions.emplace(reactions.end());
              it->set_emoji(emoji);
            }
            it->add_user_ids(row.getUInt64(3));
            it->add_users(row.getString(4));
            it->set_count(it->count() + 1);
          });
  return out;
}

// Inside Append's transaction, with the target message locked: adds or removes `m`'s reaction.
// False when it was already so (nothing to store).
absl::StatusOr<bool> ChangeReaction(sql::Connection& conn, const NewMessage& m) {
  if (m.type == kTypeReactionRemoved) {
    Stmt remove = Prepare(conn,
                          "DELETE FROM message_reactions WHERE conversation_id = ? AND seq = ? "
                          "AND emoji = ? AND user_id = ?");
    remove->setUInt64(1, m.conversation_id);
    remove->setUInt64(2, m.target_seq);
    remove->setString(3, m.text);
    remove->setUInt64(4, m.sender_id);
    return remove->executeUpdate() > 0;
  }
  // How many emoji the message has, whether the sender gave this one, whether anyone did.
  Stmt state = Prepare(conn,
                       "SELECT COUNT(DISTINCT emoji), COALESCE(SUM(emoji = ? AND user_id = ?), 0), "
                       "COALESCE(SUM(emoji = ?), 0) FROM message_reactions "
                       "WHERE conversation_id = ? AND seq = ?");
  state->setString(1, m.text);
  state->setUInt64(2, m.sender_id);
  state->setString(3, m.text);
  state->setUInt64(4, m.conversation_id);
  state->setUInt64(5, m.target_seq);
  Rows row(state->executeQuery());
  NATTER_CHECK(row->next(), "an aggregate SELECT returned no row");
  if (row->getUInt64(2) > 0) return false;
  if (row->getUInt64(3) == 0 && row->getUInt64(1) >= kMaxReactionEmoji) {
    return absl::FailedPreconditionError(kRefusedTooManyReactions);
  }
  // entry_seq: the seq TakeNextPosition took for this reaction's entry.
  Stmt add = Prepare(conn,
                     "INSERT INTO message_reactions (conversation_id, seq, emoji, user_id, "
                     "username, entry_seq) VALUES (?, ?, ?, ?, ?, @natter_seq)");
  add->setUInt64(1, m.conversation_id);
  add->setUInt64(2, m.target_seq);
  add->setString(3, m.text);
  add->setUInt64(4, m.sender_id);
  add->setString(5, m.sender);
  add->executeUpdate();
  return true;
}

// Inside Append's transaction, with the target message locked: pins or unpins it. False when it
// was already so (nothing to store).
absl::StatusOr<bool> ChangePin(sql::Connection& conn, const NewMessage& m) {
  if (m.type == kTypeMessageUnpinned) {
    Stmt remove = Prepare(conn, "DELETE FROM message_pins WHERE conversation_id = ? AND seq = ?");
    remove->setUInt64(1, m.conversation_id);
    remove->setUInt64(2, m.target_seq);
    return remove->executeUpdate() > 0;
  }
  // The conversation's row is locked (TakeNextPosition), so the count holds until the commit.
  Stmt state = Prepare(conn,
                       "SELECT COUNT(*), COALESCE(SUM(seq = ?), 0) FROM message_pins "
                       "WHERE conversation_id = ?");
  state->setUInt64(1, m.target_seq);
  state->setUInt64(2, m.conversation_id);
  Rows row(state->executeQuery());
  NATTER_CHECK(row->next(), "an aggregate SELECT returned no row");
  if (row->getUInt64(2) > 0) return false;
  if (row->getUInt64(1) >= kMaxPins) return absl::FailedPreconditionError(kRefusedTooManyPins);
  Stmt add = Prepare(conn,
                     "INSERT INTO message_pins (conversation_id, seq, pinned_by, pinned_by_name, "
                     "pinned_at_ms, entry_seq) VALUES (?, ?, ?, ?, ?, @natter_seq)");
  add->setUInt64(1, m.conversation_id);
  add->setUInt64(2, m.target_seq);
  add->setUInt64(3, m.sender_id);
  add->setString(4, m.sender);
  add->setInt64(5, m.sent_at_ms);
  add->executeUpdate();
  return true;
}

// Inside Append's transaction, after the entry (`seq`, `message_id`) of a message or an edit is
// inserted: stores its mentions; an edit also replaces its target's, each added unless the target
// mentioned the user before. Returns the entry's mentions as stored.
std::vector<v1::Mention> StoreMentions(sql::Connection& conn, const NewMessage& m, uint64_t seq,
                                       uint64_t message_id) {
  std::vector<v1::Mention> mentions = m.mentions;
  auto insert = [&](uint64_t at_seq, uint64_t at_id) {
    Stmt add = Prepare(conn,
                       "INSERT INTO message_mentions (conversation_id, seq, user_id, username, "
                       "added, position, message_id) VALUES (?, ?, ?, ?, ?, ?, ?)");
    for (size_t i = 0; i < mentions.size(); ++i) {
      add->setUInt64(1, m.conversation_id);
      add->setUInt64(2, at_seq);
      add->setUInt64(3, mentions[i].user_id());
      add->setString(4, mentions[i].username());
      add->setBoolean(5, mentions[i].added());
      add->setUInt(6, static_cast<uint32_t>(i));
      add->setUInt64(7, at_id);
      add->executeUpdate();
    }
  };
  if (m.type == kTypeEdited) {
    Stmt before = Prepare(conn,
                          "SELECT mm.user_id, t.id FROM messages t LEFT JOIN message_mentions mm "
                          "ON mm.conversation_id = t.conversation_id AND mm.seq = t.seq "
                          "WHERE t.conversation_id = ? AND t.seq = ?");
    before->setUInt64(1, m.conversation_id);
    before->setUInt64(2, m.target_seq);
    Rows rows(before->executeQuery());
    std::vector<uint64_t> mentioned;
    uint64_t target_id = 0;
    while (rows->next()) {
      if (!rows->isNull(1)) mentioned.push_back(rows->getUInt64(1));
      target_id = rows->getUInt64(2);
    }
    for (auto& mention : mentions) {
      mention.set_added(std::find(mentioned.begin(), mentioned.end(), mention.user_id()) ==
                        mentioned.end());
    }
    Stmt clear =
        Prepare(conn, "DELETE FROM message_mentions WHERE conversation_id = ? AND seq = ?");
    clear->setUInt64(1, m.conversation_id);
    clear->setUInt64(2, m.target_seq);
    clear->executeUpdate();
    insert(m.target_seq, target_id);
  }
  insert(seq, message_id);
  return mentions;
}

// The mentions of entries `seqs` of a conversation (see MessageStore::Mentions).
std::map<uint64_t, std::vector<v1::Mention>> ReadMentions(sql::Connection& conn,
                                                          uint64_t conversation_id,
                                                          std::vector<uint64_t> seqs) {
  std::map<uint64_t, std::vector<v1::Mention>> out;
  ForSeqs(conn,
          "SELECT seq, user_id, username, added FROM message_mentions "
          "WHERE conversation_id = ? AND seq IN",
          "ORDER BY seq, position", conversation_id, std::move(seqs), [&](sql::ResultSet& row) {
            v1::Mention& mention = out[row.getUInt64(1)].emplace_back();
            mention.set_user_id(row.getUInt64(2));
            mention.set_username(row.getString(3));
            mention.set_added(row.getBoolean(4));
          });
  return out;
}

// `s` as a LIKE pattern matching itself literally, followed by `%`.
std::string PrefixPattern(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

}  // namespace

absl::StatusOr<std::optional<ConversationRecord>> MysqlMessageStore::FindRoom(
    std::string_view name_key, uint64_t viewer) {
  return pool_.Run(
      "find room", [&](sql::Connection& conn) -> absl::StatusOr<std::optional<ConversationRecord>> {
        Stmt q = Prepare(
            conn, std::string(kConversationColumns) + "WHERE c.kind = 'room' AND c.name_key = ?");
        q->setUInt64(1, viewer);
        q->setString(2, std::string(name_key));
        Rows row(q->executeQuery());
        if (!row->next()) return std::nullopt;
        return ReadViewedConversation(*row);
      });
}

absl::StatusOr<std::optional<ConversationRecord>> MysqlMessageStore::FindConversation(
    uint64_t id, uint64_t viewer) {
  return pool_.Run("find conversation",
                   [&](sql::Connection& conn) -> absl::StatusOr<std::optional<ConversationRecord>> {
                     return QueryConversation(conn, viewer, "WHERE c.id = ?", id);
                   });
}

absl::StatusOr<std::optional<ConversationRecord>> MysqlMessageStore::FindDirect(uint64_t a,
                                                                                uint64_t b) {
  return pool_.Run("find direct conversation",
                   [&](sql::Connection& conn) -> absl::StatusOr<std::optional<ConversationRecord>> {
                     return QueryConversation(conn, a,
                                              "WHERE c.direct_low = ? AND c.direct_high = ?",
                                              std::min(a, b), std::max(a, b));
                   });
}

absl::StatusOr<ConversationRecord> MysqlMessageStore::OpenDirect(uint64_t a, uint64_t b,
                                                                 int64_t now_ms) {
  return pool_.Run(
      "open direct conversation", [&](sql::Connection& conn) -> absl::StatusOr<ConversationRecord> {
        const uint64_t low = std::min(a, b), high = std::max(a, b);
        Transaction tx(conn);
        // Two senders opening the same pair at once: the unique key makes one insert win and the
        // other ignore; both then read the one row.
        Stmt insert = Prepare(conn,
                              "INSERT IGNORE INTO conversations (kind, direct_low, direct_high, "
                              "member_count, created_at_ms) VALUES ('direct', ?, ?, 2, ?)");
        insert->setUInt64(1, low);
        insert->setUInt64(2, high);
        insert->setInt64(3, now_ms);
        insert->executeUpdate();
        auto c =
            QueryConversation(conn, a, "WHERE c.direct_low = ? AND c.direct_high = ?", low, high);
        if (!c) return absl::InternalError("direct conversation vanished while being opened");
        for (uint64_t user : {low, high}) {
          Stmt member = Prepare(conn,
                                "INSERT IGNORE INTO conversation_members (conversation_id, "
                                "user_id, role, joined_at_ms) VALUES (?, ?, 'member', ?)");
          member->setUInt64(1, c->id);
          member->setUInt64(2, user);
          member->setInt64(3, now_ms);
          member->executeUpdate();
        }
        tx.Commit();
        c->is_member = true;
        return *c;
      });
}

absl::StatusOr<std::vector<ConversationRecord>> MysqlMessageStore::ConversationsOf(
    uint64_t user_id) {
  return pool_.Run(
      "list conversations",
      [&](sql::Connection& conn) -> absl::StatusOr<std::vector<ConversationRecord>> {
        Stmt q = Prepare(
            conn,
            "SELECT c.id, c.kind, COALESCE(c.name, ''), c.last_seq, COALESCE(c.topic, ''), "
            "COALESCE(c.owner_id, 0), COALESCE(c.direct_low, 0), COALESCE(c.direct_high, 0), "
            "c.last_msg_no, c.member_count, 1, "
            "COALESCE(r.seq, 0), COALESCE(r.msg_no, 0), COALESCE(p.seq, 0), r.user_id IS NULL, "
            "lm.seq, lm.id, lm.sender_id, lm.sender, lm.client_msg_id, lm.body, lm.sent_at_ms, "
            "lm.type, lm.target_seq, lm.target_user_id, lm.edited_at_ms, lm.deleted, "
            "lm.reply_to_seq, COALESCE(s.level, 'all'), COALESCE(s.muted_until_ms, 0), "
            "c.private, c.history "
            "FROM conversations c "
            "LEFT JOIN messages lm ON lm.conversation_id = c.id AND lm.seq = "
            "  (SELECT x.seq FROM messages x WHERE x.conversation_id = c.id AND "
            "   x.type = 'message' ORDER BY x.seq DESC LIMIT 1) "
            "LEFT JOIN read_markers r ON r.user_id = ? AND r.conversation_id = c.id "
            "LEFT JOIN notification_settings s ON s.user_id = ? AND s.conversation_id = c.id "
            "LEFT JOIN read_markers p ON c.kind = 'direct' AND p.conversation_id = c.id AND "
            "  p.user_id = IF(c.direct_low = ?, c.direct_high, c.direct_low) "
            "WHERE c.name_key <=> 'lobby' OR c.id IN "
            "  (SELECT conversation_id FROM conversation_members WHERE user_id = ?) "
            "ORDER BY (c.name_key <=> 'lobby') DESC, c.id");
        for (int i = 1; i <= 4; ++i) q->setUInt64(i, user_id);
        Rows rows(q->executeQuery());
        std::vector<ConversationRecord> out;
        while (rows->next()) {
          ConversationRecord& c = out.emplace_back(ReadConversation(*rows));
          c.last_read_seq = rows->getUInt64(12);
          c.read_msg_no = rows->getUInt64(13);
          c.peer_read_seq = rows->getUInt64(14);
          c.notifications.level = std::string(rows->getString(29));
          c.notifications.muted_until_ms = rows->getInt64(30);
          c.is_private = rows->getBoolean(31);
          c.history = ParseRoomHistory(std::string(rows->getString(32)));
          // The latest message as it is now, for a preview: a backward primary-key scan per
          // conversation that stops at the first message (past any reactions and room changes).
          if (!rows->isNull(16)) c.last_entry = ReadEntry(*rows, c.id, 16);
          if (c.is_lobby() && rows->getBoolean(15)) {
            // A newcomer to the lobby starts with it read, not with its whole history unread.
            AdvanceReadMarker(conn, user_id, c.id, {c.latest_seq, c.last_msg_no});
            c.last_read_seq = c.latest_seq;
            c.read_msg_no = c.last_msg_no;
          }
        }
        return out;
      });
}

absl::StatusOr<std::vector<ConversationRecord>> MysqlMessageStore::RoomsOf(uint64_t user_id) {
  return pool_.Run("list rooms of user",
                   [&](sql::Connection& conn) -> absl::StatusOr<std::vector<ConversationRecord>> {
                     Stmt q = Prepare(conn, std::string(kConversationColumns) +
                                                "WHERE c.kind IN ('room', 'group') AND "
                                                "(c.name_key <=> 'lobby' OR m.user_id IS NOT "
                                                "NULL) "
                                                "ORDER BY (c.name_key <=> 'lobby') DESC, c.id");
                     q->setUInt64(1, user_id);
                     Rows rows(q->executeQuery());
                     std::vector<ConversationRecord> out;
                     while (rows->next()) out.push_back(ReadViewedConversation(*rows));
                     return out;
                   });
}

absl::StatusOr<AppendResult> MysqlMessageStore::Append(const NewMessage& m) {
  return pool_.Run("append message", [&](sql::Connection& conn) -> absl::StatusOr<AppendResult> {
    const bool is_message = m.type == kTypeMessage;
    // A message is inserted straight away: a replay of its client_msg_id fails on the unique key,
    // and the second attempt finds the original. An edit or deletion looks for its original
    // first, because once applied its target no longer passes the checks below.
    for (int attempt = 0; attempt < 2; ++attempt) {
      Transaction tx(conn);
      if (!is_message || attempt > 0) {
        auto replay = FindReplay(conn, m);
        if (!replay.ok()) return replay.status();
        if (*replay) return **replay;
      }
      if (auto s = TakeNextPosition(conn, m.conversation_id, is_message, m.friends_only); !s.ok()) {
        // A replay of what was stored before an unfriending or a block is answered, not refused.
        if (absl::IsPermissionDenied(s)) {
          auto replay = FindReplay(conn, m);
          if (!replay.ok()) return replay.status();
          if (*replay) return **replay;
        }
        return s;
      }
      const bool reaction = IsReactionType(m.type);
      const bool pin = IsPinType(m.type);
      if (!is_message) {
        // The target, locked: it must still be a live message, the sender's own unless this is a
        // reaction.
        Stmt q = Prepare(conn,
                         "SELECT sender_id, type, deleted FROM messages "
                         "WHERE conversation_id = ? AND seq = ? FOR UPDATE");
        q->setUInt64(1, m.conversation_id);
        q->setUInt64(2, m.target_seq);
        Rows row(q->executeQuery());
        if (!row->next() || (!reaction && !pin && row->getUInt64(1) != m.sender_id) ||
            row->getString(2) != kTypeMessage) {
          return absl::FailedPreconditionError("message " + std::to_string(m.target_seq) +
                                               " cannot be changed");
        }
        if (row->getBoolean(3)) {
          return absl::FailedPreconditionError("message " + std::to_string(m.target_seq) +
                                               " was deleted");
        }
      }
      if (pin) {
        auto changed = ChangePin(conn, m);
        if (!changed.ok()) return changed.status();
        if (!*changed) {
          // Already so: the transaction rolls back, seq included.
          AppendResult result;
          result.unchanged = true;
          result.ack.set_conversation_id(m.conversation_id);
          result.ack.set_unchanged(true);
          return result;
        }
      }
      if (reaction) {
        auto changed = ChangeReaction(conn, m);
        if (!changed.ok()) return changed.status();
        if (!*changed) {
          // Already so: the transaction rolls back, seq included.
          AppendResult result;
          result.unchanged = true;
          result.ack.set_conversation_id(m.conversation_id);
          result.ack.set_unchanged(true);
          return result;
        }
      }
      EntryRow entry{.conversation_id = m.conversation_id,
                     .sender_id = m.sender_id,
                     .sender = m.sender,
                     .client_msg_id = m.client_msg_id,
                     .type = m.type,
                     .body = m.text,
                     .target_seq = m.target_seq,
                     .reply_to_seq = m.reply_to_seq,
                     .sent_at_ms = m.sent_at_ms};
      Inserted inserted;
      try {
        inserted = InsertEntry(conn, entry);
      } catch (const sql::SQLException& e) {
        if (e.getErrorCode() != kErDupEntry || attempt > 0) throw;
        continue;  // the transaction rolls back
      }
      if (m.type == kTypeEdited || m.type == kTypeDeleted) {
        Stmt change =
            Prepare(conn, m.type == kTypeEdited ? "UPDATE messages SET body = ?, edited_at_ms = ? "
                                                  "WHERE conversation_id = ? AND seq = ?"
                                                : "UPDATE messages SET body = ?, deleted = 1 "
                                                  "WHERE conversation_id = ? AND seq = ?");
        int i = 1;
        change->setString(i++, m.text);
        if (m.type == kTypeEdited) change->setInt64(i++, m.sent_at_ms);
        change->setUInt64(i++, m.conversation_id);
        change->setUInt64(i++, m.target_seq);
        change->executeUpdate();
        if (m.type == kTypeDeleted) {
          // A deleted message shows nothing, reactions included.
          Stmt clear =
              Prepare(conn, "DELETE FROM message_reactions WHERE conversation_id = ? AND seq = ?");
          clear->setUInt64(1, m.conversation_id);
          clear->setUInt64(2, m.target_seq);
          clear->executeUpdate();
          Stmt unmention =
              Prepare(conn, "DELETE FROM message_mentions WHERE conversation_id = ? AND seq = ?");
          unmention->setUInt64(1, m.conversation_id);
          unmention->setUInt64(2, m.target_seq);
          unmention->executeUpdate();
          Stmt unpin =
              Prepare(conn, "DELETE FROM message_pins WHERE conversation_id = ? AND seq = ?");
          unpin->setUInt64(1, m.conversation_id);
          unpin->setUInt64(2, m.target_seq);
          unpin->executeUpdate();
        }
      }
      // The search index changes with the message, in the same transaction.
      if (is_message) {
        IndexNewMessage(conn, m.conversation_id, inserted.at.seq, m.sender_id, m.sent_at_ms,
                        m.text);
      } else if (m.type == kTypeEdited) {
        ReindexEditedMessage(conn, m.conversation_id, m.target_seq, m.text);
      } else if (m.type == kTypeDeleted) {
        UnindexDeletedMessage(conn, m.conversation_id, m.target_seq);
      }
      AppendResult result;
      if (is_message || m.type == kTypeEdited) {
        result.mentions = StoreMentions(conn, m, inserted.at.seq, inserted.id);
      }
      if (reaction) {
        result.reactions =
            std::move(ReadReactions(conn, m.conversation_id, {m.target_seq})[m.target_seq]);
      }
      // Writing in a conversation means having read it up to there.
      if (is_message) AdvanceReadMarker(conn, m.sender_id, m.conversation_id, inserted.at);
      tx.Commit();
      result.ack.set_conversation_id(m.conversation_id);
      result.ack.set_seq(inserted.at.seq);
      result.ack.set_message_id(inserted.id);
      result.ack.set_sent_at_ms(m.sent_at_ms);
      return result;
    }
    return absl::AbortedError("message could not be stored, try again");
  });
}

absl::StatusOr<std::optional<v1::ChatMessage>> MysqlMessageStore::FindMessage(
    uint64_t conversation_id, uint64_t seq) {
  return pool_.Run(
      "find message", [&](sql::Connection& conn) -> absl::StatusOr<std::optional<v1::ChatMessage>> {
        Stmt q = Prepare(conn, kEntryColumns + "WHERE m.conversation_id = ? AND m.seq = ?");
        q->setUInt64(1, conversation_id);
        q->setUInt64(2, seq);
        Rows row(q->executeQuery());
        if (!row->next()) return std::nullopt;
        return ReadEntryWithReply(*row, conversation_id);
      });
}

absl::StatusOr<std::map<uint64_t, std::vector<v1::Reaction>>> MysqlMessageStore::Reactions(
    uint64_t conversation_id, const std::vector<uint64_t>& seqs) {
  if (seqs.empty()) return std::map<uint64_t, std::vector<v1::Reaction>>{};
  return pool_.Run(
      "read reactions",
      [&](sql::Connection& conn) -> absl::StatusOr<std::map<uint64_t, std::vector<v1::Reaction>>> {
        return ReadReactions(conn, conversation_id, seqs);
      });
}

absl::StatusOr<std::map<uint64_t, std::vector<v1::Mention>>> MysqlMessageStore::Mentions(
    uint64_t conversation_id, const std::vector<uint64_t>& seqs) {
  if (seqs.empty()) return std::map<uint64_t, std::vector<v1::Mention>>{};
  return pool_.Run(
      "read mentions",
      [&](sql::Connection& conn) -> absl::StatusOr<std::map<uint64_t, std::vector<v1::Mention>>> {
        return ReadMentions(conn, conversation_id, seqs);
      });
}

absl::StatusOr<std::vector<v1::Pin>> MysqlMessageStore::Pins(uint64_t conversation_id) {
  // kEntryColumns with the pin as columns 18..20: a range of message_pins' primary key, each
  // message joined by its own.
  std::string sql = kEntryColumns;
  sql.insert(sql.find(" FROM messages m "), ", p.pinned_by, p.pinned_by_name, p.pinned_at_ms");
  sql +=
      "JOIN message_pins p ON p.conversation_id = m.conversation_id AND p.seq = m.seq "
      "WHERE m.conversation_id = ? ORDER BY p.entry_seq DESC";
  return pool_.Run("pins", [&](sql::Connection& conn) -> absl::StatusOr<std::vector<v1::Pin>> {
    Stmt q = Prepare(conn, sql);
    q->setUInt64(1, conversation_id);
    Rows rows(q->executeQuery());
    std::vector<v1::Pin> out;
    while (rows->next()) {
      v1::Pin& pin = out.emplace_back();
      *pin.mutable_message() = ReadEntryWithReply(*rows, conversation_id);
      pin.set_pinned_by_id(rows->getUInt64(18));
      pin.set_pinned_by(rows->getString(19));
      pin.set_pinned_at_ms(rows->getInt64(20));
    }
    return out;
  });
}

absl::StatusOr<std::vector<v1::ChatMessage>> MysqlMessageStore::MentionsOf(
    uint64_t user_id, uint64_t before_message_id, uint32_t limit) {
  // kEntryColumns with the conversation as column 18. A backward scan of the user's mentions by
  // message_id (idx_message_mentions_user), each joined by primary key.
  std::string sql = kEntryColumns;
  sql.insert(sql.find(" FROM messages m "), ", m.conversation_id");
  sql +=
      "JOIN message_mentions mm ON mm.conversation_id = m.conversation_id AND mm.seq = m.seq "
      "JOIN conversations c ON c.id = m.conversation_id "
      "LEFT JOIN conversation_members cm ON cm.conversation_id = c.id AND cm.user_id = mm.user_id "
      "WHERE mm.user_id = ? AND mm.message_id < ? AND m.type = 'message' AND m.deleted = 0 AND "
      "(cm.user_id IS NOT NULL OR c.name_key <=> 'lobby') "
      "ORDER BY mm.message_id DESC LIMIT ?";
  using Page = std::vector<v1::ChatMessage>;
  return pool_.Run("mentions of a user", [&](sql::Connection& conn) -> absl::StatusOr<Page> {
    Stmt q = Prepare(conn, sql);
    q->setUInt64(1, user_id);
    q->setUInt64(2, before_message_id);
    q->setUInt(3, limit);
    Rows rows(q->executeQuery());
    Page out;
    while (rows->next()) out.push_back(ReadEntryWithReply(*rows, rows->getUInt64(18)));
    return out;
  });
}

namespace {

// Entries of one conversation in a seq range, in the order the query gives.
absl::StatusOr<std::vector<v1::ChatMessage>> ReadEntries(MysqlPool& pool, const char* what,
                                                         const std::string& where,
                                                         uint64_t conversation_id, uint64_t seq,
                                                         uint32_t limit) {
  return pool.Run(what, [&](sql::Connection& conn) -> absl::StatusOr<std::vector<v1::ChatMessage>> {
    Stmt query = Prepare(conn, kEntryColumns + where);
    query->setUInt64(1, conversation_id);
    query->setUInt64(2, seq);
    query->setUInt(3, limit);
    Rows rows(query->executeQuery());
    std::vector<v1::ChatMessage> out;
    while (rows->next()) out.push_back(ReadEntryWithReply(*rows, conversation_id));
    return out;
  });
}

}  // namespace

// Both are range scans of the primary key (conversation_id, seq), at any conversation size.
absl::StatusOr<std::vector<v1::ChatMessage>> MysqlMessageStore::MessagesAfter(
    uint64_t conversation_id, uint64_t after_seq, uint32_t limit) {
  return ReadEntries(pool_, "messages after",
                     "WHERE m.conversation_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?",
                     conversation_id, after_seq, limit);
}

absl::StatusOr<std::vector<v1::ChatMessage>> MysqlMessageStore::MessagesBefore(
    uint64_t conversation_id, uint64_t before_seq, uint32_t limit) {
  return ReadEntries(pool_, "messages before",
                     "WHERE m.conversation_id = ? AND m.seq < ? AND m.type NOT IN "
                     "('message_edited', 'message_deleted', 'reaction_added', "
                     "'reaction_removed') ORDER BY m.seq DESC LIMIT ?",
                     conversation_id, before_seq, limit);
}

absl::StatusOr<ReadState> MysqlMessageStore::MarkRead(uint64_t user_id, uint64_t conversation_id,
                                                      uint64_t seq) {
  return pool_.Run("mark read", [&](sql::Connection& conn) -> absl::StatusOr<ReadState> {
    Position latest;
    {
      Stmt q = Prepare(conn, "SELECT last_seq, last_msg_no FROM conversations WHERE id = ?");
      q->setUInt64(1, conversation_id);
      Rows row(q->executeQuery());
      if (!row->next())
        return absl::NotFoundError("no conversation " + std::to_string(conversation_id));
      latest = {row->getUInt64(1), row->getUInt64(2)};
    }
    Position target{std::min(seq, latest.seq), 0};
    if (target.seq == latest.seq) {
      target.msg_no = latest.msg_no;
    } else if (target.seq > 0) {
      Stmt q = Prepare(conn, "SELECT msg_no FROM messages WHERE conversation_id = ? AND seq = ?");
      q->setUInt64(1, conversation_id);
      q->setUInt64(2, target.seq);
      Rows row(q->executeQuery());
      if (row->next()) target.msg_no = row->getUInt64(1);
    }
    auto before = ReadMarker(conn, user_id, conversation_id);
    AdvanceReadMarker(conn, user_id, conversation_id, target);
    Position now = ReadMarker(conn, user_id, conversation_id).value_or(target);
    ReadState state;
    state.last_read_seq = now.seq;
    state.unread = latest.msg_no > now.msg_no ? latest.msg_no - now.msg_no : 0;
    state.moved = now.seq > (before ? before->seq : 0);
    return state;
  });
}

absl::StatusOr<NotificationRecord> MysqlMessageStore::SetNotifications(
    uint64_t user_id, uint64_t conversation_id, std::optional<std::string> level,
    std::optional<int64_t> muted_until_ms) {
  return pool_.Run(
      "set notifications", [&](sql::Connection& conn) -> absl::StatusOr<NotificationRecord> {
        Transaction tx(conn);
        // A setting not given keeps its value (and a new row takes the default).
        Stmt upsert = Prepare(conn,
                              "INSERT INTO notification_settings (user_id, conversation_id, level, "
                              "muted_until_ms, updated_at_ms) VALUES (?, ?, ?, ?, "
                              "FLOOR(UNIX_TIMESTAMP(NOW(3)) * 1000)) ON DUPLICATE KEY UPDATE "
                              "level = IF(?, VALUES(level), level), "
                              "muted_until_ms = IF(?, VALUES(muted_until_ms), muted_until_ms), "
                              "updated_at_ms = VALUES(updated_at_ms)");
        upsert->setUInt64(1, user_id);
        upsert->setUInt64(2, conversation_id);
        upsert->setString(3, level.value_or("all"));
        upsert->setInt64(4, muted_until_ms.value_or(0));
        upsert->setBoolean(5, level.has_value());
        upsert->setBoolean(6, muted_until_ms.has_value());
        upsert->executeUpdate();
        Stmt q = Prepare(conn,
                         "SELECT level, muted_until_ms FROM notification_settings "
                         "WHERE user_id = ? AND conversation_id = ?");
        q->setUInt64(1, user_id);
        q->setUInt64(2, conversation_id);
        Rows row(q->executeQuery());
        NATTER_CHECK(row->next(), "notification settings vanished inside their transaction");
        NotificationRecord out{std::string(row->getString(1)), row->getInt64(2)};
        tx.Commit();
        return out;
      });
}

absl::StatusOr<RoomChangeResult> MysqlMessageStore::CreateRoom(const NewRoom& room) {
  return pool_.Run("create room", [&](sql::Connection& conn) -> absl::StatusOr<RoomChangeResult> {
    EnsureEventCounters(conn, {room.owner_id});
    Transaction tx(conn);
    Stmt insert = Prepare(conn,
                          "INSERT INTO conversations (kind, name, name_key, name_skeleton, topic, "
                          "owner_id, last_seq, last_msg_no, member_count, created_at_ms, private, "
                          "history) VALUES ('room', ?, ?, ?, NULLIF(?, ''), ?, 1, 0, 1, ?, ?, ?)");
    insert->setString(1, room.name);
    insert->setString(2, room.name_key);
    std::istringstream skeleton{room.name_skeleton};
    insert->setBlob(3, &skeleton);
    insert->setString(4, room.topic);
    insert->setUInt64(5, room.owner_id);
    insert->setInt64(6, room.now_ms);
    insert->setBoolean(7, room.is_private);
    insert->setString(8, std::string(RoomHistoryName(room.history)));
    try {
      insert->executeUpdate();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() == kErDupEntry) return NameTaken(e);
      throw;
    }
    const uint64_t id = LastInsertId(conn);
    Stmt member = Prepare(conn,
                          "INSERT INTO conversation_members (conversation_id, user_id, role, "
                          "joined_at_ms, joined_seq) VALUES (?, ?, 'owner', ?, 1)");
    member->setUInt64(1, id);
    member->setUInt64(2, room.owner_id);
    member->setInt64(3, room.now_ms);
    member->executeUpdate();
    EntryRow entry{.conversation_id = id,
                   .at = Position{1, 0},
                   .sender_id = room.owner_id,
                   .sender = room.owner,
                   .client_msg_id = "room:" + std::to_string(id) + ":1",
                   .type = kTypeRoomCreated,
                   .body = room.name,
                   .sent_at_ms = room.now_ms};
    uint64_t message_id = InsertEntry(conn, entry).id;
    AdvanceReadMarker(conn, room.owner_id, id, *entry.at);
    v1::UserEvent joined;
    joined.mutable_room()->set_type("joined");
    joined.mutable_room()->set_conversation_id(id);
    joined.mutable_room()->set_room(room.name);
    joined.mutable_room()->set_seq(1);
    RoomChangeResult result;
    result.events.push_back(AppendUserEvent(conn, room.owner_id, std::move(joined), room.now_ms));
    result.room = ExistingConversation(conn, room.owner_id, id);
    tx.Commit();
    result.entry = FirstEntry(entry, message_id);
    return result;
  });
}

absl::StatusOr<RoomChangeResult> MysqlMessageStore::ChangeRoom(uint64_t room_id, uint64_t actor,
                                                               std::string_view actor_name,
                                                               uint64_t target, int64_t now_ms,
                                                               const DecideRoom& decide) {
  return pool_.Run("change room", [&](sql::Connection& conn) -> absl::StatusOr<RoomChangeResult> {
    std::vector<uint64_t> affected{actor};
    if (target != 0) affected.push_back(target);
    EnsureEventCounters(conn, affected);
    Transaction tx(conn);
    // Lock the room: every change to it (and every message in it) waits here.
    auto room = QueryConversation(conn, actor, "WHERE c.id = ? FOR UPDATE", room_id);
    if (!room || (!room->is_room() && !room->is_group())) {
      return absl::NotFoundError("no such room");
    }
    RoomState state;
    state.room = *room;
    // Under the room's lock: a role read here stays the role until this change commits.
    auto role_of = [&](uint64_t user) -> std::optional<MemberRole> {
      Stmt q = Prepare(conn,
                       "SELECT role FROM conversation_members WHERE conversation_id = ? AND "
                       "user_id = ?");
      q->setUInt64(1, room_id);
      q->setUInt64(2, user);
      Rows row(q->executeQuery());
      if (!row->next()) return std::nullopt;
      return StoredRole(row->getString(1));
    };
    state.actor_role = role_of(actor);
    if (target != 0) state.target_role = role_of(target);
    {
      Stmt q = Prepare(
          conn, "SELECT user_id FROM room_bans WHERE conversation_id = ? AND user_id IN (?, ?)");
      q->setUInt64(1, room_id);
      q->setUInt64(2, actor);
      q->setUInt64(3, target);
      Rows rows(q->executeQuery());
      while (rows->next()) {
        uint64_t banned = rows->getUInt64(1);
        if (banned == actor) state.actor_banned = true;
        if (banned == target) state.target_banned = true;
      }
    }
    if (target != 0 && state.target_role) {
      Stmt q = Prepare(conn,
                       "SELECT muted_until_ms FROM conversation_members WHERE conversation_id = ? "
                       "AND user_id = ?");
      q->setUInt64(1, room_id);
      q->setUInt64(2, target);
      Rows row(q->executeQuery());
      if (row->next()) state.target_muted_until_ms = row->getInt64(1);
    }
    if (target != 0) {
      Stmt q = Prepare(conn,
                       "SELECT EXISTS(SELECT 1 FROM blocks WHERE (user_id = ? AND blocked_id = ?) "
                       "OR (user_id = ? AND blocked_id = ?))");
      q->setUInt64(1, actor);
      q->setUInt64(2, target);
      q->setUInt64(3, target);
      q->setUInt64(4, actor);
      Rows row(q->executeQuery());
      state.blocked = row->next() && row->getBoolean(1);
    }
    {
      // Pending invitations: the actor's and the target's to this room, and the counts each is
      // limited by (by key: the room's primary key prefix, the invitee's and the inviter's).
      Stmt q =
          Prepare(conn,
                  "SELECT invitee_id, inviter_id, inviter, created_at_ms FROM room_invitations "
                  "WHERE conversation_id = ? AND invitee_id IN (?, ?)");
      q->setUInt64(1, room_id);
      q->setUInt64(2, actor);
      q->setUInt64(3, target);
      Rows rows(q->executeQuery());
      while (rows->next()) {
        InvitationRecord i{room_id,
                           room->name,
                           rows->getUInt64(1),
                           rows->getUInt64(2),
                           std::string(rows->getString(3)),
                           rows->getInt64(4)};
        if (i.invitee_id == actor) state.actor_invitation = i;
        if (target != 0 && i.invitee_id == target) state.target_invitation = i;
      }
      Stmt counts =
          Prepare(conn,
                  "SELECT (SELECT COUNT(*) FROM room_invitations WHERE conversation_id = ?), "
                  "(SELECT COUNT(*) FROM room_invitations WHERE inviter_id = ?), "
                  "(SELECT COUNT(*) FROM room_invitations WHERE invitee_id = ?)");
      counts->setUInt64(1, room_id);
      counts->setUInt64(2, actor);
      counts->setUInt64(3, target);
      Rows row(counts->executeQuery());
      NATTER_CHECK(row->next(), "a row of counts gave no row");
      state.room_invitations = row->getUInt(1);
      state.actor_invitations_sent = row->getUInt(2);
      state.target_invitations = target == 0 ? 0 : row->getUInt(3);
    }
    {
      Stmt q = Prepare(conn, std::string("SELECT user_id FROM conversation_members WHERE "
                                         "conversation_id = ? AND user_id <> ? ORDER BY ") +
                                 kRoleRank + ", joined_at_ms, user_id LIMIT 1");
      q->setUInt64(1, room_id);
      q->setUInt64(2, actor);
      Rows row(q->executeQuery());
      if (row->next()) state.successor = row->getUInt64(1);
    }
    auto change = decide(state);
    if (!change.ok()) return change.status();
    RoomChangeResult result;
    if (change->noop) {
      result.room = *room;
      return result;
    }

    auto remove = [&](uint64_t user) {
      Stmt q = Prepare(
          conn, "DELETE FROM conversation_members WHERE conversation_id = ? AND user_id = ?");
      q->setUInt64(1, room_id);
      q->setUInt64(2, user);
      q->executeUpdate();
      Stmt count = Prepare(conn,
                           "UPDATE conversations SET member_count = member_count - 1 "
                           "WHERE id = ? AND member_count > 0");
      count->setUInt64(1, room_id);
      count->executeUpdate();
    };
    if (change->add_actor || change->add_target) {
      Stmt q = Prepare(conn,
                       "INSERT INTO conversation_members (conversation_id, user_id, role, "
                       "joined_at_ms) VALUES (?, ?, 'member', ?)");
      q->setUInt64(1, room_id);
      q->setUInt64(2, change->add_target ? target : actor);
      q->setInt64(3, now_ms);
      q->executeUpdate();
      Stmt count =
          Prepare(conn, "UPDATE conversations SET member_count = member_count + 1 WHERE id = ?");
      count->setUInt64(1, room_id);
      count->executeUpdate();
    }
    if (change->remove_actor) remove(actor);
    if (change->remove_target) remove(target);
    if (change->new_owner) {
      Stmt q = Prepare(conn, "UPDATE conversations SET owner_id = NULLIF(?, 0) WHERE id = ?");
      q->setUInt64(1, *change->new_owner);
      q->setUInt64(2, room_id);
      q->executeUpdate();
      Stmt role = Prepare(conn,
                          "UPDATE conversation_members SET role = 'owner' "
                          "WHERE conversation_id = ? AND user_id = ?");
      role->setUInt64(1, room_id);
      role->setUInt64(2, *change->new_owner);
      role->executeUpdate();
    }
    if (change->target_role) {
      Stmt q = Prepare(conn,
                       "UPDATE conversation_members SET role = ? "
                       "WHERE conversation_id = ? AND user_id = ?");
      q->setString(1, std::string(MemberRoleName(*change->target_role)));
      q->setUInt64(2, room_id);
      q->setUInt64(3, target);
      q->executeUpdate();
    }
    if (change->topic) {
      Stmt q = Prepare(conn, "UPDATE conversations SET topic = NULLIF(?, '') WHERE id = ?");
      q->setString(1, *change->topic);
      q->setUInt64(2, room_id);
      q->executeUpdate();
    }
    if (change->target_muted_until_ms) {
      Stmt q = Prepare(conn,
                       "UPDATE conversation_members SET muted_until_ms = ? "
                       "WHERE conversation_id = ? AND user_id = ?");
      q->setInt64(1, *change->target_muted_until_ms);
      q->setUInt64(2, room_id);
      q->setUInt64(3, target);
      q->executeUpdate();
    }
    if (change->is_private) {
      Stmt q = Prepare(conn, "UPDATE conversations SET private = ? WHERE id = ?");
      q->setBoolean(1, *change->is_private);
      q->setUInt64(2, room_id);
      q->executeUpdate();
    }
    if (change->history) {
      Stmt q = Prepare(conn, "UPDATE conversations SET history = ? WHERE id = ?");
      q->setString(1, std::string(RoomHistoryName(*change->history)));
      q->setUInt64(2, room_id);
      q->executeUpdate();
    }
    auto drop_invitation = [&](uint64_t invitee) {
      Stmt q = Prepare(conn,
                       "DELETE FROM room_invitations WHERE conversation_id = ? AND invitee_id = ?");
      q->setUInt64(1, room_id);
      q->setUInt64(2, invitee);
      q->executeUpdate();
    };
    if (change->drop_actor_invitation) drop_invitation(actor);
    if (change->drop_target_invitation) drop_invitation(target);
    if (change->invite_target) {
      Stmt q = Prepare(conn,
                       "INSERT INTO room_invitations (conversation_id, invitee_id, inviter_id, "
                       "inviter, created_at_ms) VALUES (?, ?, ?, ?, ?)");
      q->setUInt64(1, room_id);
      q->setUInt64(2, target);
      q->setUInt64(3, actor);
      q->setString(4, std::string(actor_name));
      q->setInt64(5, now_ms);
      q->executeUpdate();
    }
    if (change->ban_target) {
      Stmt q =
          Prepare(conn, *change->ban_target
                            ? "INSERT IGNORE INTO room_bans (conversation_id, user_id, "
                              "banned_by, banned_at_ms) VALUES (?, ?, ?, ?)"
                            : "DELETE FROM room_bans WHERE conversation_id = ? AND user_id = ?");
      q->setUInt64(1, room_id);
      q->setUInt64(2, target);
      if (*change->ban_target) {
        q->setUInt64(3, actor);
        q->setInt64(4, now_ms);
      }
      q->executeUpdate();
    }
    if (change->name) {
      // The room's own row never clashes with itself: a case change keeps its skeleton.
      Stmt q = Prepare(
          conn, "UPDATE conversations SET name = ?, name_key = ?, name_skeleton = ? WHERE id = ?");
      q->setString(1, *change->name);
      q->setString(2, change->name_key);
      std::istringstream skeleton{change->name_skeleton};
      q->setBlob(3, &skeleton);
      q->setUInt64(4, room_id);
      try {
        q->executeUpdate();
      } catch (const sql::SQLException& e) {
        if (e.getErrorCode() == kErDupEntry) return NameTaken(e);
        throw;
      }
    }

    if (change->entry_type.empty()) {
      // Nothing members see (a ban of a non-member, an unban, an invitation): no entry; events
      // only for invitations.
      result.room = ExistingConversation(conn, actor, room_id);
      for (auto& [recipient, event] : change->events) {
        NATTER_CHECK(!event.has_room(), "a membership change without its entry");
        if (event.has_invitation()) {
          event.mutable_invitation()->set_room(result.room.name);
          if (event.invitation().type() == "invited") {
            event.mutable_invitation()->set_created_at_ms(now_ms);
          }
        }
        result.events.push_back(AppendUserEvent(conn, recipient, std::move(event), now_ms));
      }
      tx.Commit();
      return result;
    }
    auto at = NextPosition(conn, room_id, false);
    if (!at.ok()) return at.status();
    EntryRow entry{
        .conversation_id = room_id,
        .at = *at,
        .sender_id = actor,
        .sender = std::string(actor_name),
        .client_msg_id = "room:" + std::to_string(room_id) + ":" + std::to_string(at->seq),
        .type = change->entry_type,
        .body = change->entry_text,
        .target_user_id = change->target_user_id,
        .sent_at_ms = now_ms};
    uint64_t message_id = InsertEntry(conn, entry).id;
    if (change->add_actor || change->add_target) {
      // A new member starts with the room read: its history is there to scroll, not unread. Their
      // member_joined (a group's member_added) entry is where a since_join history starts for them.
      const uint64_t joined = change->add_target ? target : actor;
      AdvanceReadMarker(conn, joined, room_id, *at);
      Stmt q = Prepare(conn,
                       "UPDATE conversation_members SET joined_seq = ? "
                       "WHERE conversation_id = ? AND user_id = ?");
      q->setUInt64(1, at->seq);
      q->setUInt64(2, room_id);
      q->setUInt64(3, joined);
      q->executeUpdate();
    }
    result.room = ExistingConversation(conn, actor, room_id);
    for (auto& [recipient, event] : change->events) {
      if (event.has_room()) {
        event.mutable_room()->set_seq(at->seq);
        event.mutable_room()->set_room(result.room.name);
      } else if (event.has_invitation()) {
        event.mutable_invitation()->set_room(result.room.name);
      }
      result.events.push_back(AppendUserEvent(conn, recipient, std::move(event), now_ms));
    }
    tx.Commit();
    v1::ChatMessage& out = result.entry.emplace();
    out.set_conversation_id(room_id);
    out.set_seq(at->seq);
    out.set_message_id(message_id);
    out.set_sender_id(actor);
    out.set_sender(std::string(actor_name));
    out.set_text(change->entry_text);
    out.set_sent_at_ms(now_ms);
    out.set_client_msg_id(entry.client_msg_id);
    out.set_type(change->entry_type);
    out.set_target_user_id(change->target_user_id);
    out.set_target_user(change->target_user);
    return result;
  });
}

absl::StatusOr<RoomChangeResult> MysqlMessageStore::CreateGroup(const NewGroup& group) {
  return pool_.Run("create group", [&](sql::Connection& conn) -> absl::StatusOr<RoomChangeResult> {
    std::vector<uint64_t> everyone{group.creator_id};
    everyone.insert(everyone.end(), group.members.begin(), group.members.end());
    EnsureEventCounters(conn, everyone);
    Transaction tx(conn);
    // No name: a group is not in the rooms' namespace. private and since_join: nobody finds it by
    // name, and an added member reads from their member_added entry on (room_rules.h).
    Stmt insert =
        Prepare(conn,
                "INSERT INTO conversations (kind, topic, owner_id, last_seq, last_msg_no, "
                "member_count, created_at_ms, private, history) "
                "VALUES ('group', NULLIF(?, ''), ?, 1, 0, ?, ?, 1, 'since_join')");
    insert->setString(1, group.title);
    insert->setUInt64(2, group.creator_id);
    insert->setUInt(3, static_cast<uint32_t>(everyone.size()));
    insert->setInt64(4, group.now_ms);
    insert->executeUpdate();
    const uint64_t id = LastInsertId(conn);
    Stmt member = Prepare(conn,
                          "INSERT INTO conversation_members (conversation_id, user_id, role, "
                          "joined_at_ms, joined_seq) VALUES (?, ?, ?, ?, 1)");
    for (uint64_t user : everyone) {
      member->setUInt64(1, id);
      member->setUInt64(2, user);
      member->setString(3, user == group.creator_id ? "owner" : "member");
      member->setInt64(4, group.now_ms);
      member->executeUpdate();
    }
    // "group:" marks a creation among the creator's client_msg_ids: GroupsCreatedSince counts them.
    EntryRow entry{.conversation_id = id,
                   .at = Position{1, 0},
                   .sender_id = group.creator_id,
                   .sender = group.creator,
                   .client_msg_id = "group:" + std::to_string(id) + ":1",
                   .type = kTypeGroupCreated,
                   .body = group.title,
                   .sent_at_ms = group.now_ms};
    uint64_t message_id = InsertEntry(conn, entry).id;
    RoomChangeResult result;
    for (uint64_t user : everyone) {
      AdvanceReadMarker(conn, user, id, *entry.at);
      v1::UserEvent joined;
      joined.mutable_room()->set_type("joined");
      joined.mutable_room()->set_conversation_id(id);
      joined.mutable_room()->set_seq(1);
      joined.mutable_room()->set_by(group.creator);
      result.events.push_back(AppendUserEvent(conn, user, std::move(joined), group.now_ms));
    }
    result.room = ExistingConversation(conn, group.creator_id, id);
    tx.Commit();
    result.entry = FirstEntry(entry, message_id);
    return result;
  });
}

absl::StatusOr<uint32_t> MysqlMessageStore::GroupsCreatedSince(uint64_t user_id, int64_t since_ms) {
  return pool_.Run("count groups created", [&](sql::Connection& conn) -> absl::StatusOr<uint32_t> {
    // A range of the dedupe key (sender_id, client_msg_id): the creator's group_created entries.
    Stmt q = Prepare(conn,
                     "SELECT COUNT(*) FROM messages WHERE sender_id = ? AND client_msg_id LIKE "
                     "'group:%' AND type = 'group_created' AND sent_at_ms >= ?");
    q->setUInt64(1, user_id);
    q->setInt64(2, since_ms);
    Rows row(q->executeQuery());
    NATTER_CHECK(row->next(), "COUNT(*) gave no row");
    return row->getUInt(1);
  });
}

absl::StatusOr<std::vector<ConversationRecord>> MysqlMessageStore::ListRooms(
    std::string_view prefix_key, uint32_t limit, uint64_t viewer) {
  return pool_.Run("list rooms",
                   [&](sql::Connection& conn) -> absl::StatusOr<std::vector<ConversationRecord>> {
                     Stmt q = Prepare(conn, std::string(kConversationColumns) +
                                                "WHERE c.kind = 'room' AND c.name_key LIKE ? "
                                                "AND (c.private = 0 OR m.user_id IS NOT NULL) "
                                                "ORDER BY c.name_key LIMIT ?");
                     q->setUInt64(1, viewer);
                     q->setString(2, PrefixPattern(prefix_key));
                     q->setUInt(3, limit);
                     Rows rows(q->executeQuery());
                     std::vector<ConversationRecord> out;
                     while (rows->next()) out.push_back(ReadViewedConversation(*rows));
                     return out;
                   });
}

absl::StatusOr<std::vector<BanRecord>> MysqlMessageStore::Bans(uint64_t room_id, uint32_t limit) {
  return pool_.Run(
      "room bans", [&](sql::Connection& conn) -> absl::StatusOr<std::vector<BanRecord>> {
        Stmt q = Prepare(conn,
                         "SELECT user_id, banned_by, banned_at_ms FROM room_bans "
                         "WHERE conversation_id = ? ORDER BY banned_at_ms DESC, user_id LIMIT ?");
        q->setUInt64(1, room_id);
        q->setUInt(2, limit);
        Rows rows(q->executeQuery());
        std::vector<BanRecord> out;
        while (rows->next())
          out.push_back({rows->getUInt64(1), rows->getUInt64(2), rows->getInt64(3)});
        return out;
      });
}

absl::StatusOr<std::vector<MemberRecord>> MysqlMessageStore::Members(uint64_t conversation_id,
                                                                     uint32_t limit) {
  return pool_.Run(
      "room members", [&](sql::Connection& conn) -> absl::StatusOr<std::vector<MemberRecord>> {
        Stmt q = Prepare(conn, std::string("SELECT user_id, role, joined_at_ms, muted_until_ms "
                                           "FROM conversation_members WHERE "
                                           "conversation_id = ? ORDER BY ") +
                                   kRoleRank + ", joined_at_ms, user_id LIMIT ?");
        q->setUInt64(1, conversation_id);
        q->setUInt(2, limit);
        Rows rows(q->executeQuery());
        std::vector<MemberRecord> out;
        while (rows->next()) {
          out.push_back({rows->getUInt64(1), StoredRole(rows->getString(2)), rows->getInt64(3),
                         rows->getInt64(4)});
        }
        return out;
      });
}

absl::StatusOr<std::map<uint64_t, std::vector<MemberRecord>>> MysqlMessageStore::GroupMembersOf(
    uint64_t user_id, uint32_t per_group) {
  return pool_.Run(
      "group members of user",
      [&](sql::Connection& conn) -> absl::StatusOr<std::map<uint64_t, std::vector<MemberRecord>>> {
        // Each group's members numbered in Members' order; a group has at most kMaxGroupMembers.
        Stmt q = Prepare(
            conn, std::string("SELECT conversation_id, user_id, role, joined_at_ms, muted_until_ms "
                              "FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY conversation_id "
                              "ORDER BY ") +
                      kRoleRank +
                      ", joined_at_ms, user_id) AS n FROM conversation_members "
                      "WHERE conversation_id IN (SELECT mine.conversation_id FROM "
                      "conversation_members mine JOIN conversations c ON c.id = "
                      "mine.conversation_id WHERE mine.user_id = ? AND c.kind = 'group')) ranked "
                      "WHERE n <= ? ORDER BY conversation_id, n");
        q->setUInt64(1, user_id);
        q->setUInt(2, per_group);
        Rows rows(q->executeQuery());
        std::map<uint64_t, std::vector<MemberRecord>> out;
        while (rows->next()) {
          out[rows->getUInt64(1)].push_back({rows->getUInt64(2), StoredRole(rows->getString(3)),
                                             rows->getInt64(4), rows->getInt64(5)});
        }
        return out;
      });
}

absl::StatusOr<std::optional<InvitationRecord>> MysqlMessageStore::FindInvitation(
    uint64_t room_id, uint64_t user_id) {
  return pool_.Run("find invitation",
                   [&](sql::Connection& conn) -> absl::StatusOr<std::optional<InvitationRecord>> {
                     Stmt q = Prepare(
                         conn,
                         "SELECT c.name, i.inviter_id, i.inviter, i.created_at_ms "
                         "FROM room_invitations i JOIN conversations c ON c.id = i.conversation_id "
                         "WHERE i.conversation_id = ? AND i.invitee_id = ?");
                     q->setUInt64(1, room_id);
                     q->setUInt64(2, user_id);
                     Rows row(q->executeQuery());
                     if (!row->next()) return std::nullopt;
                     return InvitationRecord{
                         room_id,           std::string(row->getString(1)), user_id,
                         row->getUInt64(2), std::string(row->getString(3)), row->getInt64(4)};
                   });
}

absl::StatusOr<std::vector<InvitationRecord>> MysqlMessageStore::InvitationsOf(uint64_t user_id,
                                                                               uint32_t limit) {
  return pool_.Run(
      "list invitations",
      [&](sql::Connection& conn) -> absl::StatusOr<std::vector<InvitationRecord>> {
        Stmt q = Prepare(conn,
                         "SELECT i.conversation_id, c.name, i.inviter_id, i.inviter, "
                         "i.created_at_ms FROM room_invitations i "
                         "JOIN conversations c ON c.id = i.conversation_id "
                         "WHERE i.invitee_id = ? ORDER BY i.created_at_ms DESC, "
                         "i.conversation_id DESC LIMIT ?");
        q->setUInt64(1, user_id);
        q->setUInt(2, limit);
        Rows rows(q->executeQuery());
        std::vector<InvitationRecord> out;
        while (rows->next()) {
          out.push_back({rows->getUInt64(1), std::string(rows->getString(2)), user_id,
                         rows->getUInt64(3), std::string(rows->getString(4)), rows->getInt64(5)});
        }
        return out;
      });
}

absl::StatusOr<std::vector<std::pair<uint64_t, std::string>>>
MysqlMessageStore::RoomsWithoutSkeleton(uint64_t after_id, size_t limit) {
  using Found = std::vector<std::pair<uint64_t, std::string>>;
  return pool_.Run(
      "find rooms without a skeleton", [&](sql::Connection& conn) -> absl::StatusOr<Found> {
        Stmt q =
            Prepare(conn,
                    "SELECT id, name FROM conversations WHERE kind = 'room' AND name_skeleton IS "
                    "NULL AND id > ? ORDER BY id LIMIT ?");
        q->setUInt64(1, after_id);
        q->setUInt64(2, limit);
        Rows rows(q->executeQuery());
        Found out;
        while (rows->next()) out.emplace_back(rows->getUInt64(1), rows->getString(2));
        return out;
      });
}

absl::Status MysqlMessageStore::SetRoomNameSkeleton(uint64_t room_id, std::string_view skeleton) {
  return pool_.Run("set room name skeleton", [&](sql::Connection& conn) -> absl::Status {
    Stmt q = Prepare(conn,
                     "UPDATE conversations SET name_skeleton = ? WHERE id = ? AND kind = 'room' "
                     "AND name_skeleton IS NULL");
    std::istringstream blob{std::string(skeleton)};
    q->setBlob(1, &blob);
    q->setUInt64(2, room_id);
    try {
      q->executeUpdate();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() == kErDupEntry) return NameTaken(e);
      throw;
    }
    return absl::OkStatus();
  });
}

}  // namespace natter::chat
