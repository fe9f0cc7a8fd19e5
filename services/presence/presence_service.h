// natter-presence's logic: gateways report streams opening, closing and staying alive; a stream not
// renewed within the TTL counts as gone, so a dead gateway's users go offline by themselves.
#pragma once

#include <chrono>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "natter/v1/presence.pb.h"
#include "presence_store.h"

namespace natter::presence {

inline constexpr uint32_t kMaxListOnline = 1000;
inline constexpr int kMaxUsersPerQuery = 1000;
inline constexpr int kMaxStreamsPerHeartbeat = 100000;

class PresenceService {
 public:
  PresenceService(PresenceStore& store, const Clock& clock, std::chrono::seconds ttl);

  absl::Status StreamOpened(const v1::StreamOpenedRequest& request);
  absl::Status StreamClosed(const v1::StreamClosedRequest& request);
  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(const v1::HeartbeatRequest& request);
  absl::StatusOr<v1::GetPresenceResponse> GetPresence(const v1::GetPresenceRequest& request);
  absl::StatusOr<v1::ListOnlineResponse> ListOnline(const v1::ListOnlineRequest& request);

 private:
  int64_t ExpiryFromNow() const;

  PresenceStore& store_;
  const Clock& clock_;
  const std::chrono::seconds ttl_;
};

}  // namespace natter::presence
