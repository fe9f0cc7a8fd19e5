// FakeUserStore: natter::auth::UserStore in memory, with the MySQL store's semantics (ids from 1,
// ALREADY_EXISTS on a taken username_key or skeleton, also after deletion; avatar versions
// counting up).
// Records password-hash upgrades for rehash tests.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "fakes/failure_injector.h"
#include "user_store.h"

namespace natter::fakes {

class FakeUserStore final : public auth::UserStore {
 public:
  struct StoredUser {
    auth::UserRecord record;
    std::string username_key;
    std::string username_skeleton;  // empty: none yet (an account from before migration 003)
    int64_t created_at_ms = 0;
    std::string avatar_png;
  };

  absl::StatusOr<uint64_t> CreateUser(const auth::NewUser& user) override {
    if (auto s = failures_.Take("CreateUser"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    if (by_key_.contains(user.username_key)) {
      return absl::AlreadyExistsError(std::string(auth::kUsernameKeyTaken));
    }
    if (!user.username_skeleton.empty() && HoldsSkeleton(user.username_skeleton)) {
      return absl::AlreadyExistsError(std::string(auth::kUsernameSkeletonTaken));
    }
    StoredUser stored;
    stored.record.id = next_id_++;
    stored.record.username = user.username;
    stored.record.password_hash = user.password_hash;
    stored.record.display_name = user.display_name;
    stored.record.created_at_ms = user.created_at_ms;
    stored.username_key = user.username_key;
    stored.username_skeleton = user.username_skeleton;
    stored.created_at_ms = user.created_at_ms;
    uint64_t id = stored.record.id;
    by_key_.emplace(user.username_key, std::move(stored));
    return id;
  }

  absl::StatusOr<std::optional<auth::UserRecord>> FindByKey(
      std::string_view username_key) override {
    if (auto s = failures_.Take("FindByKey"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    auto it = by_key_.find(std::string(username_key));
    if (it == by_key_.end()) return std::nullopt;
    return it->second.record;
  }

  absl::StatusOr<std::optional<auth::UserRecord>> FindById(uint64_t user_id) override {
    if (auto s = failures_.Take("FindById"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    if (StoredUser* user = ById(user_id)) return user->record;
    return std::nullopt;
  }

  absl::StatusOr<std::vector<auth::UserRecord>> FindByIds(
      const std::vector<uint64_t>& user_ids) override {
    if (auto s = failures_.Take("FindByIds"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<auth::UserRecord> out;
    for (uint64_t id : user_ids) {
      if (StoredUser* user = ById(id)) out.push_back(user->record);
    }
    return out;
  }

  absl::Status UpdatePasswordHash(uint64_t user_id, std::string_view password_hash) override {
    if (auto s = failures_.Take("UpdatePasswordHash"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    hash_updates_.emplace_back(user_id, std::string(password_hash));
    StoredUser* user = ById(user_id);
    if (!user) return absl::NotFoundError("no user " + std::to_string(user_id));
    user->record.password_hash = std::string(password_hash);
    return absl::OkStatus();
  }

  absl::Status UpdateDisplayName(uint64_t user_id, std::string_view display_name) override {
    if (auto s = failures_.Take("UpdateDisplayName"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    StoredUser* user = ById(user_id);
    if (!user) return absl::NotFoundError("no user " + std::to_string(user_id));
    user->record.display_name = std::string(display_name);
    return absl::OkStatus();
  }

  absl::StatusOr<uint32_t> SetAvatar(uint64_t user_id, std::string_view png,
                                     int64_t now_ms) override {
    if (auto s = failures_.Take("SetAvatar"); !s.ok()) return s;
    std::function<void()> hook;
    {
      std::lock_guard lock(mu_);
      hook = on_set_avatar_;
    }
    if (hook) hook();
    std::lock_guard lock(mu_);
    StoredUser* user = ById(user_id);
    if (!user || user->record.deleted) return absl::NotFoundError("no such user");
    user->avatar_png = std::string(png);
    return ++user->record.avatar_version;
  }

  absl::StatusOr<std::optional<std::pair<uint32_t, std::string>>> GetAvatar(
      uint64_t user_id) override {
    if (auto s = failures_.Take("GetAvatar"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    StoredUser* user = ById(user_id);
    if (!user || user->avatar_png.empty()) return std::nullopt;
    return std::make_pair(user->record.avatar_version, user->avatar_png);
  }

  absl::Status MarkDeleted(uint64_t user_id, int64_t now_ms,
                           std::string_view unusable_hash) override {
    if (auto s = failures_.Take("MarkDeleted"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    StoredUser* user = ById(user_id);
    if (!user) return absl::NotFoundError("no such user");
    user->record.deleted = true;
    user->record.password_hash = std::string(unusable_hash);
    user->record.display_name.clear();
    ++user->record.avatar_version;
    user->avatar_png.clear();
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::pair<uint64_t, std::string>>> UsersWithoutSkeleton(
      uint64_t after_id, size_t limit) override {
    if (auto s = failures_.Take("UsersWithoutSkeleton"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::map<uint64_t, std::string> found;  // in id order
    for (const auto& [key, user] : by_key_) {
      if (user.username_skeleton.empty() && user.record.id > after_id) {
        found.emplace(user.record.id, user.record.username);
      }
    }
    std::vector<std::pair<uint64_t, std::string>> out;
    for (auto& [id, username] : found) {
      if (out.size() == limit) break;
      out.emplace_back(id, username);
    }
    return out;
  }

  absl::Status SetUsernameSkeleton(uint64_t user_id, std::string_view skeleton) override {
    if (auto s = failures_.Take("SetUsernameSkeleton"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    StoredUser* user = ById(user_id);
    if (!user || !user->username_skeleton.empty()) return absl::OkStatus();
    if (HoldsSkeleton(skeleton)) {
      return absl::AlreadyExistsError(std::string(auth::kUsernameSkeletonTaken));
    }
    user->username_skeleton = std::string(skeleton);
    return absl::OkStatus();
  }

  // Test access.
  // An account as it was before migration 003: without a skeleton, whatever its name.
  uint64_t AddLegacyUser(const std::string& username, const std::string& username_key) {
    std::lock_guard lock(mu_);
    StoredUser stored;
    stored.record.id = next_id_++;
    stored.record.username = username;
    stored.username_key = username_key;
    by_key_.emplace(username_key, stored);
    return stored.record.id;
  }
  // Calls `hook` at the start of every SetAvatar (a test holds avatar uploads there).
  void OnSetAvatar(std::function<void()> hook) {
    std::lock_guard lock(mu_);
    on_set_avatar_ = std::move(hook);
  }
  void FailNext(absl::Status status, std::string method = "") {
    failures_.FailNext(std::move(status), std::move(method));
  }
  std::optional<StoredUser> Find(const std::string& username_key) const {
    std::lock_guard lock(mu_);
    auto it = by_key_.find(username_key);
    if (it == by_key_.end()) return std::nullopt;
    return it->second;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return by_key_.size();
  }
  // Every UpdatePasswordHash call, in order: (user_id, new hash).
  std::vector<std::pair<uint64_t, std::string>> hash_updates() const {
    std::lock_guard lock(mu_);
    return hash_updates_;
  }

 private:
  bool HoldsSkeleton(std::string_view skeleton) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const auto& [key, user] : by_key_) {
      if (user.username_skeleton == skeleton) return true;
    }
    return false;
  }
  StoredUser* ById(uint64_t user_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (auto& [key, user] : by_key_) {
      if (user.record.id == user_id) return &user;
    }
    return nullptr;
  }

  FailureInjector failures_;
  mutable std::mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::string, StoredUser> by_key_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<uint64_t, std::string>> hash_updates_ ABSL_GUARDED_BY(mu_);
  std::function<void()> on_set_avatar_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::fakes
