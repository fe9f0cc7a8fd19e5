// Prometheus metrics for one process (prometheus-cpp), served at /metrics on a port of their own
// (--metrics-listen). Every gRPC server counts and times its RPCs by method and status code through
// an interceptor; components add their own families to the registry.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace natter {

class Metrics {
 public:
  // The process's registry and the families every server shares.
  static Metrics& Get();

  prometheus::Registry& registry() { return *registry_; }
  // natter_rpc_total{method, code} and natter_rpc_duration_seconds{method}.
  void RecordRpc(const std::string& method, grpc::StatusCode code, double seconds);

  // Serves /metrics on `listen` (HOST:PORT); an error when the port cannot be bound.
  absl::Status Serve(const std::string& listen);

  // For GrpcServer: an interceptor factory that records every RPC.
  static std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  InterceptorFactory();

 private:
  Metrics();

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& rpcs_;
  prometheus::Family<prometheus::Histogram>& rpc_seconds_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace natter
