// Admission to the password-hashing pool. A hash takes a few hundred milliseconds of CPU and the
// pool runs `threads` at once, so a call queued behind N others waits about N / threads hashes. A
// call that could not finish before its deadline is refused at once with RESOURCE_EXHAUSTED and
// when to try again, instead of timing out in the queue after the wait (issue 19, item 12).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"

namespace natter::auth {

class HashAdmission {
 public:
  // `hash_time`: one call's work as measured at startup (PasswordHasher::Measure); the estimate
  // never drops below it, and rises with the calls' measured times when the CPU is contended.
  HashAdmission(size_t threads, std::chrono::milliseconds hash_time);

  // A place in the queue; releasing it (destruction) lets the next call in. Record() the work's
  // duration once it ran.
  class Ticket {
   public:
    explicit Ticket(HashAdmission& admission) : admission_(admission) {}
    ~Ticket();
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    void Record(std::chrono::milliseconds took) { took_ = took; }

   private:
    HashAdmission& admission_;
    std::chrono::milliseconds took_{-1};
  };

  // A ticket for a call with `time_left` until its deadline, or RESOURCE_EXHAUSTED (with when to
  // try again) when, behind the calls already admitted, it would not be done within half of that.
  absl::StatusOr<std::shared_ptr<Ticket>> Admit(std::chrono::milliseconds time_left);

  // Until a call admitted now would be done: its hash, after those of the calls ahead of it.
  std::chrono::milliseconds ExpectedFinish() const;
  size_t admitted() const;

 private:
  std::chrono::milliseconds FinishAfter(size_t calls) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Release(std::chrono::milliseconds took);

  const size_t threads_;
  const double floor_ms_;
  mutable std::mutex mu_;
  size_t admitted_ ABSL_GUARDED_BY(mu_) = 0;
  double average_ms_ ABSL_GUARDED_BY(mu_);  // moving average of the calls' work
};

}  // namespace natter::auth
