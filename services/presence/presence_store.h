// Presence as natter-presence keeps it (Redis in production, a fake in unit tests): live streams
// per user with an expiry, the user's chosen status, and the visible status last announced. A user
// is online while any stream has not expired.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace natter::presence {

struct StreamEntry {
  uint64_t user_id = 0;
  std::string stream_id;
  std::string username;  // remembered for announcements made when nobody is connected
};

// The result of recomputing a user's visible status.
struct Transition {
  std::string previous;  // "online", "away", "offline"
  std::string current;
  int64_t last_seen_ms = 0;
  int live_streams = 0;
  std::string username;
  bool changed() const { return previous != current; }
};

struct UserState {
  uint64_t user_id = 0;
  std::string status;  // visible status
  int64_t last_seen_ms = 0;
  int live_streams = 0;
  std::string username;
};

class PresenceStore {
 public:
  virtual ~PresenceStore() = default;
  // Adds or renews streams, each live until `expires_at_ms`. Returns the users that had a stream
  // added that was not live before (their visible status may change).
  virtual absl::StatusOr<std::vector<uint64_t>> Renew(const std::vector<StreamEntry>& streams,
                                                      int64_t expires_at_ms) = 0;
  virtual absl::Status Remove(const StreamEntry& stream) = 0;
  // "online", "away" or "invisible".
  virtual absl::Status SetSetting(uint64_t user_id, const std::string& setting) = 0;
  // Drops expired streams and recomputes the visible status at `now_ms`; records a change (and the
  // last-seen time when the user goes offline). `ttl_ms` dates a disappearance by expiry.
  virtual absl::StatusOr<Transition> Refresh(uint64_t user_id, int64_t now_ms, int64_t ttl_ms) = 0;
  // Recorded visible status, and streams live at `now_ms`.
  virtual absl::StatusOr<std::vector<UserState>> Get(const std::vector<uint64_t>& user_ids,
                                                     int64_t now_ms) = 0;
  // Users whose every stream has expired by `now_ms` but who were not yet refreshed.
  virtual absl::StatusOr<std::vector<uint64_t>> Expired(int64_t now_ms, size_t limit) = 0;
  // Users visibly online or away (at most `limit`), and how many there are in all.
  virtual absl::StatusOr<std::pair<std::vector<UserState>, uint64_t>> VisibleOnline(
      uint32_t limit, int64_t now_ms) = 0;
};

}  // namespace natter::presence
