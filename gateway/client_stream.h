// One connected client: a bidirectional gRPC stream (callback API, raw bytes so events serialized
// once are written to every stream as they are). Authenticates with the bearer token, attaches to
// the hub, sends Welcome, then relays commands to the services and events to the client. One read
// and one write in flight; everything queued while a write is in flight goes out as the next frame.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/rate_limit.h"
#include "gateway_context.h"
#include "hub.h"
#include "natter/v1/gateway.pb.h"
#include "natter/v1/presence.pb.h"

namespace natter::gateway {

class ClientStream final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>,
                           public EventSink,
                           public HeldWriter,
                           public std::enable_shared_from_this<ClientStream> {
 public:
  // Creates the stream and starts authenticating; gRPC owns the reactor until OnDone.
  static grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Start(
      GatewayContext& gateway, grpc::CallbackServerContext* context);

  void Push(const grpc::Slice& framed_event) override;
  void PushFanOut(const grpc::Slice& framed_event) override;
  void WriteHeld() override;
  void Resync(const std::string& reason) override;
  void EndSessions(const v1::SessionEnded& ended, const grpc::Slice& framed_event) override;
  void OnMembership(const v1::RoomMembership& change, const grpc::Slice& framed_event) override;
  void OnBlockChanged(const v1::BlockChanged& change) override;
  // The gateway is shutting down: tell the client to reconnect elsewhere and end the stream.
  void GoAway(const std::string& reason);

  // Cancels the stream if a write has been waiting for the client longer than
  // options.stalled_write_timeout at `now_ms` (steady clock): a client that stopped reading. Called
  // periodically.
  void CancelIfStalled(int64_t now_ms);

  uint64_t user_id() const { return caller_.user_id(); }
  // Not about the user themselves, nor about someone in a block with them.
  void PushNotice(const grpc::Slice& framed_event, uint64_t about_user) override;
  // This stream as natter-presence knows it.
  v1::DeviceStream PresenceEntry() const;
  // False for a stream opened with metadata "natter-presence: off" (a command-line tool sending one
  // message): it does not make its user appear online.
  bool announces_presence() const { return announces_presence_; }

  // gRPC reactions.
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  ClientStream(GatewayContext& gateway, grpc::CallbackServerContext* context);

 private:
  void Authenticate();
  // Checks the token again (after events may have been lost); ends the stream if it is no longer
  // valid.
  void Revalidate();
  void EndStream(const std::string& reason);
  void OnAuthenticated(const v1::ValidateTokenResponse& session);
  void OnSubscribed();
  void SendWelcome(const v1::ListConversationsResponse& conversations,
                   const v1::ListFriendsResponse& friends);
  // A frame that was read and checked: handled now, or parked (and reading paused) while the stream
  // is behind. Reading resumes in ResumeReading.
  void Admit(v1::ClientFrame frame);
  // True when `frame` may be handled now: the client is not behind on its writes, and a sync leaves
  // room under max_syncs_in_flight.
  bool Admissible(const v1::ClientFrame& frame) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Handles the parked frame and reads again, once the stream has caught up. From any thread.
  void ResumeReading();
  // Runs `start` (StartRead, TryCancel) from a thread that is not in one of this stream's
  // reactions, where nothing else keeps the call alive: Finish, and so OnDone, wait until it has
  // returned. Nothing runs once Finish was called.
  void OutsideReaction(const std::function<void()>& start);
  // Answers a frame that cannot be handled with `code` and `error`; the stream goes on.
  void Refuse(uint64_t request_id, grpc::StatusCode code, const std::string& error,
              std::chrono::milliseconds retry_after = std::chrono::milliseconds(0));
  void HandleFrame(const v1::ClientFrame& frame);
  // Counts a command in flight; false (and an error result sent) when the client has too many.
  // `sync`: a Sync or SyncEvents, counted in syncs_in_flight_ too.
  bool BeginCommand(uint64_t request_id, bool sync = false);
  void HandleSend(uint64_t request_id, const v1::SendMessage& send);
  void HandleSync(uint64_t request_id, const v1::SyncConversation& sync);
  void HandleSyncEvents(uint64_t request_id, const v1::SyncUserEvents& sync);
  void HandleEdit(uint64_t request_id, const v1::EditMessage& edit);
  void HandleDelete(uint64_t request_id, const v1::DeleteMessage& del);
  void HandleTyping(uint64_t request_id, const v1::TypingNotice& typing);
  void HandleMarkRead(uint64_t request_id, const v1::MarkRead& read);
  template <class Request, class Response, class Method, class Fill>
  void RelayToChat(uint64_t request_id, std::shared_ptr<ServiceCall<Request, Response>> call,
                   Method method, Fill fill);
  void CommandDone(v1::ServerEvent result, bool sync = false);
  void PushEvent(const v1::ServerEvent& event);
  // Queues an event; false when the queue overflowed (the stream is then ended).
  bool Enqueue(const grpc::Slice& framed_event);
  // Writes what is queued if nothing is in flight. Never called with mu_ held: gRPC may run the
  // completion inline.
  void Flush();
  // Ends the stream with `status` once what is queued has been written.
  void FinishAfterFlush(grpc::Status status);

  GatewayContext& gateway_;
  grpc::CallbackServerContext* const context_;
  std::shared_ptr<ClientStream> self_;  // keeps the stream alive until OnDone
  std::string stream_id_;
  v1::Caller caller_;  // set once, before any command is read
  std::string token_;  // kept in memory only, to re-check the session
  std::string device_;
  bool announces_presence_ = true;
  std::vector<std::string> channels_;
  // Users in a block with this one: from the Welcome snapshot, then kept up by OnBlockChanged.
  std::vector<uint64_t> hidden_users_ ABSL_GUARDED_BY(mu_);
  grpc::ByteBuffer read_buffer_;

  std::mutex mu_;
  std::vector<grpc::Slice> queue_ ABSL_GUARDED_BY(mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;  // of queue_
  grpc::ByteBuffer write_buffer_ ABSL_GUARDED_BY(mu_);
  size_t writing_bytes_ ABSL_GUARDED_BY(mu_) = 0;      // of write_buffer_, while in flight
  int64_t write_started_ms_ ABSL_GUARDED_BY(mu_) = 0;  // steady clock
  // Read but not handled while the stream is behind; no read is in flight meanwhile.
  std::optional<v1::ClientFrame> parked_ ABSL_GUARDED_BY(mu_);
  size_t syncs_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int holds_ ABSL_GUARDED_BY(mu_) = 0;  // OutsideReaction calls under way: Finish waits for them
  // Block changes that came before the Welcome's snapshot was applied, replayed after it.
  std::vector<v1::BlockChanged> early_blocks_ ABSL_GUARDED_BY(mu_);
  bool welcomed_ ABSL_GUARDED_BY(mu_) = false;
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool write_held_ ABSL_GUARDED_BY(mu_) = false;  // waiting in the gateway's WriteCoalescer
  bool finish_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  size_t commands_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool admitted_ ABSL_GUARDED_BY(mu_) = false;  // counted in GatewayContext::AdmitStream
  // The stream's place among its address's calls and streams (GatewayContext::admission).
  std::unique_ptr<ClientAdmission::Lease> address_lease_ ABSL_GUARDED_BY(mu_);
  // Touched only by OnReadDone, and gRPC runs one read callback at a time.
  TokenBucket command_allowance_;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::gateway
