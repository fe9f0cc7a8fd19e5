// FakeUserDirectory: natter::chat::UserDirectory from profiles the test sets; can fail the next
// call.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/text.h"
#include "fakes/failure_injector.h"
#include "user_directory.h"

namespace natter::fakes {

class FakeUserDirectory final : public chat::UserDirectory {
 public:
  absl::StatusOr<std::unordered_map<uint64_t, v1::Profile>> Profiles(
      const std::vector<uint64_t>& user_ids) override {
    if (auto s = failures_.Take("Profiles"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    ++profile_lookups_;
    std::unordered_map<uint64_t, v1::Profile> out;
    for (uint64_t id : user_ids) {
      if (auto it = profiles_.find(id); it != profiles_.end()) out[id] = it->second;
    }
    return out;
  }

  absl::StatusOr<std::optional<v1::Profile>> FindByUsername(const std::string& username) override {
    if (auto s = failures_.Take("FindByUsername"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    // As natter-auth compares usernames: ignoring case.
    auto key = FoldCase(username);
    for (const auto& [id, p] : profiles_) {
      if (key.ok() && FoldCase(p.username()).value_or("") == *key && !p.deleted()) return p;
    }
    return std::nullopt;
  }

  // Adds or replaces a user; "deleted user" marks a deleted account.
  void Set(uint64_t user_id, std::string name) {
    std::lock_guard lock(mu_);
    v1::Profile& p = profiles_[user_id];
    p.set_user_id(user_id);
    p.set_deleted(name == "deleted user");
    p.set_username(name);
    p.set_display_name(name);
  }
  void FailNext(absl::Status status) { failures_.FailNext(std::move(status)); }
  // How many Profiles() calls were made (each is an RPC to natter-auth in production).
  int profile_lookups() {
    std::lock_guard lock(mu_);
    return profile_lookups_;
  }

 private:
  FailureInjector failures_;
  std::mutex mu_;
  std::map<uint64_t, v1::Profile> profiles_ ABSL_GUARDED_BY(mu_);
  int profile_lookups_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace natter::fakes
