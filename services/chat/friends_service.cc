#include "friends_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "chat_service.h"
#include "common/status.h"
#include "common/text.h"
#include "delivery.h"
#include "friendship_rules.h"
#include "natter/v1/gateway.pb.h"

namespace natter::chat {
namespace {

constexpr uint32_t kDefaultEventLimit = 100;
constexpr uint32_t kMaxEventLimit = 500;
constexpr size_t kMaxUsernameBytes = 128;

}  // namespace

FriendsService::FriendsService(FriendStore& friends, MessageStore& messages, UserDirectory& users,
                               EventPublisher& publisher, RateLimiter& limiter, ChatLimits limits,
                               const Clock& clock)
    : friends_(friends),
      messages_(messages),
      users_(users),
      publisher_(publisher),
      limiter_(limiter),
      limits_(limits),
      clock_(clock) {}

absl::StatusOr<v1::FriendshipResponse> FriendsService::Friendship(
    const v1::FriendshipRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  if (request.action() == v1::FRIEND_ACTION_UNSPECIFIED ||
      !v1::FriendAction_IsValid(request.action())) {
    return absl::InvalidArgumentError(
        "unknown friend action; use add, cancel, accept, reject, remove, block or unblock");
  }
  if (request.username().empty() || request.username().size() > kMaxUsernameBytes) {
    return absl::InvalidArgumentError("give the username of the other person");
  }
  if (!request.message().empty()) {
    if (request.action() != v1::FRIEND_ACTION_ADD) {
      return absl::InvalidArgumentError("only a friend request carries a message");
    }
    if (auto s = ValidateText(request.message(), kMaxRequestMessageChars * 4, "request message");
        !s.ok()) {
      return s;
    }
    if (CodepointCount(request.message()) > kMaxRequestMessageChars) {
      return absl::InvalidArgumentError("request message must be at most 200 characters long");
    }
  }
  // Before the lookup, so the allowances also bound probing for which usernames exist. Redis out
  // of reach: let the request through.
  const uint64_t caller_id = request.caller().user_id();
  if (auto s = TakeAllowance(limiter_, FriendActionLimitKey(caller_id), limits_.friend_actions,
                             fmt::format("you are changing friendships too fast (at most {:g} "
                                         "a second)",
                                         limits_.friend_actions.per_second));
      !s.ok()) {
    return s;
  }
  if (request.action() == v1::FRIEND_ACTION_ADD) {
    if (auto s = TakeAllowance(limiter_, FriendRequestLimitKey(caller_id), limits_.friend_requests,
                               fmt::format("you have sent too many friend requests (at most {:g} "
                                           "a day)",
                                           limits_.friend_requests.per_second * 86400.0));
        !s.ok()) {
      return s;
    }
  }
  ASSIGN_OR_RETURN(auto other, users_.FindByUsername(request.username()));
  if (!other.has_value())
    return absl::NotFoundError("no user named \"" + request.username() + "\"");

  Party me{request.caller().user_id(), request.caller().username()};
  Party them{other->user_id(), other->username()};
  PairState before;
  auto result = friends_.UpdatePair(me.id, them.id, clock_.NowMs(), [&](const PairState& state) {
    before = state;
    return DecideFriendship(request.action(), state, me, them, request.message());
  });
  if (!result.ok()) return result.status();
  auto& [change, events] = *result;

  // Committed: announce. A lost publish is made good by SyncUserEvents on the next connect.
  PublishUserEvents(publisher_, events);
  if (change.friends.has_value()) AnnounceAudienceChanged(publisher_, {me.id, them.id});
  if (change.i_blocked.has_value()) {
    AnnounceBlockChanged(publisher_, me.id, them.id, *change.i_blocked || before.they_blocked);
  }
  v1::FriendshipResponse response;
  response.set_relation(change.relation);
  response.set_user_id(them.id);
  response.set_username(them.username);
  return response;
}

absl::StatusOr<v1::ListFriendsResponse> FriendsService::ListFriends(
    const v1::ListFriendsRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  ASSIGN_OR_RETURN(auto snapshot, friends_.Snapshot(request.caller().user_id()));
  std::vector<uint64_t> ids;
  for (const auto& f : snapshot.friends) ids.push_back(f.user_id);
  for (const auto& r : snapshot.requests) ids.push_back(r.user_id);
  ids.insert(ids.end(), snapshot.blocked.begin(), snapshot.blocked.end());
  ASSIGN_OR_RETURN(auto profiles, users_.Profiles(ids));

  v1::ListFriendsResponse response;
  for (const auto& f : snapshot.friends) {
    auto it = profiles.find(f.user_id);
    if (it == profiles.end() || it->second.deleted()) continue;  // accounts that are gone
    v1::Friend* out = response.add_friends();
    out->set_user_id(f.user_id);
    out->set_username(it->second.username());
    out->set_display_name(it->second.display_name());
    out->set_avatar_version(it->second.avatar_version());
    out->set_since_ms(f.since_ms);
    out->set_status("offline");
  }
  std::sort(response.mutable_friends()->begin(), response.mutable_friends()->end(),
            [](const v1::Friend& a, const v1::Friend& b) { return a.username() < b.username(); });
  for (const auto& r : snapshot.requests) {
    auto it = profiles.find(r.user_id);
    if (it == profiles.end() || it->second.deleted()) continue;
    v1::PendingRequest* out = response.add_requests();
    out->set_user_id(r.user_id);
    out->set_username(it->second.username());
    out->set_message(r.message);
    out->set_created_at_ms(r.created_at_ms);
    out->set_incoming(r.incoming);
  }
  for (uint64_t id : snapshot.blocked) {
    if (auto it = profiles.find(id); it != profiles.end()) {
      response.add_blocked(it->second.username());
    }
  }
  for (uint64_t id : snapshot.blocked) response.add_hidden_user_ids(id);
  for (uint64_t id : snapshot.blocked_by) response.add_hidden_user_ids(id);
  response.set_events_latest_seq(snapshot.events_latest_seq);
  return response;
}

absl::StatusOr<v1::SyncUserEventsResponse> FriendsService::SyncUserEvents(
    const v1::SyncUserEventsRequest& request) {
  RETURN_IF_ERROR(ValidateCaller(request.caller()));
  if (request.limit() > kMaxEventLimit) {
    return absl::InvalidArgumentError("limit must be at most 500");
  }
  uint32_t limit = request.limit() == 0 ? kDefaultEventLimit : request.limit();
  auto events =
      friends_.UserEventsAfter(request.caller().user_id(), request.after_seq(), limit + 1);
  if (!events.ok()) return events.status();
  v1::SyncUserEventsResponse response;
  response.set_has_more(events->size() > limit);
  if (response.has_more()) events->resize(limit);
  for (auto& e : *events) *response.add_events() = std::move(e);
  ASSIGN_OR_RETURN(auto latest, friends_.LatestUserEventSeq(request.caller().user_id()));
  response.set_latest_seq(latest);
  return response;
}

absl::StatusOr<v1::PresenceAudienceResponse> FriendsService::PresenceAudience(
    const v1::PresenceAudienceRequest& request) {
  if (request.user_id() == 0) return absl::InvalidArgumentError("user_id is missing");
  ASSIGN_OR_RETURN(auto friends, friends_.FriendIds(request.user_id()));
  ASSIGN_OR_RETURN(auto rooms, messages_.RoomsOf(request.user_id()));
  v1::PresenceAudienceResponse response;
  for (uint64_t id : friends) response.add_friend_ids(id);
  for (const auto& c : rooms) {
    // A group's members hear of each other's presence as friends or not at all: a group is made
    // of the creator's friends, who need not be friends of one another.
    if (c.is_group()) continue;
    response.add_room_ids(c.id);
    response.add_room_names(c.name);
  }
  return response;
}

}  // namespace natter::chat
