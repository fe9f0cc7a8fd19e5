// UserDirectory over natter-auth (GetProfiles, LookupUsers), with a short-lived cache of profiles
// by id: history pages and friend lists name the same few users again and again, and a sender
// names the same friend in message after message. A profile change or account deletion announced
// by natter-auth (Invalidate) makes a cached profile, and the names that led to it, stale at once.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "common/clock.h"
#include "natter/v1/auth.grpc.pb.h"
#include "user_directory.h"

namespace natter::chat {

class AuthUserDirectory final : public UserDirectory {
 public:
  AuthUserDirectory(std::unique_ptr<v1::Auth::StubInterface> auth, const Clock& clock,
                    std::chrono::milliseconds ttl = std::chrono::seconds(60),
                    size_t max_entries = 100000);

  absl::StatusOr<std::unordered_map<uint64_t, v1::Profile>> Profiles(
      const std::vector<uint64_t>& user_ids) override;
  absl::StatusOr<std::optional<v1::Profile>> FindByUsername(const std::string& username) override;

  // Forgets a cached profile (it changed); 0 forgets all of them.
  void Invalidate(uint64_t user_id);

 private:
  struct Entry {
    v1::Profile profile;
    int64_t fetched_at_ms;
  };

  std::unique_ptr<v1::Auth::StubInterface> auth_;
  const Clock& clock_;
  const std::chrono::milliseconds ttl_;
  const size_t max_entries_;
  std::mutex mu_;
  std::unordered_map<uint64_t, Entry> cache_ ABSL_GUARDED_BY(mu_);
  // Names as callers gave them, to user ids; an entry counts only while cache_ holds a fresh,
  // live profile for the id.
  std::unordered_map<std::string, uint64_t> ids_by_name_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::chat
