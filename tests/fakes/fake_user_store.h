// FakeUserStore: natter::auth::UserStore in memory, with the MySQL store's semantics (ids from 1,
// ALREADY_EXISTS on a taken username_key). Records password-hash upgrades for rehash tests.
#pragma once

#include <cstdint>
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
    int64_t created_at_ms = 0;
  };

  absl::StatusOr<uint64_t> CreateUser(std::string_view username, std::string_view username_key,
                                      std::string_view password_hash,
                                      int64_t created_at_ms) override {
    if (auto s = failures_.Take("CreateUser"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::string key(username_key);
    if (by_key_.contains(key)) return absl::AlreadyExistsError("username is taken");
    StoredUser user;
    user.record.id = next_id_++;
    user.record.username = std::string(username);
    user.record.password_hash = std::string(password_hash);
    user.username_key = key;
    user.created_at_ms = created_at_ms;
    uint64_t id = user.record.id;
    by_key_.emplace(std::move(key), std::move(user));
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

  absl::Status UpdatePasswordHash(uint64_t user_id, std::string_view password_hash) override {
    if (auto s = failures_.Take("UpdatePasswordHash"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    hash_updates_.emplace_back(user_id, std::string(password_hash));
    for (auto& [key, user] : by_key_) {
      if (user.record.id == user_id) {
        user.record.password_hash = std::string(password_hash);
        return absl::OkStatus();
      }
    }
    return absl::NotFoundError("no user " + std::to_string(user_id));
  }

  // Test access.
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
  FailureInjector failures_;
  mutable std::mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::string, StoredUser> by_key_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<uint64_t, std::string>> hash_updates_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::fakes
