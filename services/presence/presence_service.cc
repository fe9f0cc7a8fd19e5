#include "presence_service.h"

#include <spdlog/spdlog.h>

#include "common/channels.h"
#include "common/status.h"
#include "natter/v1/gateway.pb.h"

namespace natter::presence {
namespace {

constexpr size_t kSweepBatch = 1000;

absl::Status ValidateStream(const v1::DeviceStream& stream) {
  if (stream.user_id() == 0) return absl::InvalidArgumentError("stream has no user_id");
  if (stream.stream_id().empty() || stream.stream_id().size() > 128) {
    return absl::InvalidArgumentError("stream_id must be 1 to 128 bytes long");
  }
  if (stream.username().size() > 128) return absl::InvalidArgumentError("username is too long");
  return absl::OkStatus();
}

StreamEntry ToEntry(const v1::DeviceStream& stream) {
  return StreamEntry{stream.user_id(), stream.stream_id(), stream.username()};
}

}  // namespace

PresenceService::PresenceService(PresenceStore& store, AudienceSource& audience,
                                 EventPublisher& publisher, RateLimiter& limiter,
                                 RateLimit status_changes, const Clock& clock,
                                 std::chrono::seconds ttl,
                                 std::chrono::milliseconds room_notice_interval)
    : store_(store),
      audience_(audience),
      publisher_(publisher),
      limiter_(limiter),
      status_changes_(status_changes),
      clock_(clock),
      ttl_(ttl),
      room_notices_(room_notice_interval) {}

int64_t PresenceService::TtlMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(ttl_).count();
}

int64_t PresenceService::ExpiryFromNow() const { return clock_.NowMs() + TtlMs(); }

absl::Status PresenceService::NoteStore(absl::Status status) {
  if (!status.ok()) store_failed_at_ms_.store(clock_.NowMs(), std::memory_order_relaxed);
  return status;
}

absl::StatusOr<Transition> PresenceService::RefreshAndAnnounce(uint64_t user_id) {
  ASSIGN_OR_RETURN(auto t, store_.Refresh(user_id, clock_.NowMs(), TtlMs()));
  if (t.changed()) Announce(user_id, t);
  return t;
}

void PresenceService::Announce(uint64_t user_id, const Transition& t) {
  auto audience = audience_.Get(user_id);
  if (!audience.ok()) {
    // Friends see the right status in their next snapshot; nothing else can be done now.
    spdlog::warn("presence of user {} changed but its audience is unknown: {}", user_id,
                 audience.status().message());
    return;
  }
  std::vector<std::pair<std::string, std::string>> events;
  v1::ServerEvent presence;
  v1::PresenceChanged* p = presence.mutable_presence();
  p->set_user_id(user_id);
  p->set_username(t.username);
  p->set_status(t.current);
  p->set_last_seen_ms(t.current == "offline" ? t.last_seen_ms : 0);
  std::string payload = presence.SerializeAsString();
  for (uint64_t friend_id : audience->friend_ids)
    events.emplace_back(UserChannel(friend_id), payload);

  bool appeared = t.previous == "offline";
  bool disappeared = t.current == "offline";
  if (appeared || disappeared) {
    std::vector<RoomChange> now;
    for (const auto& room : audience->rooms) {
      RoomChange change{room, user_id, t.username, appeared};
      if (room_notices_.Offer(change, clock_.NowMs())) now.push_back(std::move(change));
    }
    AddRoomNotices(now, events);
  }
  if (auto s = publisher_.PublishMany(events); !s.ok()) {
    spdlog::warn("could not announce presence of user {}: {}", user_id, s.message());
  }
  spdlog::debug("user {} is now {} ({} friends told)", user_id, t.current,
                audience->friend_ids.size());
}

void PresenceService::AddRoomNotices(const std::vector<RoomChange>& changes,
                                     std::vector<std::pair<std::string, std::string>>& events) {
  if (changes.empty()) return;
  auto online = store_.VisibleOnline(1, clock_.NowMs());
  for (const auto& change : changes) {
    v1::ServerEvent notice;
    v1::RoomNotice* n = notice.mutable_room_notice();
    n->set_conversation_id(change.room.id);
    n->set_room(change.room.name);
    n->set_user_id(change.user_id);
    n->set_username(change.username);
    n->set_event(change.joined ? "joined" : "left");
    n->set_others_joined(change.others_joined);
    n->set_others_left(change.others_left);
    if (online.ok()) n->set_online_count(online->second);
    events.emplace_back(ConversationChannel(change.room.id), notice.SerializeAsString());
  }
}

absl::StatusOr<size_t> PresenceService::FlushRoomNotices() {
  auto due = room_notices_.TakeDue(clock_.NowMs());
  std::vector<std::pair<std::string, std::string>> events;
  AddRoomNotices(due, events);
  if (events.empty()) return 0;
  RETURN_IF_ERROR(publisher_.PublishMany(events));
  return events.size();
}

absl::Status PresenceService::StreamOpened(const v1::StreamOpenedRequest& request) {
  RETURN_IF_ERROR(ValidateStream(request.stream()));
  ASSIGN_OR_RETURN(auto added, store_.Renew({ToEntry(request.stream())}, ExpiryFromNow()));
  return RefreshAndAnnounce(request.stream().user_id()).status();
}

