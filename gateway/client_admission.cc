#include "client_admission.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include <algorithm>
#include <iterator>

#include "gateway_metrics.h"

namespace natter::gateway {

ClientAdmission::ClientAdmission(AdmissionLimits limits) : limits_(limits) {
  GatewayMetrics::Get().streams_max.Set(static_cast<double>(limits_.streams));
}

std::string ClientAdmission::AddressOf(std::string_view peer) {
  if (peer.starts_with("ipv6:[")) {
    size_t close = peer.find(']');
    if (close == std::string_view::npos) return std::string(peer);
    std::string ip(peer.substr(6, close - 6));
    in6_addr address{};
    if (inet_pton(AF_INET6, ip.c_str(), &address) != 1)
      return std::string(peer.substr(0, close + 1));
    if (IN6_IS_ADDR_V4MAPPED(&address)) {
      // An IPv4 client of a dual-stack listener: its IPv4 address, as if it came over IPv4.
      char v4[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &address.s6_addr[12], v4, sizeof v4);
      return std::string("ipv4:") + v4;
    }
    // One subscriber usually holds a whole /64, so that is what counts as one address.
    std::fill(std::begin(address.s6_addr) + 8, std::end(address.s6_addr), 0);
    char prefix[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &address, prefix, sizeof prefix);
    return std::string("ipv6:[") + prefix + "]/64";
  }
  if (peer.starts_with("ipv4:")) {
    size_t colon = peer.rfind(':');
    if (colon != std::string_view::npos && colon > 4) return std::string(peer.substr(0, colon));
  }
  return std::string(peer);
}

grpc::Status ClientAdmission::Admit(std::string_view peer, bool stream,
                                    std::unique_ptr<Lease>* lease) {
  std::string address = AddressOf(peer);
  {
    std::lock_guard lock(mu_);
    if (stream ? streams_ >= limits_.streams : unary_calls_ >= limits_.unary_calls) {
      if (stream) GatewayMetrics::Get().streams_refused_gateway.Increment();
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "this gateway is full; try again in a moment or connect to another");
    }
    size_t& count = per_address_[address];
    if (count >= limits_.per_address) {
      if (stream) GatewayMetrics::Get().streams_refused_per_address.Increment();
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          fmt::format("too many calls and streams from your address at once "
                                      "(at most {}); close some and try again",
                                      limits_.per_address));
    }
    ++count;
    ++(stream ? streams_ : unary_calls_);
  }
  *lease = std::make_unique<Lease>(*this, std::move(address), stream);
  return grpc::Status::OK;
}

void ClientAdmission::Release(const std::string& address, bool stream) {
  std::lock_guard lock(mu_);
  --(stream ? streams_ : unary_calls_);
  auto it = per_address_.find(address);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

size_t ClientAdmission::in_flight(std::string_view peer) const {
  std::lock_guard lock(mu_);
  auto it = per_address_.find(AddressOf(peer));
  return it == per_address_.end() ? 0 : it->second;
}

}  // namespace natter::gateway
