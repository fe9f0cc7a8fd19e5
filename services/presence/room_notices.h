// Room notices ("bob joined", "bob left") for busy rooms. A user appearing reaches every member
// of every room they are in, so in a room of N online members, N people connecting cost N²
// deliveries. RoomNotices lets a room have at most one notice per interval: the first change in
// a quiet room goes out at once, later ones within the interval fold into the room's next notice,
// which names the latest change and counts the others. A room's cost per interval is then one
// notice to each member, however many come and go.
//
// A room that is still busy when its folded notice goes out waits twice as long for the next one,
// up to kMaxBackoff intervals, and is back to one interval once quiet for its current one. Churn in
// a big room (a lobby of 20,000 with people always arriving) then costs each member a notice every
// 16 s rather than every second, where a small, busy room costs little either way.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "audience.h"

namespace natter::presence {

struct RoomChange {
  Room room;
  uint64_t user_id = 0;
  std::string username;
  bool joined = false;         // else left
  uint32_t others_joined = 0;  // earlier changes folded into this notice
  uint32_t others_left = 0;
};

class RoomNotices {
 public:
  static constexpr int64_t kMaxBackoff = 16;

  // An interval of 0 sends every change as a notice of its own.
  explicit RoomNotices(std::chrono::milliseconds interval) : interval_ms_(interval.count()) {}

  // Whether this change goes out now (the room had no notice within the interval); if not, it is
  // kept for the room's next notice.
  bool Offer(RoomChange change, int64_t now_ms);
  // The folded notices whose room's interval has passed; forgets rooms that have been quiet for
  // an interval.
  std::vector<RoomChange> TakeDue(int64_t now_ms);

 private:
  struct RoomState {
    int64_t last_sent_ms = 0;
    int64_t wait_ms = 0;             // this room's interval now: the base one, or backed off
    std::optional<RoomChange> next;  // held back for the room's next notice
  };
  const int64_t interval_ms_;
  std::mutex mu_;
  std::unordered_map<uint64_t, RoomState> rooms_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::presence
