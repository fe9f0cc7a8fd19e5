#include "hash_admission.h"

#include <algorithm>
#include <cmath>

#include "common/status.h"

namespace natter::auth {

HashAdmission::HashAdmission(size_t threads, std::chrono::milliseconds hash_time)
    : threads_(std::max<size_t>(1, threads)),
      floor_ms_(static_cast<double>(std::max<int64_t>(1, hash_time.count()))),
      average_ms_(floor_ms_) {}

HashAdmission::Ticket::~Ticket() { admission_.Release(took_); }

std::chrono::milliseconds HashAdmission::FinishAfter(size_t calls) const {
  // `calls` run `threads_` at a time: the last of them ends after ceil(calls / threads) rounds.
  const size_t rounds = (calls + threads_ - 1) / threads_;
  const double per_call = std::max(floor_ms_, average_ms_);
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(rounds * per_call)));
}

absl::StatusOr<std::shared_ptr<HashAdmission::Ticket>> HashAdmission::Admit(
    std::chrono::milliseconds time_left) {
  std::lock_guard lock(mu_);
  // Half the time left, not all of it: the estimate is an average, and a machine busy with other
  // work can make the next hashes slower than the last ones.
  if (FinishAfter(admitted_ + 1) * 2 > time_left) {
    // Retry once the calls ahead of this one are through.
    return TooFast("the server is busy with other logins", FinishAfter(admitted_));
  }
  ++admitted_;
  return std::make_shared<Ticket>(*this);
}

void HashAdmission::Release(std::chrono::milliseconds took) {
  std::lock_guard lock(mu_);
  --admitted_;
  if (took.count() >= 0) {
    average_ms_ = 0.8 * average_ms_ + 0.2 * static_cast<double>(took.count());
  }
}

std::chrono::milliseconds HashAdmission::ExpectedFinish() const {
  std::lock_guard lock(mu_);
  return FinishAfter(admitted_ + 1);
}

size_t HashAdmission::admitted() const {
  std::lock_guard lock(mu_);
  return admitted_;
}

}  // namespace natter::auth
