#include "auth_user_directory.h"

#include "common/grpc_server.h"
#include "common/status.h"

namespace natter::chat {

AuthUserDirectory::AuthUserDirectory(std::unique_ptr<v1::Auth::StubInterface> auth,
                                     const Clock& clock, std::chrono::milliseconds ttl,
                                     size_t max_entries)
    : auth_(std::move(auth)), clock_(clock), ttl_(ttl), max_entries_(max_entries) {}

absl::StatusOr<std::unordered_map<uint64_t, std::string>> AuthUserDirectory::Usernames(
    const std::vector<uint64_t>& user_ids) {
  std::unordered_map<uint64_t, std::string> names;
  v1::GetProfilesRequest request;
  int64_t now = clock_.NowMs();
  {
    std::lock_guard lock(mu_);
    for (uint64_t id : user_ids) {
      auto it = cache_.find(id);
      if (it != cache_.end() && now - it->second.fetched_at_ms < ttl_.count()) {
        names[id] = it->second.username;
      } else if (!names.contains(id)) {
        request.add_user_ids(id);
      }
    }
  }
  if (request.user_ids().empty()) return names;

  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(std::chrono::seconds(2)));
  v1::GetProfilesResponse response;
  grpc::Status status = auth_->GetProfiles(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  std::lock_guard lock(mu_);
  if (cache_.size() + response.profiles_size() > max_entries_) cache_.clear();
  for (const auto& profile : response.profiles()) {
    names[profile.user_id()] = profile.username();
    cache_[profile.user_id()] = Entry{profile.username(), now};
  }
  return names;
}

}  // namespace natter::chat
