// FriendStore on MySQL/MariaDB (migrations/002_friends.sql).
#pragma once

#include "common/mysql_pool.h"
#include "friend_store.h"

namespace natter::chat {

class MysqlFriendStore final : public FriendStore {
 public:
  explicit MysqlFriendStore(MysqlPool& pool) : pool_(pool) {}

  absl::StatusOr<std::pair<PairChange, std::vector<StoredUserEvent>>> UpdatePair(
      uint64_t me, uint64_t other, int64_t now_ms, const Decide& decide) override;
  absl::StatusOr<FriendsSnapshot> Snapshot(uint64_t user_id) override;
  absl::StatusOr<std::vector<v1::UserEvent>> UserEventsAfter(uint64_t user_id, uint64_t after_seq,
                                                             uint32_t limit) override;
  absl::StatusOr<uint64_t> LatestUserEventSeq(uint64_t user_id) override;
  absl::StatusOr<std::vector<uint64_t>> FriendIds(uint64_t user_id) override;
  absl::StatusOr<bool> AreFriends(uint64_t a, uint64_t b) override;
  absl::StatusOr<bool> EitherBlocked(uint64_t a, uint64_t b) override;

 private:
  MysqlPool& pool_;
};

}  // namespace natter::chat
