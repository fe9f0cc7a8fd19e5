// The client-facing Gateway service: Register and Login are forwarded to natter-auth; Connect opens
// a ClientStream. Also the periodic presence heartbeat and the drain on shutdown.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "gateway_context.h"
#include "natter/v1/gateway.grpc.pb.h"

namespace natter::gateway {

using GatewayBase = v1::Gateway::WithCallbackMethod_Register<v1::Gateway::WithCallbackMethod_Login<
    v1::Gateway::WithRawCallbackMethod_Connect<v1::Gateway::Service>>>;

class GatewayService final : public GatewayBase {
 public:
  explicit GatewayService(GatewayContext& gateway) : gateway_(gateway) {}

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* context,
                                     const v1::RegisterRequest* request,
                                     v1::RegisterResponse* response) override;
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context,
                                  const v1::LoginRequest* request,
                                  v1::LoginResponse* response) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Connect(
      grpc::CallbackServerContext* context) override;

  // Tells every connected client to reconnect elsewhere and ends their streams.
  void GoAwayAll(const std::string& reason);

 private:
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
