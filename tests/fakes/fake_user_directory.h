// FakeUserDirectory: natter::chat::UserDirectory from a map the test fills; can fail the next call.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "fakes/failure_injector.h"
#include "user_directory.h"

namespace natter::fakes {

class FakeUserDirectory final : public chat::UserDirectory {
 public:
  absl::StatusOr<std::unordered_map<uint64_t, std::string>> Usernames(
      const std::vector<uint64_t>& user_ids) override {
    if (auto s = failures_.Take("Usernames"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    std::unordered_map<uint64_t, std::string> out;
    for (uint64_t id : user_ids) {
      if (auto it = names_.find(id); it != names_.end()) out[id] = it->second;
    }
    return out;
  }

  void Set(uint64_t user_id, std::string name) {
    std::lock_guard lock(mu_);
    names_[user_id] = std::move(name);
  }
  void FailNext(absl::Status status) { failures_.FailNext(std::move(status)); }

 private:
  FailureInjector failures_;
  std::mutex mu_;
  std::map<uint64_t, std::string> names_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::fakes
