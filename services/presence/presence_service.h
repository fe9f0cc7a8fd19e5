// natter-presence's logic. Gateways report streams opening, closing and staying alive; a user's
// visible status is "online" or "away" (their choice) while any stream lives, else "offline" (also
// when they chose "invisible"). Each change of the visible status is announced once: to every
// friend's user:{id} channel in one pipelined round trip, and, when the user appears or disappears,
// as a room notice to the rooms they are in (at most one per room per interval: RoomNotices).
// A stream not renewed within the TTL counts as gone, and the sweeper (not any client) announces
// such users offline. A store outage is not a departure: after the store failed, the sweeper waits
// one TTL (in which every live gateway renews its streams) before it announces anyone gone.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "absl/status/statusor.h"
#include "audience.h"
#include "common/clock.h"
#include "common/event_publisher.h"
#include "common/rate_limit.h"
#include "natter/v1/presence.pb.h"
#include "presence_store.h"
#include "room_notices.h"

namespace natter::presence {

inline constexpr uint32_t kMaxListOnline = 1000;
inline constexpr int kMaxUsersPerQuery = 1000;
inline constexpr int kMaxStreamsPerHeartbeat = 100000;

class PresenceService {
 public:
  // `status_changes`: how often one user may call SetStatus (each one may notify every friend and
  // room), shared by every replica through `limiter`.
  PresenceService(PresenceStore& store, AudienceSource& audience, EventPublisher& publisher,
                  RateLimiter& limiter, RateLimit status_changes, const Clock& clock,
                  std::chrono::seconds ttl,
                  std::chrono::milliseconds room_notice_interval = std::chrono::milliseconds(0));

  absl::Status StreamOpened(const v1::StreamOpenedRequest& request);
  absl::Status StreamClosed(const v1::StreamClosedRequest& request);
  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(const v1::HeartbeatRequest& request);
  absl::StatusOr<v1::SetStatusResponse> SetStatus(const v1::SetStatusRequest& request);
  absl::StatusOr<v1::GetPresenceResponse> GetPresence(const v1::GetPresenceRequest& request);
  absl::StatusOr<v1::ListOnlineResponse> ListOnline(const v1::ListOnlineRequest& request);
  // Announces users whose streams all expired; returns how many were handled.
  absl::StatusOr<size_t> Sweep();
  // Publishes the room notices that were held back because their room had one within the
  // interval; returns how many.
  absl::StatusOr<size_t> FlushRoomNotices();
  // Passes a user's profile change (a serialized ServerEvent with ProfileChanged) on to their
  // friends.
  absl::Status ForwardProfile(std::string_view event);

 private:
  int64_t ExpiryFromNow() const;
  int64_t TtlMs() const;
  // Passes `status` on; a failure of the store holds the sweeper back for one TTL from now.
  absl::Status NoteStore(absl::Status status);
  // Recomputes the user's visible status and announces a change.
  absl::StatusOr<Transition> RefreshAndAnnounce(uint64_t user_id);
  void Announce(uint64_t user_id, const Transition& t);
  // Appends the serialized notices to events, with the number of users online now.
  void AddRoomNotices(const std::vector<RoomChange>& changes,
                      std::vector<std::pair<std::string, std::string>>& events);

  PresenceStore& store_;
  AudienceSource& audience_;
  EventPublisher& publisher_;
  RateLimiter& limiter_;
  const RateLimit status_changes_;
  const Clock& clock_;
  const std::chrono::seconds ttl_;
  RoomNotices room_notices_;
  // When the store last failed (any replica's heartbeats may have been lost with it).
  std::atomic<int64_t> store_failed_at_ms_{INT64_MIN / 2};
};

}  // namespace natter::presence
