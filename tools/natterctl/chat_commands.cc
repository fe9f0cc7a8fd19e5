#include "chat_commands.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "common/backoff.h"
#include "file_commands.h"
#include "natter/v1/gateway.grpc.pb.h"
#include "output.h"

namespace natter::ctl {
namespace v1 = natter::v1;

namespace {

constexpr int kSendAttempts = 4;

// One Connect stream: authenticated by the token, Welcome first, then events.
class StreamSession {
 public:
  StreamSession(const std::string& gateway, const std::string& token,
                std::optional<Clock::time_point> deadline, bool announce_presence = true)
      : gateway_(gateway), stub_(v1::Gateway::NewStub(Channel(gateway))) {
    context_.AddMetadata("authorization", "Bearer " + token);
    // A stream opened just to send does not make the user flicker online and offline.
    if (!announce_presence) context_.AddMetadata("natter-presence", "off");
    if (deadline) context_.set_deadline(*deadline);
    stream_ = stub_->Connect(&context_);
  }

  // Waits for Welcome; nullopt when the stream ended first (then Close() tells why).
  std::optional<v1::Welcome> AwaitWelcome() {
    v1::ServerEvent event;
    while (Next(event)) {
      if (event.has_welcome()) return event.welcome();
    }
    return std::nullopt;
  }

  bool Next(v1::ServerEvent& event) {
    while (pending_.empty()) {
      v1::ServerFrame frame;
      if (!stream_->Read(&frame)) {
        ended_ = true;
        return false;
      }
      for (auto& e : *frame.mutable_events()) pending_.push_back(std::move(e));
    }
    event = std::move(pending_.front());
    pending_.erase(pending_.begin());
    return true;
  }

  bool Write(const v1::ClientFrame& frame) { return stream_->Write(frame); }

  uint64_t NextRequestId() { return ++request_id_; }

  // Ends the stream and returns its status: the server's own if it had already ended it.
  grpc::Status Close() {
    if (closed_) return status_;
    if (ended_) return Finish();
    closed_ = true;
    context_.TryCancel();
    v1::ServerFrame ignored;
    while (stream_->Read(&ignored)) {
    }
    status_ = stream_->Finish();
    return status_;
  }

  // Ends the stream and returns the server's status (for a stream that ended on its own).
  grpc::Status Finish() {
    if (closed_) return status_;
    closed_ = true;
    status_ = stream_->Finish();
    return status_;
  }

  const std::string& gateway() const { return gateway_; }

 private:
  std::string gateway_;
  std::unique_ptr<v1::Gateway::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::ClientFrame, v1::ServerFrame>> stream_;
  std::vector<v1::ServerEvent> pending_;
  uint64_t request_id_ = 0;
  bool ended_ = false;  // the server ended the stream (Read returned false)
  bool closed_ = false;
  grpc::Status status_;
};

// ---- commands ----

}  // namespace

v1::ConversationRef RefOf(const Target& t) {
  v1::ConversationRef ref;
  if (!t.room.empty()) {
    ref.set_room(t.room);
  } else if (!t.user.empty()) {
    ref.set_with_user(t.user);
  } else {
    ref.set_id(t.conversation_id);
  }
  return ref;
}

Target ParseConversation(const std::string& spec) {
  Target t;
  if (!spec.empty() &&
      std::all_of(spec.begin(), spec.end(), [](unsigned char c) { return std::isdigit(c); })) {
    t.conversation_id = std::strtoull(spec.c_str(), nullptr, 10);
    if (t.conversation_id == 0) throw CtlError{"conversation ids start at 1"};
  } else if (spec.starts_with("@")) {
    t.user = spec.substr(1);
    if (t.user.empty()) throw CtlError{"give a username after '@'"};
  } else {
    t.room = spec;
  }
  return t;
}

namespace {

// Runs one command on a short stream (which does not make the user appear online) and returns its
// successful result. Retried on another gateway while the platform is unavailable; commands that
// change something carry an idempotency key, so a retry never does it twice.
v1::CommandResult RunCommand(const Globals& g, const v1::ClientFrame& command) {
  std::string token = TokenFor(g, CurrentUser(g));
  auto gateways = SplitGateways(g.gateway);
  CtlError last{"command not carried out"};
  for (int attempt = 0; attempt < kSendAttempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
    const std::string& gateway = gateways[attempt % gateways.size()];
    StreamSession session(gateway, token, Clock::now() + kCallTimeout,
                          /*announce_presence=*/false);
    if (!session.AwaitWelcome()) {
      grpc::Status status = session.Finish();
      last = FromStatus(status, gateway);
      if (status.error_code() == grpc::StatusCode::UNAVAILABLE) continue;
      throw last;
    }
    v1::ClientFrame frame = command;
    frame.set_request_id(session.NextRequestId());
    session.Write(frame);
    v1::ServerEvent event;
    while (session.Next(event)) {
      if (!event.has_result() || event.result().request_id() != frame.request_id()) continue;
      v1::CommandResult result = event.result();
      session.Close();
      if (result.code() == 0) return result;
      last = CtlError{result.error()};
      if (result.code() != grpc::StatusCode::UNAVAILABLE) throw last;
      break;
    }
    grpc::Status status = session.Close();
    if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
      last = FromStatus(status, gateway);
    }
  }
  throw last;
}

}  // namespace

