#include "session.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/channels.h"
#include "common/check.h"
#include "common/status.h"
#include "event_frame.h"
#include "gateway_metrics.h"
#include "hub.h"
#include "stream_commands.h"
#include "unary_call.h"

namespace natter::gateway {
namespace {

// The most one write takes from the queue, so that a slow client's write completes now and then
// and the stall timer measures progress, not the size of a backlog.
constexpr size_t kMaxWriteBytes = 256 * 1024;
// The queue capacity a stream keeps once its queue is written out.
constexpr size_t kKeptQueueCapacity = 16;

void ApplyBlockChange(std::vector<uint64_t>& hidden, const v1::BlockChanged& change) {
  auto it = std::find(hidden.begin(), hidden.end(), change.user_id());
  if (change.hidden() && it == hidden.end()) hidden.push_back(change.user_id());
  if (!change.hidden() && it != hidden.end()) hidden.erase(it);
}

bool IsHeavy(const v1::ClientFrame& frame) {
  const StreamCommand* row = FindStreamCommand(frame.command_case());
  return row != nullptr && row->heavy;
}

}  // namespace

std::string_view StateName(Session::State state) {
  switch (state) {
    case Session::State::kAuthenticating:
      return "authenticating";
    case Session::State::kSubscribing:
      return "subscribing";
    case Session::State::kLive:
      return "live";
    case Session::State::kDraining:
      return "draining";
    case Session::State::kClosed:
      return "closed";
  }
  return "unknown";
}

Session::Session(const GatewayOptions& options, std::string stream_id, SessionWire& wire,
                 SessionBackend& backend, const Clock& clock)
    : options_(options),
      stream_id_(std::move(stream_id)),
      wire_(wire),
      backend_(backend),
      clock_(clock),
      command_allowance_(options.commands) {}

void Session::Start(Opening opening) {
  NATTER_CHECK(state_ == State::kAuthenticating && token_.empty(), "a session starts once");
  announces_presence_ = opening.announces_presence;
  if (!opening.admitted.ok()) {
    Close(opening.admitted);
    return;
  }
  if (opening.token.empty()) {
    Close(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                       "no session token (metadata \"authorization: Bearer ...\"); log in first"));
    return;
  }
  token_ = std::move(opening.token);
  backend_.ValidateToken(token_, [this](grpc::Status status, v1::ValidateTokenResponse session) {
    OnTokenChecked(std::move(status), session);
  });
}

void Session::OnTokenChecked(grpc::Status status, const v1::ValidateTokenResponse& session) {
  if (state_ != State::kAuthenticating) return;
  if (!status.ok()) {
    Close(PeerStatus(status, "the authentication service"));
    return;
  }
  if (!backend_.AdmitUser(session.user_id())) {
    Close(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        fmt::format("this account already has {} connections open to this server; close one "
                    "(or log out of an old device) and try again",
                    options_.max_streams_per_user)));
    return;
  }
  user_admitted_ = true;
  caller_.set_user_id(session.user_id());
  caller_.set_username(session.username());
  caller_.set_session_id(session.session_id());
  device_ = session.device();
  GatewayMetrics::Get().streams_open.Increment();
  state_ = State::kSubscribing;
  // The rooms to subscribe to (a cheap call); the conversations with their latest seqs, previews
  // and read state come once the subscriptions are live (OnSubscribed).
  backend_.ListRooms(caller_, [this](grpc::Status listed, std::vector<uint64_t> rooms) {
    OnRoomsListed(std::move(listed), rooms);
  });
}

void Session::OnRoomsListed(grpc::Status status, const std::vector<uint64_t>& rooms) {
  if (state_ != State::kSubscribing) return;
  if (!status.ok()) {
    Close(PeerStatus(status, "the chat service"));
    return;
  }
  // Rooms have a channel each; direct messages come on the user's own channel.
  std::vector<std::string> channels{UserChannel(caller_.user_id())};
  for (uint64_t room : rooms) channels.push_back(ConversationChannel(room));
  attached_ = true;
  backend_.Attach(channels, [this] { OnSubscribed(); });
}

