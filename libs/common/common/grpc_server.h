// gRPC server bootstrap shared by every Natter server: health service, reflection, a port that is
// really ours (SO_REUSEPORT off), and a SIGTERM drain.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/config.h"

namespace natter {

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts later, so that
// WaitForShutdownSignal() receives them. Call first thing in main().
void BlockShutdownSignals();

// Debian's Abseil is built with its debug checks on: every absl::Mutex lock (gRPC takes several per
// message) then walks a deadlock-detection graph, about 10 % of a gateway's CPU under fan-out
// (callgrind, BENCHMARKS.md). Every GrpcServer turns the check off; clients under load should too.
void DisableMutexDeadlockDetection();

// Blocks until SIGTERM or SIGINT arrives; returns its name.
std::string WaitForShutdownSignal();

class GrpcServer {
 public:
  explicit GrpcServer(std::string component);
  ~GrpcServer();

  // Services must outlive the server.
  void AddService(grpc::Service* service);
  // Closes each connection `age` (±10 %) after it opened, with a GOAWAY: a caller then dials again
  // and resolves the service's name again, so replicas added since are found and take their share
  // (a headless Service's DNS lists every pod; without this, callers stay on the replicas they
  // found first). Calls in flight get kMaxConnectionAgeGrace to finish. For servers of internal
  // services; call before Start.
  void CloseConnectionsAfter(std::chrono::seconds age);
  // Longer than any internal call may take (a login waits up to 60 s for its password hash).
  static constexpr std::chrono::seconds kMaxConnectionAgeGrace{70};

  // Builder options for callers with special needs (message size limits, keepalive).
  grpc::ServerBuilder& builder() { return builder_; }

  // Instead of a port gRPC binds, serves the connections the caller accepts itself and hands to
  // the returned acceptor (see gateway/connection_gate.h), in plaintext or with `credentials`.
  // Call before Start, then Start with an empty listen address. The acceptor takes connections
  // once Start has returned OK.
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> AcceptExternally(
      std::shared_ptr<grpc::ServerCredentials> credentials);

  // Binds `listen_address` (HOST:PORT; port 0 picks a free one; empty after AcceptExternally: no
  // port of its own) and starts serving, in plaintext (null `credentials`) or with `credentials`
  // (TLS), and says which in the log. With
  // `health_listen`, grpc.health.v1 is also served there alone, in plaintext, with the same status
  // (for probes that cannot speak TLS).
  absl::Status Start(const std::string& listen_address,
                     std::shared_ptr<grpc::ServerCredentials> credentials = nullptr,
                     const std::string& health_listen = "");
  int port() const { return port_; }

  // Health reports NOT_SERVING (load balancers and health-watching channels stop sending),
  // `before_shutdown` runs (e.g. the gateway tells clients to go elsewhere), calls keep being
  // served for half a second while callers notice, then new calls are refused and in-flight calls
  // get up to `grace` to finish.
  void Drain(std::chrono::seconds grace, const std::function<void()>& before_shutdown = {});

 private:
  std::string component_;
  grpc::ServerBuilder builder_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> health_server_;
  int port_ = 0;
  bool external_ = false;
};

// TLS server credentials from a PEM certificate chain and private key, read again every
// `reload_seconds` by gRPC's file watcher: a renewed pair serves new connections without a
// restart. Replace both files at once (a Kubernetes secret volume does): a pair that does not load
// stops new handshakes until a good one is back. A readable error when either file is missing or
// unreadable at start.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsServerCredentials(
    const std::string& cert_file, const std::string& key_file, int reload_seconds = 60);

// Credentials of an internal service (ServiceTls in common/config.h), for serving and for its
// channels to the others: mutual TLS when configured, its files read again every
// tls.reload_seconds; else null for both (plaintext, with a warning
// in the log), or FAILED_PRECONDITION when TLS is required. A readable error when a file is missing
// or not PEM.
struct ServiceCredentials {
  std::shared_ptr<grpc::ServerCredentials> server;
  std::shared_ptr<grpc::ChannelCredentials> channel;
};
absl::StatusOr<ServiceCredentials> LoadServiceCredentials(const ServiceTls& tls);

// Options for a channel to an internal service: round_robin over every address the target resolves
// to and retries with backoff for UNAVAILABLE only. Plaintext unless given `credentials`; with
// `server_name`, the server's certificate is checked against that name.
std::shared_ptr<grpc::Channel> MakeServiceChannel(
    const std::string& target, std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr,
    const std::string& server_name = "");

// A deadline `timeout` from now.
inline std::chrono::system_clock::time_point DeadlineIn(std::chrono::milliseconds timeout) {
  return std::chrono::system_clock::now() + timeout;
}

}  // namespace natter
