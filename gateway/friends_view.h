// Friend lists as clients see them: natter-chat's list with each friend's presence from
// natter-presence. Used by the stream's Welcome snapshot and by the ListFriends call.
#pragma once

#include <functional>
#include <memory>

#include "gateway_context.h"
#include "natter/v1/chat.pb.h"

namespace natter::gateway {

// Asks natter-chat for `caller`'s friends, fills in presence, and calls `done` with the result (or
// the error of natter-chat). If natter-presence does not answer, friends are shown offline.
void LoadFriends(GatewayContext& gateway, const v1::Caller& caller,
                 std::function<void(grpc::Status, std::shared_ptr<v1::ListFriendsResponse>)> done);

}  // namespace natter::gateway
