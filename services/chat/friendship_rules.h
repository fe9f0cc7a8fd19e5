// The friendship rules, as a pure function of the pair's state: what an action changes, which
// events each side gets, or why it is refused. Unit-tested for every action in every state.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "friend_store.h"

namespace natter::chat {

struct Party {
  uint64_t id = 0;
  std::string username;
};

absl::StatusOr<PairChange> DecideFriendship(v1::FriendAction action, const PairState& state,
                                            const Party& me, const Party& other,
                                            std::string_view message);

// The relation `state` describes, as FriendshipResponse.relation.
std::string RelationOf(const PairState& state);

}  // namespace natter::chat
