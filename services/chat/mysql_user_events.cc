#include "mysql_user_events.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <sstream>

#include "common/check.h"
#include "common/mysql_pool.h"

namespace natter::chat {

void EnsureEventCounters(sql::Connection& conn, const std::vector<uint64_t>& user_ids) {
  for (uint64_t id : user_ids) {
    sql::PreparedStatement* q =
        &CachedStatement(conn, "INSERT IGNORE INTO user_event_counters (user_id) VALUES (?)");
    q->setUInt64(1, id);
    q->executeUpdate();
  }
}

StoredUserEvent AppendUserEvent(sql::Connection& conn, uint64_t user_id, v1::UserEvent event,
                                int64_t now_ms) {
  {
    sql::PreparedStatement* bump = &CachedStatement(
        conn,
        "UPDATE user_event_counters SET last_seq = LAST_INSERT_ID(last_seq + 1) WHERE user_id = ?");
    bump->setUInt64(1, user_id);
    // Without the counter row LAST_INSERT_ID() would be an earlier statement's id, and the event
    // would go out under a wrong seq.
    NATTER_CHECK(bump->executeUpdate() == 1, "an event for a user without EnsureEventCounters");
    event.set_seq(LastInsertId(conn));
  }
  event.set_at_ms(now_ms);
  std::istringstream blob(event.SerializeAsString());
  sql::PreparedStatement* insert = &CachedStatement(
      conn, "INSERT INTO user_events (user_id, seq, event, created_at_ms) VALUES (?, ?, ?, ?)");
  insert->setUInt64(1, user_id);
  insert->setUInt64(2, event.seq());
  insert->setBlob(3, &blob);
  insert->setInt64(4, now_ms);
  insert->executeUpdate();
  return StoredUserEvent{user_id, std::move(event)};
}

}  // namespace natter::chat
