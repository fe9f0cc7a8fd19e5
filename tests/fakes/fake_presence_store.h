// FakePresenceStore: natter::presence::PresenceStore in memory, with the Redis store's semantics
// (its Lua script's rules, step for step): streams expire at their score, the visible status is
// what was last recorded by Refresh, and a disappearance by expiry is dated at the last renewal.
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "audience.h"
#include "fakes/failure_injector.h"
#include "presence_store.h"

namespace natter::fakes {

class FakePresenceStore final : public presence::PresenceStore {
 public:
  absl::StatusOr<std::vector<uint64_t>> Renew(const std::vector<presence::StreamEntry>& streams,
                                              int64_t expires_at_ms) override {
    if (auto s = failures_.Take("Renew"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    ++renew_calls_;
    std::vector<uint64_t> added;
    for (const auto& s : streams) {
      auto& user = streams_[s.user_id];
      if (!user.contains(s.stream_id)) added.push_back(s.user_id);
      user[s.stream_id] = expires_at_ms;
      online_[s.user_id] = std::max(online_[s.user_id], expires_at_ms);
      if (!s.username.empty()) visible_[s.user_id].username = s.username;
    }
    return added;
  }

  absl::Status Remove(const presence::StreamEntry& stream) override {
    if (auto s = failures_.Take("Remove"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    streams_[stream.user_id].erase(stream.stream_id);
    return absl::OkStatus();
  }

  absl::Status SetSetting(uint64_t user_id, const std::string& setting) override {
    std::lock_guard lock(mu_);
    settings_[user_id] = setting;
    return absl::OkStatus();
  }

  absl::StatusOr<presence::Transition> Refresh(uint64_t user_id, int64_t now_ms,
                                               int64_t ttl_ms) override {
    if (auto s = failures_.Take("Refresh"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    auto& user = streams_[user_id];
    int64_t newest_before = 0;
    for (const auto& [_, expiry] : user) newest_before = std::max(newest_before, expiry);
    std::erase_if(user, [&](const auto& kv) { return kv.second <= now_ms; });
    int live = static_cast<int>(user.size());
    if (live == 0) {
      online_.erase(user_id);
    } else {
      int64_t newest = 0;
      for (const auto& [_, expiry] : user) newest = std::max(newest, expiry);
      online_[user_id] = newest;
    }
    std::string setting = settings_.contains(user_id) ? settings_[user_id] : "online";
    std::string current = live > 0 && setting != "invisible" ? setting : "offline";
    Visible& v = visible_[user_id];
    presence::Transition t;
    t.previous = v.status;
    t.current = current;
    if (v.status != current) {
      v.status = current;
      if (current == "offline") {
        v.last_seen_ms = newest_before > 0 && newest_before <= now_ms
                             ? std::max<int64_t>(0, newest_before - ttl_ms)
                             : now_ms;
        visible_online_.erase(user_id);
      } else {
        visible_online_.try_emplace(user_id, now_ms);
      }
    }
    t.last_seen_ms = v.last_seen_ms;
    t.live_streams = live;
    t.username = v.username;
    return t;
  }

  absl::StatusOr<std::vector<presence::UserState>> Get(const std::vector<uint64_t>& user_ids,
                                                       int64_t now_ms) override {
    if (auto s = failures_.Take("Get"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<presence::UserState> out;
    for (uint64_t id : user_ids) {
      presence::UserState s;
      s.user_id = id;
      auto it = visible_.find(id);
      s.status = it == visible_.end() ? "offline" : it->second.status;
      s.last_seen_ms = it == visible_.end() ? 0 : it->second.last_seen_ms;
      s.username = it == visible_.end() ? "" : it->second.username;
      s.live_streams =
          static_cast<int>(std::count_if(streams_[id].begin(), streams_[id].end(),
                                         [&](const auto& kv) { return kv.second > now_ms; }));
      out.push_back(s);
    }
    return out;
  }

  absl::StatusOr<std::vector<uint64_t>> Expired(int64_t now_ms, size_t limit) override {
    if (auto s = failures_.Take("Expired"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<uint64_t> out;
    for (const auto& [user, expiry] : online_) {
      if (expiry <= now_ms && out.size() < limit) out.push_back(user);
    }
    return out;
  }

  absl::StatusOr<std::pair<std::vector<presence::UserState>, uint64_t>> VisibleOnline(
      uint32_t limit, int64_t now_ms) override {
    std::vector<uint64_t> ids;
    {
      std::lock_guard lock(mu_);
      for (const auto& [user, _] : visible_online_) {
        if (ids.size() < limit) ids.push_back(user);
      }
    }
    auto states = Get(ids, now_ms);
    if (!states.ok()) return states.status();
    std::lock_guard lock(mu_);
    return std::make_pair(std::move(*states), static_cast<uint64_t>(visible_online_.size()));
  }

  void FailNext(absl::Status status, std::string method = "") {
    failures_.FailNext(std::move(status), std::move(method));
  }
  std::map<std::string, int64_t> StreamsOf(uint64_t user_id) {
    std::lock_guard lock(mu_);
    return streams_[user_id];
  }
  int renew_calls() {
    std::lock_guard lock(mu_);
    return renew_calls_;
  }

 private:
  struct Visible {
    std::string status = "offline";
    int64_t last_seen_ms = 0;
    std::string username;
  };

  FailureInjector failures_;
  std::mutex mu_;
  std::map<uint64_t, std::map<std::string, int64_t>> streams_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, int64_t> online_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::string> settings_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, Visible> visible_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, int64_t> visible_online_ ABSL_GUARDED_BY(mu_);
  int renew_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

// FakeAudience: friends and rooms per user, set by the test; counts lookups and invalidations.
class FakeAudience final : public presence::AudienceSource {
 public:
  absl::StatusOr<presence::Audience> Get(uint64_t user_id) override {
    if (auto s = failures_.Take("Get"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    ++lookups_;
    return audiences_[user_id];
  }
  void Invalidate(const std::vector<uint64_t>& user_ids) override {
    std::lock_guard lock(mu_);
    invalidations_.push_back(user_ids);
  }
  // Each Invalidate call's users, in order (an empty list: everyone).
  std::vector<std::vector<uint64_t>> invalidations() {
    std::lock_guard lock(mu_);
    return invalidations_;
  }

  void Set(uint64_t user_id, std::vector<uint64_t> friends,
           std::vector<presence::Room> rooms = {}) {
    std::lock_guard lock(mu_);
    audiences_[user_id] = presence::Audience{std::move(friends), std::move(rooms)};
  }
  void FailNext(absl::Status status) { failures_.FailNext(std::move(status)); }

 private:
  FailureInjector failures_;
  std::mutex mu_;
  std::map<uint64_t, presence::Audience> audiences_ ABSL_GUARDED_BY(mu_);
  std::vector<std::vector<uint64_t>> invalidations_ ABSL_GUARDED_BY(mu_);
  int lookups_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace natter::fakes
