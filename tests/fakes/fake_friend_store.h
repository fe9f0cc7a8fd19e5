// FakeFriendStore: natter::chat::FriendStore in memory, with the MySQL store's semantics: a change
// is decided on the current state and applied with its events atomically (one mutex), and each
// user's events get dense seqs from 1.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "fakes/failure_injector.h"
#include "friend_store.h"

namespace natter::fakes {

class FakeFriendStore final : public chat::FriendStore {
 public:
  absl::StatusOr<std::pair<chat::PairChange, std::vector<chat::StoredUserEvent>>> UpdatePair(
      uint64_t me, uint64_t other, int64_t now_ms, const Decide& decide) override {
    if (auto s = failures_.Take("UpdatePair"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    chat::PairState state;
    state.friends = friends_.contains({me, other});
    state.request_sent = requests_.contains({me, other});
    state.request_received = requests_.contains({other, me});
    state.i_blocked = blocks_.contains({me, other});
    state.they_blocked = blocks_.contains({other, me});
    auto change = decide(state);
    if (!change.ok()) return change.status();
    if (change->friends) {
      if (*change->friends) {
        friends_[{me, other}] = now_ms;
        friends_[{other, me}] = now_ms;
      } else {
        friends_.erase({me, other});
        friends_.erase({other, me});
      }
    }
    if (change->request_sent) {
      if (*change->request_sent) {
        requests_[{me, other}] = {change->request_message, now_ms};
      } else {
        requests_.erase({me, other});
      }
    }
    if (change->request_received && !*change->request_received) requests_.erase({other, me});
    if (change->i_blocked) {
      if (*change->i_blocked) {
        blocks_.insert({me, other});
      } else {
        blocks_.erase({me, other});
      }
    }
    std::vector<chat::StoredUserEvent> stored;
    for (const auto& [recipient, friend_event] : change->events) {
      chat::StoredUserEvent e;
      e.user_id = recipient;
      e.event.set_seq(++last_seq_[recipient]);
      e.event.set_at_ms(now_ms);
      *e.event.mutable_friend_() = friend_event;
      events_[recipient].push_back(e.event);
      stored.push_back(e);
    }
    return std::make_pair(std::move(*change), std::move(stored));
  }

  absl::StatusOr<chat::FriendsSnapshot> Snapshot(uint64_t user_id) override {
    std::lock_guard lock(mu_);
    chat::FriendsSnapshot s;
    for (const auto& [pair, since] : friends_) {
      if (pair.first == user_id) s.friends.push_back({pair.second, since});
    }
    for (const auto& [pair, request] : requests_) {
      if (pair.first == user_id)
        s.requests.push_back({pair.second, request.first, request.second, false});
      if (pair.second == user_id)
        s.requests.push_back({pair.first, request.first, request.second, true});
    }
    for (const auto& [a, b] : blocks_) {
      if (a == user_id) s.blocked.push_back(b);
      if (b == user_id) s.blocked_by.push_back(a);
    }
    s.events_latest_seq = last_seq_[user_id];
    return s;
  }

  absl::StatusOr<std::vector<v1::UserEvent>> UserEventsAfter(uint64_t user_id, uint64_t after_seq,
                                                             uint32_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<v1::UserEvent> out;
    for (const auto& e : events_[user_id]) {
      if (e.seq() > after_seq && out.size() < limit) out.push_back(e);
    }
    return out;
  }

  absl::StatusOr<uint64_t> LatestUserEventSeq(uint64_t user_id) override {
    std::lock_guard lock(mu_);
    return last_seq_[user_id];
  }

  absl::StatusOr<std::vector<uint64_t>> FriendIds(uint64_t user_id) override {
    std::lock_guard lock(mu_);
    std::vector<uint64_t> ids;
    for (const auto& [pair, _] : friends_) {
      if (pair.first == user_id) ids.push_back(pair.second);
    }
    return ids;
  }

  absl::StatusOr<bool> AreFriends(uint64_t a, uint64_t b) override {
    std::lock_guard lock(mu_);
    return friends_.contains({a, b});
  }

  absl::StatusOr<bool> EitherBlocked(uint64_t a, uint64_t b) override {
    std::lock_guard lock(mu_);
    return blocks_.contains({a, b}) || blocks_.contains({b, a});
  }

  void FailNext(absl::Status status) { failures_.FailNext(std::move(status)); }

 private:
  using Pair = std::pair<uint64_t, uint64_t>;
  FailureInjector failures_;
  std::mutex mu_;
  std::map<Pair, int64_t> friends_ ABSL_GUARDED_BY(mu_);
  std::map<Pair, std::pair<std::string, int64_t>> requests_ ABSL_GUARDED_BY(mu_);
  std::set<Pair> blocks_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, uint64_t> last_seq_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::vector<v1::UserEvent>> events_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::fakes
