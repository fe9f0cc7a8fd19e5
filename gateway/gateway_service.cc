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
