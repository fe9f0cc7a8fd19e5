// natter-auth's gRPC face: each RPC runs AuthService on a worker pool (hashing and store calls
// block).
#pragma once

#include "auth_service.h"
#include "common/worker_pool.h"
#include "natter/v1/auth.grpc.pb.h"

namespace natter::auth {

class AuthGrpc final : public v1::Auth::CallbackService {
 public:
  AuthGrpc(AuthService& service, WorkerPool& pool) : service_(service), pool_(pool) {}

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* context,
                                     const v1::RegisterRequest* request,
                                     v1::RegisterResponse* response) override;
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context,
                                  const v1::LoginRequest* request,
                                  v1::LoginResponse* response) override;
  grpc::ServerUnaryReactor* ValidateToken(grpc::CallbackServerContext* context,
                                          const v1::ValidateTokenRequest* request,
                                          v1::ValidateTokenResponse* response) override;
  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* context,
                                   const v1::LogoutRequest* request,
                                   v1::LogoutResponse* response) override;

 private:
  AuthService& service_;
  WorkerPool& pool_;
};

}  // namespace natter::auth
