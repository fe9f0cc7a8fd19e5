#include "presence_service.h"

#include <spdlog/spdlog.h>

namespace natter::presence {
namespace {

absl::Status ValidateStream(const v1::DeviceStream& stream) {
  if (stream.user_id() == 0) return absl::InvalidArgumentError("stream has no user_id");
  if (stream.stream_id().empty() || stream.stream_id().size() > 128) {
    return absl::InvalidArgumentError("stream_id must be 1 to 128 bytes long");
  }
  return absl::OkStatus();
}

StreamEntry ToEntry(const v1::DeviceStream& stream) {
  return StreamEntry{stream.user_id(), stream.stream_id()};
}

}  // namespace

PresenceService::PresenceService(PresenceStore& store, const Clock& clock, std::chrono::seconds ttl)
    : store_(store), clock_(clock), ttl_(ttl) {}

int64_t PresenceService::ExpiryFromNow() const {
  return clock_.NowMs() + std::chrono::duration_cast<std::chrono::milliseconds>(ttl_).count();
}

absl::Status PresenceService::StreamOpened(const v1::StreamOpenedRequest& request) {
  if (auto s = ValidateStream(request.stream()); !s.ok()) return s;
  spdlog::debug("user {} stream {} opened on {}", request.stream().user_id(),
                request.stream().stream_id(), request.gateway_id());
  return store_.Renew({ToEntry(request.stream())}, ExpiryFromNow());
}

absl::Status PresenceService::StreamClosed(const v1::StreamClosedRequest& request) {
  if (auto s = ValidateStream(request.stream()); !s.ok()) return s;
  auto left = store_.Remove(ToEntry(request.stream()), clock_.NowMs());
  if (!left.ok()) return left.status();
  spdlog::debug("user {} stream {} closed; {} left", request.stream().user_id(),
                request.stream().stream_id(), *left);
  return absl::OkStatus();
}

absl::StatusOr<v1::HeartbeatResponse> PresenceService::Heartbeat(
    const v1::HeartbeatRequest& request) {
  if (request.streams_size() > kMaxStreamsPerHeartbeat) {
    return absl::InvalidArgumentError("too many streams in one heartbeat");
  }
  std::vector<StreamEntry> entries;
  entries.reserve(request.streams_size());
  for (const auto& stream : request.streams()) {
    if (auto s = ValidateStream(stream); !s.ok()) return s;
    entries.push_back(ToEntry(stream));
  }
  if (auto s = store_.Renew(entries, ExpiryFromNow()); !s.ok()) return s;
  v1::HeartbeatResponse response;
  response.set_ttl_seconds(static_cast<int32_t>(ttl_.count()));
  return response;
}

absl::StatusOr<v1::GetPresenceResponse> PresenceService::GetPresence(
    const v1::GetPresenceRequest& request) {
  if (request.user_ids_size() > kMaxUsersPerQuery) {
    return absl::InvalidArgumentError("ask for at most 1000 users at once");
  }
  std::vector<uint64_t> ids(request.user_ids().begin(), request.user_ids().end());
  auto counts = store_.LiveStreams(ids, clock_.NowMs());
  if (!counts.ok()) return counts.status();
  v1::GetPresenceResponse response;
  for (size_t i = 0; i < ids.size(); ++i) {
    v1::UserPresence* p = response.add_users();
    p->set_user_id(ids[i]);
    p->set_devices((*counts)[i]);
    p->set_status((*counts)[i] > 0 ? "online" : "offline");
  }
  return response;
}

absl::StatusOr<v1::ListOnlineResponse> PresenceService::ListOnline(
    const v1::ListOnlineRequest& request) {
  uint32_t limit =
      request.limit() == 0 ? kMaxListOnline : std::min(request.limit(), kMaxListOnline);
  auto online = store_.Online(clock_.NowMs(), limit);
  if (!online.ok()) return online.status();
  v1::ListOnlineResponse response;
  for (uint64_t id : online->first) response.add_user_ids(id);
  response.set_total(online->second);
  return response;
}

}  // namespace natter::presence