absl::Status PresenceService::StreamClosed(const v1::StreamClosedRequest& request) {
  RETURN_IF_ERROR(ValidateStream(request.stream()));
  RETURN_IF_ERROR(store_.Remove(ToEntry(request.stream())));
  return RefreshAndAnnounce(request.stream().user_id()).status();
}

absl::StatusOr<v1::HeartbeatResponse> PresenceService::Heartbeat(
    const v1::HeartbeatRequest& request) {
  if (request.streams_size() > kMaxStreamsPerHeartbeat) {
    return absl::InvalidArgumentError("too many streams in one heartbeat");
  }
  std::vector<StreamEntry> entries;
  entries.reserve(request.streams_size());
  for (const auto& stream : request.streams()) {
    RETURN_IF_ERROR(ValidateStream(stream));
    entries.push_back(ToEntry(stream));
  }
  auto added = store_.Renew(entries, ExpiryFromNow());
  RETURN_IF_ERROR(NoteStore(added.status()));
  // Streams that had expired (a gateway paused past the TTL) come back: announce them again.
  for (uint64_t user_id : *added) RefreshAndAnnounce(user_id).IgnoreError();
  v1::HeartbeatResponse response;
  response.set_ttl_seconds(static_cast<int32_t>(ttl_.count()));
  return response;
}

absl::StatusOr<v1::SetStatusResponse> PresenceService::SetStatus(
    const v1::SetStatusRequest& request) {
  if (request.user_id() == 0) return absl::InvalidArgumentError("user_id is missing");
  const std::string& status = request.status();
  if (status != "online" && status != "away" && status != "invisible") {
    return absl::InvalidArgumentError("status must be online, away or invisible");
  }
  if (auto s = TakeAllowance(limiter_, "ratelimit:status:" + std::to_string(request.user_id()),
                             status_changes_,
                             fmt::format("you are changing your status too often (at most {:g} a "
                                         "second)",
                                         status_changes_.per_second));
      !s.ok()) {
    return s;
  }
  RETURN_IF_ERROR(store_.SetSetting(request.user_id(), status));
  ASSIGN_OR_RETURN(auto t, RefreshAndAnnounce(request.user_id()));
  v1::SetStatusResponse response;
  response.set_visible_status(t.current);
  return response;
}

absl::StatusOr<v1::GetPresenceResponse> PresenceService::GetPresence(
    const v1::GetPresenceRequest& request) {
  if (request.user_ids_size() > kMaxUsersPerQuery) {
    return absl::InvalidArgumentError("ask for at most 1000 users at once");
  }
  std::vector<uint64_t> ids(request.user_ids().begin(), request.user_ids().end());
  ASSIGN_OR_RETURN(auto states, store_.Get(ids, clock_.NowMs()));
  v1::GetPresenceResponse response;
  for (const auto& s : states) {
    v1::UserPresence* p = response.add_users();
    p->set_user_id(s.user_id);
    p->set_status(s.status);
    p->set_devices(s.live_streams);
    p->set_last_seen_ms(s.status == "offline" ? s.last_seen_ms : 0);
  }
  return response;
}

absl::StatusOr<v1::ListOnlineResponse> PresenceService::ListOnline(
    const v1::ListOnlineRequest& request) {
  uint32_t limit =
      request.limit() == 0 ? kMaxListOnline : std::min(request.limit(), kMaxListOnline);
  ASSIGN_OR_RETURN(auto online, store_.VisibleOnline(limit, clock_.NowMs()));
  v1::ListOnlineResponse response;
  for (const auto& s : online.first) {
    response.add_user_ids(s.user_id);
    response.add_usernames(s.username);
    response.add_statuses(s.status);
  }
  response.set_total(online.second);
  return response;
}

absl::Status PresenceService::ForwardProfile(std::string_view payload) {
  v1::ServerEvent event;
  if (!event.ParseFromArray(payload.data(), static_cast<int>(payload.size())) ||
      !event.has_profile() || event.profile().profile().user_id() == 0) {
    return absl::InvalidArgumentError("not a profile event");
  }
  uint64_t user_id = event.profile().profile().user_id();
  ASSIGN_OR_RETURN(auto audience, audience_.Get(user_id));
  std::vector<std::pair<std::string, std::string>> events;
  std::string bytes(payload);
  for (uint64_t friend_id : audience.friend_ids) events.emplace_back(UserChannel(friend_id), bytes);
  return publisher_.PublishMany(events);
}

absl::StatusOr<size_t> PresenceService::Sweep() {
  auto expired = store_.Expired(clock_.NowMs(), kSweepBatch);
  RETURN_IF_ERROR(NoteStore(expired.status()));
  // Streams that expired while the store was away may be alive: their renewals failed with it.
  if (clock_.NowMs() - store_failed_at_ms_.load(std::memory_order_relaxed) < TtlMs()) return 0;
  for (uint64_t user_id : *expired) {
    if (auto t = RefreshAndAnnounce(user_id); !NoteStore(t.status()).ok()) {
      spdlog::warn("sweep of user {} failed: {}", user_id, t.status().message());
    }
  }
  return expired->size();
}

}  // namespace natter::presence
