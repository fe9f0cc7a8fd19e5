#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace natter::loadgen {

// Values below kSub are their own bucket. Above, the magnitude m is how many bits a value has
// beyond kSubBits, and the bucket keeps its top kSubBits + 1 bits.
int Histogram::BucketOf(uint64_t value) {
  if (value < kSub) return static_cast<int>(value);
  int magnitude = std::bit_width(value) - kSubBits - 1;  // >= 0
  int index = (magnitude + 1) * kSub + static_cast<int>((value >> magnitude) - kSub);
  return std::min(index, kSub * kMagnitudes - 1);
}

uint64_t Histogram::UpperBoundOf(int bucket) {
  if (bucket < kSub) return static_cast<uint64_t>(bucket);
  int magnitude = bucket / kSub - 1;
  uint64_t top = static_cast<uint64_t>(bucket % kSub + kSub);
  return ((top + 1) << magnitude) - 1;
}

void Histogram::Record(int64_t micros) {
  uint64_t value = micros < 0 ? 0 : static_cast<uint64_t>(micros);
  ++buckets_[static_cast<size_t>(BucketOf(value))];
  ++count_;
  max_ = std::max(max_, static_cast<int64_t>(value));
}

void Histogram::Merge(const Histogram& other) {
  for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

int64_t Histogram::Percentile(double quantile) const {
  if (count_ == 0) return 0;
  auto wanted = static_cast<uint64_t>(std::ceil(std::clamp(quantile, 0.0, 1.0) * count_));
  wanted = std::max<uint64_t>(wanted, 1);
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= wanted) {
      return std::min(static_cast<int64_t>(UpperBoundOf(static_cast<int>(i))), max_);
    }
  }
  return max_;
}

}  // namespace natter::loadgen
