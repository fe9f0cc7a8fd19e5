#include "mysql_friend_store.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <algorithm>
#include <memory>
#include <sstream>

#include "mysql_user_events.h"

namespace natter::chat {
namespace {

// Statements are the connection's, cached for its lifetime (CachedStatement); result sets are ours.
using Stmt = sql::PreparedStatement*;
using Rows = std::unique_ptr<sql::ResultSet>;

Stmt Prepare(sql::Connection& conn, const char* sql) { return &CachedStatement(conn, sql); }

bool Exists(sql::Connection& conn, const char* sql, uint64_t a, uint64_t b) {
  Stmt q = Prepare(conn, sql);
  q->setUInt64(1, a);
  q->setUInt64(2, b);
  Rows rows(q->executeQuery());
  return rows->next();
}

void Exec(sql::Connection& conn, const char* sql, uint64_t a, uint64_t b) {
  Stmt q = Prepare(conn, sql);
  q->setUInt64(1, a);
  q->setUInt64(2, b);
  q->executeUpdate();
}

void SetFriends(sql::Connection& conn, uint64_t a, uint64_t b, bool on, int64_t now_ms) {
  for (auto [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
    if (on) {
      Stmt q = Prepare(conn,
                       "INSERT IGNORE INTO friendships (user_id, friend_id, since_ms) "
                       "VALUES (?, ?, ?)");
      q->setUInt64(1, x);
      q->setUInt64(2, y);
      q->setInt64(3, now_ms);
      q->executeUpdate();
    } else {
      Exec(conn, "DELETE FROM friendships WHERE user_id = ? AND friend_id = ?", x, y);
    }
  }
}

void SetRequest(sql::Connection& conn, uint64_t from, uint64_t to, bool on,
                const std::string& message, int64_t now_ms) {
  if (!on) {
    Exec(conn, "DELETE FROM friend_requests WHERE from_id = ? AND to_id = ?", from, to);
    return;
  }
  Stmt q = Prepare(conn,
                   "INSERT IGNORE INTO friend_requests (from_id, to_id, message, created_at_ms) "
                   "VALUES (?, ?, ?, ?)");
  q->setUInt64(1, from);
  q->setUInt64(2, to);
  q->setString(3, message);
  q->setInt64(4, now_ms);
  q->executeUpdate();
}

v1::UserEvent ReadEvent(sql::ResultSet& row) {
  v1::UserEvent event;
  std::unique_ptr<std::istream> blob(row.getBlob(1));
  std::string bytes((std::istreambuf_iterator<char>(*blob)), std::istreambuf_iterator<char>());
  event.ParseFromString(bytes);
  return event;
}

}  // namespace

absl::StatusOr<std::pair<PairChange, std::vector<StoredUserEvent>>> MysqlFriendStore::UpdatePair(
    uint64_t me, uint64_t other, int64_t now_ms, const Decide& decide) {
  using Result = std::pair<PairChange, std::vector<StoredUserEvent>>;
  return pool_.Run("update friendship", [&](sql::Connection& conn) -> absl::StatusOr<Result> {
    // Both users' event counter rows must exist before the transaction locks them: inserting inside
    // it would take locks in the callers' order and deadlock against the opposite request.
    EnsureEventCounters(conn, {std::min(me, other), std::max(me, other)});
    Transaction tx(conn);
    // Lock both rows, lowest id first: every change touching either user waits here, so the state
    // read below cannot change before this commits.
    {
      Stmt lock = Prepare(conn,
                          "SELECT user_id FROM user_event_counters WHERE user_id IN (?, ?) "
                          "ORDER BY user_id FOR UPDATE");
      lock->setUInt64(1, me);
      lock->setUInt64(2, other);
      Rows(lock->executeQuery());
    }
    PairState state;
    state.friends =
        Exists(conn, "SELECT 1 FROM friendships WHERE user_id = ? AND friend_id = ?", me, other);
    state.request_sent =
        Exists(conn, "SELECT 1 FROM friend_requests WHERE from_id = ? AND to_id = ?", me, other);
    state.request_received =
        Exists(conn, "SELECT 1 FROM friend_requests WHERE from_id = ? AND to_id = ?", other, me);
    state.i_blocked =
        Exists(conn, "SELECT 1 FROM blocks WHERE user_id = ? AND blocked_id = ?", me, other);
    state.they_blocked =
        Exists(conn, "SELECT 1 FROM blocks WHERE user_id = ? AND blocked_id = ?", other, me);

    auto change = decide(state);
    if (!change.ok()) return change.status();
    if (change->friends) SetFriends(conn, me, other, *change->friends, now_ms);
    if (change->request_sent) {
      SetRequest(conn, me, other, *change->request_sent, change->request_message, now_ms);
    }
    if (change->request_received) {
      SetRequest(conn, other, me, *change->request_received, "", now_ms);
    }
    if (change->i_blocked) {
      if (*change->i_blocked) {
        Stmt q = Prepare(conn,
                         "INSERT IGNORE INTO blocks (user_id, blocked_id, created_at_ms) "
                         "VALUES (?, ?, ?)");
        q->setUInt64(1, me);
        q->setUInt64(2, other);
        q->setInt64(3, now_ms);
        q->executeUpdate();
      } else {
        Exec(conn, "DELETE FROM blocks WHERE user_id = ? AND blocked_id = ?", me, other);
      }
    }
    std::vector<StoredUserEvent> stored;
    for (const auto& [recipient, friend_event] : change->events) {
      v1::UserEvent event;
      *event.mutable_friend_() = friend_event;
      stored.push_back(AppendUserEvent(conn, recipient, std::move(event), now_ms));
    }
    tx.Commit();
    return Result{std::move(*change), std::move(stored)};
  });
}

absl::StatusOr<FriendsSnapshot> MysqlFriendStore::Snapshot(uint64_t user_id) {
  return pool_.Run(
      "friends snapshot", [&](sql::Connection& conn) -> absl::StatusOr<FriendsSnapshot> {
        FriendsSnapshot snapshot;
        {
          Stmt q = Prepare(conn, "SELECT friend_id, since_ms FROM friendships WHERE user_id = ?");
          q->setUInt64(1, user_id);
          Rows rows(q->executeQuery());
          while (rows->next()) snapshot.friends.push_back({rows->getUInt64(1), rows->getInt64(2)});
        }
        {
          Stmt q = Prepare(
              conn,
              "SELECT to_id, message, created_at_ms, 0 FROM friend_requests WHERE from_id = ? "
              "UNION ALL "
              "SELECT from_id, message, created_at_ms, 1 FROM friend_requests WHERE to_id = ?");
          q->setUInt64(1, user_id);
          q->setUInt64(2, user_id);
          Rows rows(q->executeQuery());
          while (rows->next()) {
            snapshot.requests.push_back(
                {rows->getUInt64(1), rows->getString(2), rows->getInt64(3), rows->getInt(4) == 1});
          }
        }
        {
          Stmt q = Prepare(conn, "SELECT blocked_id FROM blocks WHERE user_id = ?");
          q->setUInt64(1, user_id);
          Rows rows(q->executeQuery());
          while (rows->next()) snapshot.blocked.push_back(rows->getUInt64(1));
        }
        {
          Stmt q = Prepare(conn, "SELECT user_id FROM blocks WHERE blocked_id = ?");
          q->setUInt64(1, user_id);
          Rows rows(q->executeQuery());
          while (rows->next()) snapshot.blocked_by.push_back(rows->getUInt64(1));
        }
        {
          Stmt q = Prepare(conn, "SELECT last_seq FROM user_event_counters WHERE user_id = ?");
          q->setUInt64(1, user_id);
          Rows rows(q->executeQuery());
          if (rows->next()) snapshot.events_latest_seq = rows->getUInt64(1);
        }
        return snapshot;
      });
}

absl::StatusOr<std::vector<v1::UserEvent>> MysqlFriendStore::UserEventsAfter(uint64_t user_id,
                                                                             uint64_t after_seq,
                                                                             uint32_t limit) {
  return pool_.Run("user events",
                   [&](sql::Connection& conn) -> absl::StatusOr<std::vector<v1::UserEvent>> {
                     Stmt q = Prepare(conn,
                                      "SELECT event FROM user_events WHERE user_id = ? AND seq > ? "
                                      "ORDER BY seq LIMIT ?");
                     q->setUInt64(1, user_id);
                     q->setUInt64(2, after_seq);
                     q->setUInt(3, limit);
                     Rows rows(q->executeQuery());
                     std::vector<v1::UserEvent> events;
                     while (rows->next()) events.push_back(ReadEvent(*rows));
                     return events;
                   });
}

absl::StatusOr<uint64_t> MysqlFriendStore::LatestUserEventSeq(uint64_t user_id) {
  return pool_.Run("latest user event", [&](sql::Connection& conn) -> absl::StatusOr<uint64_t> {
    Stmt q = Prepare(conn, "SELECT last_seq FROM user_event_counters WHERE user_id = ?");
    q->setUInt64(1, user_id);
    Rows rows(q->executeQuery());
    return rows->next() ? rows->getUInt64(1) : 0;
  });
}

absl::StatusOr<std::vector<uint64_t>> MysqlFriendStore::FriendIds(uint64_t user_id) {
  return pool_.Run("friend ids",
                   [&](sql::Connection& conn) -> absl::StatusOr<std::vector<uint64_t>> {
                     Stmt q = Prepare(conn, "SELECT friend_id FROM friendships WHERE user_id = ?");
                     q->setUInt64(1, user_id);
                     Rows rows(q->executeQuery());
                     std::vector<uint64_t> ids;
                     while (rows->next()) ids.push_back(rows->getUInt64(1));
                     return ids;
                   });
}

absl::StatusOr<bool> MysqlFriendStore::AreFriends(uint64_t a, uint64_t b) {
  return pool_.Run("friends", [&](sql::Connection& conn) -> absl::StatusOr<bool> {
    return Exists(conn, "SELECT 1 FROM friendships WHERE user_id = ? AND friend_id = ?", a, b);
  });
}

absl::StatusOr<bool> MysqlFriendStore::EitherBlocked(uint64_t a, uint64_t b) {
  return pool_.Run("blocked", [&](sql::Connection& conn) -> absl::StatusOr<bool> {
    Stmt q = Prepare(conn,
                     "SELECT 1 FROM blocks WHERE (user_id = ? AND blocked_id = ?) "
                     "OR (user_id = ? AND blocked_id = ?) LIMIT 1");
    q->setUInt64(1, a);
    q->setUInt64(2, b);
    q->setUInt64(3, b);
    q->setUInt64(4, a);
    Rows row(q->executeQuery());
    return row->next();
  });
}

}  // namespace natter::chat
