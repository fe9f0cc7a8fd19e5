#include "audience.h"

#include "common/channels.h"
#include "common/grpc_server.h"
#include "common/status.h"

namespace natter::presence {

namespace {
constexpr size_t kMaxCachedUsers = 200000;
}

bool ApplyAudienceChanged(AudienceSource& audience, std::string_view payload) {
  auto user_ids = ParseAudienceChanged(payload);
  if (!user_ids) {
    DropPayload(kAudienceChangedChannel, "not an AudienceChanged naming a user (" +
                                             std::to_string(payload.size()) + " bytes)");
    return false;
  }
  audience.Invalidate(*user_ids);
  return true;
}

ChatAudience::ChatAudience(std::unique_ptr<v1::Chat::StubInterface> chat, const Clock& clock,
                           std::chrono::milliseconds ttl)
    : chat_(std::move(chat)), clock_(clock), ttl_(ttl) {}

absl::StatusOr<Audience> ChatAudience::Get(uint64_t user_id) {
  int64_t now = clock_.NowMs();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(user_id);
    if (it != cache_.end() && now - it->second.fetched_at_ms < ttl_.count()) {
      return it->second.audience;
    }
  }
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(std::chrono::seconds(3)));
  v1::PresenceAudienceRequest request;
  request.set_user_id(user_id);
  v1::PresenceAudienceResponse response;
  grpc::Status status = chat_->PresenceAudience(&context, request, &response);
  if (!status.ok()) return FromGrpc(status, "the chat service");
  Audience audience;
  audience.friend_ids.assign(response.friend_ids().begin(), response.friend_ids().end());
  for (int i = 0; i < response.room_ids_size(); ++i) {
    audience.rooms.push_back(
        {response.room_ids(i), i < response.room_names_size() ? response.room_names(i) : ""});
  }
  std::lock_guard lock(mu_);
  if (cache_.size() >= kMaxCachedUsers) cache_.clear();
  cache_[user_id] = Entry{audience, now};
  return audience;
}

void ChatAudience::Invalidate(const std::vector<uint64_t>& user_ids) {
  std::lock_guard lock(mu_);
  if (user_ids.empty()) cache_.clear();
  for (uint64_t id : user_ids) cache_.erase(id);
}

}  // namespace natter::presence
