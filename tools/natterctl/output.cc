#include "output.h"

#include <fmt/format.h>

#include <ctime>
#include <string>
#include <vector>

namespace natter::ctl {

std::string Rfc3339(int64_t unix_ms) {
  int64_t seconds = unix_ms / 1000;
  int64_t millis = unix_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

nlohmann::json AckJson(const v1::SendAck& ack) {
  nlohmann::json j = {{"conversation", ack.conversation_id()},
                      {"seq", ack.seq()},
                      {"message_id", ack.message_id()},
                      {"sent_at", Rfc3339(ack.sent_at_ms())},
                      {"duplicate", ack.duplicate()}};
  if (ack.unchanged()) j["unchanged"] = true;
  return j;
}

void AddNotificationsJson(const v1::NotificationSettings& n, nlohmann::json& j) {
  j["notify"] = n.level() == v1::NOTIFY_LEVEL_NONE       ? "none"
                : n.level() == v1::NOTIFY_LEVEL_MENTIONS ? "mentions"
                                                         : "all";
  if (n.muted_until_ms() == 0) {
    j["muted_until"] = nullptr;
  } else if (n.muted_until_ms() == kMutedForeverMs) {
    j["muted_until"] = "forever";
  } else {
    j["muted_until"] = Rfc3339(n.muted_until_ms());
  }
}

nlohmann::json MessageJson(const v1::ChatMessage& m) {
  std::string type = m.type().empty() ? "message" : m.type();
  nlohmann::json j = {{"type", type},       {"conversation", m.conversation_id()},
                      {"seq", m.seq()},     {"message_id", m.message_id()},
                      {"from", m.sender()}, {"from_id", m.sender_id()},
                      {"text", m.text()},   {"sent_at", Rfc3339(m.sent_at_ms())}};
  if (!m.room().empty()) j["room"] = m.room();
  if (m.peer_id() != 0) j["with"] = m.peer();
  if (m.target_seq() != 0) j["target_seq"] = m.target_seq();
  if (m.target_user_id() != 0) j["user"] = m.target_user();
  if (m.edited_at_ms() != 0) j["edited_at"] = Rfc3339(m.edited_at_ms());
  if (m.deleted()) j["deleted"] = true;
  if (m.reply_to_seq() != 0) {
    j["reply_to"] = m.reply_to_seq();
    if (m.has_reply()) {
      const v1::ReplyPreview& r = m.reply();
      j["reply"] = {{"from", r.sender()}, {"text", r.snippet()}};
      if (r.deleted()) j["reply"]["deleted"] = true;
    }
  }
  // A message's reactions; a reaction entry's are its target's after it (an empty list then says
  // the last one went).
  if (m.reactions_size() > 0 || m.type() == "reaction_added" || m.type() == "reaction_removed") {
    nlohmann::json reactions = nlohmann::json::array();
    for (const v1::Reaction& r : m.reactions()) {
      reactions.push_back({{"emoji", r.emoji()},
                           {"count", r.count()},
                           {"users", nlohmann::json(std::vector<std::string>(r.users().begin(),
                                                                             r.users().end()))}});
    }
    j["reactions"] = std::move(reactions);
  }
  if (m.has_attachment()) j["attachment"] = FileJson(m.attachment());
  // Whom the text mentions; "added": the entry newly mentions them (an edit's "false": the text
  // before mentioned them already).
  if (m.mentions_size() > 0) {
    nlohmann::json mentions = nlohmann::json::array();
    for (const v1::Mention& mention : m.mentions()) {
      mentions.push_back({{"user", mention.username()},
                          {"user_id", mention.user_id()},
                          {"added", mention.added()}});
    }
    j["mentions"] = std::move(mentions);
  }
  return j;
}

nlohmann::json PinJson(const v1::Pin& pin) {
  nlohmann::json j = MessageJson(pin.message());
  j["pinned_by"] = pin.pinned_by();
  j["pinned_at"] = Rfc3339(pin.pinned_at_ms());
  return j;
}

nlohmann::json FileJson(const v1::FileInfo& f) {
  nlohmann::json j = {{"file_id", f.file_id()},
                      {"name", f.name()},
                      {"content_type", f.content_type()},
                      {"size", f.size()},
                      {"sha256", f.sha256()}};
  if (f.width() > 0) {
    j["width"] = f.width();
    j["height"] = f.height();
  }
  if (f.has_thumbnail()) j["thumbnail"] = true;
  return j;
}

nlohmann::json ConversationJson(const v1::Conversation& c) {
  nlohmann::json j = {{"conversation", c.id()},
                      {"kind", c.kind()},
                      {"name", c.name()},
                      {"latest_seq", c.latest_seq()},
                      {"last_read_seq", c.last_read_seq()},
                      {"unread", c.unread()}};
  if (c.kind() == "room") {
    if (!c.topic().empty()) j["topic"] = c.topic();
    if (!c.owner().empty()) j["owner"] = c.owner();
    if (c.name() != "lobby") j["members"] = c.member_count();
    if (c.private_room()) j["private"] = true;
    if (c.history() == v1::HISTORY_VISIBILITY_SINCE_JOIN) j["history"] = "since-join";
  } else if (c.kind() == "group") {
    // name: the title ("" for none); others: up to 5 other members, to label an untitled group.
    if (!c.owner().empty()) j["owner"] = c.owner();
    j["members"] = c.member_count();
    j["others"] = std::vector<std::string>(c.member_names().begin(), c.member_names().end());
  } else {
    j["with"] = c.name();
    j["peer_read_seq"] = c.peer_read_seq();
  }
  AddNotificationsJson(c.notifications(), j);
  return j;
}

nlohmann::json ProfileJson(const v1::Profile& p) {
  nlohmann::json j = {{"user_id", p.user_id()},
                      {"username", p.username()},
                      {"display_name", p.display_name()},
                      {"avatar_version", p.avatar_version()}};
  if (p.deleted()) j["deleted"] = true;
  return j;
}

nlohmann::json InvitationJson(const v1::RoomInvitation& i, const v1::UserEvent* event) {
  nlohmann::json j = {{"type", "invitation_" + i.type()},
                      {"room", i.room()},
                      {"conversation", i.conversation_id()},
                      {"inviter", i.inviter()},
                      {"invitee", i.invitee()}};
  if (i.created_at_ms() != 0) j["invited_at"] = Rfc3339(i.created_at_ms());
  if (!i.by().empty()) j["by"] = i.by();
  if (event != nullptr) {
    j["event_seq"] = event->seq();
    j["at"] = Rfc3339(event->at_ms());
  }
  return j;
}

nlohmann::json UserEventJson(const v1::UserEvent& event) {
  if (event.has_room()) {
    const v1::RoomMembership& r = event.room();
    // A group's membership names no room: "group_joined", "group_left", "group_removed".
    nlohmann::json j = {{"type", (r.room().empty() ? "group_" : "room_") + r.type()},
                        {"room", r.room()},
                        {"conversation", r.conversation_id()},
                        {"seq", r.seq()},
                        {"event_seq", event.seq()},
                        {"at", Rfc3339(event.at_ms())}};
    if (!r.by().empty()) j["by"] = r.by();
    return j;
  }
  if (event.has_invitation()) return InvitationJson(event.invitation(), &event);
  const v1::FriendEvent& f = event.friend_();
  nlohmann::json j = {{"type", f.type()},
                      {"user", f.username()},
                      {"user_id", f.user_id()},
                      {"event_seq", event.seq()},
                      {"at", Rfc3339(event.at_ms())}};
  if (f.type() == "friend_request") {
    j["direction"] = f.outgoing() ? "outgoing" : "incoming";
    if (!f.outgoing()) j["from"] = f.username();
    if (!f.message().empty()) j["message"] = f.message();
  }
  return j;
}

nlohmann::json EventJson(const v1::ServerEvent& event) {
  switch (event.kind_case()) {
    case v1::ServerEvent::kMessage:
      return MessageJson(event.message());
    case v1::ServerEvent::kProfile: {
      nlohmann::json j = ProfileJson(event.profile().profile());
      j["type"] = "profile";
      j["user"] = event.profile().profile().username();
      return j;
    }
    case v1::ServerEvent::kSessionEnded:
      return {{"type", "session_ended"}, {"reason", event.session_ended().reason()}};
    case v1::ServerEvent::kUserEvent:
      return UserEventJson(event.user_event());
    case v1::ServerEvent::kPresence: {
      const v1::PresenceChanged& p = event.presence();
      nlohmann::json j = {{"type", "presence"},
                          {"user", p.username()},
                          {"user_id", p.user_id()},
                          {"status", p.status()}};
      if (p.status() == "offline" && p.last_seen_ms() > 0)
        j["last_seen"] = Rfc3339(p.last_seen_ms());
      return j;
    }
    case v1::ServerEvent::kRoomNotice: {
      const v1::RoomNotice& n = event.room_notice();
      nlohmann::json j = {
          {"type", "room_notice"}, {"room", n.room()},   {"conversation", n.conversation_id()},
          {"user", n.username()},  {"event", n.event()}, {"online", n.online_count()}};
      if (n.others_joined() > 0) j["others_joined"] = n.others_joined();
      if (n.others_left() > 0) j["others_left"] = n.others_left();
      return j;
    }
    case v1::ServerEvent::kTyping: {
      const v1::TypingEvent& t = event.typing();
      nlohmann::json j = {{"type", "typing"},
                          {"conversation", t.conversation_id()},
                          {"user", t.username()},
                          {"user_id", t.user_id()}};
      if (!t.room().empty()) j["room"] = t.room();
      return j;
    }
    case v1::ServerEvent::kRead: {
      const v1::ReadMarker& r = event.read();
      return {{"type", "read"},
              {"conversation", r.conversation_id()},
              {"user", r.username()},
              {"user_id", r.user_id()},
              {"seq", r.seq()}};
    }
    case v1::ServerEvent::kNotifications: {
      nlohmann::json j = {{"type", "notifications"},
                          {"conversation", event.notifications().conversation_id()}};
      AddNotificationsJson(event.notifications(), j);
      return j;
    }
    default:
      return nullptr;
  }
}

}  // namespace natter::ctl
