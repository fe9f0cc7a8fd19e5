// What every client stream of one gateway shares: service stubs, the hub, identity and limits.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "hub.h"
#include "natter/v1/auth.grpc.pb.h"
#include "natter/v1/chat.grpc.pb.h"
#include "natter/v1/presence.grpc.pb.h"

namespace natter::gateway {

struct GatewayOptions {
  std::string gateway_id;
  // Events queued for one client beyond this: the client is told to resync and disconnected.
  size_t max_queued_events = 4096;
  // Commands of one client waiting for a service answer at once.
  size_t max_commands_in_flight = 64;
  // Largest ClientFrame a client may send on its stream.
  size_t max_frame_bytes = 64 * 1024;
  std::chrono::milliseconds call_timeout{5000};
};

// The token of "authorization: Bearer <token>" metadata, or "" when there is none.
std::string BearerToken(const grpc::CallbackServerContext& context);

struct GatewayContext {
  GatewayOptions options;
  std::unique_ptr<v1::Auth::StubInterface> auth;
  std::unique_ptr<v1::Chat::StubInterface> chat;
  std::unique_ptr<v1::Presence::StubInterface> presence;
  Hub* hub = nullptr;
  std::atomic<uint64_t> next_stream{1};
  std::atomic<bool> draining{false};
};

}  // namespace natter::gateway
