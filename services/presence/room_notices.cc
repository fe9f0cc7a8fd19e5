#include "room_notices.h"

#include <algorithm>

namespace natter::presence {

bool RoomNotices::Offer(RoomChange change, int64_t now_ms) {
  if (interval_ms_ <= 0) return true;
  std::lock_guard lock(mu_);
  auto [it, unknown] = rooms_.try_emplace(change.room.id, RoomState{.wait_ms = interval_ms_});
  RoomState& state = it->second;
  if (unknown || (!state.next && now_ms - state.last_sent_ms >= state.wait_ms)) {
    state.last_sent_ms = now_ms;
    return true;
  }
  if (state.next) {
    // The change named so far becomes one of the others.
    change.others_joined = state.next->others_joined + (state.next->joined ? 1 : 0);
    change.others_left = state.next->others_left + (state.next->joined ? 0 : 1);
  }
  state.next = std::move(change);
  return false;
}

std::vector<RoomChange> RoomNotices::TakeDue(int64_t now_ms) {
  std::vector<RoomChange> due;
  std::lock_guard lock(mu_);
  for (auto it = rooms_.begin(); it != rooms_.end();) {
    RoomState& state = it->second;
    if (now_ms - state.last_sent_ms < state.wait_ms) {
      ++it;
    } else if (state.next) {
      due.push_back(std::move(*state.next));
      state.next.reset();
      state.last_sent_ms = now_ms;
      state.wait_ms = std::min(state.wait_ms * 2, interval_ms_ * kMaxBackoff);
      ++it;
    } else {
      it = rooms_.erase(it);
    }
  }
  return due;
}

}  // namespace natter::presence
