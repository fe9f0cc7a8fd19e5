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

grpc::ServerUnaryReactor* ChatGrpc::ListConversations(grpc::CallbackServerContext* context,
                                                      const v1::ListConversationsRequest* request,
                                                      v1::ListConversationsResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.ListConversations(*request), response); });
}

}  // namespace natter::chat
