#include "gateway_service.h"

#include <spdlog/spdlog.h>

#include "client_stream.h"
#include "common/grpc_server.h"

namespace natter::gateway {
namespace {

grpc::Status AuthFacing(const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "the authentication service is unavailable, try again");
  }
  return status;
}

}  // namespace

std::string BearerToken(const grpc::CallbackServerContext& context) {
  constexpr std::string_view kBearer = "Bearer ";
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return "";
  std::string_view value(it->second.data(), it->second.size());
  return value.starts_with(kBearer) ? std::string(value.substr(kBearer.size())) : "";
}

grpc::ServerUnaryReactor* GatewayService::Register(grpc::CallbackServerContext* context,
                                                   const v1::RegisterRequest* request,
                                                   v1::RegisterResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto call = std::make_shared<grpc::ClientContext>();
  call->set_deadline(DeadlineIn(gateway_.options.call_timeout));
  gateway_.auth->async()->Register(
      call.get(), request, response,
      [reactor, call](grpc::Status status) { reactor->Finish(AuthFacing(status)); });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayService::Login(grpc::CallbackServerContext* context,
                                                const v1::LoginRequest* request,
                                                v1::LoginResponse* response) {
  auto* reactor = context->DefaultReactor();
  struct LoginCall {
    grpc::ClientContext context;
    v1::LoginRequest request;
  };
  auto call = std::make_shared<LoginCall>();
  call->context.set_deadline(DeadlineIn(gateway_.options.call_timeout));
  call->request = *request;
  call->request.set_client_address(context->peer());  // never what the client claims
  gateway_.auth->async()->Login(
      &call->context, &call->request, response,
      [reactor, call](grpc::Status status) { reactor->Finish(AuthFacing(status)); });
  return reactor;
}

template <class Request, class Response, class Method>
grpc::ServerUnaryReactor* GatewayService::ForwardWithToken(grpc::CallbackServerContext* context,
                                                           const Request* request,
                                                           Response* response, Method method) {
  auto* reactor = context->DefaultReactor();
  std::string token = BearerToken(*context);
  if (token.empty()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                 "no session token (metadata \"authorization: Bearer ...\"); "
                                 "log in first"));
    return reactor;
  }
  struct ForwardedCall {
    grpc::ClientContext context;
    Request request;
  };
  auto call = std::make_shared<ForwardedCall>();
  call->context.set_deadline(DeadlineIn(gateway_.options.call_timeout));
  call->request = *request;
  call->request.set_token(std::move(token));  // never a token the client put in the message
  (gateway_.auth->async()->*method)(
      &call->context, &call->request, response,
      [reactor, call](grpc::Status status) { reactor->Finish(AuthFacing(status)); });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayService::Logout(grpc::CallbackServerContext* context,
                                                 const v1::LogoutRequest* request,
                                                 v1::LogoutResponse* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::LogoutRequest*, v1::LogoutResponse*,
                        std::function<void(grpc::Status)>) = &Async::Logout;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::ListSessions(grpc::CallbackServerContext* context,
                                                       const v1::ListSessionsRequest* request,
                                                       v1::ListSessionsResponse* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::ListSessionsRequest*,
                        v1::ListSessionsResponse*, std::function<void(grpc::Status)>) =
      &Async::ListSessions;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::RevokeSession(grpc::CallbackServerContext* context,
                                                        const v1::RevokeSessionRequest* request,
                                                        v1::RevokeSessionResponse* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::RevokeSessionRequest*,
                        v1::RevokeSessionResponse*, std::function<void(grpc::Status)>) =
      &Async::RevokeSession;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::ChangePassword(grpc::CallbackServerContext* context,
                                                         const v1::ChangePasswordRequest* request,
                                                         v1::ChangePasswordResponse* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::ChangePasswordRequest*,
                        v1::ChangePasswordResponse*, std::function<void(grpc::Status)>) =
      &Async::ChangePassword;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::GetProfile(grpc::CallbackServerContext* context,
                                                     const v1::GetProfileRequest* request,
                                                     v1::Profile* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::GetProfileRequest*, v1::Profile*,
                        std::function<void(grpc::Status)>) = &Async::GetProfile;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::UpdateProfile(grpc::CallbackServerContext* context,
                                                        const v1::UpdateProfileRequest* request,
                                                        v1::Profile* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::UpdateProfileRequest*, v1::Profile*,
                        std::function<void(grpc::Status)>) = &Async::UpdateProfile;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::SetAvatar(grpc::CallbackServerContext* context,
                                                    const v1::SetAvatarRequest* request,
                                                    v1::Profile* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::SetAvatarRequest*, v1::Profile*,
                        std::function<void(grpc::Status)>) = &Async::SetAvatar;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::GetAvatar(grpc::CallbackServerContext* context,
                                                    const v1::GetAvatarRequest* request,
                                                    v1::GetAvatarResponse* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::GetAvatarRequest*, v1::GetAvatarResponse*,
                        std::function<void(grpc::Status)>) = &Async::GetAvatar;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerUnaryReactor* GatewayService::DeleteAccount(grpc::CallbackServerContext* context,
                                                        const v1::DeleteAccountRequest* request,
                                                        v1::DeleteAccountResponse* response) {
  using Async = v1::Auth::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::DeleteAccountRequest*,
                        v1::DeleteAccountResponse*, std::function<void(grpc::Status)>) =
      &Async::DeleteAccount;
  return ForwardWithToken(context, request, response, method);
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* GatewayService::Connect(
    grpc::CallbackServerContext* context) {
  return ClientStream::Start(gateway_, context);
}

void GatewayService::GoAwayAll(const std::string& reason) {
  auto sinks = gateway_.hub->AllSinks();
  spdlog::info("telling {} clients to reconnect elsewhere", sinks.size());
  for (const auto& sink : sinks) {
    if (auto* stream = dynamic_cast<ClientStream*>(sink.get())) stream->GoAway(reason);
  }
}

PresenceHeartbeat::PresenceHeartbeat(GatewayContext& gateway, std::chrono::seconds period)
    : gateway_(gateway), period_(period), thread_([this] {
        std::unique_lock lock(mu_);
        while (!cv_.wait_for(lock, period_, [this] { return stop_; })) {
          lock.unlock();
          Beat();
          lock.lock();
        }
      }) {}

PresenceHeartbeat::~PresenceHeartbeat() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void PresenceHeartbeat::Beat() {
  v1::HeartbeatRequest request;
  request.set_gateway_id(gateway_.options.gateway_id);
  for (const auto& sink : gateway_.hub->AllSinks()) {
    if (auto* stream = dynamic_cast<ClientStream*>(sink.get())) {
      v1::DeviceStream* entry = request.add_streams();
      entry->set_user_id(stream->user_id());
      entry->set_stream_id(stream->stream_id());
      entry->set_device(stream->device());
    }
  }
  if (request.streams().empty()) return;
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(gateway_.options.call_timeout));
  v1::HeartbeatResponse response;
  grpc::Status status = gateway_.presence->Heartbeat(&context, request, &response);
  if (!status.ok()) {
    spdlog::warn("presence heartbeat for {} streams failed: {}", request.streams_size(),
                 status.error_message());
  }
}

}  // namespace natter::gateway
