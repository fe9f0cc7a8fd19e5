// FailureInjector: lets a test make the next call of a fake fail with a chosen status, to check how
// the code under test handles a store or network error.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"

namespace natter::fakes {

class FailureInjector {
 public:
  // The next call of `method` (any method when empty) returns `status` instead of doing its work.
  void FailNext(absl::Status status, std::string method = "") {
    std::lock_guard lock(mu_);
    pending_ = std::make_pair(std::move(method), std::move(status));
  }

  // Called first by every faked method: the injected status when it targets `method` (consumed), OK
  // otherwise.
  absl::Status Take(std::string_view method) {
    std::lock_guard lock(mu_);
    if (!pending_ || (!pending_->first.empty() && pending_->first != method)) {
      return absl::OkStatus();
    }
    absl::Status status = std::move(pending_->second);
    pending_.reset();
    return status;
  }

 private:
  std::mutex mu_;
  std::optional<std::pair<std::string, absl::Status>> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::fakes
