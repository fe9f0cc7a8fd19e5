// The desktop client's one stream to the gateway. Frames arrive on the transport's thread and are
// handed to the GUI thread as queued calls; there the bridge keeps a cursor per conversation and
// emits each entry exactly once, in seq order, syncing gaps and catching up after a reconnect (the
// rules of docs/PROTOCOL.md). It reconnects by itself (after a failure with full-jitter backoff,
// after a GoAway when the gateway said, plus jitter: common/backoff.h), resends unacknowledged
// messages with their client_msg_id, and reports its state (connected / connecting / reconnecting
// / offline) without ever blocking the GUI.
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/backoff.h"
#include "natter/v1/gateway.pb.h"
#include "transport.h"

namespace natter::client {

class StreamBridge : public QObject {
  Q_OBJECT

 public:
  enum class State { kOffline, kConnecting, kConnected, kReconnecting };
  Q_ENUM(State)

  explicit StreamBridge(std::unique_ptr<Transport> transport, QObject* parent = nullptr);
  ~StreamBridge() override;

  // Connects (and keeps reconnecting) as the session `token`.
  void Start(const QString& address, const QString& token);
  // Disconnects for good; late frames of the old stream are dropped.
  void Stop();
  State state() const { return state_; }

  // Commands. Each returns its request id, echoed in commandFinished. A message is kept until its
  // ack and resent with the same client_msg_id after a reconnect.
  // `client_msg_id`: the one this message had before (a resend after a restart), or empty for a
  // new one. `reply_to_seq`: the message of the same conversation it replies to (0: none).
  // `attachment_file_id`: a file from UploadFile the message carries (the text may then be empty).
  uint64_t SendMessage(const v1::ConversationRef& to, const QString& text,
                       const std::string& client_msg_id = {}, uint64_t reply_to_seq = 0,
                       const std::string& attachment_file_id = {});
  // A fresh client_msg_id.
  static std::string NewClientMsgId();
  uint64_t EditMessage(const v1::ConversationRef& in, uint64_t seq, const QString& text);
  uint64_t DeleteMessage(const v1::ConversationRef& in, uint64_t seq);
  // Adds (or with `remove` takes back) the user's reaction `emoji` to message `seq`.
  uint64_t React(const v1::ConversationRef& in, uint64_t seq, const QString& emoji, bool remove);
  // Pins (or with `unpin` unpins) message `seq`; kept until answered, like a message.
  uint64_t Pin(const v1::ConversationRef& in, uint64_t seq, bool unpin);
  void NotifyTyping(const v1::ConversationRef& in);
  void MarkRead(uint64_t conversation_id, uint64_t seq);
  // Sets the user's notification settings for a conversation: `level` (UNSPECIFIED: unchanged)
  // and, when given, the mute (0: unmute; kMutedForeverMs: until unmuted). Settings are absolute,
  // so one not answered is sent again after a reconnect.
  uint64_t SetNotifications(uint64_t conversation_id, v1::NotifyLevel level,
                            std::optional<int64_t> muted_until_ms);

  // The wait before the reconnect that is scheduled, 0 when none is (exposed for tests).
  std::chrono::milliseconds ScheduledReconnect() const;

 signals:
  void stateChanged(natter::client::StreamBridge::State state, const QString& detail);
  void welcomed(const natter::v1::Welcome& welcome);
  // Every entry of every conversation, once each, in seq order per conversation.
  void entryReceived(const natter::v1::ChatMessage& entry);
  void userEventReceived(const natter::v1::UserEvent& event);
  void presenceChanged(const natter::v1::PresenceChanged& presence);
  void profileChanged(const natter::v1::Profile& profile);
  void typingReceived(const natter::v1::TypingEvent& typing);
  void readMarkerReceived(const natter::v1::ReadMarker& marker);
  // The user's notification settings for a conversation changed (on any of their devices).
  void notificationSettingsReceived(const natter::v1::NotificationSettings& settings);
  void roomNoticeReceived(const natter::v1::RoomNotice& notice);
  // A command's result: code 0 and the result, or a gRPC code and a readable error.
  void commandFinished(uint64_t request_id, const natter::v1::CommandResult& result);
  // The session is over (logged out elsewhere, revoked, password changed): sign in again.
  void sessionEnded(const QString& reason);

 private:
  void Connect();
  void HandleFrame(uint64_t generation, const v1::ServerFrame& frame);
  void HandleClosed(uint64_t generation, int code, const QString& message);
  void HandleEvent(const v1::ServerEvent& event);
  void HandleWelcome(const v1::Welcome& welcome);
  void HandleEntry(const v1::ChatMessage& entry);
  void HandleUserEvent(const v1::UserEvent& event);
  void HandleResult(const v1::CommandResult& result);
  void RequestSync(uint64_t conversation_id);
  void RequestEvents();
  void Deliver(const v1::ChatMessage& entry);
  void DeliverEvent(const v1::UserEvent& event);
  uint64_t Command(v1::ClientFrame frame);
  void SetState(State state, const QString& detail = {});

  std::unique_ptr<Transport> transport_;
  QTimer reconnect_timer_;
  std::string address_;
  std::string token_;
  State state_ = State::kOffline;
  bool running_ = false;
  bool welcomed_ = false;  // the current stream said Welcome
  bool ever_welcomed_ = false;
  int failures_ = 0;  // failed attempts in a row, since the last Welcome
  const ReconnectBackoff backoff_;
  // What the current stream's GoAway asked to wait before reconnecting; empty without one.
  std::optional<std::chrono::milliseconds> go_away_wait_;
  uint64_t generation_ = 0;  // of the current stream; frames of older ones are dropped
  uint64_t next_request_id_ = 0;

  std::map<uint64_t, uint64_t> cursors_;  // conversation -> last seq delivered
  std::map<uint64_t, uint64_t> seen_;     // conversation -> highest seq seen live
  std::map<uint64_t, uint64_t> syncing_;  // request id -> conversation
  uint64_t events_cursor_ = 0;
  uint64_t events_seen_ = 0;
  uint64_t events_request_ = 0;
  // Sends (and edits, deletions) not yet acked, by request id: resent after a reconnect.
  std::map<uint64_t, v1::ClientFrame> unacked_;
};

}  // namespace natter::client

Q_DECLARE_METATYPE(natter::v1::Welcome)
Q_DECLARE_METATYPE(natter::v1::ChatMessage)
Q_DECLARE_METATYPE(natter::v1::UserEvent)
Q_DECLARE_METATYPE(natter::v1::PresenceChanged)
Q_DECLARE_METATYPE(natter::v1::Profile)
Q_DECLARE_METATYPE(natter::v1::TypingEvent)
Q_DECLARE_METATYPE(natter::v1::ReadMarker)
Q_DECLARE_METATYPE(natter::v1::NotificationSettings)
Q_DECLARE_METATYPE(natter::v1::RoomNotice)
Q_DECLARE_METATYPE(natter::v1::CommandResult)
