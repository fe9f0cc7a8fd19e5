#include "connection_gate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "client_admission.h"
#include "common/thread_name.h"
#include "gateway_metrics.h"

namespace natter::gateway {
namespace {

// Records of closed connections are dropped at least this often, so that memory follows the
// connections actually open even when no limit is near.
constexpr int kSweepMillis = 5000;
// After the process runs out of descriptors, accepting waits this long before trying again
// instead of spinning on the connection it cannot take.
constexpr auto kOutOfDescriptorsPause = std::chrono::milliseconds(100);
// Refused connections are logged at most once per this period.
constexpr auto kRefusalLogPeriod = std::chrono::seconds(10);

// The socket's cookie, or 0 when `fd` is not an open socket.
uint64_t CookieOf(int fd) {
  uint64_t cookie = 0;
  socklen_t length = sizeof cookie;
  if (::getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &length) != 0) return 0;
  return cookie;
}

bool StillOpen(const auto& admitted) { return CookieOf(admitted.fd) == admitted.cookie; }

}  // namespace

std::string AddressKey(const sockaddr_storage& peer) {
  char host[INET6_ADDRSTRLEN] = {};
  if (peer.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(peer);
    ::inet_ntop(AF_INET, &v4.sin_addr, host, sizeof host);
    return ClientAdmission::AddressOf(std::string("ipv4:") + host + ":" +
                                      std::to_string(ntohs(v4.sin_port)));
  }
  if (peer.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(peer);
    ::inet_ntop(AF_INET6, &v6.sin6_addr, host, sizeof host);
    return ClientAdmission::AddressOf(std::string("ipv6:[") + host +
                                      "]:" + std::to_string(ntohs(v6.sin6_port)));
  }
  return "unknown";
}

absl::StatusOr<std::unique_ptr<ConnectionGate>> ConnectionGate::Listen(const std::string& listen,
                                                                       ConnectionLimits limits) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError("the listen address " + listen + " has no :PORT");
  }
  std::string host = listen.substr(0, colon);
  std::string port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
      rc != 0) {
    return absl::InvalidArgumentError("cannot resolve the listen address " + listen + ": " +
                                      ::gai_strerror(rc));
  }
  std::vector<int> listeners;
  int bound_port = 0;
  std::string error;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    sockaddr_storage address{};
    std::memcpy(&address, a->ai_addr, a->ai_addrlen);
    // "localhost" may resolve to two addresses; with port 0 both get the port the first got.
    if (bound_port != 0) {
      auto& port_field = address.ss_family == AF_INET6
                             ? reinterpret_cast<sockaddr_in6&>(address).sin6_port
                             : reinterpret_cast<sockaddr_in&>(address).sin_port;
      port_field = htons(static_cast<uint16_t>(bound_port));
    }
    int fd = ::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    int on = 1, off = 0;
    // Like gRPC's own listener: the port is reusable after a restart (SO_REUSEADDR) but really ours
    // while we run (no SO_REUSEPORT), "::" takes IPv4 clients too, and accepted sockets inherit
    // TCP_NODELAY.
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (a->ai_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), a->ai_addrlen) != 0 ||
        ::listen(fd, SOMAXCONN) != 0) {
      error = std::strerror(errno);
      ::close(fd);
      continue;
    }
    if (bound_port == 0) {
      sockaddr_storage local{};
      socklen_t length = sizeof local;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
      bound_port =
          ntohs(local.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(local).sin6_port
                                            : reinterpret_cast<sockaddr_in&>(local).sin_port);
    }
    listeners.push_back(fd);
  }
  ::freeaddrinfo(found);
  if (listeners.empty()) {
    return absl::UnavailableError("cannot listen on " + listen + ": " + error);
  }
  int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    for (int fd : listeners) ::close(fd);
    return absl::InternalError(std::string("eventfd: ") + std::strerror(errno));
  }
  return std::unique_ptr<ConnectionGate>(
      new ConnectionGate(std::move(listeners), bound_port, limits, wake));
}

ConnectionGate::ConnectionGate(std::vector<int> listeners, int port, ConnectionLimits limits,
                               int wake)
    : listeners_(std::move(listeners)), port_(port), limits_(limits), wake_(wake) {}

ConnectionGate::~ConnectionGate() {
  Stop();
  ::close(wake_);
}

void ConnectionGate::Start(grpc::experimental::ExternalConnectionAcceptor* acceptor) {
  acceptor_ = acceptor;
  thread_ = std::thread([this] {
    NameThisThread("conn-gate");
    Run();
  });
}

