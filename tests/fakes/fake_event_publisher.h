// FakeEventPublisher: records what a service publishes, and can fail the next publish.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/event_publisher.h"
#include "fakes/failure_injector.h"

namespace natter::fakes {

class FakeEventPublisher final : public natter::EventPublisher {
 public:
  struct Published {
    std::string channel;
    std::string payload;
  };

  absl::Status Publish(const std::string& channel, const std::string& payload) override {
    if (auto s = failures_.Take("Publish"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    published_.push_back({channel, payload});
    return absl::OkStatus();
  }

  absl::Status PublishMany(
      const std::vector<std::pair<std::string, std::string>>& events) override {
    if (auto s = failures_.Take("Publish"); !s.ok()) return s;
    std::lock_guard lock(mu_);
    for (const auto& [channel, payload] : events) published_.push_back({channel, payload});
    ++batches_;
    return absl::OkStatus();
  }
  void Clear() {
    std::lock_guard lock(mu_);
    published_.clear();
    batches_ = 0;
  }
  int batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }

  // Test access.
  void FailNext(absl::Status status) { failures_.FailNext(std::move(status)); }
  std::vector<Published> published() const {
    std::lock_guard lock(mu_);
    return published_;
  }

 private:
  FailureInjector failures_;
  mutable std::mutex mu_;
  std::vector<Published> published_ ABSL_GUARDED_BY(mu_);
  int batches_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace natter::fakes