void Session::OnSubscribed() {
  if (state_ != State::kSubscribing) return;
  // Subscriptions are live, so anything stored from now on reaches this stream. Read each
  // conversation's latest seq (and the friends snapshot with the latest personal event seq) only
  // now: the client syncs up to them and misses nothing in between.
  backend_.LoadWelcome(caller_,
                       [this](grpc::Status status, v1::ListConversationsResponse conversations,
                              v1::ListFriendsResponse friends) {
                         OnWelcomeLoaded(std::move(status), conversations, friends);
                       });
  if (!announces_presence_) return;
  announced_ = true;
  backend_.StreamOpened(PresenceEntry());
}

void Session::OnWelcomeLoaded(grpc::Status status,
                              const v1::ListConversationsResponse& conversations,
                              const v1::ListFriendsResponse& friends) {
  if (state_ != State::kSubscribing) return;
  if (!status.ok()) {
    Close(PeerStatus(status, "the chat service"));
    return;
  }
  v1::ServerEvent event;
  v1::Welcome* welcome = event.mutable_welcome();
  welcome->set_user_id(caller_.user_id());
  welcome->set_username(caller_.username());
  welcome->set_session_id(caller_.session_id());
  welcome->set_gateway_id(options_.gateway_id);
  *welcome->mutable_conversations() = conversations.conversations();
  *welcome->mutable_friends() = friends.friends();
  *welcome->mutable_requests() = friends.requests();
  welcome->set_events_latest_seq(friends.events_latest_seq());
  hidden_users_.assign(friends.hidden_user_ids().begin(), friends.hidden_user_ids().end());
  // A block change may have come after the snapshot was read; it is newer, so it wins.
  for (const auto& change : early_blocks_) ApplyBlockChange(hidden_users_, change);
  early_blocks_.clear();
  // Events that came since the subscriptions went live wait behind the Welcome.
  queue_.insert(queue_.begin(), FrameEvent(event));
  queued_bytes_ += queue_.front().size();
  welcomed_ = true;
  state_ = State::kLive;
  spdlog::debug("stream {} of user {} is live", stream_id_, caller_.user_id());
  Flush();
  StartRead();
}

void Session::StartRead() {
  if (state_ != State::kLive || reading_ || reads_done_ || parked_) return;
  reading_ = true;
  wire_.StartRead();
}

void Session::OnRead(const grpc::ByteBuffer& bytes) {
  NATTER_CHECK(reading_, "a read completed that was never started");
  reading_ = false;
  if (state_ != State::kLive) return;  // ending: no more commands
  // Every frame counts against the allowance, even one that is then refused; a refused frame is
  // answered on its own and the stream goes on. An oversized frame is not parsed at all.
  const bool oversized = bytes.Length() > options_.max_frame_bytes;
  if (auto wait = command_allowance_.Take(clock_.NowMs()); wait.count() > 0) {
    uint64_t request_id =
        oversized ? 0 : VarintField(bytes, v1::ClientFrame::kRequestIdFieldNumber).value_or(0);
    Answer(request_id, grpc::StatusCode::RESOURCE_EXHAUSTED,
           fmt::format("too many commands on this connection (at most {:g} a second); try again "
                       "in {}",
                       options_.commands.per_second, WaitInWords(wait)),
           wait);
    StartRead();
    return;
  }
  if (oversized) {
    Answer(0, grpc::StatusCode::INVALID_ARGUMENT,
           fmt::format("frame of {} bytes is larger than the limit of {}; it was not read",
                       bytes.Length(), options_.max_frame_bytes));
    StartRead();
    return;
  }
  v1::ClientFrame frame;
  if (grpc::Status parsed = ParseRequest(bytes, frame); !parsed.ok()) {
    Answer(VarintField(bytes, v1::ClientFrame::kRequestIdFieldNumber).value_or(0),
           grpc::StatusCode::INVALID_ARGUMENT,
           "malformed frame, not read: " + parsed.error_message());
    StartRead();
    return;
  }
  Admit(std::move(frame));
}

