#include "common/metrics.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "absl/status/status.h"

namespace natter {
namespace {

// Times one RPC from its start to the status it sends.
class RpcInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit RpcInterceptor(grpc::experimental::ServerRpcInfo* info)
      : method_(info->method() ? info->method() : "unknown"),
        start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
      Metrics::Get().RecordRpc(method_, methods->GetSendStatus().error_code(), elapsed.count());
    }
    methods->Proceed();
  }

 private:
  std::string method_;
  std::chrono::steady_clock::time_point start_;
};

class RpcInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // Unary calls only. An interceptor on a stream runs on every message it carries: on the gateway's
  // Connect streams that was a large share of the CPU per delivery (callgrind, BENCHMARKS.md).
  // Streams have their own metrics (natter_gateway_*).
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    if (info->type() != grpc::experimental::ServerRpcInfo::Type::UNARY) return nullptr;
    return new RpcInterceptor(info);
  }
};

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      rpcs_(prometheus::BuildCounter()
                .Name("natter_rpc_total")
                .Help("RPCs served, by method and status code")
                .Register(*registry_)),
      rpc_seconds_(prometheus::BuildHistogram()
                       .Name("natter_rpc_duration_seconds")
                       .Help("Time from an RPC's start to its status, by method")
                       .Register(*registry_)),
      mysql_seconds_(prometheus::BuildHistogram()
                         .Name("natter_mysql_call_duration_seconds")
                         .Help("Time of one store call on MySQL, waiting for a connection included")
                         .Register(*registry_)),
      mysql_errors_(prometheus::BuildCounter()
                        .Name("natter_mysql_call_errors_total")
                        .Help("Store calls on MySQL that failed, by operation")
                        .Register(*registry_)),
      redis_seconds_(prometheus::BuildHistogram()
                         .Name("natter_redis_call_duration_seconds")
                         .Help("Time of one Redis command or pipeline (named by its first command)")
                         .Register(*registry_)),
      redis_errors_(prometheus::BuildCounter()
                        .Name("natter_redis_call_errors_total")
                        .Help("Redis commands that failed, by command")
                        .Register(*registry_)) {}

Metrics& Metrics::Get() {
  static Metrics* metrics = new Metrics();  // never destroyed: interceptors may outlive main
  return *metrics;
}

void Metrics::RecordRpc(const std::string& method, grpc::StatusCode code, double seconds) {
  // gRPC's codes are absl's, with the same numbers and names ("OK", "NOT_FOUND", ...).
  rpcs_
      .Add({{"method", method},
            {"code", absl::StatusCodeToString(static_cast<absl::StatusCode>(code))}})
      .Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  rpc_seconds_.Add({{"method", method}}, kBuckets).Observe(seconds);
}

namespace {

const prometheus::Histogram::BucketBoundaries& BackendBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
  return kBuckets;
}

}  // namespace

void Metrics::RecordMysqlCall(std::string_view operation, double seconds, bool ok) {
  prometheus::Labels labels{{"operation", std::string(operation)}};
  mysql_seconds_.Add(labels, BackendBuckets()).Observe(seconds);
  if (!ok) mysql_errors_.Add(labels).Increment();
}

void Metrics::RecordRedisCall(std::string_view command, double seconds, bool ok) {
  prometheus::Labels labels{{"command", std::string(command)}};
  redis_seconds_.Add(labels, BackendBuckets()).Observe(seconds);
  if (!ok) redis_errors_.Add(labels).Increment();
}

absl::Status Metrics::Serve(const std::string& listen) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(listen);
  } catch (const std::exception& e) {
    return absl::UnavailableError("cannot serve metrics on " + listen + ": " + e.what());
  }
  exposer_->RegisterCollectable(registry_);
  spdlog::info("metrics on http://{}/metrics", listen);
  return absl::OkStatus();
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
Metrics::InterceptorFactory() {
  return std::make_unique<RpcInterceptorFactory>();
}

}  // namespace natter
