#include "client_stream.h"

#include <grpcpp/support/proto_buffer_reader.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/channels.h"
#include "common/grpc_server.h"
#include "common/status.h"
#include "event_frame.h"
#include "friends_view.h"
#include "gateway_metrics.h"
#include "unary_call.h"

namespace natter::gateway {
namespace {

// The request_id of a frame that could not be read as a whole, so that its refusal still names it
// (0 when even that cannot be read).
uint64_t RequestIdOf(const grpc::ByteBuffer& frame) {
  return VarintField(frame, v1::ClientFrame::kRequestIdFieldNumber).value_or(0);
}

void ApplyBlockChange(std::vector<uint64_t>& hidden, const v1::BlockChanged& change) {
  auto it = std::find(hidden.begin(), hidden.end(), change.user_id());
  if (change.hidden() && it == hidden.end()) hidden.push_back(change.user_id());
  if (!change.hidden() && it != hidden.end()) hidden.erase(it);
}

// The most one write takes from the queue, so that a slow client's write completes now and then
// and the stall timer measures progress, not the size of a backlog.
constexpr size_t kMaxWriteBytes = 256 * 1024;

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* ClientStream::Start(
    GatewayContext& gateway, grpc::CallbackServerContext* context) {
  auto stream = std::make_shared<ClientStream>(gateway, context);
  stream->self_ = stream;
  grpc::Status admitted;
  if (gateway.admission != nullptr) {
    std::unique_ptr<ClientAdmission::Lease> lease;
    admitted = gateway.admission->Admit(context->peer(), /*stream=*/true, &lease);
    std::lock_guard lock(stream->mu_);
    stream->address_lease_ = std::move(lease);
  }
  if (!admitted.ok()) {
    stream->FinishAfterFlush(admitted);
  } else if (gateway.draining) {
    stream->FinishAfterFlush(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                          "this gateway is shutting down; connect to another"));
  } else {
    stream->Authenticate();
  }
  return stream.get();
}

ClientStream::ClientStream(GatewayContext& gateway, grpc::CallbackServerContext* context)
    : gateway_(gateway), context_(context), command_allowance_(gateway.options.commands) {}

void ClientStream::Authenticate() {
  const auto& metadata = context_->client_metadata();
  if (auto it = metadata.find("natter-presence"); it != metadata.end()) {
    announces_presence_ = std::string_view(it->second.data(), it->second.size()) != "off";
  }
  std::string token = BearerToken(*context_);
  if (token.empty()) {
    FinishAfterFlush(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                  "no session token (metadata \"authorization: Bearer ...\"); "
                                  "log in first"));
    return;
  }
  token_ = token;
  auto call = NewCall<v1::ValidateTokenRequest, v1::ValidateTokenResponse>(gateway_);
  call->request.set_token(std::move(token));
  gateway_.auth->async()->ValidateToken(
      &call->context, &call->request, &call->response,
      [self = shared_from_this(), call](grpc::Status status) {
        if (!status.ok()) {
          self->FinishAfterFlush(PeerStatus(status, "the authentication service"));
          return;
        }
        self->OnAuthenticated(call->response);
      });
}

void ClientStream::OnAuthenticated(const v1::ValidateTokenResponse& session) {
  bool admitted = false;
  {
    std::lock_guard lock(mu_);
    if (done_) return;
    admitted = admitted_ = gateway_.AdmitStream(session.user_id());
  }
  if (!admitted) {
    FinishAfterFlush(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        fmt::format("this account already has {} connections open to this server; close one "
                    "(or log out of an old device) and try again",
                    gateway_.options.max_streams_per_user)));
    return;
  }
  caller_.set_user_id(session.user_id());
  caller_.set_username(session.username());
  caller_.set_session_id(session.session_id());
  device_ = session.device();
  stream_id_ = gateway_.options.gateway_id + "/" + std::to_string(gateway_.next_stream++);
  GatewayMetrics::Get().streams_open.Increment();

  // The rooms to subscribe to (a cheap call); the conversations with their latest seqs, previews
  // and read state come once the subscriptions are live (OnSubscribed).
  auto call = NewCall<v1::ListConversationsRequest, v1::ListConversationsResponse>(gateway_);
  *call->request.mutable_caller() = caller_;
  call->request.set_rooms_only(true);
  gateway_.chat->async()->ListConversations(
      &call->context, &call->request, &call->response,
      [self = shared_from_this(), call](grpc::Status status) {
        if (!status.ok()) {
          self->FinishAfterFlush(PeerStatus(status, "the chat service"));
          return;
        }
        self->channels_.push_back(UserChannel(self->caller_.user_id()));
        // Rooms have a channel each; direct messages come on the user's own channel.
        for (const auto& c : call->response.conversations()) {
          if (c.kind() == "room") self->channels_.push_back(ConversationChannel(c.id()));
        }
        std::lock_guard lock(self->mu_);
        if (self->done_) return;
        // Attached under mu_ so that OnDone (which detaches) cannot run in between.
        self->gateway_.hub->Attach(self, self->channels_, [weak = std::weak_ptr(self)] {
          if (auto stream = weak.lock()) stream->OnSubscribed();
        });
      });
}

