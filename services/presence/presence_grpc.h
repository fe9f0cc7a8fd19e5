// natter-presence's gRPC face: each RPC runs PresenceService on a worker pool (Redis calls block).
#pragma once

#include "common/worker_pool.h"
#include "natter/v1/presence.grpc.pb.h"
#include "presence_service.h"

namespace natter::presence {

class PresenceGrpc final : public v1::Presence::CallbackService {
 public:
  PresenceGrpc(PresenceService& service, WorkerPool& pool) : service_(service), pool_(pool) {}

  grpc::ServerUnaryReactor* StreamOpened(grpc::CallbackServerContext* context,
                                         const v1::StreamOpenedRequest* request,
                                         v1::StreamOpenedResponse* response) override;
  grpc::ServerUnaryReactor* StreamClosed(grpc::CallbackServerContext* context,
                                         const v1::StreamClosedRequest* request,
                                         v1::StreamClosedResponse* response) override;
  grpc::ServerUnaryReactor* Heartbeat(grpc::CallbackServerContext* context,
                                      const v1::HeartbeatRequest* request,
                                      v1::HeartbeatResponse* response) override;
  grpc::ServerUnaryReactor* GetPresence(grpc::CallbackServerContext* context,
                                        const v1::GetPresenceRequest* request,
                                        v1::GetPresenceResponse* response) override;
  grpc::ServerUnaryReactor* SetStatus(grpc::CallbackServerContext* context,
                                      const v1::SetStatusRequest* request,
                                      v1::SetStatusResponse* response) override;
  grpc::ServerUnaryReactor* ListOnline(grpc::CallbackServerContext* context,
                                       const v1::ListOnlineRequest* request,
                                       v1::ListOnlineResponse* response) override;

 private:
  PresenceService& service_;
  WorkerPool& pool_;
};

}  // namespace natter::presence
