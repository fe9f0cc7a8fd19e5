// The outcome of a run: a readable table for people, one JSON line for scripts (--json).
#pragma once

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "histogram.h"

namespace natter::loadgen {

struct RunResult {
  std::string scenario;
  size_t clients = 0;
  size_t senders = 0;
  size_t gateways = 0;
  double duration_s = 0;  // sending phase
  double rate = 0;        // target messages/s (open loop); 0 with a window
  size_t window = 0;      // messages in flight per sender (flat out); 0 when open loop
  size_t message_bytes = 0;

  uint64_t sent = 0;
  uint64_t acked = 0;
  uint64_t failed_sends = 0;
  std::string first_send_error;
  uint64_t deliveries = 0;
  uint64_t expected_deliveries = 0;
  double measured_s = 0;  // first send to the last delivery waited for
  uint64_t lost = 0;
  uint64_t duplicated = 0;
  uint64_t out_of_order = 0;
  uint64_t stream_failures = 0;
  Histogram latency;  // scheduled send to delivery, µs

  // with --uploads: files sent through the gateway (UploadFile, then DownloadFile) while the
  // messages above were sent; the message phase lasts until the last one is back
  size_t uploads = 0;  // asked for
  size_t upload_bytes_each = 0;
  size_t uploads_done = 0;
  size_t uploads_failed = 0;
  std::string first_upload_error;
  double upload_mb_s = 0;
  double download_mb_s = 0;

  // connect scenario
  Histogram connect;  // login (when storming) + stream open to Welcome, µs
  double storm_s = 0;
  double hash_floor_s = 0;

  // with --server-pid
  std::optional<double> server_cpu_us_per_delivery;
  std::optional<double> server_cpu_cores;
  std::optional<uint64_t> server_rss_kb;
  // with --warmup: each server's resident set when the warm-up ended and at the end of the run
  struct RssGrowth {
    int pid = 0;
    uint64_t warm_kb = 0;
    uint64_t end_kb = 0;
    double percent() const {
      return warm_kb > 0 ? 100.0 * (static_cast<double>(end_kb) - static_cast<double>(warm_kb)) /
                               static_cast<double>(warm_kb)
                         : 0;
    }
  };
  std::vector<RssGrowth> rss_growth;
  std::optional<double> max_rss_growth_pct;  // --max-rss-growth: more is a failure
  // Growth up to this much is allocator noise, whatever the percentage: a thread's first malloc
  // arena, or the high-water mark of a burst queued while the disk stalled, which glibc keeps.
  static constexpr uint64_t kRssNoiseKb = 4096;
  double LargestRssGrowth() const {
    double largest = 0;
    for (const auto& g : rss_growth) largest = std::max(largest, g.percent());
    return largest;
  }
  bool RssWithinLimit() const {
    if (!max_rss_growth_pct) return true;
    return std::none_of(rss_growth.begin(), rss_growth.end(), [&](const RssGrowth& g) {
      return g.percent() > *max_rss_growth_pct && g.end_kb > g.warm_kb + kRssNoiseKb;
    });
  }

  // Reordering is counted but is no failure: replicas may publish consecutive seqs in either order,
  // and clients put entries in seq order themselves (docs/PROTOCOL.md).
  bool ok() const {
    return lost == 0 && duplicated == 0 && stream_failures == 0 && failed_sends == 0 &&
           uploads_failed == 0 && RssWithinLimit();
  }
};

nlohmann::json ToJson(const RunResult& r);
void PrintTable(std::ostream& out, const RunResult& r);

}  // namespace natter::loadgen
