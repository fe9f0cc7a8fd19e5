#include "common/grpc_server.h"

#include <fmt/format.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
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
  // Service channels ping every 20 s (MakeServiceChannel); by default a server takes a ping without
  // data only every 5 minutes and answers more with GOAWAY "too_many_pings", dropping the channel.
  builder_.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
}

GrpcServer::~GrpcServer() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now());
  if (health_server_) health_server_->Shutdown(std::chrono::system_clock::now());
}

void GrpcServer::CloseConnectionsAfter(std::chrono::seconds age) {
  builder_.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                              static_cast<int>(std::chrono::milliseconds(age).count()));
  builder_.AddChannelArgument(
      GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
      static_cast<int>(std::chrono::milliseconds(kMaxConnectionAgeGrace).count()));
}

void GrpcServer::AddService(grpc::Service* service) { builder_.RegisterService(service); }

std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> GrpcServer::AcceptExternally(
    std::shared_ptr<grpc::ServerCredentials> credentials) {
  external_ = true;
  return builder_.experimental().AddExternalConnectionAcceptor(
      grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD,
      credentials ? credentials : grpc::InsecureServerCredentials());
}

absl::Status GrpcServer::Start(const std::string& listen_address,
                               std::shared_ptr<grpc::ServerCredentials> credentials,
                               const std::string& health_listen) {
  if (!health_listen.empty()) {
    // A server of its own with nothing registered: the default health service is all it has.
    grpc::ServerBuilder health_builder;
    health_builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    int health_port = 0;
    health_builder.AddListeningPort(health_listen, grpc::InsecureServerCredentials(), &health_port);
    health_server_ = health_builder.BuildAndStart();
    if (!health_server_ || health_port == 0) {
      return absl::UnavailableError("cannot listen on " + health_listen +
                                    " for health checks (address in use or not valid)");
    }
    spdlog::info("{} serving health checks in plaintext on port {}", component_, health_port);
  }
  // Every RPC is counted and timed by method and status code (natter_rpc_*).
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(Metrics::InterceptorFactory());
  builder_.experimental().SetInterceptorCreators(std::move(interceptors));
  if (!listen_address.empty()) {
    builder_.AddListeningPort(
        listen_address, credentials ? credentials : grpc::InsecureServerCredentials(), &port_);
  }
  server_ = builder_.BuildAndStart();
  if (!server_ || (!external_ && port_ == 0)) {
    return absl::UnavailableError("cannot listen on " + listen_address +
                                  " (address in use or not valid)");
  }
  server_->GetHealthCheckService()->SetServingStatus(true);
  if (health_server_) health_server_->GetHealthCheckService()->SetServingStatus(true);
  if (listen_address.empty()) {
    spdlog::info("{} serving gRPC {} on connections it accepts itself", component_,
                 credentials ? "with TLS" : "in plaintext");
  } else {
    spdlog::info("{} serving gRPC on port {} {}", component_, port_,
                 credentials ? "with TLS" : "in plaintext");
  }
  return absl::OkStatus();
}

namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(fmt::format("cannot read the TLS {} {}", what, path));
  std::stringstream content;
  content << in.rdbuf();
  if (content.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(fmt::format("the TLS {} {} is not a PEM file", what, path));
  }
  return content.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsServerCredentials(
    const std::string& cert_file, const std::string& key_file, int reload_seconds) {
  // Read once here for a clear error at start; gRPC's watcher reads them from then on.
  if (auto cert = ReadPem(cert_file, "certificate"); !cert.ok()) return cert.status();
  if (auto key = ReadPem(key_file, "key"); !key.ok()) return key.status();
  auto files = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      key_file, cert_file, static_cast<unsigned>(reload_seconds));
  grpc::experimental::TlsServerCredentialsOptions options(files);
  options.watch_identity_key_cert_pairs();
  return grpc::experimental::TlsServerCredentials(options);
}

absl::StatusOr<ServiceCredentials> LoadServiceCredentials(const ServiceTls& tls) {
  if (!tls.enabled()) {
    if (tls.required) {
      return absl::FailedPreconditionError(
          "mutual TLS between services is required (--require-service-tls) but not configured: "
          "give --service-ca, --service-cert and --service-key; refusing to serve in plaintext");
    }
    spdlog::warn(
        "calls between services are in PLAINTEXT (no --service-ca): whoever reaches a service's "
        "port can act as any user. Fine on one machine; in production configure mutual TLS and "
        "--require-service-tls (docs/SECURITY.md)");
    return ServiceCredentials{nullptr, nullptr};  // plaintext: see GrpcServer::Start
  }
  if (auto ca = ReadPem(tls.ca_file, "service CA"); !ca.ok()) return ca.status();
  if (auto cert = ReadPem(tls.cert_file, "service certificate"); !cert.ok()) return cert.status();
  if (auto key = ReadPem(tls.key_file, "service key"); !key.ok()) return key.status();
  // One watcher of the three files serves both sides: a renewed certificate or CA is used by new
  // connections, served and dialled, without a restart.
  auto files = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls.key_file, tls.cert_file, tls.ca_file, static_cast<unsigned>(tls.reload_seconds));
  grpc::experimental::TlsServerCredentialsOptions server(files);
  server.watch_root_certs();
  server.watch_identity_key_cert_pairs();
  server.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  grpc::experimental::TlsChannelCredentialsOptions channel;
  channel.set_certificate_provider(files);
  channel.watch_root_certs();
  channel.watch_identity_key_cert_pairs();
  return ServiceCredentials{grpc::experimental::TlsServerCredentials(server),
                            grpc::experimental::TlsCredentials(channel)};
}

void GrpcServer::Drain(std::chrono::seconds grace, const std::function<void()>& before_shutdown) {
  if (!server_) return;
  server_->GetHealthCheckService()->SetServingStatus(false);
  if (health_server_) health_server_->GetHealthCheckService()->SetServingStatus(false);
  if (before_shutdown) before_shutdown();
  // Callers watching health (MakeServiceChannel's) stop picking this server within moments; calls
  // they already sent still arrive meanwhile and are served, not refused.
  std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(grace, kHealthPropagation));
  spdlog::info("{} draining (up to {} s)", component_, grace.count());
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  server_.reset();
  if (health_server_) health_server_->Shutdown(std::chrono::system_clock::now());
  health_server_.reset();
  spdlog::info("{} stopped", component_);
}

std::shared_ptr<grpc::Channel> MakeServiceChannel(
    const std::string& target, std::shared_ptr<grpc::ChannelCredentials> credentials,
    const std::string& server_name) {
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
  // A server closing a connection for its age (GrpcServer::CloseConnectionsAfter) makes the channel
  // resolve the target again; by default DNS is asked at most every 30 s, which would leave a new
  // replica without calls for that long after it appeared.
  args.SetInt(GRPC_ARG_DNS_MIN_TIME_BETWEEN_RESOLUTIONS_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  // Reconnect quickly after a replica restarts.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  if (credentials && !server_name.empty()) {
    args.SetString(GRPC_SSL_TARGET_NAME_OVERRIDE_ARG, server_name);
  }
  return grpc::CreateCustomChannel(
      target, credentials ? credentials : grpc::InsecureChannelCredentials(), args);
}

}  // namespace natter
