// PresenceStore on Redis:
//   presence:streams:{user}   sorted set: stream id -> expiry (ms)
//   presence:online           sorted set: user -> latest stream expiry (the sweeper's work list)
//   presence:setting:{user}   "online" | "away" | "invisible" (absent: online)
//   presence:visible:{user}   hash: status (last announced), last_seen_ms, username
//   presence:visible_online   sorted set: user -> since (ms), users visibly online or away
#pragma once

#include "common/redis_client.h"
#include "presence_store.h"

namespace natter::presence {

class RedisPresenceStore final : public PresenceStore {
 public:
  explicit RedisPresenceStore(RedisClient& redis) : redis_(redis) {}

  absl::StatusOr<std::vector<uint64_t>> Renew(const std::vector<StreamEntry>& streams,
                                              int64_t expires_at_ms) override;
  absl::Status Remove(const StreamEntry& stream) override;
  absl::Status SetSetting(uint64_t user_id, const std::string& setting) override;
  absl::StatusOr<Transition> Refresh(uint64_t user_id, int64_t now_ms, int64_t ttl_ms) override;
  absl::StatusOr<std::vector<UserState>> Get(const std::vector<uint64_t>& user_ids,
                                             int64_t now_ms) override;
  absl::StatusOr<std::vector<uint64_t>> Expired(int64_t now_ms, size_t limit) override;
  absl::StatusOr<std::pair<std::vector<UserState>, uint64_t>> VisibleOnline(
      uint32_t limit, int64_t now_ms) override;

 private:
  RedisClient& redis_;
};

}  // namespace natter::presence