void ConnectionGate::Stop() {
  if (stopped_.exchange(true)) return;
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  for (int fd : listeners_) ::close(fd);
}

void ConnectionGate::Run() {
  std::vector<pollfd> polled;
  for (int fd : listeners_) polled.push_back({fd, POLLIN, 0});
  polled.push_back({wake_, POLLIN, 0});
  auto next_sweep = std::chrono::steady_clock::now() + std::chrono::milliseconds(kSweepMillis);
  while (!stopped_) {
    int ready = ::poll(polled.data(), polled.size(), kSweepMillis);
    if (ready < 0 && errno != EINTR) {
      spdlog::error("accepting connections: poll: {}", std::strerror(errno));
      std::this_thread::sleep_for(kOutOfDescriptorsPause);
    }
    if (polled.back().revents != 0) break;
    for (size_t i = 0; ready > 0 && i + 1 < polled.size(); ++i) {
      if (polled[i].revents & POLLIN) Accept(polled[i].fd);
    }
    if (auto now = std::chrono::steady_clock::now(); now >= next_sweep) {
      std::lock_guard lock(mu_);
      SweepAll();
      next_sweep = now + std::chrono::milliseconds(kSweepMillis);
    }
  }
}

void ConnectionGate::Accept(int listener) {
  // Take what is waiting now, then go back to poll so every listener gets its turn.
  for (int taken = 0; taken < 64; ++taken) {
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    int fd = ::accept4(listener, reinterpret_cast<sockaddr*>(&peer), &length,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        spdlog::error(
            "accepting a connection: {}; raise the descriptor limit (ulimit -n) or "
            "lower --max-connections",
            std::strerror(errno));
        std::this_thread::sleep_for(kOutOfDescriptorsPause);
      }
      return;  // EAGAIN (nothing more waiting), or a connection that went away while queued
    }
    std::string address = AddressKey(peer);
    uint64_t cookie = CookieOf(fd);
    if (cookie == 0 || !Admit(address, fd, cookie)) {
      ::close(fd);
      auto now = std::chrono::steady_clock::now();
      if (now - last_refusal_log_ >= kRefusalLogPeriod) {
        last_refusal_log_ = now;
        spdlog::warn(
            "refusing connections from {}: at its limit of {} open connections, or the "
            "gateway at its {} (natter_gateway_connections_refused_total counts them)",
            address, limits_.per_address, limits_.total);
      }
      continue;
    }
    int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters connection;
    connection.listener_fd = listener;
    connection.fd = fd;
    acceptor_->HandleNewConnection(&connection);  // gRPC owns fd now
  }
}

bool ConnectionGate::Admit(const std::string& address, int fd, uint64_t cookie) {
  auto& metrics = GatewayMetrics::Get();
  std::lock_guard lock(mu_);
  if (total_ >= limits_.total) SweepAll();
  if (total_ >= limits_.total) {
    metrics.connections_refused_total.Increment();
    return false;
  }
  auto& mine = admitted_[address];
  if (mine.size() >= limits_.per_address) Sweep(address);
  if (mine.size() >= limits_.per_address) {
    metrics.connections_refused_per_address.Increment();
    return false;
  }
  mine.push_back({fd, cookie});
  ++total_;
  metrics.connections_open.Set(static_cast<double>(total_));
  return true;
}

void ConnectionGate::Sweep(const std::string& address) {
  auto it = admitted_.find(address);
  if (it == admitted_.end()) return;
  auto& mine = it->second;
  size_t before = mine.size();
  std::erase_if(mine, [](const Admitted& a) { return !StillOpen(a); });
  total_ -= before - mine.size();  // an emptied entry stays for the caller; SweepAll drops it
  GatewayMetrics::Get().connections_open.Set(static_cast<double>(total_));
}

void ConnectionGate::SweepAll() {
  for (auto it = admitted_.begin(); it != admitted_.end();) {
    auto& mine = it->second;
    size_t before = mine.size();
    std::erase_if(mine, [](const Admitted& a) { return !StillOpen(a); });
    total_ -= before - mine.size();
    it = mine.empty() ? admitted_.erase(it) : std::next(it);
  }
  GatewayMetrics::Get().connections_open.Set(static_cast<double>(total_));
}

size_t ConnectionGate::open(std::string_view address) {
  std::lock_guard lock(mu_);
  std::string key(address);
  Sweep(key);
  auto it = admitted_.find(key);
  return it == admitted_.end() ? 0 : it->second.size();
}

size_t ConnectionGate::open_total() {
  std::lock_guard lock(mu_);
  SweepAll();
  return total_;
}

}  // namespace natter::gateway
