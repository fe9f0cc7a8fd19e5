// The durable per-user event log in MySQL (user_event_counters, user_events), shared by the stores
// whose transactions record personal events.
#pragma once

#include <cppconn/connection.h>

#include <cstdint>
#include <vector>

#include "friend_store.h"
#include "natter/v1/common.pb.h"

namespace natter::chat {

// Creates the users' counter rows if missing. Call it outside the transaction that records events:
// inserting inside would lock in the callers' order and could deadlock.
void EnsureEventCounters(sql::Connection& conn, const std::vector<uint64_t>& user_ids);

// Inside a transaction: stores `event` under `user_id`'s next event seq (locking the counter row
// until commit) and returns it with its seq and time.
StoredUserEvent AppendUserEvent(sql::Connection& conn, uint64_t user_id, v1::UserEvent event,
                                int64_t now_ms);

}  // namespace natter::chat
