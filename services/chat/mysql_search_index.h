// The message_search table (migrations/012_message_search.sql) as MysqlMessageStore keeps it: the
// statements Append runs inside its transaction, so a message, an edit or a deletion and the
// index change commit together.
#pragma once

#include <cppconn/connection.h>

#include <cstdint>
#include <string_view>

namespace natter::chat {

// A new message: indexes its text (a text with no terms, only emoji say, gets no row).
void IndexNewMessage(sql::Connection& conn, uint64_t conversation_id, uint64_t seq,
                     uint64_t sender_id, int64_t sent_at_ms, std::string_view text);
// An edit of message `seq`: its row holds the new text's terms from now on (made if the message
// had none: one from before the index, or with no terms before).
void ReindexEditedMessage(sql::Connection& conn, uint64_t conversation_id, uint64_t seq,
                          std::string_view text);
// A deletion of message `seq`: its row goes.
void UnindexDeletedMessage(sql::Connection& conn, uint64_t conversation_id, uint64_t seq);

}  // namespace natter::chat