void ClientStream::OnSubscribed() {
  // Subscriptions are live, so anything stored from now on reaches this stream. Read each
  // conversation's latest seq (and the friends snapshot with the latest personal event seq) only
  // now: the client syncs up to them and misses nothing in between.
  auto call = NewCall<v1::ListConversationsRequest, v1::ListConversationsResponse>(gateway_);
  *call->request.mutable_caller() = caller_;
  gateway_.chat->async()->ListConversations(
      &call->context, &call->request, &call->response,
      [self = shared_from_this(), call](grpc::Status status) {
        if (!status.ok()) {
          self->FinishAfterFlush(PeerStatus(status, "the chat service"));
          return;
        }
        LoadFriends(self->gateway_, self->caller_,
                    [self, call](grpc::Status friends_status,
                                 std::shared_ptr<v1::ListFriendsResponse> friends) {
                      if (!friends_status.ok()) {
                        self->FinishAfterFlush(PeerStatus(friends_status, "the chat service"));
                        return;
                      }
                      self->SendWelcome(call->response, *friends);
                    });
      });

  if (!announces_presence_) return;
  auto opened = NewCall<v1::StreamOpenedRequest, v1::StreamOpenedResponse>(gateway_);
  opened->request.set_gateway_id(gateway_.options.gateway_id);
  *opened->request.mutable_stream() = PresenceEntry();
  gateway_.presence->async()->StreamOpened(
      &opened->context, &opened->request, &opened->response, [opened](grpc::Status status) {
        // The heartbeat re-announces the stream within its period, so this is not fatal.
        if (!status.ok()) spdlog::warn("presence StreamOpened failed: {}", status.error_message());
      });
}

v1::DeviceStream ClientStream::PresenceEntry() const {
  v1::DeviceStream entry;
  entry.set_user_id(caller_.user_id());
  entry.set_stream_id(stream_id_);
  entry.set_device(device_);
  entry.set_username(caller_.username());
  return entry;
}

void ClientStream::SendWelcome(const v1::ListConversationsResponse& conversations,
                               const v1::ListFriendsResponse& friends) {
  v1::ServerEvent event;
  v1::Welcome* welcome = event.mutable_welcome();
  welcome->set_user_id(caller_.user_id());
  welcome->set_username(caller_.username());
  welcome->set_session_id(caller_.session_id());
  welcome->set_gateway_id(gateway_.options.gateway_id);
  *welcome->mutable_conversations() = conversations.conversations();
  *welcome->mutable_friends() = friends.friends();
  *welcome->mutable_requests() = friends.requests();
  welcome->set_events_latest_seq(friends.events_latest_seq());
  {
    std::lock_guard lock(mu_);
    if (finish_requested_ || done_) return;
    hidden_users_.assign(friends.hidden_user_ids().begin(), friends.hidden_user_ids().end());
    welcomed_ = true;
    // A block change may have come after the snapshot was read; it is newer, so it wins.
    for (const auto& change : early_blocks_) ApplyBlockChange(hidden_users_, change);
    early_blocks_.clear();
    queue_.insert(queue_.begin(), FrameEvent(event));
    queued_bytes_ += queue_.front().size();
  }
  spdlog::debug("stream {} of user {} is live", stream_id_, caller_.user_id());
  Flush();
  OutsideReaction([this] { StartRead(&read_buffer_); });
}

