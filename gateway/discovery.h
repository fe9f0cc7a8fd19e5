// Answers the desktop client's "find servers on this network" probe: a UDP datagram
// "NATTER-DISCOVER 1\n" sent to the gateway's port is answered with
// "NATTER-GATEWAY 1 <host:port> <gateway-id>\n", the address clients should connect to
// (docs/PROTOCOL.md). Anything else is ignored; nothing else is ever sent.
#pragma once

#include <atomic>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/status.h"

namespace natter::gateway {

inline constexpr size_t kMaxProbeBytes = 64;

// True for exactly the probe (a trailing newline and surrounding white space allowed).
bool IsDiscoveryProbe(std::string_view datagram);
std::string DiscoveryAnswer(std::string_view address, std::string_view gateway_id);

class DiscoveryResponder {
 public:
  // Listens on UDP `listen` ("host:port", the gateway's own address). `advertise` is the address
  // given in answers; empty means `listen`, or, when it is a wildcard, the local address the
  // probe arrived on, with the port.
  DiscoveryResponder(std::string listen, std::string advertise, std::string gateway_id);
  ~DiscoveryResponder();
  DiscoveryResponder(const DiscoveryResponder&) = delete;
  DiscoveryResponder& operator=(const DiscoveryResponder&) = delete;

  absl::Status Start();

 private:
  void Run();

  const std::string listen_;
  const std::string advertise_;
  const std::string gateway_id_;
  int fd_ = -1;
  std::string port_;
  bool wildcard_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace natter::gateway
