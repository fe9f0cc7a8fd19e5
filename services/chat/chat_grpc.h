// natter-chat's gRPC face: each RPC runs ChatService on a worker pool (MySQL calls block).
#pragma once

#include "chat_service.h"
#include "common/worker_pool.h"
#include "friends_service.h"
#include "natter/v1/chat.grpc.pb.h"

namespace natter::chat {

class ChatGrpc final : public v1::Chat::CallbackService {
 public:
  ChatGrpc(ChatService& service, FriendsService& friends, WorkerPool& pool)
      : service_(service), friends_(friends), pool_(pool) {}

  grpc::ServerUnaryReactor* Send(grpc::CallbackServerContext* context,
                                 const v1::SendRequest* request,
                                 v1::SendResponse* response) override;
  grpc::ServerUnaryReactor* Sync(grpc::CallbackServerContext* context,
                                 const v1::SyncRequest* request,
                                 v1::SyncResponse* response) override;
  grpc::ServerUnaryReactor* History(grpc::CallbackServerContext* context,
                                    const v1::HistoryRequest* request,
                                    v1::HistoryResponse* response) override;
  grpc::ServerUnaryReactor* ListConversations(grpc::CallbackServerContext* context,
                                              const v1::ListConversationsRequest* request,
                                              v1::ListConversationsResponse* response) override;

  grpc::ServerUnaryReactor* Friendship(grpc::CallbackServerContext* context,
                                       const v1::FriendshipRequest* request,
                                       v1::FriendshipResponse* response) override;
  grpc::ServerUnaryReactor* ListFriends(grpc::CallbackServerContext* context,
                                        const v1::ListFriendsRequest* request,
                                        v1::ListFriendsResponse* response) override;
  grpc::ServerUnaryReactor* SyncUserEvents(grpc::CallbackServerContext* context,
                                           const v1::SyncUserEventsRequest* request,
                                           v1::SyncUserEventsResponse* response) override;
  grpc::ServerUnaryReactor* PresenceAudience(grpc::CallbackServerContext* context,
                                             const v1::PresenceAudienceRequest* request,
                                             v1::PresenceAudienceResponse* response) override;

 private:
  ChatService& service_;
  FriendsService& friends_;
  WorkerPool& pool_;
};

}  // namespace natter::chat
