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
#include "common/clock.h"
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

  absl::Status Touch(const std::string& token_hash, int64_t last_used_ms, int64_t expires_at_ms,
                     std::chrono::seconds ttl) override {
    if (auto s = failures_.Take("Touch"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    auto it = entries_.find(token_hash);
    if (it == entries_.end()) return absl::OkStatus();
    it->second.session.last_used_ms = last_used_ms;
    it->second.session.expires_at_ms = expires_at_ms;
    it->second.ttl = ttl;
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::pair<std::string, auth::Session>>> ListForUser(
      uint64_t user_id) override {
    if (auto s = failures_.Take("ListForUser"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<std::pair<std::string, auth::Session>> out;
    for (const auto& [hash, entry] : entries_) {
      if (entry.session.user_id == user_id) out.emplace_back(hash, entry.session);
    }
    return out;
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

namespace natter::fakes {

// FakeLoginThrottle: failure counters and known addresses in memory, expiring on the test's
// FakeClock like the Redis keys do on Redis's.
class FakeLoginThrottle final : public auth::LoginThrottle {
 public:
  explicit FakeLoginThrottle(const Clock& clock) : clock_(clock) {}

  absl::StatusOr<std::vector<Counter>> Get(const std::vector<std::string>& keys) override {
    if (auto s = failures_.Take("Get"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::vector<Counter> out;
    for (const auto& key : keys) {
      auto it = counters_.find(key);
      if (it == counters_.end() || it->second.expires_at_ms <= clock_.NowMs()) {
        out.push_back(Counter{});
      } else {
        out.push_back(it->second.counter);
      }
    }
    return out;
  }

  absl::Status RecordFailure(const std::vector<std::string>& keys, int64_t now_ms,
                             std::chrono::seconds ttl) override {
    if (auto s = failures_.Take("RecordFailure"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    for (const auto& key : keys) {
      Stored& stored = counters_[key];
      if (stored.expires_at_ms <= clock_.NowMs()) stored = Stored{};
      ++stored.counter.failures;
      stored.counter.last_failure_ms = now_ms;
      stored.expires_at_ms = clock_.NowMs() + ttl.count() * 1000;
    }
    return absl::OkStatus();
  }

  absl::Status Reset(const std::string& key) override {
    if (auto s = failures_.Take("Reset"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    counters_.erase(key);
    return absl::OkStatus();
  }

  absl::StatusOr<bool> IsKnownAddress(const std::string& username_key,
                                      const std::string& address) override {
    if (auto s = failures_.Take("IsKnownAddress"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    auto it = known_.find(username_key + "|" + address);
    return it != known_.end() && it->second > clock_.NowMs();
  }

  absl::Status RememberAddress(const std::string& username_key, const std::string& address,
                               std::chrono::seconds ttl) override {
    if (auto s = failures_.Take("RememberAddress"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    known_[username_key + "|" + address] = clock_.NowMs() + ttl.count() * 1000;
    return absl::OkStatus();
  }

  void FailNext(absl::Status status, std::string method = "") {
    failures_.FailNext(std::move(status), std::move(method));
  }
  // The failures counted under `key` now (0 once it expired).
  int64_t failures(const std::string& key) {
    auto counters = Get({key});
    return counters.ok() ? (*counters)[0].failures : -1;
  }

 private:
  struct Stored {
    Counter counter;
    int64_t expires_at_ms = 0;
  };

  const Clock& clock_;
  FailureInjector failures_;
  std::mutex mu_;
  std::map<std::string, Stored> counters_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> known_ ABSL_GUARDED_BY(mu_);  // "key|address" -> expiry
};

}  // namespace natter::fakes