void ClientStream::OnReadDone(bool ok) {
  if (!ok) {
    // The client half-closed (or went away): answer what is in flight, then end.
    bool idle = false;
    {
      std::lock_guard lock(mu_);
      reads_done_ = true;
      idle = commands_in_flight_ == 0;
    }
    if (idle) FinishAfterFlush(grpc::Status::OK);
    return;
  }
  // Every frame counts against the allowance, even one that is then refused; a refused frame is
  // answered on its own and the stream goes on. An oversized frame is not parsed at all.
  const bool oversized = read_buffer_.Length() > gateway_.options.max_frame_bytes;
  if (auto wait = command_allowance_.Take(SteadyNowMs()); wait.count() > 0) {
    Refuse(oversized ? 0 : RequestIdOf(read_buffer_), grpc::StatusCode::RESOURCE_EXHAUSTED,
           fmt::format("too many commands on this connection (at most {:g} a second); try again "
                       "in {}",
                       gateway_.options.commands.per_second, WaitInWords(wait)),
           wait);
    StartRead(&read_buffer_);
    return;
  }
  if (oversized) {
    Refuse(0, grpc::StatusCode::INVALID_ARGUMENT,
           fmt::format("frame of {} bytes is larger than the limit of {}; it was not read",
                       read_buffer_.Length(), gateway_.options.max_frame_bytes));
    StartRead(&read_buffer_);
    return;
  }
  v1::ClientFrame frame;
  if (grpc::Status parsed = ParseRequest(read_buffer_, frame); !parsed.ok()) {
    Refuse(RequestIdOf(read_buffer_), grpc::StatusCode::INVALID_ARGUMENT,
           "malformed frame, not read: " + parsed.error_message());
    StartRead(&read_buffer_);
    return;
  }
  Admit(std::move(frame));
}

void ClientStream::Refuse(uint64_t request_id, grpc::StatusCode code, const std::string& error,
                          std::chrono::milliseconds retry_after) {
  v1::ServerEvent event;
  event.mutable_result()->set_request_id(request_id);
  event.mutable_result()->set_code(code);
  event.mutable_result()->set_error(error);
  if (retry_after.count() > 0) {
    event.mutable_result()->set_retry_after_ms(static_cast<uint32_t>(retry_after.count()));
  }
  PushEvent(event);
}

bool ClientStream::Admissible(const v1::ClientFrame& frame) const {
  if (queued_bytes_ + writing_bytes_ >= gateway_.options.pause_reads_bytes) return false;
  bool sync = frame.has_sync() || frame.has_sync_events();
  return !sync || syncs_in_flight_ < gateway_.options.max_syncs_in_flight;
}

void ClientStream::Admit(v1::ClientFrame frame) {
  {
    std::lock_guard lock(mu_);
    if (!Admissible(frame)) {
      // Behind: keep the frame and read no more until the client has caught up (ResumeReading).
      parked_ = std::move(frame);
      GatewayMetrics::Get().reads_paused.Increment();
      return;
    }
  }
  HandleFrame(frame);
  StartRead(&read_buffer_);
}

void ClientStream::ResumeReading() {
  std::optional<v1::ClientFrame> frame;
  {
    std::lock_guard lock(mu_);
    if (!parked_ || finish_requested_ || done_ || !Admissible(*parked_)) return;
    frame = std::move(parked_);
    parked_.reset();
  }
  HandleFrame(*frame);
  OutsideReaction([this] { StartRead(&read_buffer_); });
}

void ClientStream::OutsideReaction(const std::function<void()>& start) {
  {
    std::lock_guard lock(mu_);
    if (finished_ || done_) return;
    ++holds_;
  }
  start();
  {
    std::lock_guard lock(mu_);
    --holds_;
  }
  Flush();  // a finish asked for meanwhile
}

void ClientStream::HandleFrame(const v1::ClientFrame& frame) {
  switch (frame.command_case()) {
    case v1::ClientFrame::kSend:
      HandleSend(frame.request_id(), frame.send());
      return;
    case v1::ClientFrame::kSync:
      HandleSync(frame.request_id(), frame.sync());
      return;
    case v1::ClientFrame::kSyncEvents:
      HandleSyncEvents(frame.request_id(), frame.sync_events());
      return;
    case v1::ClientFrame::kEdit:
      HandleEdit(frame.request_id(), frame.edit());
      return;
    case v1::ClientFrame::kDelete:
      HandleDelete(frame.request_id(), frame.delete_());
      return;
    case v1::ClientFrame::kTyping:
      HandleTyping(frame.request_id(), frame.typing());
      return;
    case v1::ClientFrame::kRead:
      HandleMarkRead(frame.request_id(), frame.read());
      return;
    case v1::ClientFrame::kPing: {
      v1::ServerEvent event;
      event.mutable_result()->set_request_id(frame.request_id());
      event.mutable_result()->mutable_pong();
      PushEvent(event);
      return;
    }
    case v1::ClientFrame::COMMAND_NOT_SET:
      break;
  }
  v1::ServerEvent event;
  event.mutable_result()->set_request_id(frame.request_id());
  event.mutable_result()->set_code(grpc::StatusCode::INVALID_ARGUMENT);
  event.mutable_result()->set_error("empty or unknown command");
  PushEvent(event);
}

