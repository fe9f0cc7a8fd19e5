// Session: one client's stream as a state machine, with no gRPC calls and no threads of its own.
//
//   authenticating ──token valid──▶ subscribing ──Welcome queued──▶ live
//          │                             │                             │
//          └──────────── any end ────────┴──────────▶ draining ◀───────┘
//                                                        │ queue written (or given up)
//                                                        ▼
//                                                     closed (Finish called; OnDone tears down)
//
// It owns everything a stream decides: the state, the outbound queue (bounded in events and
// bytes), command admission (the allowance, commands and syncs in flight, reading paused while the
// client is behind), the users hidden by blocks, and what each event from the hub means for this
// stream (room notices, membership, block changes, ended sessions). It acts only through two
// interfaces: SessionWire (the client's stream) and SessionBackend (services, the hub, the
// gateway's counters). ClientStream feeds it from one strand, so it is never entered twice at once;
// answers from the backend come back the same way. Tests drive it with fakes and a fake clock.
#pragma once

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/rate_limit.h"
#include "gateway_options.h"
#include "natter/v1/auth.pb.h"
#include "natter/v1/chat.pb.h"
#include "natter/v1/gateway.pb.h"
#include "natter/v1/presence.pb.h"

namespace natter::gateway {

struct HubEvent;

// What a session does to its client's stream. Called from the session's strand only.
class SessionWire {
 public:
  virtual ~SessionWire() = default;
  // Writes one ServerFrame made of the `count` framed events at `events` (event_frame.h; read
  // during the call only). One write at a time: the next comes after Session::OnWriteDone.
  virtual void StartWrite(const grpc::Slice* events, size_t count) = 0;
  // Reads the next ClientFrame. One read at a time: the next comes after Session::OnRead.
  virtual void StartRead() = 0;
  // Ends the call with `status`; nothing else is called afterwards.
  virtual void Finish(const grpc::Status& status) = 0;
  // Cancels the call: a write the client does not take can only end this way.
  virtual void Cancel() = 0;
};

// What a session asks of the rest of the gateway. Each `done` is called later, through the
// session's strand, unless the session has been destroyed.
class SessionBackend {
 public:
  virtual ~SessionBackend() = default;
  virtual void ValidateToken(const std::string& token,
                             std::function<void(grpc::Status, v1::ValidateTokenResponse)> done) = 0;
  // Counts a stream of `user_id` on this gateway; false when the user has too many.
  virtual bool AdmitUser(uint64_t user_id) = 0;
  virtual void ReleaseUser(uint64_t user_id) = 0;
  // The ids of the rooms `caller` is a member of.
  virtual void ListRooms(const v1::Caller& caller,
                         std::function<void(grpc::Status, std::vector<uint64_t>)> done) = 0;
  // The Welcome's snapshot: conversations with their latest seqs, friends with presence.
  virtual void LoadWelcome(
      const v1::Caller& caller,
      std::function<void(grpc::Status, v1::ListConversationsResponse, v1::ListFriendsResponse)>
          done) = 0;
  // The hub: `ready` once Redis confirmed every channel.
  virtual void Attach(const std::vector<std::string>& channels, std::function<void()> ready) = 0;
  virtual void AddChannel(const std::string& channel, std::function<void()> ready) = 0;
  virtual void RemoveChannel(const std::string& channel) = 0;
  virtual void Detach() = 0;
  // Runs a command of the table (stream_commands.h) as `caller`; `done` gets its result (or error),
  // without the request_id.
  virtual void RunCommand(const v1::Caller& caller, const v1::ClientFrame& frame,
                          std::function<void(v1::CommandResult)> done) = 0;
  // natter-presence: the stream appears (and later disappears) among the user's devices.
  virtual void StreamOpened(const v1::DeviceStream& stream) = 0;
  virtual void StreamClosed(const v1::DeviceStream& stream) = 0;
};

class Session {
 public:
  enum class State { kAuthenticating, kSubscribing, kLive, kDraining, kClosed };

  // How the stream was opened.
  struct Opening {
    std::string token;               // from "authorization: Bearer ..."; empty when there was none
    bool announces_presence = true;  // false for "natter-presence: off"
    grpc::Status admitted;           // the address's admission, the gateway's draining
  };

