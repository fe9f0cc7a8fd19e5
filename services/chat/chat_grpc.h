// natter-chat's gRPC face: each RPC runs ChatService on a worker pool (MySQL calls block).
#pragma once

#include "chat_service.h"
#include "common/worker_pool.h"
#include "natter/v1/chat.grpc.pb.h"

namespace natter::chat {

class ChatGrpc final : public v1::Chat::CallbackService {
 public:
  ChatGrpc(ChatService& service, WorkerPool& pool) : service_(service), pool_(pool) {}

  grpc::ServerUnaryReactor* Send(grpc::CallbackServerContext* context,
                                 const v1::SendRequest* request,
                                 v1::SendResponse* response) override;
  grpc::ServerUnaryReactor* Sync(grpc::CallbackServerContext* context,
                                 const v1::SyncRequest* request,
                                 v1::SyncResponse* response) override;
  grpc::ServerUnaryReactor* ListConversations(grpc::CallbackServerContext* context,
                                              const v1::ListConversationsRequest* request,
                                              v1::ListConversationsResponse* response) override;

 private:
  ChatService& service_;
  WorkerPool& pool_;
};

}  // namespace natter::chat