bool ClientStream::BeginCommand(uint64_t request_id, bool sync) {
  {
    std::lock_guard lock(mu_);
    if (commands_in_flight_ < gateway_.options.max_commands_in_flight) {
      ++commands_in_flight_;
      if (sync) ++syncs_in_flight_;
      return true;
    }
  }
  v1::ServerEvent event;
  event.mutable_result()->set_request_id(request_id);
  event.mutable_result()->set_code(grpc::StatusCode::RESOURCE_EXHAUSTED);
  event.mutable_result()->set_error("too many commands in flight; wait for their results");
  PushEvent(event);
  return false;
}

// Calls natter-chat with `call` and answers the command `request_id` with `fill(result, response)`,
// or with the error as the client should read it.
template <class Request, class Response, class Method, class Fill>
void ClientStream::RelayToChat(uint64_t request_id,
                               std::shared_ptr<ServiceCall<Request, Response>> call, Method method,
                               Fill fill) {
  *call->request.mutable_caller() = caller_;
  constexpr bool kSync = std::is_same_v<Request, v1::SyncRequest> ||
                         std::is_same_v<Request, v1::SyncUserEventsRequest>;
  (gateway_.chat->async()->*method)(
      &call->context, &call->request, &call->response,
      [self = shared_from_this(), call, request_id, fill](grpc::Status status) {
        v1::ServerEvent event;
        v1::CommandResult* result = event.mutable_result();
        result->set_request_id(request_id);
        if (status.ok()) {
          fill(*result, std::move(call->response));
        } else {
          grpc::Status shown = PeerStatus(status, "the chat service");
          result->set_code(shown.error_code());
          result->set_error(shown.error_message());
          if (auto retry = RetryAfter(status)) {
            result->set_retry_after_ms(static_cast<uint32_t>(retry->count()));
          }
        }
        self->CommandDone(std::move(event), kSync);
      });
}

void ClientStream::HandleSend(uint64_t request_id, const v1::SendMessage& send) {
  if (!BeginCommand(request_id)) return;
  auto call = NewCall<v1::SendRequest, v1::SendResponse>(gateway_);
  if (send.target_case() == v1::SendMessage::kRoom) call->request.set_room(send.room());
  if (send.target_case() == v1::SendMessage::kConversationId) {
    call->request.set_conversation_id(send.conversation_id());
  }
  if (send.target_case() == v1::SendMessage::kToUser) call->request.set_to_user(send.to_user());
  call->request.set_client_msg_id(send.client_msg_id());
  call->request.set_text(send.text());
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::SendRequest*, v1::SendResponse*,
                        std::function<void(grpc::Status)>) = &Async::Send;
  RelayToChat(request_id, call, method, [](v1::CommandResult& result, v1::SendResponse response) {
    *result.mutable_ack() = std::move(*response.mutable_ack());
  });
}

void ClientStream::HandleSync(uint64_t request_id, const v1::SyncConversation& sync) {
  if (!BeginCommand(request_id, /*sync=*/true)) return;
  auto call = NewCall<v1::SyncRequest, v1::SyncResponse>(gateway_);
  call->request.set_conversation_id(sync.conversation_id());
  call->request.set_after_seq(sync.after_seq());
  call->request.set_limit(sync.limit());
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::SyncRequest*, v1::SyncResponse*,
                        std::function<void(grpc::Status)>) = &Async::Sync;
  RelayToChat(request_id, call, method, [](v1::CommandResult& result, v1::SyncResponse response) {
    *result.mutable_sync() = std::move(response);
  });
}

