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
#include <string_view>
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
  // natter_mysql_call_duration_seconds{operation} and natter_redis_call_duration_seconds{command},
  // with natter_{mysql,redis}_call_errors_total for calls that failed. `operation` names a store
  // call ("send message"); `command` a Redis command ("PUBLISH").
  void RecordMysqlCall(std::string_view operation, double seconds, bool ok);
  void RecordRedisCall(std::string_view command, double seconds, bool ok);

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
  prometheus::Family<prometheus::Histogram>& mysql_seconds_;
  prometheus::Family<prometheus::Counter>& mysql_errors_;
  prometheus::Family<prometheus::Histogram>& redis_seconds_;
  prometheus::Family<prometheus::Counter>& redis_errors_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace natter