  // `clock` is a steady clock (milliseconds), for the allowance and the stall timer.
  Session(const GatewayOptions& options, std::string stream_id, SessionWire& wire,
          SessionBackend& backend, const Clock& clock);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The inputs, each from the strand.
  void Start(Opening opening);
  void OnRead(const grpc::ByteBuffer& frame);
  // The client half-closed or went away: answer what is in flight, then end.
  void OnReadsDone();
  void OnWriteDone(bool ok);
  void OnCancel();
  // gRPC is done with the call: leave the hub, presence and the gateway's counts.
  void OnDone();
  // An event from the hub for this stream: queued (or acted on) but not written until Flush.
  void OnEvent(const HubEvent& event);
  // Writes what is queued, if no write is in flight.
  void Flush();
  // Events may have been lost: the client must sync, and the session is checked again.
  void Resync(const std::string& reason);
  // The gateway is shutting down: the client is told to reconnect elsewhere after
  // `reconnect_after` (GoAway.reconnect_after_ms) and the stream ends.
  void GoAway(const std::string& reason, std::chrono::milliseconds reconnect_after);
  // Cancels the stream if a write has waited for the client longer than stalled_write_timeout.
  void CheckStalled();

  State state() const { return state_; }
  uint64_t user_id() const { return caller_.user_id(); }
  const std::string& stream_id() const { return stream_id_; }
  // This stream as natter-presence knows it.
  v1::DeviceStream PresenceEntry() const;
  bool reading_paused() const { return parked_.has_value(); }
  size_t queued_bytes() const { return queued_bytes_ + writing_bytes_; }

 private:
  void OnTokenChecked(grpc::Status status, const v1::ValidateTokenResponse& session);
  void OnRoomsListed(grpc::Status status, const std::vector<uint64_t>& rooms);
  void OnSubscribed();
  void OnWelcomeLoaded(grpc::Status status, const v1::ListConversationsResponse& conversations,
                       const v1::ListFriendsResponse& friends);
  void OnRevalidated(const grpc::Status& status);

  // Ends the stream with `status` once what is queued has been written; the first end wins.
  void Close(grpc::Status status);
  // Ends the stream because `ended` names this session, after forwarding `framed_event`.
  void EndSessions(const v1::SessionEnded& ended, const grpc::Slice& framed_event);
  void StartRead();

  void Admit(v1::ClientFrame frame);
  // True when `frame` may be handled now: the client is not behind on its writes, and a heavy
  // command (a sync) leaves room under max_syncs_in_flight.
  bool Admissible(const v1::ClientFrame& frame) const;
  // Handles the parked frame and reads again, once the stream has caught up.
  void ResumeReading();
  void Handle(const v1::ClientFrame& frame);
  void OnCommandDone(uint64_t request_id, bool heavy, v1::CommandResult result);
  void Answer(uint64_t request_id, grpc::StatusCode code, const std::string& error,
              std::chrono::milliseconds retry_after = std::chrono::milliseconds(0));
  // Queues an event and writes it at once (unless a write is in flight).
  void Reply(const v1::ServerEvent& event);
  void Push(const grpc::Slice& framed_event);

  // Queues an event; false when the queue overflowed (the stream is then ending).
  bool Enqueue(const grpc::Slice& framed_event);
  bool Hidden(uint64_t user_id) const;

  const GatewayOptions& options_;
  const std::string stream_id_;
  SessionWire& wire_;
  SessionBackend& backend_;
  const Clock& clock_;

  State state_ = State::kAuthenticating;
  std::string token_;  // kept in memory only, to check the session again
  bool announces_presence_ = true;
  v1::Caller caller_;
  std::string device_;
  // What OnDone must undo.
  bool user_admitted_ = false;  // counted per user and in streams_open
  bool attached_ = false;
  bool announced_ = false;

  std::vector<uint64_t> hidden_users_;  // in a block with this user
  // Block changes that came before the Welcome's snapshot was applied, replayed after it.
  std::vector<v1::BlockChanged> early_blocks_;

  std::vector<grpc::Slice> queue_;
  size_t queued_bytes_ = 0;   // of queue_
  size_t writing_bytes_ = 0;  // of the write in flight
  bool write_in_flight_ = false;
  bool welcomed_ = false;  // the Welcome is first in the queue or written: events may be written
  int64_t write_started_ms_ = 0;
  bool cancelled_ = false;  // Cancel was called for a stalled write
  grpc::Status final_status_;

  TokenBucket command_allowance_;
  bool reading_ = false;     // a read is in flight
  bool reads_done_ = false;  // the client half-closed
  // Read but not handled while the stream is behind; no read is in flight meanwhile.
  std::optional<v1::ClientFrame> parked_;
  size_t commands_in_flight_ = 0;
  size_t syncs_in_flight_ = 0;
};

std::string_view StateName(Session::State state);

}  // namespace natter::gateway