void ClientStream::HandleSyncEvents(uint64_t request_id, const v1::SyncUserEvents& sync) {
  if (!BeginCommand(request_id, /*sync=*/true)) return;
  auto call = NewCall<v1::SyncUserEventsRequest, v1::SyncUserEventsResponse>(gateway_);
  call->request.set_after_seq(sync.after_seq());
  call->request.set_limit(sync.limit());
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::SyncUserEventsRequest*,
                        v1::SyncUserEventsResponse*, std::function<void(grpc::Status)>) =
      &Async::SyncUserEvents;
  RelayToChat(request_id, call, method,
              [](v1::CommandResult& result, v1::SyncUserEventsResponse response) {
                *result.mutable_sync_events() = std::move(response);
              });
}

void ClientStream::HandleEdit(uint64_t request_id, const v1::EditMessage& edit) {
  if (!BeginCommand(request_id)) return;
  auto call = NewCall<v1::EditRequest, v1::SendResponse>(gateway_);
  *call->request.mutable_conversation() = edit.conversation();
  call->request.set_seq(edit.seq());
  call->request.set_text(edit.text());
  call->request.set_client_msg_id(edit.client_msg_id());
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::EditRequest*, v1::SendResponse*,
                        std::function<void(grpc::Status)>) = &Async::Edit;
  RelayToChat(request_id, call, method, [](v1::CommandResult& result, v1::SendResponse response) {
    *result.mutable_ack() = std::move(*response.mutable_ack());
  });
}

void ClientStream::HandleDelete(uint64_t request_id, const v1::DeleteMessage& del) {
  if (!BeginCommand(request_id)) return;
  auto call = NewCall<v1::DeleteRequest, v1::SendResponse>(gateway_);
  *call->request.mutable_conversation() = del.conversation();
  call->request.set_seq(del.seq());
  call->request.set_client_msg_id(del.client_msg_id());
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::DeleteRequest*, v1::SendResponse*,
                        std::function<void(grpc::Status)>) = &Async::Delete;
  RelayToChat(request_id, call, method, [](v1::CommandResult& result, v1::SendResponse response) {
    *result.mutable_ack() = std::move(*response.mutable_ack());
  });
}

void ClientStream::HandleTyping(uint64_t request_id, const v1::TypingNotice& typing) {
  if (!BeginCommand(request_id)) return;
  auto call = NewCall<v1::TypingRequest, v1::TypingResponse>(gateway_);
  *call->request.mutable_conversation() = typing.conversation();
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::TypingRequest*, v1::TypingResponse*,
                        std::function<void(grpc::Status)>) = &Async::Typing;
  RelayToChat(request_id, call, method, [](v1::CommandResult& result, v1::TypingResponse response) {
    *result.mutable_typing() = std::move(response);
  });
}

void ClientStream::HandleMarkRead(uint64_t request_id, const v1::MarkRead& read) {
  if (!BeginCommand(request_id)) return;
  auto call = NewCall<v1::MarkReadRequest, v1::MarkReadResponse>(gateway_);
  *call->request.mutable_conversation() = read.conversation();
  call->request.set_seq(read.seq());
  using Async = v1::Chat::StubInterface::async_interface;
  void (Async::*method)(grpc::ClientContext*, const v1::MarkReadRequest*, v1::MarkReadResponse*,
                        std::function<void(grpc::Status)>) = &Async::MarkRead;
  RelayToChat(request_id, call, method,
              [](v1::CommandResult& result, v1::MarkReadResponse response) {
                *result.mutable_read() = std::move(response);
              });
}

void ClientStream::OnMembership(const v1::RoomMembership& change, const grpc::Slice& framed_event) {
  std::string channel = ConversationChannel(change.conversation_id());
  if (change.type() == "joined") {
    // Pass the event on only once the room's channel is live: the client syncs the room from
    // change.seq and then misses nothing.
    gateway_.hub->AddChannel(shared_from_this(), channel, [weak = weak_from_this(), framed_event] {
      if (auto stream = weak.lock()) stream->Push(framed_event);
    });
    return;
  }
  gateway_.hub->RemoveChannel(this, channel);
  Push(framed_event);
}

void ClientStream::CommandDone(v1::ServerEvent result, bool sync) {
  bool finish = false;
  {
    std::lock_guard lock(mu_);
    --commands_in_flight_;
    if (sync) --syncs_in_flight_;
    finish = reads_done_ && commands_in_flight_ == 0;
  }
  PushEvent(result);
  if (finish) FinishAfterFlush(grpc::Status::OK);
  if (sync) ResumeReading();
}

