#include "common/metrics.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace natter {
namespace {

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "OTHER";
  }
}

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
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
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
                       .Register(*registry_)) {}

Metrics& Metrics::Get() {
  static Metrics* metrics = new Metrics();  // never destroyed: interceptors may outlive main
  return *metrics;
}

void Metrics::RecordRpc(const std::string& method, grpc::StatusCode code, double seconds) {
  rpcs_.Add({{"method", method}, {"code", CodeName(code)}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  rpc_seconds_.Add({{"method", method}}, kBuckets).Observe(seconds);
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
