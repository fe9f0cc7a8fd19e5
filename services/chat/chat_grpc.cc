#include "chat_grpc.h"

#include "common/unary.h"

namespace natter::chat {

grpc::ServerUnaryReactor* ChatGrpc::Send(grpc::CallbackServerContext* context,
                                         const v1::SendRequest* request,
                                         v1::SendResponse* response) {
  return RunOnPool(context, pool_, [=, this] {
    auto ack = service_.Send(*request);
    if (!ack.ok()) return ToGrpc(ack.status());
    *response->mutable_ack() = std::move(*ack);
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* ChatGrpc::Sync(grpc::CallbackServerContext* context,
                                         const v1::SyncRequest* request,
                                         v1::SyncResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.Sync(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::History(grpc::CallbackServerContext* context,
                                            const v1::HistoryRequest* request,
                                            v1::HistoryResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.History(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::ListConversations(grpc::CallbackServerContext* context,
                                                      const v1::ListConversationsRequest* request,
                                                      v1::ListConversationsResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.ListConversations(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::Friendship(grpc::CallbackServerContext* context,
                                               const v1::FriendshipRequest* request,
                                               v1::FriendshipResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(friends_.Friendship(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::ListFriends(grpc::CallbackServerContext* context,
                                                const v1::ListFriendsRequest* request,
                                                v1::ListFriendsResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(friends_.ListFriends(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::SyncUserEvents(grpc::CallbackServerContext* context,
                                                   const v1::SyncUserEventsRequest* request,
                                                   v1::SyncUserEventsResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(friends_.SyncUserEvents(*request), response); });
}

grpc::ServerUnaryReactor* ChatGrpc::PresenceAudience(grpc::CallbackServerContext* context,
                                                     const v1::PresenceAudienceRequest* request,
                                                     v1::PresenceAudienceResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(friends_.PresenceAudience(*request), response); });
}

}  // namespace natter::chat
