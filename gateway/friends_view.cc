#include "friends_view.h"

#include <spdlog/spdlog.h>

#include "common/grpc_server.h"

namespace natter::gateway {

void LoadFriends(GatewayContext& gateway, const v1::Caller& caller,
                 std::function<void(grpc::Status, std::shared_ptr<v1::ListFriendsResponse>)> done) {
  struct State {
    grpc::ClientContext friends_context;
    v1::ListFriendsRequest friends_request;
    std::shared_ptr<v1::ListFriendsResponse> friends = std::make_shared<v1::ListFriendsResponse>();
    grpc::ClientContext presence_context;
    v1::GetPresenceRequest presence_request;
    v1::GetPresenceResponse presence;
  };
  auto state = std::make_shared<State>();
  state->friends_context.set_deadline(DeadlineIn(gateway.options.call_timeout));
  *state->friends_request.mutable_caller() = caller;
  gateway.chat->async()->ListFriends(
      &state->friends_context, &state->friends_request, state->friends.get(),
      [&gateway, state, done = std::move(done)](grpc::Status status) mutable {
        if (!status.ok() || state->friends->friends().empty()) {
          done(status, state->friends);
          return;
        }
        for (const auto& f : state->friends->friends()) {
          state->presence_request.add_user_ids(f.user_id());
        }
        state->presence_context.set_deadline(DeadlineIn(gateway.options.call_timeout));
        gateway.presence->async()->GetPresence(
            &state->presence_context, &state->presence_request, &state->presence,
            [state, done = std::move(done)](grpc::Status presence_status) {
              if (!presence_status.ok()) {
                spdlog::warn("presence unavailable for a friend list: {}",
                             presence_status.error_message());
              } else {
                auto* friends = state->friends->mutable_friends();
                for (int i = 0; i < friends->size() && i < state->presence.users_size(); ++i) {
                  const auto& p = state->presence.users(i);
                  if (p.user_id() != friends->Get(i).user_id()) continue;
                  friends->Mutable(i)->set_status(p.status());
                  friends->Mutable(i)->set_last_seen_ms(p.last_seen_ms());
                }
              }
              done(grpc::Status::OK, state->friends);
            });
      });
}

}  // namespace natter::gateway