int Send(const Globals& g, const Target& target, const std::string& text, std::string client_msg_id,
         uint64_t reply_to, const std::string& file) {
  std::optional<v1::FileInfo> attachment;
  if (!file.empty()) attachment = UploadFile(g, file);
  v1::ClientFrame frame;
  v1::SendMessage* send = frame.mutable_send();
  if (!target.room.empty()) {
    send->set_room(target.room);
  } else if (!target.user.empty()) {
    send->set_to_user(target.user);
  } else {
    send->set_conversation_id(target.conversation_id);
  }
  send->set_client_msg_id(client_msg_id.empty() ? RandomId() : client_msg_id);
  send->set_text(text);
  send->set_reply_to_seq(reply_to);
  if (attachment.has_value()) send->set_attachment_file_id(attachment->file_id());
  nlohmann::json ack = AckJson(RunCommand(g, frame).ack());
  if (attachment.has_value()) ack["attachment"] = FileJson(*attachment);
  PrintJson(ack);
  return 0;
}

int Edit(const Globals& g, const Target& target, uint64_t seq, const std::string& text) {
  v1::ClientFrame frame;
  *frame.mutable_edit()->mutable_conversation() = RefOf(target);
  frame.mutable_edit()->set_seq(seq);
  frame.mutable_edit()->set_text(text);
  frame.mutable_edit()->set_client_msg_id(RandomId());
  PrintJson(AckJson(RunCommand(g, frame).ack()));
  return 0;
}

int Delete(const Globals& g, const Target& target, uint64_t seq) {
  v1::ClientFrame frame;
  *frame.mutable_delete_()->mutable_conversation() = RefOf(target);
  frame.mutable_delete_()->set_seq(seq);
  frame.mutable_delete_()->set_client_msg_id(RandomId());
  PrintJson(AckJson(RunCommand(g, frame).ack()));
  return 0;
}

int React(const Globals& g, const Target& target, uint64_t seq, const std::string& emoji,
          bool remove) {
  v1::ClientFrame frame;
  v1::ReactMessage* react = frame.mutable_react();
  *react->mutable_conversation() = RefOf(target);
  react->set_seq(seq);
  react->set_emoji(emoji);
  react->set_remove(remove);
  react->set_client_msg_id(RandomId());
  PrintJson(AckJson(RunCommand(g, frame).ack()));
  return 0;
}

int Pin(const Globals& g, const Target& target, uint64_t seq, bool unpin) {
  v1::ClientFrame frame;
  v1::PinMessage* pin = frame.mutable_pin();
  *pin->mutable_conversation() = RefOf(target);
  pin->set_seq(seq);
  pin->set_unpin(unpin);
  pin->set_client_msg_id(RandomId());
  PrintJson(AckJson(RunCommand(g, frame).ack()));
  return 0;
}

