#include "auth_user_directory.h"

#include "common/grpc_server.h"
#include "common/status.h"

namespace natter::chat {

AuthUserDirectory::AuthUserDirectory(std::unique_ptr<v1::Auth::StubInterface> auth,
                                     const Clock& clock, std::chrono::milliseconds ttl,
                                     size_t max_entries)
    : auth_(std::move(auth)), clock_(clock), ttl_(ttl), max_entries_(max_entries) {}

absl::StatusOr<std::unordered_map<uint64_t, v1::Profile>> AuthUserDirectory::Profiles(
    const std::vector<uint64_t>& user_ids) {
  std::unordered_map<uint64_t, v1::Profile> profiles;
  v1::GetProfilesRequest request;
  int64_t now = clock_.NowMs();
  {
    std::lock_guard lock(mu_);
    for (uint64_t id : user_ids) {
      if (profiles.contains(id)) continue;
      auto it = cache_.find(id);
      if (it != cache_.end() && now - it->second.fetched_at_ms < ttl_.count()) {
        profiles[id] = it->second.profile;
      } else {
        request.add_user_ids(id);
      }
    }
  }
  if (request.user_ids().empty()) return profiles;

  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(std::chrono::seconds(2)));
  v1::GetProfilesResponse response;
  grpc::Status status = auth_->GetProfiles(&context, request, &response);
  if (!status.ok()) return FromGrpc(status, "the authentication service");
  std::lock_guard lock(mu_);
  if (cache_.size() + response.profiles_size() > max_entries_) cache_.clear();
  for (const auto& profile : response.profiles()) {
    profiles[profile.user_id()] = profile;
    cache_[profile.user_id()] = Entry{profile, now};
  }
  return profiles;
}

absl::StatusOr<std::optional<v1::Profile>> AuthUserDirectory::FindByUsername(
    const std::string& username) {
  int64_t now = clock_.NowMs();
  {
    std::lock_guard lock(mu_);
    auto name = ids_by_name_.find(username);
    if (name != ids_by_name_.end()) {
      auto it = cache_.find(name->second);
      if (it != cache_.end() && now - it->second.fetched_at_ms < ttl_.count() &&
          !it->second.profile.deleted()) {
        return it->second.profile;
      }
    }
  }
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(std::chrono::seconds(2)));
  v1::LookupUsersRequest request;
  request.add_usernames(username);
  v1::GetProfilesResponse response;
  grpc::Status status = auth_->LookupUsers(&context, request, &response);
  if (!status.ok()) return FromGrpc(status, "the authentication service");
  if (response.profiles().empty()) return std::nullopt;  // not remembered: the name may be taken
  const v1::Profile& profile = response.profiles(0);
  std::lock_guard lock(mu_);
  if (cache_.size() >= max_entries_ || ids_by_name_.size() >= max_entries_) {
    cache_.clear();
    ids_by_name_.clear();
  }
  cache_[profile.user_id()] = Entry{profile, now};
  ids_by_name_[username] = profile.user_id();
  return profile;
}

void AuthUserDirectory::Invalidate(uint64_t user_id) {
  std::lock_guard lock(mu_);
  if (user_id == 0) {
    cache_.clear();
    ids_by_name_.clear();
  } else {
    cache_.erase(user_id);
  }
}

}  // namespace natter::chat
