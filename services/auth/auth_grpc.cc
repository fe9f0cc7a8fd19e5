#include "auth_grpc.h"

#include <algorithm>
#include <chrono>

#include "common/unary.h"

namespace natter::auth {

template <class Handler>
grpc::ServerUnaryReactor* AuthGrpc::RunHashing(grpc::CallbackServerContext* context,
                                               Handler handler) {
  // A call without a deadline is held to the longest a person would wait for a login.
  constexpr std::chrono::milliseconds kLongestWait = std::chrono::minutes(1);
  auto time_left = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  context->deadline() - std::chrono::system_clock::now()),
                              std::chrono::milliseconds(0), kLongestWait);
  auto ticket = pools_.admission.Admit(time_left);
  if (!ticket.ok()) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpc(ticket.status()));
    return reactor;
  }
  // The ticket is released when the task is done or dropped (queue full, caller gone).
  return RunOnPool(context, pools_.hashing, [handler, ticket = *std::move(ticket)] {
    auto start = std::chrono::steady_clock::now();
    grpc::Status status = handler();
    ticket->Record(std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start));
    return status;
  });
}

grpc::ServerUnaryReactor* AuthGrpc::Register(grpc::CallbackServerContext* context,
                                             const v1::RegisterRequest* request,
                                             v1::RegisterResponse* response) {
  return RunHashing(context, [=, this] { return Respond(service_.Register(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::Login(grpc::CallbackServerContext* context,
                                          const v1::LoginRequest* request,
                                          v1::LoginResponse* response) {
  return RunHashing(context, [=, this] { return Respond(service_.Login(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::ValidateToken(grpc::CallbackServerContext* context,
                                                  const v1::ValidateTokenRequest* request,
                                                  v1::ValidateTokenResponse* response) {
  return RunOnPool(context, pools_.other,
                   [=, this] { return Respond(service_.ValidateToken(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::Logout(grpc::CallbackServerContext* context,
                                           const v1::LogoutRequest* request,
                                           v1::LogoutResponse* response) {
  return RunOnPool(context, pools_.other,
                   [=, this] { return Respond(service_.Logout(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::ListSessions(grpc::CallbackServerContext* context,
                                                 const v1::ListSessionsRequest* request,
                                                 v1::ListSessionsResponse* response) {
  return RunOnPool(context, pools_.other,
                   [=, this] { return Respond(service_.ListSessions(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::RevokeSession(grpc::CallbackServerContext* context,
                                                  const v1::RevokeSessionRequest* request,
                                                  v1::RevokeSessionResponse* response) {
  return RunOnPool(context, pools_.other,
                   [=, this] { return Respond(service_.RevokeSession(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::ChangePassword(grpc::CallbackServerContext* context,
                                                   const v1::ChangePasswordRequest* request,
                                                   v1::ChangePasswordResponse* response) {
  return RunHashing(context,
                    [=, this] { return Respond(service_.ChangePassword(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::GetProfile(grpc::CallbackServerContext* context,
                                               const v1::GetProfileRequest* request,
                                               v1::Profile* response) {
  return RunOnPool(context, pools_.other,
                   [=, this] { return Respond(service_.GetProfile(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::GetProfiles(grpc::CallbackServerContext* context,
                                                const v1::GetProfilesRequest* request,
                                                v1::GetProfilesResponse* response) {
  return RunOnPool(context, pools_.other,
                   [=, this] { return Respond(service_.GetProfiles(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::UpdateProfile(grpc::CallbackServerContext* context,
                                                  const v1::UpdateProfileRequest* request,
                                                  v1::Profile* response) {
  return RunOnPool(context, pools_.other,
                   [=, this] { return Respond(service_.UpdateProfile(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::SetAvatar(grpc::CallbackServerContext* context,
                                              const v1::SetAvatarRequest* request,
                                              v1::Profile* response) {
  return RunOnPool(context, pools_.images,
                   [=, this] { return Respond(service_.SetAvatar(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::GetAvatar(grpc::CallbackServerContext* context,
                                              const v1::GetAvatarRequest* request,
                                              v1::GetAvatarResponse* response) {
  return RunOnPool(context, pools_.other,
                   [=, this] { return Respond(service_.GetAvatar(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::DeleteAccount(grpc::CallbackServerContext* context,
                                                  const v1::DeleteAccountRequest* request,
                                                  v1::DeleteAccountResponse* response) {
  return RunHashing(context,
                    [=, this] { return Respond(service_.DeleteAccount(*request), response); });
}

grpc::ServerUnaryReactor* AuthGrpc::LookupUsers(grpc::CallbackServerContext* context,
                                                const v1::LookupUsersRequest* request,
                                                v1::GetProfilesResponse* response) {
  return RunOnPool(context, pools_.other,
                   [=, this] { return Respond(service_.LookupUsers(*request), response); });
}

}  // namespace natter::auth
