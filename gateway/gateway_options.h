// The gateway's limits and timeouts for client streams and calls (flags in main.cc).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "common/rate_limit.h"

namespace natter::gateway {

struct GatewayOptions {
  std::string gateway_id;
  // Events queued for one client beyond this, or bytes beyond max_queued_bytes (what is being
  // written counts too): the client is told to resync and disconnected.
  size_t max_queued_events = 4096;
  size_t max_queued_bytes = 8 * 1024 * 1024;
  // A client with this many bytes waiting to be written is behind: the gateway reads no more of its
  // commands until it has caught up.
  size_t pause_reads_bytes = 1024 * 1024;
  // Sync and SyncEvents of one client in flight at once (their answers are the large ones); the
  // next waits, and reading with it.
  size_t max_syncs_in_flight = 2;
  // A write the client has not taken for this long: the client stopped reading, and the stream is
  // cancelled.
  std::chrono::milliseconds stalled_write_timeout{30000};
  // Commands of one client waiting for a service answer at once.
  size_t max_commands_in_flight = 64;
  // Largest ClientFrame a client may send on its stream.
  size_t max_frame_bytes = 64 * 1024;
  // Commands (frames) one stream may send: a sustained rate and a burst. Messages have a tighter
  // allowance per user in natter-chat; this one bounds what any one connection costs.
  RateLimit commands{50, 100};
  // Streams one user may hold open on this gateway at once.
  size_t max_streams_per_user = 16;
  std::chrono::milliseconds call_timeout{5000};
  // Calls that hash a password (argon2id) wait their turn in natter-auth's hashing queue during a
  // login storm: they keep the client's own deadline, up to this, instead of call_timeout.
  std::chrono::milliseconds password_call_timeout{60000};
};

}  // namespace natter::gateway
