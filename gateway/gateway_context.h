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
#include "common/rate_limit.h"
#include "hub.h"
#include "natter/v1/auth.grpc.pb.h"
#include "natter/v1/chat.grpc.pb.h"
#include "natter/v1/presence.grpc.pb.h"
#include "write_coalescer.h"

namespace natter::gateway {

struct GatewayOptions {
  std::string gateway_id;
  // Events queued for one client beyond this, or bytes beyond max_queued_bytes (what is being
  // written counts too): the client is told to resync and disconnected.
  size_t max_queued_events = 4096;
  size_t max_queued_bytes = 8 * 1024 * 1024;
  // A client with this many bytes waiting to be written is behind: the gateway reads no more of its
  // commands until it has caught up.
  size_t pause_reads_bytes = 1024 * 1024;
  // Sync and SyncEvents of one client in flight at once (their answers are the large ones); the
  // next waits, and reading with it.
  size_t max_syncs_in_flight = 2;
  // A write the client has not taken for this long: the client stopped reading, and the stream is
  // cancelled.
  std::chrono::milliseconds stalled_write_timeout{30000};
  // Commands of one client waiting for a service answer at once.
  size_t max_commands_in_flight = 64;
  // Largest ClientFrame a client may send on its stream.
  size_t max_frame_bytes = 64 * 1024;
  // Commands (frames) one stream may send: a sustained rate and a burst. Messages have a tighter
  // allowance per user in natter-chat; this one bounds what any one connection costs.
  RateLimit commands{50, 100};
  // Streams one user may hold open on this gateway at once.
  size_t max_streams_per_user = 16;
  std::chrono::milliseconds call_timeout{5000};
  // Calls that hash a password (argon2id) wait their turn in natter-auth's hashing queue during a
  // login storm: they keep the client's own deadline, up to this, instead of call_timeout.
  std::chrono::milliseconds password_call_timeout{60000};
};

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
  // Holds back fan-out writes (write_coalescer.h); without one they start at once.
  WriteCoalescer* coalescer = nullptr;
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
