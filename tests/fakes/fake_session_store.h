// FakeSessionStore: natter::auth::SessionStore in memory, keyed by token hash like the Redis store.
// Entries never expire on their own (unlike Redis keys with a TTL), so tests see that the service
// itself rejects a session past its expires_at_ms; the TTL each Put asked for is kept for
// assertions.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "fakes/failure_injector.h"
#include "session_store.h"

namespace natter::fakes {

class FakeSessionStore final : public auth::SessionStore {
 public:
  struct Entry {
    auth::Session session;
    std::chrono::seconds ttl{0};
  };

  absl::Status Put(const std::string& token_hash, const auth::Session& session,
                   std::chrono::seconds ttl) override {
    if (auto s = failures_.Take("Put"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    entries_[token_hash] = Entry{session, ttl};
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<auth::Session>> Get(const std::string& token_hash) override {
    if (auto s = failures_.Take("Get"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    ++get_calls_;
    auto it = entries_.find(token_hash);
    if (it == entries_.end()) return std::nullopt;
    return it->second.session;
  }

  absl::Status Delete(const std::string& token_hash, uint64_t user_id) override {
    if (auto s = failures_.Take("Delete"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    deletes_.emplace_back(token_hash, user_id);
    entries_.erase(token_hash);
    return absl::OkStatus();
  }

  // Test access.
  void FailNext(absl::Status status, std::string method = "") {
    failures_.FailNext(std::move(status), std::move(method));
  }
  std::vector<std::string> keys() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [key, entry] : entries_) out.push_back(key);
    return out;
  }
  std::optional<Entry> Find(const std::string& token_hash) const {
    std::lock_guard lock(mu_);
    auto it = entries_.find(token_hash);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }
  // Every Delete call, in order: (token_hash, user_id).
  std::vector<std::pair<std::string, uint64_t>> deletes() const {
    std::lock_guard lock(mu_);
    return deletes_;
  }
  int get_calls() const {
    std::lock_guard lock(mu_);
    return get_calls_;
  }

 private:
  FailureInjector failures_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, uint64_t>> deletes_ ABSL_GUARDED_BY(mu_);
  int get_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace natter::fakes
