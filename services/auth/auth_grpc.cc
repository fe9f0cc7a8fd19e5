#include "auth_grpc.h"

#include "common/unary.h"

namespace natter::auth {

grpc::ServerUnaryReactor* AuthGrpc::Register(grpc::CallbackServerContext* context,
                                             const v1::RegisterRequest* request,
                                             v1::RegisterResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.Register(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::Login(grpc::CallbackServerContext* context,
                                          const v1::LoginRequest* request,
                                          v1::LoginResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.Login(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::ValidateToken(grpc::CallbackServerContext* context,
                                                  const v1::ValidateTokenRequest* request,
                                                  v1::ValidateTokenResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.ValidateToken(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::Logout(grpc::CallbackServerContext* context,
                                           const v1::LogoutRequest* request,
                                           v1::LogoutResponse* response) {
  return RunOnPool(context, pool_, [=, this] { return ToGrpc(service_.Logout(*request)); });
}

}  // namespace natter::auth
