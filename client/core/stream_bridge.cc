#include "stream_bridge.h"

#include <grpcpp/support/status.h>

#include <QRandomGenerator>
#include <QUuid>
#include <algorithm>

#include "api_client.h"

namespace natter::client {
namespace {

constexpr uint32_t kSyncLimit = 500;
constexpr int kRetryCommandMs = 1000;

bool IsRetryable(int code) {
  return code == static_cast<int>(grpc::StatusCode::UNAVAILABLE) ||
         code == static_cast<int>(grpc::StatusCode::DEADLINE_EXCEEDED);
}

}  // namespace

std::string StreamBridge::NewClientMsgId() {
  return QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
}

StreamBridge::StreamBridge(std::unique_ptr<Transport> transport, QObject* parent)
    : QObject(parent), transport_(std::move(transport)) {
  static const bool registered = [] {
    qRegisterMetaType<v1::Welcome>();
    qRegisterMetaType<v1::ChatMessage>();
    qRegisterMetaType<v1::UserEvent>();
    qRegisterMetaType<v1::PresenceChanged>();
    qRegisterMetaType<v1::Profile>();
    qRegisterMetaType<v1::TypingEvent>();
    qRegisterMetaType<v1::ReadMarker>();
    qRegisterMetaType<v1::NotificationSettings>();
    qRegisterMetaType<v1::RoomNotice>();
    qRegisterMetaType<v1::CommandResult>();
    qRegisterMetaType<StreamBridge::State>();
    return true;
  }();
  (void)registered;
  reconnect_timer_.setSingleShot(true);
  connect(&reconnect_timer_, &QTimer::timeout, this, &StreamBridge::Connect);
}

StreamBridge::~StreamBridge() {
  running_ = false;
  ++generation_;
  transport_->Close();
}

std::chrono::milliseconds StreamBridge::ScheduledReconnect() const {
  return std::chrono::milliseconds(reconnect_timer_.isActive() ? reconnect_timer_.interval() : 0);
}

void StreamBridge::Start(const QString& address, const QString& token) {
  address_ = address.toStdString();
  token_ = token.toStdString();
  running_ = true;
  failures_ = 0;
  Connect();
}

void StreamBridge::Stop() {
  running_ = false;
  reconnect_timer_.stop();
  ++generation_;
  transport_->Close();
  welcomed_ = false;
  SetState(State::kOffline);
}

void StreamBridge::SetState(State state, const QString& detail) {
  if (state == state_ && detail.isEmpty()) return;
  state_ = state;
  emit stateChanged(state, detail);
}

void StreamBridge::Connect() {
  if (!running_) return;
  welcomed_ = false;
  go_away_wait_.reset();
  syncing_.clear();
  events_request_ = 0;
  uint64_t generation = ++generation_;
  SetState(ever_welcomed_ ? State::kReconnecting : State::kConnecting);
  Transport::Handler handler;
  // Both run on the transport's thread: hop to this object's thread. A queued call to a destroyed
  // object is dropped by Qt; a frame of an older stream is dropped by its generation.
  handler.on_frame = [this, generation](v1::ServerFrame frame) {
    QMetaObject::invokeMethod(
        this, [this, generation, frame = std::move(frame)] { HandleFrame(generation, frame); },
        Qt::QueuedConnection);
  };
  handler.on_closed = [this, generation](int code, std::string message) {
    QMetaObject::invokeMethod(
        this,
        [this, generation, code, message = QString::fromStdString(message)] {
          HandleClosed(generation, code, message);
        },
        Qt::QueuedConnection);
  };
  transport_->Open(address_, token_, std::move(handler));
}

void StreamBridge::HandleClosed(uint64_t generation, int code, const QString& message) {
  if (generation != generation_ || !running_) return;
  welcomed_ = false;
  if (code == static_cast<int>(grpc::StatusCode::UNAUTHENTICATED)) {
    running_ = false;
    SetState(State::kOffline, message);
    emit sessionEnded(message);
    return;
  }
  // Full jitter, so that the clients of a gateway that failed do not all come back at once; after
  // a GoAway, the wait the gateway gave (it spreads its clients), and no failure is counted.
  std::chrono::milliseconds delay;
  if (go_away_wait_) {
    failures_ = 0;
    delay = backoff_.AfterGoAway(*go_away_wait_, *QRandomGenerator::global());
  } else {
    ++failures_;
    delay = backoff_.AfterFailures(failures_, *QRandomGenerator::global());
  }
  // In words a person reads, not gRPC's ("failed to connect to all addresses; last error: ...").
  SetState(State::kReconnecting,
           ErrorText(grpc::Status(static_cast<grpc::StatusCode>(code), message.toStdString())));
  reconnect_timer_.start(static_cast<int>(delay.count()));
}

void StreamBridge::HandleFrame(uint64_t generation, const v1::ServerFrame& frame) {
  if (generation != generation_ || !running_) return;
  for (const auto& event : frame.events()) {
    HandleEvent(event);
    if (generation != generation_ || !running_) return;  // the session ended meanwhile
  }
}

void StreamBridge::HandleEvent(const v1::ServerEvent& event) {
  switch (event.kind_case()) {
    case v1::ServerEvent::kWelcome:
      HandleWelcome(event.welcome());
      return;
    case v1::ServerEvent::kMessage:
      HandleEntry(event.message());
      return;
    case v1::ServerEvent::kResult:
      HandleResult(event.result());
      return;
    case v1::ServerEvent::kResync:
      for (const auto& [conversation, _] : cursors_) RequestSync(conversation);
      RequestEvents();
      return;
    case v1::ServerEvent::kGoAway:
      // The stream ends next; reconnect (through the address, to another gateway) after the wait
      // the gateway asked for rather than after a backoff.
      go_away_wait_ = std::chrono::milliseconds(event.go_away().reconnect_after_ms());
      return;
    case v1::ServerEvent::kSessionEnded:
      running_ = false;
      ++generation_;
      transport_->Close();
      SetState(State::kOffline, QString::fromStdString(event.session_ended().reason()));
      emit sessionEnded(QString::fromStdString(event.session_ended().reason()));
      return;
    case v1::ServerEvent::kProfile:
      emit profileChanged(event.profile().profile());
      return;
    case v1::ServerEvent::kUserEvent:
      HandleUserEvent(event.user_event());
      return;
    case v1::ServerEvent::kPresence:
      emit presenceChanged(event.presence());
      return;
    case v1::ServerEvent::kRoomNotice:
      emit roomNoticeReceived(event.room_notice());
      return;
    case v1::ServerEvent::kTyping:
      emit typingReceived(event.typing());
      return;
    case v1::ServerEvent::kRead:
      emit readMarkerReceived(event.read());
      return;
    case v1::ServerEvent::kNotifications:
      emit notificationSettingsReceived(event.notifications());
      return;
    case v1::ServerEvent::kBlockChanged:  // between natter-chat and the gateways; never sent here
    case v1::ServerEvent::KIND_NOT_SET:
      return;
  }
}

void StreamBridge::HandleWelcome(const v1::Welcome& welcome) {
  welcomed_ = true;
  failures_ = 0;
  for (const auto& c : welcome.conversations()) {
    auto [it, fresh] = cursors_.try_emplace(c.id(), c.latest_seq());
    // A new conversation starts from now (its history is loaded when it is opened); a known one
    // catches up with what arrived while this client was away.
    if (!fresh && c.latest_seq() > it->second) RequestSync(c.id());
  }
  if (!ever_welcomed_) {
    // The Welcome snapshot (friends, requests) is the state: events before it are in it.
    events_cursor_ = welcome.events_latest_seq();
  } else if (welcome.events_latest_seq() > events_cursor_) {
    RequestEvents();
  }
  ever_welcomed_ = true;
  SetState(State::kConnected);
  emit welcomed(welcome);
  // What was sent but not acked before the stream broke goes again, with the same ids.
  for (const auto& [request_id, frame] : unacked_) transport_->Write(frame);
}

void StreamBridge::HandleEntry(const v1::ChatMessage& m) {
  uint64_t& cursor = cursors_[m.conversation_id()];
  uint64_t& seen = seen_[m.conversation_id()];
  seen = std::max(seen, m.seq());
  if (m.seq() <= cursor) return;  // already delivered
  if (m.seq() == cursor + 1) {
    Deliver(m);
  } else {
    RequestSync(m.conversation_id());  // a gap: fetch it in order
  }
}

void StreamBridge::Deliver(const v1::ChatMessage& entry) {
  cursors_[entry.conversation_id()] = entry.seq();
  emit entryReceived(entry);
}

void StreamBridge::HandleUserEvent(const v1::UserEvent& e) {
  events_seen_ = std::max(events_seen_, e.seq());
  if (e.seq() <= events_cursor_) return;
  if (e.seq() == events_cursor_ + 1) {
    DeliverEvent(e);
  } else {
    RequestEvents();
  }
}

void StreamBridge::DeliverEvent(const v1::UserEvent& e) {
  events_cursor_ = e.seq();
  if (e.has_room() && e.room().type() == "joined") {
    // The room's entries from the join on are this user's.
    uint64_t id = e.room().conversation_id();
    uint64_t from = e.room().seq() > 0 ? e.room().seq() - 1 : 0;
    auto it = cursors_.find(id);
    if (it == cursors_.end() || it->second < from) cursors_[id] = from;
    RequestSync(id);
  }
  emit userEventReceived(e);
}

void StreamBridge::HandleResult(const v1::CommandResult& result) {
  const uint64_t request_id = result.request_id();
  if (auto it = syncing_.find(request_id); it != syncing_.end()) {
    uint64_t conversation = it->second;
    syncing_.erase(it);
    if (result.code() != 0) return;  // not a member any more, or a service hiccup: next event
    const v1::SyncResponse& sync = result.sync();
    for (const auto& m : sync.messages()) {
      if (m.seq() == cursors_[conversation] + 1) Deliver(m);
    }
    if (sync.has_more() || seen_[conversation] > cursors_[conversation]) RequestSync(conversation);
    return;
  }
  if (request_id != 0 && request_id == events_request_) {
    events_request_ = 0;
    if (result.code() != 0) return;
    const v1::SyncUserEventsResponse& sync = result.sync_events();
    for (const auto& e : sync.events()) {
      if (e.seq() == events_cursor_ + 1) DeliverEvent(e);
    }
    if (sync.has_more() || events_seen_ > events_cursor_) RequestEvents();
    return;
  }
  auto pending = unacked_.find(request_id);
  if (pending != unacked_.end() && IsRetryable(result.code())) {
    // Try again shortly with the same client_msg_id; the server stores it at most once.
    QTimer::singleShot(kRetryCommandMs, this, [this, request_id, generation = generation_] {
      auto it = unacked_.find(request_id);
      if (it != unacked_.end() && generation == generation_ && welcomed_) {
        transport_->Write(it->second);
      }
    });
    return;
  }
  if (pending != unacked_.end()) unacked_.erase(pending);
  emit commandFinished(request_id, result);
}

void StreamBridge::RequestSync(uint64_t conversation_id) {
  if (!welcomed_) return;  // the next Welcome catches up
  for (const auto& [_, c] : syncing_) {
    if (c == conversation_id) return;  // one at a time per conversation
  }
  v1::ClientFrame frame;
  frame.set_request_id(++next_request_id_);
  frame.mutable_sync()->set_conversation_id(conversation_id);
  frame.mutable_sync()->set_after_seq(cursors_[conversation_id]);
  frame.mutable_sync()->set_limit(kSyncLimit);
  syncing_[frame.request_id()] = conversation_id;
  transport_->Write(frame);
}

void StreamBridge::RequestEvents() {
  if (!welcomed_ || events_request_ != 0) return;
  v1::ClientFrame frame;
  frame.set_request_id(++next_request_id_);
  frame.mutable_sync_events()->set_after_seq(events_cursor_);
  frame.mutable_sync_events()->set_limit(kSyncLimit);
  events_request_ = frame.request_id();
  transport_->Write(frame);
}

uint64_t StreamBridge::Command(v1::ClientFrame frame) {
  frame.set_request_id(++next_request_id_);
  if (frame.has_send() || frame.has_edit() || frame.has_delete_() || frame.has_react() ||
      frame.has_notifications() || frame.has_pin()) {
    unacked_[frame.request_id()] = frame;
  }
  if (welcomed_) transport_->Write(frame);
  return frame.request_id();
}

uint64_t StreamBridge::SendMessage(const v1::ConversationRef& to, const QString& text,
                                   const std::string& client_msg_id, uint64_t reply_to_seq,
                                   const std::string& attachment_file_id) {
  v1::ClientFrame frame;
  v1::SendMessage* send = frame.mutable_send();
  switch (to.ref_case()) {
    case v1::ConversationRef::kId:
      send->set_conversation_id(to.id());
      break;
    case v1::ConversationRef::kRoom:
      send->set_room(to.room());
      break;
    case v1::ConversationRef::kWithUser:
      send->set_to_user(to.with_user());
      break;
    case v1::ConversationRef::REF_NOT_SET:
      break;
  }
  send->set_client_msg_id(client_msg_id.empty() ? NewClientMsgId() : client_msg_id);
  send->set_text(text.toStdString());
  send->set_reply_to_seq(reply_to_seq);
  send->set_attachment_file_id(attachment_file_id);
  return Command(std::move(frame));
}

uint64_t StreamBridge::EditMessage(const v1::ConversationRef& in, uint64_t seq,
                                   const QString& text) {
  v1::ClientFrame frame;
  *frame.mutable_edit()->mutable_conversation() = in;
  frame.mutable_edit()->set_seq(seq);
  frame.mutable_edit()->set_text(text.toStdString());
  frame.mutable_edit()->set_client_msg_id(NewClientMsgId());
  return Command(std::move(frame));
}

uint64_t StreamBridge::DeleteMessage(const v1::ConversationRef& in, uint64_t seq) {
  v1::ClientFrame frame;
  *frame.mutable_delete_()->mutable_conversation() = in;
  frame.mutable_delete_()->set_seq(seq);
  frame.mutable_delete_()->set_client_msg_id(NewClientMsgId());
  return Command(std::move(frame));
}

uint64_t StreamBridge::React(const v1::ConversationRef& in, uint64_t seq, const QString& emoji,
                             bool remove) {
  v1::ClientFrame frame;
  v1::ReactMessage* react = frame.mutable_react();
  *react->mutable_conversation() = in;
  react->set_seq(seq);
  react->set_emoji(emoji.toStdString());
  react->set_remove(remove);
  react->set_client_msg_id(NewClientMsgId());
  return Command(std::move(frame));
}

uint64_t StreamBridge::Pin(const v1::ConversationRef& in, uint64_t seq, bool unpin) {
  v1::ClientFrame frame;
  v1::PinMessage* pin = frame.mutable_pin();
  *pin->mutable_conversation() = in;
  pin->set_seq(seq);
  pin->set_unpin(unpin);
  pin->set_client_msg_id(NewClientMsgId());
  return Command(std::move(frame));
}

void StreamBridge::NotifyTyping(const v1::ConversationRef& in) {
  if (!welcomed_) return;  // typing is not worth keeping for later
  v1::ClientFrame frame;
  *frame.mutable_typing()->mutable_conversation() = in;
  Command(std::move(frame));
}

uint64_t StreamBridge::SetNotifications(uint64_t conversation_id, v1::NotifyLevel level,
                                        std::optional<int64_t> muted_until_ms) {
  v1::ClientFrame frame;
  v1::SetNotifications* set = frame.mutable_notifications();
  set->mutable_conversation()->set_id(conversation_id);
  set->set_level(level);
  if (muted_until_ms) set->set_muted_until_ms(*muted_until_ms);
  return Command(std::move(frame));
}

void StreamBridge::MarkRead(uint64_t conversation_id, uint64_t seq) {
  if (!welcomed_) return;  // the next read after reconnecting carries it
  v1::ClientFrame frame;
  frame.mutable_read()->mutable_conversation()->set_id(conversation_id);
  frame.mutable_read()->set_seq(seq);
  Command(std::move(frame));
}

}  // namespace natter::client
