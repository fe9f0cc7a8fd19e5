// natter-chat's friendships: requests, answers, removal and blocking, with a durable event for each
// side (published live on user:{id} after commit, fetched with SyncUserEvents by whoever was
// offline).
#pragma once

#include "absl/status/statusor.h"
#include "chat_limits.h"
#include "common/clock.h"
#include "common/event_publisher.h"
#include "common/rate_limit.h"
#include "friend_store.h"
#include "message_store.h"
#include "natter/v1/chat.pb.h"
#include "user_directory.h"

namespace natter::chat {

inline constexpr size_t kMaxRequestMessageChars = 200;

class FriendsService {
 public:
  FriendsService(FriendStore& friends, MessageStore& messages, UserDirectory& users,
                 EventPublisher& publisher, RateLimiter& limiter, ChatLimits limits,
                 const Clock& clock);

  absl::StatusOr<v1::FriendshipResponse> Friendship(const v1::FriendshipRequest& request);
  absl::StatusOr<v1::ListFriendsResponse> ListFriends(const v1::ListFriendsRequest& request);
  absl::StatusOr<v1::SyncUserEventsResponse> SyncUserEvents(
      const v1::SyncUserEventsRequest& request);
  absl::StatusOr<v1::PresenceAudienceResponse> PresenceAudience(
      const v1::PresenceAudienceRequest& request);

 private:
  FriendStore& friends_;
  MessageStore& messages_;
  UserDirectory& users_;
  EventPublisher& publisher_;
  RateLimiter& limiter_;
  ChatLimits limits_;
  const Clock& clock_;
};

}  // namespace natter::chat
