// FakePresenceStore: natter::presence::PresenceStore in memory, with RedisPresenceStore's
// semantics: a stream is live while its expiry is strictly after the `now_ms` a call passes in;
// Renew overwrites a stream's expiry; Online lists users by their latest expiry, earliest first.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "fakes/failure_injector.h"
#include "presence_store.h"

namespace natter::fakes {

class FakePresenceStore final : public presence::PresenceStore {
 public:
  absl::Status Renew(const std::vector<presence::StreamEntry>& streams,
                     int64_t expires_at_ms) override {
    if (auto s = failures_.Take("Renew"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    ++renew_calls_;
    for (const auto& s : streams) streams_[s.user_id][s.stream_id] = expires_at_ms;
    return absl::OkStatus();
  }

  absl::StatusOr<int> Remove(const presence::StreamEntry& stream, int64_t now_ms) override {
    if (auto s = failures_.Take("Remove"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    auto user = streams_.find(stream.user_id);
    if (user == streams_.end()) return 0;
    user->second.erase(stream.stream_id);
    std::erase_if(user->second, [now_ms](const auto& entry) { return entry.second <= now_ms; });
    int left = static_cast<int>(user->second.size());
    if (left == 0) streams_.erase(user);
    return left;
  }

  absl::StatusOr<std::vector<int>> LiveStreams(const std::vector<uint64_t>& user_ids,
                                               int64_t now_ms) override {
    if (auto s = failures_.Take("LiveStreams"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<int> counts;
    counts.reserve(user_ids.size());
    for (uint64_t id : user_ids) counts.push_back(LiveLocked(id, now_ms));
    return counts;
  }

  absl::StatusOr<std::pair<std::vector<uint64_t>, uint64_t>> Online(int64_t now_ms,
                                                                    uint32_t limit) override {
    if (auto s = failures_.Take("Online"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    // (latest expiry, user id as text): the order of Redis ZRANGEBYSCORE on presence:online.
    std::vector<std::tuple<int64_t, std::string, uint64_t>> online;
    for (const auto& [user_id, streams] : streams_) {
      int64_t latest = now_ms;
      for (const auto& [stream_id, expires] : streams) latest = std::max(latest, expires);
      if (latest > now_ms) online.emplace_back(latest, std::to_string(user_id), user_id);
    }
    std::sort(online.begin(), online.end());
    std::vector<uint64_t> ids;
    for (size_t i = 0; i < online.size() && i < limit; ++i) ids.push_back(std::get<2>(online[i]));
    return std::make_pair(std::move(ids), static_cast<uint64_t>(online.size()));
  }

  // Test access.
  void FailNext(absl::Status status, std::string method = "") {
    failures_.FailNext(std::move(status), std::move(method));
  }
  // The stored expiry of every stream of `user_id` (live or not), by stream id.
  std::map<std::string, int64_t> StreamsOf(uint64_t user_id) const {
    std::lock_guard lock(mu_);
    auto it = streams_.find(user_id);
    return it == streams_.end() ? std::map<std::string, int64_t>{} : it->second;
  }
  int renew_calls() const {
    std::lock_guard lock(mu_);
    return renew_calls_;
  }

 private:
  int LiveLocked(uint64_t user_id, int64_t now_ms) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = streams_.find(user_id);
    if (it == streams_.end()) return 0;
    return static_cast<int>(std::count_if(it->second.begin(), it->second.end(),
                                          [now_ms](const auto& e) { return e.second > now_ms; }));
  }

  FailureInjector failures_;
  mutable std::mutex mu_;
  std::map<uint64_t, std::map<std::string, int64_t>> streams_ ABSL_GUARDED_BY(mu_);
  int renew_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace natter::fakes
