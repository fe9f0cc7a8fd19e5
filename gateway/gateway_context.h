// What every client stream of one gateway shares: service stubs, the hub, identity and limits.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "client_admission.h"
#include "gateway_options.h"
#include "hub.h"
#include "natter/v1/auth.grpc.pb.h"
#include "natter/v1/chat.grpc.pb.h"
#include "natter/v1/presence.grpc.pb.h"

namespace natter::gateway {

class ClientStream;
using Hub = BasicHub<ClientStream>;

// The deadline of a call that hashes a password: the client's, at most password_call_timeout away.
std::chrono::system_clock::time_point PasswordCallDeadline(
    const grpc::CallbackServerContext& context, const GatewayOptions& options);

// The token of "authorization: Bearer <token>" metadata, or "" when there is none.
std::string BearerToken(const grpc::CallbackServerContext& context);

struct GatewayContext {
  GatewayOptions options;
  std::unique_ptr<v1::Auth::StubInterface> auth;
  std::unique_ptr<v1::Chat::StubInterface> chat;
  std::unique_ptr<v1::Presence::StubInterface> presence;
  Hub* hub = nullptr;
  // Counts calls and streams per client address and in all; without one nothing is counted.
  ClientAdmission* admission = nullptr;
  std::atomic<uint64_t> next_stream{1};
  std::atomic<bool> draining{false};

  // Counts a stream of `user_id` on this gateway: false (and nothing counted) when the user already
  // has options.max_streams_per_user.
  bool AdmitStream(uint64_t user_id);
  void ReleaseStream(uint64_t user_id);

 private:
  std::mutex streams_mu_;
  std::unordered_map<uint64_t, size_t> streams_per_user_ ABSL_GUARDED_BY(streams_mu_);
};

// One call to a service: its context (with the gateway's deadline), request and response, kept
// alive together until the callback has run.
template <class Request, class Response>
struct ServiceCall {
  grpc::ClientContext context;
  Request request;
  Response response;
};

template <class Request, class Response>
std::shared_ptr<ServiceCall<Request, Response>> NewCall(const GatewayContext& gateway) {
  auto call = std::make_shared<ServiceCall<Request, Response>>();
  call->context.set_deadline(std::chrono::system_clock::now() + gateway.options.call_timeout);
  return call;
}

}  // namespace natter::gateway