bool Session::Admissible(const v1::ClientFrame& frame) const {
  if (queued_bytes_ + writing_bytes_ >= options_.pause_reads_bytes) return false;
  return !IsHeavy(frame) || syncs_in_flight_ < options_.max_syncs_in_flight;
}

void Session::Admit(v1::ClientFrame frame) {
  if (!Admissible(frame)) {
    // Behind: keep the frame and read no more until the client has caught up (ResumeReading).
    parked_ = std::move(frame);
    GatewayMetrics::Get().reads_paused.Increment();
    return;
  }
  Handle(frame);
  StartRead();
}

void Session::ResumeReading() {
  if (!parked_ || state_ != State::kLive || !Admissible(*parked_)) return;
  v1::ClientFrame frame = std::move(*parked_);
  parked_.reset();
  Handle(frame);
  StartRead();
}

void Session::Handle(const v1::ClientFrame& frame) {
  if (frame.has_ping()) {
    v1::ServerEvent event;
    event.mutable_result()->set_request_id(frame.request_id());
    event.mutable_result()->mutable_pong();
    Reply(event);
    return;
  }
  const StreamCommand* row = FindStreamCommand(frame.command_case());
  if (row == nullptr) {
    Answer(frame.request_id(), grpc::StatusCode::INVALID_ARGUMENT, "empty or unknown command");
    return;
  }
  if (commands_in_flight_ >= options_.max_commands_in_flight) {
    Answer(frame.request_id(), grpc::StatusCode::RESOURCE_EXHAUSTED,
           "too many commands in flight; wait for their results");
    return;
  }
  ++commands_in_flight_;
  if (row->heavy) ++syncs_in_flight_;
  backend_.RunCommand(
      caller_, frame,
      [this, request_id = frame.request_id(), heavy = row->heavy](v1::CommandResult result) {
        OnCommandDone(request_id, heavy, std::move(result));
      });
}

void Session::OnCommandDone(uint64_t request_id, bool heavy, v1::CommandResult result) {
  NATTER_CHECK(commands_in_flight_ > 0, "a command ended that was never counted");
  NATTER_CHECK(!heavy || syncs_in_flight_ > 0, "a sync ended that was never counted");
  --commands_in_flight_;
  if (heavy) --syncs_in_flight_;
  v1::ServerEvent event;
  *event.mutable_result() = std::move(result);
  event.mutable_result()->set_request_id(request_id);
  Reply(event);
  if (reads_done_ && commands_in_flight_ == 0) Close(grpc::Status::OK);
  ResumeReading();
}

void Session::Answer(uint64_t request_id, grpc::StatusCode code, const std::string& error,
                     std::chrono::milliseconds retry_after) {
  v1::ServerEvent event;
  event.mutable_result()->set_request_id(request_id);
  event.mutable_result()->set_code(code);
  event.mutable_result()->set_error(error);
  if (retry_after.count() > 0) {
    event.mutable_result()->set_retry_after_ms(static_cast<uint32_t>(retry_after.count()));
  }
  Reply(event);
}

void Session::Reply(const v1::ServerEvent& event) { Push(FrameEvent(event)); }

void Session::Push(const grpc::Slice& framed_event) {
  if (Enqueue(framed_event)) Flush();
}

void Session::OnReadsDone() {
  NATTER_CHECK(reading_, "a read completed that was never started");
  reading_ = false;
  reads_done_ = true;
  if (commands_in_flight_ == 0) Close(grpc::Status::OK);
}

void Session::OnEvent(const HubEvent& hub_event) {
  if (state_ != State::kSubscribing && state_ != State::kLive) return;
  const v1::ServerEvent& event = hub_event.event;
  if (event.has_room_notice()) {
    // Not about the user themselves, nor about someone in a block with them.
    uint64_t about = event.room_notice().user_id();
    if (about != caller_.user_id() && !Hidden(about)) Enqueue(hub_event.framed);
  } else if (event.has_user_event() && event.user_event().has_room()) {
    const v1::RoomMembership& change = event.user_event().room();
    std::string channel = ConversationChannel(change.conversation_id());
    if (change.type() == "joined") {
      // Passed on only once the room's channel is live: the client syncs the room from
      // change.seq and then misses nothing.
      backend_.AddChannel(channel, [this, framed = hub_event.framed] { Push(framed); });
      return;
    }
    backend_.RemoveChannel(channel);
    Enqueue(hub_event.framed);
  } else if (event.has_block_changed()) {
    // Nothing is forwarded: the stream hides that user's notices, or shows them again.
    if (welcomed_) {
      ApplyBlockChange(hidden_users_, event.block_changed());
    } else {
      early_blocks_.push_back(event.block_changed());  // the Welcome's snapshot may be older
    }
  } else if (event.has_session_ended()) {
    EndSessions(event.session_ended(), hub_event.framed);
  } else {
    Enqueue(hub_event.framed);
  }
}

