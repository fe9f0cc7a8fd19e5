// PresenceStore on Redis: presence:streams:{user} is a sorted set of stream ids scored by expiry
// (ms); presence:online is a sorted set of user ids scored by their latest stream expiry.
#pragma once

#include "common/redis_client.h"
#include "presence_store.h"

namespace natter::presence {

class RedisPresenceStore final : public PresenceStore {
 public:
  explicit RedisPresenceStore(RedisClient& redis) : redis_(redis) {}

  absl::Status Renew(const std::vector<StreamEntry>& streams, int64_t expires_at_ms) override;
  absl::StatusOr<int> Remove(const StreamEntry& stream, int64_t now_ms) override;
  absl::StatusOr<std::vector<int>> LiveStreams(const std::vector<uint64_t>& user_ids,
                                               int64_t now_ms) override;
  absl::StatusOr<std::pair<std::vector<uint64_t>, uint64_t>> Online(int64_t now_ms,
                                                                    uint32_t limit) override;

 private:
  RedisClient& redis_;
};

}  // namespace natter::presence