int ListPins(const Globals& g, const Target& target) {
  auto context = AuthedContext(g);
  v1::ListPinsRequest request;
  *request.mutable_conversation() = RefOf(target);
  v1::ListPinsResponse response;
  CheckStatus(GatewayStub(g)->ListPins(context.get(), request, &response), g);
  for (const auto& pin : response.pins()) PrintJson(PinJson(pin));
  return 0;
}

int Typing(const Globals& g, const Target& target) {
  v1::ClientFrame frame;
  *frame.mutable_typing()->mutable_conversation() = RefOf(target);
  PrintJson({{"conversation", RunCommand(g, frame).typing().conversation_id()}});
  return 0;
}

int MarkRead(const Globals& g, const Target& target, uint64_t seq) {
  v1::ClientFrame frame;
  *frame.mutable_read()->mutable_conversation() = RefOf(target);
  frame.mutable_read()->set_seq(seq);
  const v1::MarkReadResponse read = RunCommand(g, frame).read();
  PrintJson({{"conversation", read.conversation_id()},
             {"last_read_seq", read.last_read_seq()},
             {"unread", read.unread()}});
  return 0;
}

int64_t ParseDurationMs(const std::string& text) {
  const CtlError bad{"a duration is a number with a unit s, m, h or d, e.g. 8h or 1h30m; got \"" +
                     text + "\""};
  int64_t total = 0;
  size_t i = 0;
  if (text.empty()) throw bad;
  while (i < text.size()) {
    size_t digits = i;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
      ++digits;
    }
    if (digits == i || digits - i > 6 || digits == text.size()) throw bad;
    const int64_t n = std::stoll(text.substr(i, digits - i));
    int64_t unit = 0;
    switch (text[digits]) {
      case 's':
        unit = 1000;
        break;
      case 'm':
        unit = 60 * 1000;
        break;
      case 'h':
        unit = 3600 * 1000;
        break;
      case 'd':
        unit = 24 * 3600 * 1000;
        break;
      default:
        throw bad;
    }
    total += n * unit;
    i = digits + 1;
  }
  if (total == 0) throw CtlError{"a mute must last longer than 0 seconds"};
  return total;
}

int64_t ParseRfc3339Ms(const std::string& text) {
  const CtlError bad{
      "give a time as RFC 3339, e.g. 2026-12-24T18:00:00Z or "
      "2026-12-24T19:00:00+01:00; got \"" +
      text + "\""};
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    throw bad;
  }
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60) {
    throw bad;
  }
  size_t i = static_cast<size_t>(consumed);
  int64_t millis = 0;
  if (i < text.size() && text[i] == '.') {
    int64_t scale = 100;
    ++i;
    if (i == text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) throw bad;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      millis += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  int64_t offset_minutes = 0;
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z') && i + 1 == text.size()) {
    // UTC
  } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    int hours = 0, minutes = 0, used = 0;
    if (std::sscanf(text.c_str() + i + 1, "%2d:%2d%n", &hours, &minutes, &used) != 2 ||
        i + 1 + static_cast<size_t>(used) != text.size() || hours > 23 || minutes > 59) {
      throw bad;
    }
    offset_minutes = (text[i] == '+' ? 1 : -1) * (hours * 60 + minutes);
  } else {
    throw bad;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const int64_t seconds = static_cast<int64_t>(timegm(&tm)) - offset_minutes * 60;
  return seconds * 1000 + millis;
}

int SetNotifications(const Globals& g, const Target& target, v1::NotifyLevel level,
                     std::optional<int64_t> muted_until_ms) {
  v1::ClientFrame frame;
  v1::SetNotifications* set = frame.mutable_notifications();
  *set->mutable_conversation() = RefOf(target);
  set->set_level(level);
  if (muted_until_ms) set->set_muted_until_ms(*muted_until_ms);
  const v1::NotificationSettings after = RunCommand(g, frame).notifications();
  nlohmann::json j = {{"conversation", after.conversation_id()}};
  AddNotificationsJson(after, j);
  PrintJson(j);
  return 0;
}

