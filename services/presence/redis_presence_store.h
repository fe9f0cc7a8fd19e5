// PresenceStore on Redis, one Redis or a Redis Cluster. One user's keys share a hash tag, so one
// slot, and the refresh script touches only those:
//   presence:{u:42}:streams    sorted set: stream id -> expiry (ms)
//   presence:{u:42}:setting    "online" | "away" | "invisible" (absent: online)
//   presence:{u:42}:visible    hash: status (last announced), last_seen_ms, username
// The two global indexes are split by user id % kIndexShards, each shard with a hash tag of its
// own, and written by separate commands ordered so that a crash in between leaves an extra entry
// (checked and dropped later), never a missing one:
//   presence:online:{s3}          sorted set: user -> latest stream expiry (the sweeper's work
//   list) presence:visible_online:{s3}  sorted set: user -> since (ms), users visibly online or
//   away
#pragma once

#include <string>

#include "common/redis_client.h"
#include "presence_store.h"

namespace natter::presence {

class RedisPresenceStore final : public PresenceStore {
 public:
  static constexpr size_t kIndexShards = 16;

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

  // Once, at start: moves the keys of the untagged layout (presence:setting:42, ...) of a single
  // Redis to the tagged one. Settings and last-seen times are kept; streams and the global sets
  // are dropped (the gateways' heartbeats rebuild them within a TTL). Safe to run from several
  // replicas at once. Returns how many old keys it found.
  absl::StatusOr<size_t> MigrateLegacyKeys();

 private:
  // After the refresh script: the visibly-online index, then the sweeper's.
  absl::Status UpdateIndexes(uint64_t user_id, const Transition& t, const std::string& newest,
                             const std::string& now);

  RedisClient& redis_;
};

}  // namespace natter::presence