void ClientStream::PushEvent(const v1::ServerEvent& event) { Push(FrameEvent(event)); }

void ClientStream::Push(const grpc::Slice& framed_event) {
  if (Enqueue(framed_event)) Flush();
}

void ClientStream::PushFanOut(const grpc::Slice& framed_event) {
  if (!Enqueue(framed_event)) return;
  if (gateway_.coalescer == nullptr) {
    Flush();
    return;
  }
  {
    std::lock_guard lock(mu_);
    // A write in flight takes what queued meanwhile when it completes (OnWriteDone).
    if (write_held_ || write_in_flight_ || finished_ || done_) return;
    write_held_ = true;
  }
  gateway_.coalescer->Hold(shared_from_this());
}

void ClientStream::WriteHeld() {
  {
    std::lock_guard lock(mu_);
    write_held_ = false;
  }
  Flush();
}

bool ClientStream::Enqueue(const grpc::Slice& framed_event) {
  bool overflow = false;
  {
    std::lock_guard lock(mu_);
    if (finish_requested_ || finished_) return false;
    if (queue_.size() >= gateway_.options.max_queued_events ||
        queued_bytes_ + writing_bytes_ + framed_event.size() > gateway_.options.max_queued_bytes) {
      overflow = true;
      queue_.clear();
      queued_bytes_ = 0;
    } else {
      queue_.push_back(framed_event);
      queued_bytes_ += framed_event.size();
    }
  }
  if (!overflow) {
    GatewayMetrics::Get().events_queued.Increment();
  } else {
    GatewayMetrics::Get().slow_client_drops.Increment();
    spdlog::warn("stream {} of user {} is too slow; disconnecting it", stream_id_,
                 caller_.user_id());
    v1::ServerEvent event;
    event.mutable_resync()->set_reason("you fell too far behind; reconnect and sync");
    {
      std::lock_guard lock(mu_);
      queue_.push_back(FrameEvent(event));
      queued_bytes_ += queue_.back().size();
    }
    FinishAfterFlush(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                  "client too slow to keep up; reconnect and sync"));
    return false;
  }
  return true;
}

void ClientStream::PushNotice(const grpc::Slice& framed_event, uint64_t about_user) {
  if (about_user == caller_.user_id()) return;
  {
    std::lock_guard lock(mu_);
    if (std::find(hidden_users_.begin(), hidden_users_.end(), about_user) != hidden_users_.end()) {
      return;
    }
  }
  PushFanOut(framed_event);
}

void ClientStream::OnBlockChanged(const v1::BlockChanged& change) {
  std::lock_guard lock(mu_);
  if (!welcomed_) {
    early_blocks_.push_back(change);  // the Welcome's snapshot may be older
    return;
  }
  ApplyBlockChange(hidden_users_, change);
}

void ClientStream::Resync(const std::string& reason) {
  v1::ServerEvent event;
  event.mutable_resync()->set_reason(reason);
  PushEvent(event);
  Revalidate();
}

void ClientStream::Revalidate() {
  auto call = NewCall<v1::ValidateTokenRequest, v1::ValidateTokenResponse>(gateway_);
  call->request.set_token(token_);
  gateway_.auth->async()->ValidateToken(
      &call->context, &call->request, &call->response,
      [self = shared_from_this(), call](grpc::Status status) {
        // Only a definite "not valid" ends the stream; an unreachable auth service does not.
        if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
          self->EndStream("session is no longer valid");
        }
      });
}

void ClientStream::EndSessions(const v1::SessionEnded& ended, const grpc::Slice& framed_event) {
  const std::string& mine = caller_.session_id();
  bool named = std::find(ended.session_ids().begin(), ended.session_ids().end(), mine) !=
               ended.session_ids().end();
  bool all = ended.all_sessions() && ended.except_session_id() != mine;
  if (!named && !all) return;
  spdlog::info("closing stream {} of user {}: session ended ({})", stream_id_, caller_.user_id(),
               ended.reason());
  Push(framed_event);
  FinishAfterFlush(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                "session ended (" + ended.reason() + "); log in again"));
}