namespace {

// Prints messages exactly once per (conversation, seq), in seq order, across gaps, resyncs and
// reconnects: a per-conversation cursor, and Sync from the cursor whenever something may be
// missing.
class Listener {
 public:
  Listener(const Globals& g, int count, std::optional<Clock::time_point> deadline,
           std::set<std::string> types, bool from_start)
      : globals_(g),
        count_(count),
        deadline_(deadline),
        types_(std::move(types)),
        from_start_(from_start) {}

  int Run() {
    user_ = CurrentUser(globals_);
    std::string token = TokenFor(globals_, user_);
    if (!from_start_) LoadCursors();
    auto gateways = SplitGateways(globals_.gateway);
    const ReconnectBackoff backoff;
    std::mt19937 random(std::random_device{}());
    int failures = 0;  // streams in a row that ended, without a Welcome or a GoAway since
    for (size_t attempt = 0;; ++attempt) {
      const std::string& gateway = gateways[attempt % gateways.size()];
      StreamSession session(gateway, token, deadline_);
      auto welcome = session.AwaitWelcome();
      std::optional<std::chrono::milliseconds> go_away;  // the wait it asked for
      if (welcome) {
        failures = 0;
        std::cerr << "natterctl: listening as " << welcome->username() << " on " << gateway
                  << std::endl;
        OnWelcome(session, *welcome);
        if (Done()) return 0;
        v1::ServerEvent event;
        while (session.Next(event)) {
          Handle(session, event);
          if (Done()) {
            session.Close();
            return 0;
          }
          if (event.has_go_away()) {
            go_away = std::chrono::milliseconds(event.go_away().reconnect_after_ms());
            break;
          }
        }
      }
      grpc::Status status = session.Close();
      if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED || Expired()) return 0;
      if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
          status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
          status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
        throw FromStatus(status, gateway);
      }
      if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
        std::cerr << "natterctl: stream ended (" << status.error_message() << "); reconnecting"
                  << std::endl;
      }
      // After a GoAway, the wait the gateway asked for (it spreads its clients over its drain);
      // after a failure, full jitter, so listeners that lost a gateway together do not all come
      // back together (common/backoff.h). Never past --timeout.
      std::chrono::milliseconds wait = go_away ? backoff.AfterGoAway(*go_away, random)
                                               : backoff.AfterFailures(++failures, random);
      if (deadline_) {
        wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::max(*deadline_ - Clock::now(), Clock::duration(0))));
      }
      std::this_thread::sleep_for(wait);
    }
  }

 private:
  bool Done() const { return count_ > 0 && printed_ >= count_; }
  bool Expired() const { return deadline_ && Clock::now() >= *deadline_; }

  void OnWelcome(StreamSession& session, const v1::Welcome& welcome) {
    syncing_.clear();  // request ids belong to the stream that ended
    events_request_ = 0;
    for (const auto& c : welcome.conversations()) {
      if (!cursors_.contains(c.id())) {
        if (from_start_) {
          cursors_[c.id()] = 0;  // everything, from the first message
        } else if (!resumed_) {
          // A first run (a new device) starts where the user stopped reading: what is unread, then
          // live entries.
          cursors_[c.id()] = std::min(c.last_read_seq(), c.latest_seq());
        } else if (c.kind() == "direct") {
          cursors_[c.id()] = 0;  // a conversation that began while this listener was away
        } else {
          // A room joined while this listener was away: its "joined" event (in the personal
          // events fetched below) says from where its messages are this user's.
          pending_rooms_.insert(c.id());
          continue;
        }
      }
      if (c.latest_seq() > cursors_[c.id()]) RequestSync(session, c.id());
    }
    resumed_ = true;
    SaveCursors();
    // Personal events are durable: fetch everything after the stored cursor (all of them on a
    // first run), so a request or answer that came while this user was away is shown now.
    if (welcome.events_latest_seq() > events_cursor_) RequestEvents(session);
  }

  void Handle(StreamSession& session, const v1::ServerEvent& event) {
    if (event.has_message()) {
      const v1::ChatMessage& m = event.message();
      if (pending_rooms_.contains(m.conversation_id())) return;  // synced once joined
      uint64_t& cursor = cursors_[m.conversation_id()];  // new: a direct conversation from 0
      uint64_t& seen = seen_[m.conversation_id()];
      seen = std::max(seen, m.seq());
      if (m.seq() <= cursor) return;  // already printed
      if (m.seq() == cursor + 1) {
        Print(m);
      } else {
        RequestSync(session, m.conversation_id());  // a gap: fetch it in order
      }
    } else if (event.has_user_event()) {
      const v1::UserEvent& e = event.user_event();
      events_seen_ = std::max(events_seen_, e.seq());
      if (e.seq() <= events_cursor_) return;
      if (e.seq() == events_cursor_ + 1) {
        PrintEvent(session, e);
      } else {
        RequestEvents(session);
      }
    } else if (event.has_result() && event.result().has_sync()) {
      auto it = syncing_.find(event.result().request_id());
      if (it == syncing_.end()) return;
      uint64_t conversation = it->second;
      syncing_.erase(it);
      const v1::SyncResponse& sync = event.result().sync();
      for (const auto& m : sync.messages()) {
        if (m.seq() == cursors_[conversation] + 1) Print(m);
        if (Done()) return;
      }
      // More stored, or a live message was dropped as a gap while this sync was under way.
      if (sync.has_more() || seen_[conversation] > cursors_[conversation]) {
        RequestSync(session, conversation);
      }
    } else if (event.has_result() && event.result().has_sync_events()) {
      if (event.result().request_id() != events_request_) return;
      events_request_ = 0;
      const v1::SyncUserEventsResponse& sync = event.result().sync_events();
      for (const auto& e : sync.events()) {
        if (e.seq() == events_cursor_ + 1) PrintEvent(session, e);
        if (Done()) return;
      }
      if (sync.has_more() || events_seen_ > events_cursor_) RequestEvents(session);
    } else if (event.has_result() && event.result().code() != 0) {
      // A conversation this user is no longer in cannot be synced; anything else is worth saying.
      if (auto it = syncing_.find(event.result().request_id()); it != syncing_.end()) {
        syncing_.erase(it);
        if (event.result().code() == grpc::StatusCode::FAILED_PRECONDITION ||
            event.result().code() == grpc::StatusCode::NOT_FOUND) {
          return;
        }
      }
      std::cerr << "natterctl: " << event.result().error() << std::endl;
    } else if (event.has_resync()) {
      for (const auto& [conversation, _] : cursors_) RequestSync(session, conversation);
      RequestEvents(session);
    } else if (nlohmann::json shown = EventJson(event); !shown.is_null()) {
      Emit(shown);
    }
  }

  void RequestSync(StreamSession& session, uint64_t conversation) {
    for (const auto& [_, c] : syncing_) {
      if (c == conversation) return;  // one at a time per conversation
    }
    v1::ClientFrame frame;
    frame.set_request_id(session.NextRequestId());
    frame.mutable_sync()->set_conversation_id(conversation);
    frame.mutable_sync()->set_after_seq(cursors_[conversation]);
    frame.mutable_sync()->set_limit(500);
    syncing_[frame.request_id()] = conversation;
    session.Write(frame);
  }

  void RequestEvents(StreamSession& session) {
    if (events_request_ != 0) return;  // one at a time
    v1::ClientFrame frame;
    frame.set_request_id(session.NextRequestId());
    frame.mutable_sync_events()->set_after_seq(events_cursor_);
    frame.mutable_sync_events()->set_limit(500);
    events_request_ = frame.request_id();
    session.Write(frame);
  }

  void Print(const v1::ChatMessage& m) {
    cursors_[m.conversation_id()] = m.seq();
    Emit(MessageJson(m));
    SaveCursors();
  }

  void PrintEvent(StreamSession& session, const v1::UserEvent& e) {
    events_cursor_ = e.seq();
    if (e.has_room() && e.room().type() == "joined") {
      // The room's entries from the join on are this user's: sync them.
      uint64_t id = e.room().conversation_id();
      pending_rooms_.erase(id);
      uint64_t from = e.room().seq() > 0 ? e.room().seq() - 1 : 0;
      if (!cursors_.contains(id) || cursors_[id] < from) cursors_[id] = from;
      RequestSync(session, id);
    }
    Emit(UserEventJson(e));
    SaveCursors();
  }

  // Prints (and counts) an event unless --type excludes it.
  void Emit(const nlohmann::json& event) {
    if (!types_.empty() && !types_.contains(event.value("type", ""))) return;
    PrintJson(event);
    ++printed_;
  }

  // $NATTER_HOME/cursors/USER: the last personal event shown ("events SEQ") and the last entry
  // shown per conversation ("ID SEQ"), so that a listener that is stopped and started again shows
  // each exactly once. Saved after each line is printed.
  fs::path CursorPath() const { return fs::path(globals_.home) / "cursors" / user_; }
  void LoadCursors() {
    auto lines = ReadLines(CursorPath());
    resumed_ = !lines.empty();
    for (const auto& line : lines) {
      std::istringstream in(line);
      std::string key;
      uint64_t seq = 0;
      if (!(in >> key >> seq)) continue;
      if (key == "events") {
        events_cursor_ = seq;
      } else if (uint64_t id = std::strtoull(key.c_str(), nullptr, 10); id != 0) {
        cursors_[id] = seq;
      }
    }
  }
  void SaveCursors() const {
    std::string content = "events " + std::to_string(events_cursor_) + "\n";
    for (const auto& [id, seq] : cursors_) {
      content += std::to_string(id) + " " + std::to_string(seq) + "\n";
    }
    WritePrivateFile(CursorPath(), content);
  }

  const Globals& globals_;
  const int count_;
  const std::optional<Clock::time_point> deadline_;
  const std::set<std::string> types_;
  const bool from_start_;
  bool resumed_ = false;  // cursors came from an earlier run or an earlier stream
  std::set<uint64_t> pending_rooms_;
  std::string user_;
  int printed_ = 0;
  std::map<uint64_t, uint64_t> cursors_;
  std::map<uint64_t, uint64_t> seen_;     // highest seq seen live per conversation
  std::map<uint64_t, uint64_t> syncing_;  // request id -> conversation
  uint64_t events_cursor_ = 0;
  uint64_t events_seen_ = 0;
  uint64_t events_request_ = 0;  // the SyncUserEvents in flight, 0 if none
};

}  // namespace

