// Friendships, requests, blocks and personal events as natter-chat stores them (MySQL in
// production, a fake in unit tests). The rules live in friendship_rules.h; the store applies a
// decision atomically.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "natter/v1/common.pb.h"

namespace natter::chat {

// How two users stand, seen from `me`.
struct PairState {
  bool friends = false;
  bool request_sent = false;      // me -> other pending
  bool request_received = false;  // other -> me pending
  bool i_blocked = false;
  bool they_blocked = false;
};

// What to change, and the events to record for each side.
struct PairChange {
  std::optional<bool> friends;
  std::optional<bool> request_sent;
  std::string request_message;  // with request_sent = true
  std::optional<bool> request_received;
  std::optional<bool> i_blocked;
  std::vector<std::pair<uint64_t, v1::FriendEvent>> events;  // (recipient, event)
  std::string relation;  // the relation after the change, as FriendshipResponse.relation
};

// An event as stored: its recipient and the UserEvent with its seq.
struct StoredUserEvent {
  uint64_t user_id = 0;
  v1::UserEvent event;
};

struct FriendRecord {
  uint64_t user_id = 0;
  int64_t since_ms = 0;
};

struct RequestRecord {
  uint64_t user_id = 0;  // the other party
  std::string message;
  int64_t created_at_ms = 0;
  bool incoming = false;
};

struct FriendsSnapshot {
  std::vector<FriendRecord> friends;
  std::vector<RequestRecord> requests;
  std::vector<uint64_t> blocked;     // by this user
  std::vector<uint64_t> blocked_by;  // users who blocked this user
  uint64_t events_latest_seq = 0;
};

class FriendStore {
 public:
  virtual ~FriendStore() = default;

  using Decide = std::function<absl::StatusOr<PairChange>(const PairState&)>;
  // Reads the pair's state, lets `decide` choose the change, applies it and records its events, all
  // in one transaction that serializes every change touching either user. Returns the change and
  // the events with their seqs.
  virtual absl::StatusOr<std::pair<PairChange, std::vector<StoredUserEvent>>> UpdatePair(
      uint64_t me, uint64_t other, int64_t now_ms, const Decide& decide) = 0;

  virtual absl::StatusOr<FriendsSnapshot> Snapshot(uint64_t user_id) = 0;
  virtual absl::StatusOr<std::vector<v1::UserEvent>> UserEventsAfter(uint64_t user_id,
                                                                     uint64_t after_seq,
                                                                     uint32_t limit) = 0;
  virtual absl::StatusOr<uint64_t> LatestUserEventSeq(uint64_t user_id) = 0;
  virtual absl::StatusOr<std::vector<uint64_t>> FriendIds(uint64_t user_id) = 0;
  virtual absl::StatusOr<bool> AreFriends(uint64_t a, uint64_t b) = 0;
  // True if either has blocked the other.
  virtual absl::StatusOr<bool> EitherBlocked(uint64_t a, uint64_t b) = 0;
};

}  // namespace natter::chat