bool Session::Hidden(uint64_t user_id) const {
  return std::find(hidden_users_.begin(), hidden_users_.end(), user_id) != hidden_users_.end();
}

void Session::EndSessions(const v1::SessionEnded& ended, const grpc::Slice& framed_event) {
  const std::string& mine = caller_.session_id();
  bool named = std::find(ended.session_ids().begin(), ended.session_ids().end(), mine) !=
               ended.session_ids().end();
  bool all = ended.all_sessions() && ended.except_session_id() != mine;
  if (!named && !all) return;
  spdlog::info("closing stream {} of user {}: session ended ({})", stream_id_, caller_.user_id(),
               ended.reason());
  Enqueue(framed_event);
  Close(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                     "session ended (" + ended.reason() + "); log in again"));
}

void Session::Resync(const std::string& reason) {
  if (state_ != State::kSubscribing && state_ != State::kLive) return;
  v1::ServerEvent event;
  event.mutable_resync()->set_reason(reason);
  Reply(event);
  // A revocation may have been among the lost events.
  backend_.ValidateToken(token_, [this](grpc::Status status, const v1::ValidateTokenResponse&) {
    OnRevalidated(status);
  });
}

void Session::OnRevalidated(const grpc::Status& status) {
  // Only a definite "not valid" ends the stream; an unreachable auth service does not.
  if (status.error_code() != grpc::StatusCode::UNAUTHENTICATED) return;
  if (state_ != State::kSubscribing && state_ != State::kLive) return;
  v1::ServerEvent event;
  event.mutable_session_ended()->add_session_ids(caller_.session_id());
  event.mutable_session_ended()->set_reason("session is no longer valid");
  EndSessions(event.session_ended(), FrameEvent(event));
  Flush();
}

void Session::GoAway(const std::string& reason, std::chrono::milliseconds reconnect_after) {
  if (state_ != State::kSubscribing && state_ != State::kLive) {
    Close(grpc::Status(grpc::StatusCode::UNAVAILABLE, reason));
    return;
  }
  v1::ServerEvent event;
  event.mutable_go_away()->set_reason(reason);
  event.mutable_go_away()->set_reconnect_after_ms(static_cast<uint32_t>(reconnect_after.count()));
  grpc::Slice framed = FrameEvent(event);
  if (queue_.size() >= options_.max_queued_events ||
      queued_bytes_ + writing_bytes_ + framed.size() > options_.max_queued_bytes) {
    // No room left: the GoAway takes the queue's place. The client syncs what was queued by seq
    // when it reconnects, and with the GoAway it does so after the hint, not a failure backoff.
    queue_.clear();
    queued_bytes_ = 0;
  }
  queue_.push_back(framed);
  queued_bytes_ += framed.size();
  GatewayMetrics::Get().events_queued.Increment();
  Close(grpc::Status(grpc::StatusCode::UNAVAILABLE, reason));
}

bool Session::Enqueue(const grpc::Slice& framed_event) {
  if (state_ != State::kSubscribing && state_ != State::kLive) return false;
  if (queue_.size() < options_.max_queued_events &&
      queued_bytes_ + writing_bytes_ + framed_event.size() <= options_.max_queued_bytes) {
    queue_.push_back(framed_event);
    queued_bytes_ += framed_event.size();
    GatewayMetrics::Get().events_queued.Increment();
    return true;
  }
  GatewayMetrics::Get().slow_client_drops.Increment();
  spdlog::warn("stream {} of user {} is too slow; disconnecting it", stream_id_, caller_.user_id());
  queue_.clear();
  queued_bytes_ = 0;
  v1::ServerEvent event;
  event.mutable_resync()->set_reason("you fell too far behind; reconnect and sync");
  queue_.push_back(FrameEvent(event));
  queued_bytes_ += queue_.back().size();
  Close(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                     "client too slow to keep up; reconnect and sync"));
  return false;
}

