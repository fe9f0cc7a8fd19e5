// Runs a blocking unary RPC handler on a WorkerPool, so gRPC's reaction threads never block.
#pragma once

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

#include "absl/status/statusor.h"
#include "common/status.h"
#include "common/worker_pool.h"

namespace natter {

// `handler` returns grpc::Status and fills the response it captured. When the pool is saturated the
// caller gets RESOURCE_EXHAUSTED at once instead of queueing without bound.
template <class Handler>
grpc::ServerUnaryReactor* RunOnPool(grpc::CallbackServerContext* context, WorkerPool& pool,
                                    Handler handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  bool queued = pool.TrySubmit([reactor, context, handler = std::move(handler)]() mutable {
    if (context->IsCancelled()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the caller gave up"));
      return;
    }
    grpc::Status status;
    try {
      status = handler();
    } catch (const std::exception& e) {
      spdlog::error("handler threw: {}", e.what());
      status = grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
    }
    reactor->Finish(status);
  });
  if (!queued) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "server is busy, try again shortly"));
  }
  return reactor;
}

}  // namespace natter

namespace natter {

// Copies a domain result into the RPC response, or converts its error.
template <class T>
grpc::Status Respond(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpc(result.status());
  *response = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace natter
