// Live streams per user with an expiry, as natter-presence keeps them (Redis in production, a fake
// in unit tests). A user is online while any of their streams has not expired.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace natter::presence {

struct StreamEntry {
  uint64_t user_id = 0;
  std::string stream_id;
};

class PresenceStore {
 public:
  virtual ~PresenceStore() = default;
  // Adds or renews streams, each live until `expires_at_ms`.
  virtual absl::Status Renew(const std::vector<StreamEntry>& streams, int64_t expires_at_ms) = 0;
  // Removes a stream; returns how many live streams the user still has at `now_ms`.
  virtual absl::StatusOr<int> Remove(const StreamEntry& stream, int64_t now_ms) = 0;
  // Live streams per user at `now_ms`, in the order asked.
  virtual absl::StatusOr<std::vector<int>> LiveStreams(const std::vector<uint64_t>& user_ids,
                                                       int64_t now_ms) = 0;
  // Users with a live stream at `now_ms` (at most `limit`), and how many there are in all.
  virtual absl::StatusOr<std::pair<std::vector<uint64_t>, uint64_t>> Online(int64_t now_ms,
                                                                            uint32_t limit) = 0;
};

}  // namespace natter::presence