int History(const Globals& g, const Target& target, uint64_t before_seq, uint32_t limit) {
  auto context = AuthedContext(g);
  v1::HistoryRequest request;
  if (!target.room.empty()) {
    request.set_room(target.room);
  } else if (!target.user.empty()) {
    request.set_with_user(target.user);
  } else {
    request.set_conversation_id(target.conversation_id);
  }
  request.set_before_seq(before_seq);
  request.set_limit(limit);
  v1::HistoryResponse response;
  CheckStatus(GatewayStub(g)->History(context.get(), request, &response), g);
  for (const auto& m : response.messages()) PrintJson(MessageJson(m));
  return 0;
}

int ListMentions(const Globals& g, uint64_t before_message_id, uint32_t limit) {
  auto context = AuthedContext(g);
  v1::ListMentionsRequest request;
  request.set_before_message_id(before_message_id);
  request.set_limit(limit);
  v1::ListMentionsResponse response;
  CheckStatus(GatewayStub(g)->ListMentions(context.get(), request, &response), g);
  for (const auto& m : response.messages()) PrintJson(MessageJson(m));
  return 0;
}

int Listen(const Globals& g, int count, std::optional<Clock::time_point> deadline,
           const std::vector<std::string>& types, bool from_start) {
  return Listener(g, count, deadline, {types.begin(), types.end()}, from_start).Run();
}

}  // namespace natter::ctl
