// The gateway's listening sockets, owned here rather than by gRPC, so that a TCP connection is
// counted per client address and in all from the moment it is accepted: before its TLS or HTTP/2
// handshake and before any call, which is as early as gRPC's own limits (handshake timeout, idle
// timeout, streams per connection, memory quota) can act but, unlike them, per address. A
// connection beyond a limit is closed at once; an admitted one is handed to gRPC, which owns its
// descriptor from then on.
//
// gRPC does not say when it closes an admitted connection, so the gate reads it back: a socket's
// cookie (SO_COOKIE) is unique for the life of the system, so a descriptor number gRPC has closed
// (or closed and reused for another socket) no longer carries the cookie recorded at admission.
// Counts are refreshed this way for an address when it reaches its limit, for all when the total
// does, and every few seconds in the background.
#pragma once

#include <grpcpp/server_builder.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"

namespace natter::gateway {

struct ConnectionLimits {
  // Open connections from one address (IPv4, or an IPv6 /64). A client holds one; clients behind
  // one NAT share an address, so this is generous.
  size_t per_address = 256;
  // Open connections on this gateway in all.
  size_t total = 50'000;
};

class ConnectionGate {
 public:
  // Binds every address `listen` (HOST:PORT; port 0 picks a free one) resolves to and listens.
  static absl::StatusOr<std::unique_ptr<ConnectionGate>> Listen(const std::string& listen,
                                                                ConnectionLimits limits);
  ~ConnectionGate();  // stops accepting; connections already handed to gRPC stay open

  int port() const { return port_; }

  // Accepts connections on a thread of its own and hands each admitted one to `acceptor` (which
  // must outlive the gate, or Stop() must be called first). Call after the gRPC server started:
  // before that gRPC closes what it is given.
  void Start(grpc::experimental::ExternalConnectionAcceptor* acceptor);
  // Stops accepting and closes the listening sockets. Idempotent.
  void Stop();

  // Open admitted connections from `address` (as ClientAdmission::AddressOf names it), and in all.
  size_t open(std::string_view address);
  size_t open_total();

 private:
  struct Admitted {
    int fd;
    uint64_t cookie;
  };

  ConnectionGate(std::vector<int> listeners, int port, ConnectionLimits limits, int wake);
  void Run();
  void Accept(int listener);
  // Whether a connection from `address` may be admitted now; records it if so.
  bool Admit(const std::string& address, int fd, uint64_t cookie) ABSL_LOCKS_EXCLUDED(mu_);
  // Drops the records of connections gRPC has closed: of one address, or of all.
  void Sweep(const std::string& address) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SweepAll() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::vector<int> listeners_;
  const int port_;
  const ConnectionLimits limits_;
  const int wake_;  // an eventfd that ends Run()
  grpc::experimental::ExternalConnectionAcceptor* acceptor_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
  std::chrono::steady_clock::time_point last_refusal_log_;  // Run()'s thread only

  std::mutex mu_;
  std::unordered_map<std::string, std::vector<Admitted>> admitted_ ABSL_GUARDED_BY(mu_);
  size_t total_ ABSL_GUARDED_BY(mu_) = 0;
};

// The address key of a peer's socket address, as ClientAdmission::AddressOf names it.
std::string AddressKey(const sockaddr_storage& peer);

}  // namespace natter::gateway
