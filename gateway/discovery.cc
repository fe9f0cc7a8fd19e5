#include "discovery.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "common/thread_name.h"

namespace natter::gateway {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// The local address this host uses to reach `peer` (the interface a probe came in on).
std::string LocalAddressFor(const sockaddr_storage& peer, socklen_t length) {
  int probe = ::socket(peer.ss_family, SOCK_DGRAM, 0);
  if (probe < 0) return {};
  std::string out;
  sockaddr_storage local{};
  socklen_t local_length = sizeof local;
  if (::connect(probe, reinterpret_cast<const sockaddr*>(&peer), length) == 0 &&
      ::getsockname(probe, reinterpret_cast<sockaddr*>(&local), &local_length) == 0) {
    char host[NI_MAXHOST];
    if (::getnameinfo(reinterpret_cast<sockaddr*>(&local), local_length, host, sizeof host, nullptr,
                      0, NI_NUMERICHOST) == 0) {
      out = local.ss_family == AF_INET6 ? "[" + std::string(host) + "]" : host;
    }
  }
  ::close(probe);
  return out;
}

}  // namespace

bool IsDiscoveryProbe(std::string_view datagram) {
  return datagram.size() <= kMaxProbeBytes && Trim(datagram) == "NATTER-DISCOVER 1";
}

std::string DiscoveryAnswer(std::string_view address, std::string_view gateway_id) {
  return "NATTER-GATEWAY 1 " + std::string(address) + " " + std::string(gateway_id) + "\n";
}

DiscoveryResponder::DiscoveryResponder(std::string listen, std::string advertise,
                                       std::string gateway_id)
    : listen_(std::move(listen)),
      advertise_(std::move(advertise)),
      gateway_id_(std::move(gateway_id)) {}

DiscoveryResponder::~DiscoveryResponder() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

absl::Status DiscoveryResponder::Start() {
  size_t colon = listen_.rfind(':');
  if (colon == std::string::npos) return absl::InvalidArgumentError("listen address has no port");
  std::string host = listen_.substr(0, colon);
  port_ = listen_.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  wildcard_ = host.empty() || host == "0.0.0.0" || host == "::";
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port_.c_str(), &hints, &found);
      rc != 0) {
    return absl::InvalidArgumentError("discovery: cannot resolve " + listen_ + ": " +
                                      ::gai_strerror(rc));
  }
  fd_ = ::socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int rc = fd_ < 0 ? -1 : ::bind(fd_, found->ai_addr, found->ai_addrlen);
  ::freeaddrinfo(found);
  if (rc != 0) {
    return absl::UnavailableError("discovery: cannot listen on UDP " + listen_ + ": " +
                                  std::strerror(errno));
  }
  thread_ = std::thread([this] {
    NameThisThread("discovery");
    Run();
  });
  return absl::OkStatus();
}

void DiscoveryResponder::Run() {
  char buffer[kMaxProbeBytes + 1];
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof peer;
    ssize_t n =
        ::recvfrom(fd_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer), &peer_length);
    if (n <= 0 || !IsDiscoveryProbe(std::string_view(buffer, static_cast<size_t>(n)))) continue;
    std::string address = advertise_;
    if (address.empty()) {
      address = wildcard_ ? LocalAddressFor(peer, peer_length) + ":" + port_ : listen_;
    }
    std::string answer = DiscoveryAnswer(address, gateway_id_);
    ::sendto(fd_, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&peer), peer_length);
  }
}

}  // namespace natter::gateway
