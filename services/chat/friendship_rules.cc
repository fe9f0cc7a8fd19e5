#include "friendship_rules.h"

namespace natter::chat {
namespace {

v1::FriendEvent Event(const std::string& type, const Party& about, bool outgoing,
                      std::string_view message = "") {
  v1::FriendEvent e;
  e.set_type(type);
  e.set_user_id(about.id);
  e.set_username(about.username);
  e.set_outgoing(outgoing);
  e.set_message(std::string(message));
  return e;
}

// The same change seen from both sides: `me` learns about `other` and vice versa.
void Both(PairChange& change, const std::string& type, const Party& me, const Party& other,
          bool outgoing_for_me, std::string_view message = "") {
  change.events.emplace_back(me.id, Event(type, other, outgoing_for_me, message));
  change.events.emplace_back(other.id, Event(type, me, !outgoing_for_me, message));
}

}  // namespace

std::string RelationOf(const PairState& s) {
  if (s.i_blocked) return "blocked";
  if (s.friends) return "friends";
  if (s.request_sent) return "request_sent";
  if (s.request_received) return "request_received";
  return "none";
}

absl::StatusOr<PairChange> DecideFriendship(v1::FriendAction action, const PairState& s,
                                            const Party& me, const Party& other,
                                            std::string_view message) {
  PairChange change;
  const std::string& name = other.username;
  if (me.id == other.id) {
    return absl::InvalidArgumentError("you cannot do that with yourself");
  }
  switch (action) {
    case v1::FRIEND_ACTION_ADD:
      if (s.i_blocked) return absl::FailedPreconditionError("unblock " + name + " first");
      if (s.they_blocked) {
        return absl::PermissionDeniedError("you cannot send " + name + " a friend request");
      }
      if (s.friends) return absl::AlreadyExistsError("you and " + name + " are already friends");
      if (s.request_sent) {
        change.relation = "request_sent";  // idempotent: the request stands as it was
        return change;
      }
      if (s.request_received) {  // crossing requests: both want it
        change.request_received = false;
        change.friends = true;
        Both(change, "friend_added", me, other, false);
        change.relation = "friends";
        return change;
      }
      change.request_sent = true;
      change.request_message = std::string(message);
      Both(change, "friend_request", me, other, true, message);
      change.relation = "request_sent";
      return change;

    case v1::FRIEND_ACTION_CANCEL:
      if (!s.request_sent) return absl::NotFoundError("no pending request to " + name);
      change.request_sent = false;
      Both(change, "friend_request_cancelled", me, other, true);
      change.relation = "none";
      return change;

    case v1::FRIEND_ACTION_ACCEPT:
      if (!s.request_received) return absl::NotFoundError("no pending request from " + name);
      change.request_received = false;
      change.friends = true;
      Both(change, "friend_added", me, other, false);
      change.relation = "friends";
      return change;

    case v1::FRIEND_ACTION_REJECT:
      if (!s.request_received) return absl::NotFoundError("no pending request from " + name);
      change.request_received = false;
      Both(change, "friend_request_rejected", me, other, false);
      change.relation = "none";
      return change;

    case v1::FRIEND_ACTION_REMOVE:
      if (!s.friends) return absl::NotFoundError(name + " is not your friend");
      change.friends = false;
      Both(change, "friend_removed", me, other, true);
      change.relation = "none";
      return change;

    case v1::FRIEND_ACTION_BLOCK:
      change.relation = "blocked";
      if (s.i_blocked) return change;  // idempotent
      change.i_blocked = true;
      if (s.friends) {
        change.friends = false;
        Both(change, "friend_removed", me, other, true);
      }
      if (s.request_sent) {
        change.request_sent = false;
        Both(change, "friend_request_cancelled", me, other, true);
      }
      if (s.request_received) {
        change.request_received = false;
        Both(change, "friend_request_cancelled", me, other, false);
      }
      return change;

    case v1::FRIEND_ACTION_UNBLOCK:
      if (!s.i_blocked) return absl::NotFoundError(name + " is not blocked");
      change.i_blocked = false;
      change.relation = "none";
      return change;

    default:
      return absl::InvalidArgumentError(
          "unknown friend action; use add, cancel, accept, reject, remove, block or unblock");
  }
}

}  // namespace natter::chat
