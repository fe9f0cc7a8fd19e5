// What the gateway admits from clients before it knows who they are: calls and streams in flight
// per client address, and in all. Each admitted call or stream holds a Lease until it ends. Beyond
// a limit the call is refused at once with a status that says which limit, instead of queuing.
//
// What does not reach the application (a TCP connection that never finishes its handshake, a call
// whose request never arrives) is bounded by gRPC itself: see the server arguments in main.cc.
#pragma once

#include <grpcpp/support/status.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/base/thread_annotations.h"

namespace natter::gateway {

struct AdmissionLimits {
  // Calls and streams in flight from one address (IP, not port). Clients behind one NAT share it,
  // so this is generous; it stops one machine from taking the gateway.
  size_t per_address = 512;
  // Streams open on this gateway in all; beyond it clients are sent elsewhere (UNAVAILABLE). There
  // is no "no cap": a gateway past its memory is killed and all of its clients reconnect at once,
  // where a cap turns away only the newcomers. 20,000 is what one gateway was measured to hold
  // (BENCHMARKS.md, P3: about 45 KiB each, 840 MiB in all); size it to the process's memory.
  size_t streams = 20'000;
  // Unary calls in flight on this gateway in all.
  size_t unary_calls = 10'000;
};

class ClientAdmission {
 public:
  // Publishes the stream cap as natter_gateway_streams_max (the gateway has one ClientAdmission).
  explicit ClientAdmission(AdmissionLimits limits);

  // One admitted call or stream; releases its place when destroyed.
  class Lease {
   public:
    Lease(ClientAdmission& admission, std::string address, bool stream)
        : admission_(admission), address_(std::move(address)), stream_(stream) {}
    ~Lease() { admission_.Release(address_, stream_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    ClientAdmission& admission_;
    std::string address_;
    bool stream_;
  };

  // A lease for one more call (or stream) from `peer` (grpc's "ipv4:1.2.3.4:5678"), or the status
  // to refuse it with: RESOURCE_EXHAUSTED for the address's limit, UNAVAILABLE when the gateway is
  // full (another gateway may have room). A refused stream is counted in
  // natter_gateway_streams_refused_total by the limit it met.
  grpc::Status Admit(std::string_view peer, bool stream, std::unique_ptr<Lease>* lease);

  // What counts as one client address, from a gRPC peer string: "ipv4:1.2.3.4:5678" ->
  // "ipv4:1.2.3.4"; an IPv6 address by its /64 ("ipv6:[2001:db8:1:2:3:4:5:6]:443" ->
  // "ipv6:[2001:db8:1:2::]/64"), an IPv4-mapped one as IPv4; anything else as it is.
  static std::string AddressOf(std::string_view peer);

  size_t in_flight(std::string_view peer) const;

 private:
  void Release(const std::string& address, bool stream);

  const AdmissionLimits limits_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, size_t> per_address_ ABSL_GUARDED_BY(mu_);
  size_t streams_ ABSL_GUARDED_BY(mu_) = 0;
  size_t unary_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace natter::gateway