void Session::Close(grpc::Status status) {
  if (state_ == State::kDraining || state_ == State::kClosed) return;
  final_status_ = std::move(status);
  if (!welcomed_) {
    // Nothing was written yet, and nothing will be but the status.
    queue_.clear();
    queued_bytes_ = 0;
  }
  state_ = State::kDraining;
  parked_.reset();
  Flush();
}

void Session::Flush() {
  if (state_ == State::kClosed || write_in_flight_) return;
  if (welcomed_ && !queue_.empty()) {
    // Everything queued, up to kMaxWriteBytes (but at least one event).
    size_t take = 0;
    size_t bytes = 0;
    while (take < queue_.size() && (take == 0 || bytes + queue_[take].size() <= kMaxWriteBytes)) {
      bytes += queue_[take++].size();
    }
    GatewayMetrics::Get().write_batch.Observe(static_cast<double>(take));
    GatewayMetrics::Get().writes.Increment();
    queued_bytes_ -= bytes;
    writing_bytes_ = bytes;
    write_started_ms_ = clock_.NowMs();
    write_in_flight_ = true;
    wire_.StartWrite(queue_.data(), take);
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
    // A burst's room is given back once it is written: most streams are idle most of the time.
    if (queue_.empty() && queue_.capacity() > kKeptQueueCapacity) queue_ = {};
    return;
  }
  if (state_ == State::kDraining) {
    state_ = State::kClosed;
    wire_.Finish(final_status_);
  }
}

void Session::OnWriteDone(bool ok) {
  NATTER_CHECK(write_in_flight_, "a write completed that was never started");
  write_in_flight_ = false;
  writing_bytes_ = 0;
  if (!ok) {
    // The client is gone; nothing more can be written.
    queue_.clear();
    queued_bytes_ = 0;
    welcomed_ = false;
    Close(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
  }
  Flush();
  ResumeReading();
}

void Session::CheckStalled() {
  if (!write_in_flight_ || cancelled_ || state_ == State::kClosed ||
      clock_.NowMs() - write_started_ms_ < options_.stalled_write_timeout.count()) {
    return;
  }
  // Its write waits for the client's flow-control window, so no status could follow it: cancel.
  cancelled_ = true;
  GatewayMetrics::Get().slow_client_drops.Increment();
  spdlog::warn("stream {} of user {} took no data for {} s; cancelling it", stream_id_,
               caller_.user_id(), options_.stalled_write_timeout.count() / 1000);
  wire_.Cancel();
}

void Session::OnCancel() { Close(grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled")); }

void Session::OnDone() {
  if (state_ != State::kClosed) {
    // gRPC ended the call before the session finished it (it cannot, for a callback stream, but
    // nothing may be left counted if it ever does).
    spdlog::warn("stream {} ended in state {}", stream_id_, StateName(state_));
    state_ = State::kClosed;
  }
  queue_.clear();
  queued_bytes_ = 0;
  parked_.reset();
  if (user_admitted_) {
    backend_.ReleaseUser(caller_.user_id());
    GatewayMetrics::Get().streams_open.Decrement();
  }
  user_admitted_ = false;
  if (attached_) backend_.Detach();
  attached_ = false;
  if (announced_) backend_.StreamClosed(PresenceEntry());
  announced_ = false;
  spdlog::debug("stream {} of user {} ended", stream_id_, caller_.user_id());
}

v1::DeviceStream Session::PresenceEntry() const {
  v1::DeviceStream entry;
  entry.set_user_id(caller_.user_id());
  entry.set_stream_id(stream_id_);
  entry.set_device(device_);
  entry.set_username(caller_.username());
  return entry;
}

}  // namespace natter::gateway
