// A latency histogram with about 1 % relative precision from 1 µs to over an hour, in fixed memory:
// values are kept in buckets that are linear within each power of two (like HdrHistogram with two
// significant digits). Not thread-safe: each client keeps its own and they are merged at the end.
#pragma once

#include <array>
#include <cstdint>

namespace natter::loadgen {

class Histogram {
 public:
  void Record(int64_t micros);
  void Merge(const Histogram& other);

  uint64_t count() const { return count_; }
  int64_t max() const { return max_; }
  // The smallest recorded value v such that at least `quantile` of all values are <= v (within the
  // bucket precision); 0 when empty.
  int64_t Percentile(double quantile) const;

 private:
  static constexpr int kSubBits = 7;  // 128 sub-buckets per power of two: < 1 % error
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kMagnitudes = 40;  // up to 2^40 µs (12 days)

  static int BucketOf(uint64_t value);
  static uint64_t UpperBoundOf(int bucket);

  std::array<uint64_t, kSub * kMagnitudes> buckets_{};
  uint64_t count_ = 0;
  int64_t max_ = 0;
};

}  // namespace natter::loadgen