void ClientStream::EndStream(const std::string& reason) {
  v1::ServerEvent event;
  event.mutable_session_ended()->add_session_ids(caller_.session_id());
  event.mutable_session_ended()->set_reason(reason);
  EndSessions(event.session_ended(), FrameEvent(event));
}

void ClientStream::GoAway(const std::string& reason) {
  v1::ServerEvent event;
  event.mutable_go_away()->set_reason(reason);
  PushEvent(event);
  FinishAfterFlush(grpc::Status(grpc::StatusCode::UNAVAILABLE, reason));
}

void ClientStream::Flush() {
  bool write = false;
  bool finish = false;
  grpc::Status status;
  {
    std::lock_guard lock(mu_);
    if (finished_ || done_ || write_in_flight_) return;
    if (welcomed_ && !queue_.empty()) {
      // Everything queued, up to kMaxWriteBytes (but at least one event).
      size_t take = 0;
      size_t bytes = 0;
      while (take < queue_.size() && (take == 0 || bytes + queue_[take].size() <= kMaxWriteBytes)) {
        bytes += queue_[take++].size();
      }
      GatewayMetrics::Get().write_batch.Observe(static_cast<double>(take));
      GatewayMetrics::Get().writes.Increment();
      write_buffer_ = grpc::ByteBuffer(queue_.data(), take);
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
      writing_bytes_ = bytes;
      queued_bytes_ -= bytes;
      write_started_ms_ = SteadyNowMs();
      write_in_flight_ = true;
      write = true;
    } else if (finish_requested_ && holds_ == 0) {
      finished_ = true;
      finish = true;
      status = final_status_;
    }
  }
  if (write) {
    StartWrite(&write_buffer_);
  } else if (finish) {
    Finish(status);
  }
}

void ClientStream::FinishAfterFlush(grpc::Status status) {
  {
    std::lock_guard lock(mu_);
    if (finish_requested_) return;
    finish_requested_ = true;
    final_status_ = std::move(status);
  }
  Flush();
}

void ClientStream::OnWriteDone(bool ok) {
  {
    std::lock_guard lock(mu_);
    write_in_flight_ = false;
    writing_bytes_ = 0;
    if (!ok) {
      // The client is gone; nothing more can be written.
      queue_.clear();
      queued_bytes_ = 0;
      welcomed_ = false;
      if (!finish_requested_) {
        finish_requested_ = true;
        final_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
      }
    }
  }
  Flush();
  ResumeReading();
}

void ClientStream::CancelIfStalled(int64_t now_ms) {
  {
    std::lock_guard lock(mu_);
    if (!write_in_flight_ || done_ ||
        now_ms - write_started_ms_ < gateway_.options.stalled_write_timeout.count()) {
      return;
    }
  }
  // Its write waits for the client's flow-control window, so no status could follow it: cancel.
  GatewayMetrics::Get().slow_client_drops.Increment();
  spdlog::warn("stream {} of user {} took no data for {} s; cancelling it", stream_id_,
               caller_.user_id(), gateway_.options.stalled_write_timeout.count() / 1000);
  OutsideReaction([this] { context_->TryCancel(); });
}

void ClientStream::OnCancel() {
  FinishAfterFlush(grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled"));
}

void ClientStream::OnDone() {
  bool authenticated = caller_.user_id() != 0;
  bool admitted = false;
  {
    std::lock_guard lock(mu_);
    done_ = true;
    queue_.clear();
    queued_bytes_ = 0;
    parked_.reset();
    admitted = admitted_;
    address_lease_.reset();
  }
  if (admitted) gateway_.ReleaseStream(caller_.user_id());
  gateway_.hub->Detach(this);
  if (authenticated) GatewayMetrics::Get().streams_open.Decrement();
  if (authenticated && announces_presence_) {
    auto call = NewCall<v1::StreamClosedRequest, v1::StreamClosedResponse>(gateway_);
    call->request.set_gateway_id(gateway_.options.gateway_id);
    *call->request.mutable_stream() = PresenceEntry();
    gateway_.presence->async()->StreamClosed(
        &call->context, &call->request, &call->response, [call](grpc::Status status) {
          // If this is lost, the stream expires from presence at the end of its TTL.
          if (!status.ok())
            spdlog::warn("presence StreamClosed failed: {}", status.error_message());
        });
    spdlog::debug("stream {} of user {} ended", stream_id_, caller_.user_id());
  }
  auto keep_alive_until_return = std::move(self_);
}

}  // namespace natter::gateway
