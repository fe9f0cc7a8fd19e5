// One connected client: a bidirectional gRPC stream (callback API, raw bytes so events serialized
// once are written to every stream as they are) around a Session (session.h), which decides
// everything. The stream only carries inputs to the session and performs what it asks:
//
// - Every input (gRPC's reactions, the hub's events, service answers, the heartbeat, shutdown) is
//   a step on the stream's strand: steps run one at a time, in order, on whichever thread brought
//   one while none was running; the others queue theirs and return. So the session is never
//   entered twice at once, and a StartRead, StartWrite or Finish it asks for cannot race another.
// - In the shape of gRPC's route_guide callback server: the next read starts from OnReadDone's
//   step, the next write from OnWriteDone's, and OnDone ends the stream.
// - gRPC owns the stream from Start until OnDone; the hub's snapshots and pending service calls
//   hold it too, so it lives until the last of them lets go. After Finish the session asks for
//   nothing more.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "gateway_context.h"
#include "session.h"
#include "strand.h"

namespace natter::gateway {

class ClientStream final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>,
                           public std::enable_shared_from_this<ClientStream>,
                           private SessionWire,
                           private SessionBackend {
 public:
  // Creates the stream and starts its session; gRPC owns the reactor until OnDone.
  static grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Start(
      GatewayContext& gateway, grpc::CallbackServerContext* context);

  ClientStream(GatewayContext& gateway, grpc::CallbackServerContext* context);

  // For the hub (hub.h), from its fan-out threads.
  void Deliver(const std::shared_ptr<const HubEvent>& event);
  void Flush();
  void Resync(const std::string& reason);

  // The gateway is shutting down: tell the client to reconnect elsewhere after `reconnect_after`
  // and end the stream.
  void GoAway(const std::string& reason, std::chrono::milliseconds reconnect_after);
  // Cancels the stream if its write has waited too long for the client (the heartbeat's check).
  void CheckStalled();
  // This stream as natter-presence knows it, while it is announced there.
  std::optional<v1::DeviceStream> Announced() const;

  // gRPC reactions.
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // Runs `step` on the strand: now, on this thread, if no step is running; otherwise after the
  // steps before it, on the thread running them.
  template <class Step>
  void Post(Step&& step);
  // Post for gRPC's reactions, which hold nothing of the stream themselves.
  template <class Step>
  void PostReaction(Step&& step);
  // A callback for the backend's answers: runs `done` on the strand if the stream still exists.
  template <class... Args>
  std::function<void(Args...)> OnStrand(std::function<void(Args...)> done);

  // SessionWire.
  void StartWrite(const grpc::Slice* events, size_t count) override;
  void StartRead() override;
  void Finish(const grpc::Status& status) override;
  void Cancel() override;

  // SessionBackend.
  void ValidateToken(const std::string& token,
                     std::function<void(grpc::Status, v1::ValidateTokenResponse)> done) override;
  bool AdmitUser(uint64_t user_id) override;
  void ReleaseUser(uint64_t user_id) override;
  void ListRooms(const v1::Caller& caller,
                 std::function<void(grpc::Status, std::vector<uint64_t>)> done) override;
  void LoadWelcome(
      const v1::Caller& caller,
      std::function<void(grpc::Status, v1::ListConversationsResponse, v1::ListFriendsResponse)>
          done) override;
  void Attach(const std::vector<std::string>& channels, std::function<void()> ready) override;
  void AddChannel(const std::string& channel, std::function<void()> ready) override;
  void RemoveChannel(const std::string& channel) override;
  void Detach() override;
  void RunCommand(const v1::Caller& caller, const v1::ClientFrame& frame,
                  std::function<void(v1::CommandResult)> done) override;
  void StreamOpened(const v1::DeviceStream& stream) override;
  void StreamClosed(const v1::DeviceStream& stream) override;

  GatewayContext& gateway_;
  grpc::CallbackServerContext* const context_;
  std::shared_ptr<ClientStream> self_;  // gRPC's hold, from Start until OnDone
  // The stream's place among its address's calls and streams (GatewayContext::admission).
  std::unique_ptr<ClientAdmission::Lease> address_lease_;
  Session session_;  // touched only on the strand
  grpc::ByteBuffer read_buffer_;
  grpc::ByteBuffer write_buffer_;

  Strand strand_;

  mutable std::mutex announced_mu_;
  std::optional<v1::DeviceStream> announced_ ABSL_GUARDED_BY(announced_mu_);
};

}  // namespace natter::gateway
