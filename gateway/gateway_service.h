// The client-facing Gateway service: Register and Login are forwarded to natter-auth; Connect opens
// a ClientStream. Also the periodic presence heartbeat and the drain on shutdown.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "gateway_context.h"
#include "natter/v1/gateway.grpc.pb.h"

namespace natter::gateway {

// Every client RPC with the callback API; Connect over raw bytes (events are pre-serialized).
// clang-format off
using GatewayBase =
    v1::Gateway::WithCallbackMethod_UpdateRoom<v1::Gateway::WithCallbackMethod_RemoveMember<v1::Gateway::WithCallbackMethod_RoomMembers<v1::Gateway::WithCallbackMethod_ListRooms<v1::Gateway::WithCallbackMethod_LeaveRoom<v1::Gateway::WithCallbackMethod_JoinRoom<v1::Gateway::WithCallbackMethod_CreateRoom<v1::Gateway::WithCallbackMethod_ListConversations<v1::Gateway::WithCallbackMethod_History<v1::Gateway::WithCallbackMethod_ListOnline<v1::Gateway::WithCallbackMethod_GetPresence<v1::Gateway::WithCallbackMethod_SetStatus<v1::Gateway::WithCallbackMethod_ListFriends<v1::Gateway::WithCallbackMethod_Friendship<v1::Gateway::WithCallbackMethod_DeleteAccount<v1::Gateway::WithCallbackMethod_GetAvatar<v1::Gateway::WithCallbackMethod_SetAvatar<v1::Gateway::WithCallbackMethod_UpdateProfile<v1::Gateway::WithCallbackMethod_GetProfile<v1::Gateway::WithCallbackMethod_ChangePassword<v1::Gateway::WithCallbackMethod_RevokeSession<v1::Gateway::WithCallbackMethod_ListSessions<v1::Gateway::WithCallbackMethod_Logout<v1::Gateway::WithCallbackMethod_Login<v1::Gateway::WithCallbackMethod_Register<v1::Gateway::WithRawCallbackMethod_Connect<v1::Gateway::Service>>>>>>>>>>>>>>>>>>>>>>>>>>;
// clang-format on

class GatewayService final : public GatewayBase {
 public:
  explicit GatewayService(GatewayContext& gateway) : gateway_(gateway) {}

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* context,
                                     const v1::RegisterRequest* request,
                                     v1::RegisterResponse* response) override;
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context,
                                  const v1::LoginRequest* request,
                                  v1::LoginResponse* response) override;
  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* context,
                                   const v1::LogoutRequest* request,
                                   v1::LogoutResponse* response) override;
  grpc::ServerUnaryReactor* ListSessions(grpc::CallbackServerContext* context,
                                         const v1::ListSessionsRequest* request,
                                         v1::ListSessionsResponse* response) override;
  grpc::ServerUnaryReactor* RevokeSession(grpc::CallbackServerContext* context,
                                          const v1::RevokeSessionRequest* request,
                                          v1::RevokeSessionResponse* response) override;
  grpc::ServerUnaryReactor* ChangePassword(grpc::CallbackServerContext* context,
                                           const v1::ChangePasswordRequest* request,
                                           v1::ChangePasswordResponse* response) override;
  grpc::ServerUnaryReactor* GetProfile(grpc::CallbackServerContext* context,
                                       const v1::GetProfileRequest* request,
                                       v1::Profile* response) override;
  grpc::ServerUnaryReactor* UpdateProfile(grpc::CallbackServerContext* context,
                                          const v1::UpdateProfileRequest* request,
                                          v1::Profile* response) override;
  grpc::ServerUnaryReactor* SetAvatar(grpc::CallbackServerContext* context,
                                      const v1::SetAvatarRequest* request,
                                      v1::Profile* response) override;
  grpc::ServerUnaryReactor* GetAvatar(grpc::CallbackServerContext* context,
                                      const v1::GetAvatarRequest* request,
                                      v1::GetAvatarResponse* response) override;
  grpc::ServerUnaryReactor* DeleteAccount(grpc::CallbackServerContext* context,
                                          const v1::DeleteAccountRequest* request,
                                          v1::DeleteAccountResponse* response) override;
  grpc::ServerUnaryReactor* Friendship(grpc::CallbackServerContext* context,
                                       const v1::FriendshipRequest* request,
                                       v1::FriendshipResponse* response) override;
  grpc::ServerUnaryReactor* History(grpc::CallbackServerContext* context,
                                    const v1::HistoryRequest* request,
                                    v1::HistoryResponse* response) override;
  grpc::ServerUnaryReactor* ListFriends(grpc::CallbackServerContext* context,
                                        const v1::ListFriendsRequest* request,
                                        v1::ListFriendsResponse* response) override;
  grpc::ServerUnaryReactor* SetStatus(grpc::CallbackServerContext* context,
                                      const v1::ClientSetStatusRequest* request,
                                      v1::SetStatusResponse* response) override;
  grpc::ServerUnaryReactor* GetPresence(grpc::CallbackServerContext* context,
                                        const v1::ClientPresenceRequest* request,
                                        v1::ClientPresenceResponse* response) override;
  grpc::ServerUnaryReactor* ListOnline(grpc::CallbackServerContext* context,
                                       const v1::ClientListOnlineRequest* request,
                                       v1::ClientListOnlineResponse* response) override;
  grpc::ServerUnaryReactor* ListConversations(grpc::CallbackServerContext* context,
                                              const v1::ListConversationsRequest* request,
                                              v1::ListConversationsResponse* response) override;
  grpc::ServerUnaryReactor* CreateRoom(grpc::CallbackServerContext* context,
                                       const v1::CreateRoomRequest* request,
                                       v1::RoomResponse* response) override;
  grpc::ServerUnaryReactor* JoinRoom(grpc::CallbackServerContext* context,
                                     const v1::RoomRequest* request,
                                     v1::RoomResponse* response) override;
  grpc::ServerUnaryReactor* LeaveRoom(grpc::CallbackServerContext* context,
                                      const v1::RoomRequest* request,
                                      v1::RoomResponse* response) override;
  grpc::ServerUnaryReactor* ListRooms(grpc::CallbackServerContext* context,
                                      const v1::ListRoomsRequest* request,
                                      v1::ListRoomsResponse* response) override;
  grpc::ServerUnaryReactor* RoomMembers(grpc::CallbackServerContext* context,
                                        const v1::RoomRequest* request,
                                        v1::RoomMembersResponse* response) override;
  grpc::ServerUnaryReactor* RemoveMember(grpc::CallbackServerContext* context,
                                         const v1::RemoveMemberRequest* request,
                                         v1::RoomResponse* response) override;
  grpc::ServerUnaryReactor* UpdateRoom(grpc::CallbackServerContext* context,
                                       const v1::UpdateRoomRequest* request,
                                       v1::RoomResponse* response) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Connect(
      grpc::CallbackServerContext* context) override;

  // Tells every connected client to reconnect elsewhere and ends their streams.
  void GoAwayAll(const std::string& reason);

 private:
  // Checks the call's token with natter-auth, then runs `then` with the caller (on a gRPC thread);
  // `then` finishes `reactor`. Without a valid token the call ends UNAUTHENTICATED.
  void WithCaller(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                  std::function<void(const v1::Caller&)> then);

  // Forwards an account call to natter-auth with the token from the call's metadata.
  // `hashes_password`: the call waits for argon2id, so it gets PasswordCallDeadline.
  template <class Request, class Response, class Method>
  grpc::ServerUnaryReactor* ForwardWithToken(grpc::CallbackServerContext* context,
                                             const Request* request, Response* response,
                                             Method method, bool hashes_password = false);

  // ListOnline for a room other than the lobby.
  void ListRoomOnline(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                      const std::string& room, v1::ClientListOnlineResponse* response);

  // Forwards a call to natter-chat with the caller from the call's token.
  template <class Request, class Response, class Method>
  grpc::ServerUnaryReactor* ForwardToChat(grpc::CallbackServerContext* context,
                                          const Request* request, Response* response,
                                          Method method);

  GatewayContext& gateway_;
};

// Renews every local stream in natter-presence each `period`, on its own thread, until destroyed.
class PresenceHeartbeat {
 public:
  PresenceHeartbeat(GatewayContext& gateway, std::chrono::seconds period);
  ~PresenceHeartbeat();

 private:
  void Beat();

  GatewayContext& gateway_;
  const std::chrono::seconds period_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace natter::gateway
