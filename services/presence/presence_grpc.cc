#include "presence_grpc.h"

#include "common/unary.h"

namespace natter::presence {

grpc::ServerUnaryReactor* PresenceGrpc::StreamOpened(grpc::CallbackServerContext* context,
                                                     const v1::StreamOpenedRequest* request,
                                                     v1::StreamOpenedResponse*) {
  return RunOnPool(context, pool_, [=, this] { return ToGrpc(service_.StreamOpened(*request)); });
}

grpc::ServerUnaryReactor* PresenceGrpc::StreamClosed(grpc::CallbackServerContext* context,
                                                     const v1::StreamClosedRequest* request,
                                                     v1::StreamClosedResponse*) {
  return RunOnPool(context, pool_, [=, this] { return ToGrpc(service_.StreamClosed(*request)); });
}

grpc::ServerUnaryReactor* PresenceGrpc::Heartbeat(grpc::CallbackServerContext* context,
                                                  const v1::HeartbeatRequest* request,
                                                  v1::HeartbeatResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.Heartbeat(*request), response); });
}

grpc::ServerUnaryReactor* PresenceGrpc::GetPresence(grpc::CallbackServerContext* context,
                                                    const v1::GetPresenceRequest* request,
                                                    v1::GetPresenceResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.GetPresence(*request), response); });
}

grpc::ServerUnaryReactor* PresenceGrpc::ListOnline(grpc::CallbackServerContext* context,
                                                   const v1::ListOnlineRequest* request,
                                                   v1::ListOnlineResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.ListOnline(*request), response); });
}

grpc::ServerUnaryReactor* PresenceGrpc::SetStatus(grpc::CallbackServerContext* context,
                                                  const v1::SetStatusRequest* request,
                                                  v1::SetStatusResponse* response) {
  return RunOnPool(context, pool_,
                   [=, this] { return Respond(service_.SetStatus(*request), response); });
}

}  // namespace natter::presence
