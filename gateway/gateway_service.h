// The client-facing Gateway service: a table of unary calls, each forwarded to the service that
// owns it or answered from several; Connect opens a ClientStream. Also the periodic presence
// heartbeat.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "gateway_context.h"
#include "natter/v1/gateway.grpc.pb.h"
#include "unary_call.h"

namespace natter::gateway {

// The unary calls are registered one by one from UnaryMethods() over raw bytes (unary_call.h);
// Connect is a raw stream (events are pre-serialized); UploadFile and DownloadFile are relayed
// chunk by chunk (file_relay.h).
using GatewayBase =
    v1::Gateway::WithCallbackMethod_UploadFile<v1::Gateway::WithCallbackMethod_DownloadFile<
        v1::Gateway::WithRawCallbackMethod_Connect<v1::Gateway::Service>>>;

class GatewayService final : public GatewayBase {
 public:
  // A unary method of the client API, by its name in proto/gateway.proto.
  struct UnaryMethod {
    std::string_view name;
    RawUnaryHandler handler;
  };

  // Registers every unary method of UnaryMethods(); a method of the Gateway service that is in
  // neither the table nor Connect stops the process (a new RPC must be given a row).
  explicit GatewayService(GatewayContext& gateway);

  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Connect(
      grpc::CallbackServerContext* context) override;
  grpc::ServerReadReactor<v1::UploadChunk>* UploadFile(grpc::CallbackServerContext* context,
                                                       v1::FileInfo* response) override;
  grpc::ServerWriteReactor<v1::FileChunk>* DownloadFile(
      grpc::CallbackServerContext* context, const v1::DownloadRequest* request) override;

  // Tells every connected client to reconnect elsewhere and ends their streams: in a random order,
  // in batches spread over `window` (PlanGoAways, go_away_schedule.h), each client with a random
  // reconnect_after_ms; then the streams that joined since (they were being admitted when the
  // drain began). Blocks for about `window`, so it runs on a thread of its own.
  void GoAwayAll(const std::string& reason, std::chrono::milliseconds window);

  // Every unary method: its name and how the gateway serves it.
  std::vector<UnaryMethod> UnaryMethods();

 private:
  template <class Request, class Response>
  using Call = UnaryCall<Request, Response>;
  using AuthAsync = v1::Auth::StubInterface::async_interface;
  using ChatAsync = v1::Chat::StubInterface::async_interface;
  template <class Request, class Response>
  using AuthMethod = void (AuthAsync::*)(grpc::ClientContext*, const Request*, Response*,
                                         std::function<void(grpc::Status)>);
  template <class Request, class Response>
  using ChatMethod = void (ChatAsync::*)(grpc::ClientContext*, const Request*, Response*,
                                         std::function<void(grpc::Status)>);

  // A row that calls the member `handle`.
  template <class Request, class Response>
  UnaryMethod Row(std::string_view name, void (GatewayService::*handle)(Call<Request, Response>*));
  // A row that forwards an account call to natter-auth with the token from the call's metadata.
  // `hashes_password`: the call waits for argon2id, so it gets PasswordCallDeadline.
  template <class Request, class Response>
  UnaryMethod ToAuth(std::string_view name, AuthMethod<Request, Response> method,
                     bool hashes_password = false);
  // A row that forwards a call to natter-chat with the caller from the call's token.
  template <class Request, class Response>
  UnaryMethod ToChat(std::string_view name, ChatMethod<Request, Response> method);

  void HandleRegister(Call<v1::RegisterRequest, v1::RegisterResponse>* call);
  void HandleLogin(Call<v1::LoginRequest, v1::LoginResponse>* call);
  void HandleListFriends(Call<v1::ListFriendsRequest, v1::ListFriendsResponse>* call);
  void HandleSetStatus(Call<v1::ClientSetStatusRequest, v1::SetStatusResponse>* call);
  void HandleGetPresence(Call<v1::ClientPresenceRequest, v1::ClientPresenceResponse>* call);
  void HandleListOnline(Call<v1::ClientListOnlineRequest, v1::ClientListOnlineResponse>* call);
  // ListOnline for a room other than the lobby.
  void ListRoomOnline(Call<v1::ClientListOnlineRequest, v1::ClientListOnlineResponse>* call,
                      const std::string& room);

  // Checks the call's token with natter-auth, then runs `then` with the caller (on a gRPC thread);
  // `then` answers the call. Without a valid token `fail` answers UNAUTHENTICATED.
  void WithCaller(grpc::CallbackServerContext& context,
                  std::function<void(const grpc::Status&)> fail,
                  std::function<void(const v1::Caller&)> then);

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
