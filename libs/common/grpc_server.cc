#include "common/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "common/metrics.h"

namespace natter {
namespace {

// How long a draining server keeps accepting calls after reporting NOT_SERVING.
constexpr std::chrono::milliseconds kHealthPropagation{500};

sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void DisableMutexDeadlockDetection() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

void BlockShutdownSignals() {
  sigset_t set = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A peer that disappears must not kill the process through SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
}

std::string WaitForShutdownSignal() {
  sigset_t set = ShutdownSignals();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig == SIGTERM ? "SIGTERM" : "SIGINT";
}

GrpcServer::GrpcServer(std::string component) : component_(std::move(component)) {
  DisableMutexDeadlockDetection();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  // gRPC sets SO_REUSEPORT by default, which lets a second server "bind" a port already in use.
  builder_.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
}

GrpcServer::~GrpcServer() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now());
}

void GrpcServer::AddService(grpc::Service* service) { builder_.RegisterService(service); }

absl::Status GrpcServer::Start(const std::string& listen_address,
                               std::shared_ptr<grpc::ServerCredentials> credentials) {
  // Every RPC is counted and timed by method and status code (natter_rpc_*).
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(Metrics::InterceptorFactory());
  builder_.experimental().SetInterceptorCreators(std::move(interceptors));
  builder_.AddListeningPort(listen_address,
                            credentials ? credentials : grpc::InsecureServerCredentials(), &port_);
  server_ = builder_.BuildAndStart();
  if (!server_ || port_ == 0) {
    return absl::UnavailableError("cannot listen on " + listen_address +
                                  " (address in use or not valid)");
  }
  server_->GetHealthCheckService()->SetServingStatus(true);
  spdlog::info("{} serving gRPC on port {}{}", component_, port_, credentials ? " (TLS)" : "");
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsServerCredentials(
    const std::string& cert_file, const std::string& key_file) {
  auto read = [](const std::string& path, const char* what) -> absl::StatusOr<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in)
      return absl::InvalidArgumentError(std::string("cannot read the TLS ") + what + " " + path);
    std::stringstream content;
    content << in.rdbuf();
    if (content.str().find("-----BEGIN") == std::string::npos) {
      return absl::InvalidArgumentError(std::string("the TLS ") + what + " " + path +
                                        " is not a PEM file");
    }
    return content.str();
  };
  auto cert = read(cert_file, "certificate");
  if (!cert.ok()) return cert.status();
  auto key = read(key_file, "key");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(options);
}

void GrpcServer::Drain(std::chrono::seconds grace, const std::function<void()>& before_shutdown) {
  if (!server_) return;
  server_->GetHealthCheckService()->SetServingStatus(false);
  if (before_shutdown) before_shutdown();
  // Callers watching health (MakeServiceChannel's) stop picking this server within moments; calls
  // they already sent still arrive meanwhile and are served, not refused.
  std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(grace, kHealthPropagation));
  spdlog::info("{} draining (up to {} s)", component_, grace.count());
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  server_.reset();
  spdlog::info("{} stopped", component_);
}

std::shared_ptr<grpc::Channel> MakeServiceChannel(const std::string& target) {
  grpc::ChannelArguments args;
  // Client-side health checking: round_robin skips a replica whose grpc.health.v1 reports
  // NOT_SERVING, so a draining replica gets no new calls.
  args.SetServiceConfigJSON(R"({
    "loadBalancingConfig": [{"round_robin": {}}],
    "healthCheckConfig": {"serviceName": ""},
    "methodConfig": [{
      "name": [{}],
      "retryPolicy": {
        "maxAttempts": 4,
        "initialBackoff": "0.05s",
        "maxBackoff": "1s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"]
      }
    }]
  })");
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  // Reconnect quickly after a replica restarts.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

}  // namespace natter
