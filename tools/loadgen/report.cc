#include "report.h"

#include <fmt/format.h>

#include <cmath>

namespace natter::loadgen {
namespace {

double Ms(int64_t micros) { return std::round(static_cast<double>(micros) / 10.0) / 100.0; }

double PerSecond(uint64_t count, double seconds) {
  return seconds > 0 ? std::round(static_cast<double>(count) / seconds) : 0;
}

}  // namespace

nlohmann::json ToJson(const RunResult& r) {
  nlohmann::json j = {
      {"scenario", r.scenario},
      {"clients", r.clients},
      {"senders", r.senders},
      {"gateways", r.gateways},
      {"duration_s", r.duration_s},
      {"rate", r.rate},
      {"window", r.window},
      {"message_bytes", r.message_bytes},
      {"sent", r.sent},
      {"acked", r.acked},
      {"failed_sends", r.failed_sends},
      {"deliveries", r.deliveries},
      {"expected_deliveries", r.expected_deliveries},
      {"deliveries_per_sec", PerSecond(r.deliveries, r.measured_s)},
      {"lost", r.lost},
      {"duplicated", r.duplicated},
      {"out_of_order", r.out_of_order},
      {"stream_failures", r.stream_failures},
      {"p50_ms", Ms(r.latency.Percentile(0.50))},
      {"p90_ms", Ms(r.latency.Percentile(0.90))},
      {"p99_ms", Ms(r.latency.Percentile(0.99))},
      {"p999_ms", Ms(r.latency.Percentile(0.999))},
      {"max_ms", Ms(r.latency.max())},
  };
  if (!r.first_send_error.empty()) j["first_send_error"] = r.first_send_error;
  if (r.uploads > 0) {
    j["uploads"] = r.uploads;
    j["upload_bytes_each"] = r.upload_bytes_each;
    j["uploads_done"] = r.uploads_done;
    j["uploads_failed"] = r.uploads_failed;
    j["upload_mb_s"] = std::round(r.upload_mb_s * 100) / 100;
    j["download_mb_s"] = std::round(r.download_mb_s * 100) / 100;
    if (!r.first_upload_error.empty()) j["first_upload_error"] = r.first_upload_error;
  }
  if (r.scenario == "connect") {
    j["connect_p50_ms"] = Ms(r.connect.Percentile(0.50));
    j["connect_p99_ms"] = Ms(r.connect.Percentile(0.99));
    j["connect_max_ms"] = Ms(r.connect.max());
    j["storm_s"] = r.storm_s;
    if (r.hash_floor_s > 0) j["hash_floor_s"] = r.hash_floor_s;
  }
  if (r.server_cpu_us_per_delivery) {
    j["server_cpu_us_per_delivery"] = std::round(*r.server_cpu_us_per_delivery * 100) / 100;
  }
  if (r.server_cpu_cores) j["server_cpu_cores"] = std::round(*r.server_cpu_cores * 100) / 100;
  if (r.server_rss_kb) j["server_rss_kb"] = *r.server_rss_kb;
  if (!r.rss_growth.empty()) {
    j["rss_growth_pct"] = std::round(r.LargestRssGrowth() * 100) / 100;
    for (const auto& g : r.rss_growth) {
      j["rss_growth"].push_back({{"pid", g.pid},
                                 {"warm_kb", g.warm_kb},
                                 {"end_kb", g.end_kb},
                                 {"pct", std::round(g.percent() * 100) / 100}});
    }
  }
  return j;
}

void PrintTable(std::ostream& out, const RunResult& r) {
  auto row = [&](const std::string& name, const std::string& value) {
    out << fmt::format("  {:<28} {}\n", name, value);
  };
  out << fmt::format("\nnatter-loadgen: {} — {} clients on {} gateway(s), {} sender(s), {:.1f} s\n",
                     r.scenario, r.clients, r.gateways, r.senders, r.duration_s);
  if (r.scenario == "connect") {
    row("connected", fmt::format("{} in {:.2f} s", r.connect.count(), r.storm_s));
    row("connect p50 / p99 / max",
        fmt::format("{} / {} / {} ms", Ms(r.connect.Percentile(0.5)),
                    Ms(r.connect.Percentile(0.99)), Ms(r.connect.max())));
    if (r.hash_floor_s > 0) {
      row("password-hashing floor", fmt::format("{:.2f} s (storm is {:.2f}× the floor)",
                                                r.hash_floor_s, r.storm_s / r.hash_floor_s));
    }
  } else {
    row("load", r.window > 0 ? fmt::format("flat out, {} in flight per sender", r.window)
                             : fmt::format("{} messages/s (open loop)", r.rate));
    row("messages sent / acked", fmt::format("{} / {}", r.sent, r.acked));
    if (r.failed_sends > 0) {
      row("sends refused", fmt::format("{} (first: {})", r.failed_sends, r.first_send_error));
    }
    row("deliveries", fmt::format("{} of {} expected, {:.0f}/s", r.deliveries,
                                  r.expected_deliveries, PerSecond(r.deliveries, r.measured_s)));
    row("lost / duplicated / reordered",
        fmt::format("{} / {} / {}", r.lost, r.duplicated, r.out_of_order));
    row("latency p50 / p90 / p99",
        fmt::format("{} / {} / {} ms", Ms(r.latency.Percentile(0.5)), Ms(r.latency.Percentile(0.9)),
                    Ms(r.latency.Percentile(0.99))));
    row("latency p99.9 / max",
        fmt::format("{} / {} ms", Ms(r.latency.Percentile(0.999)), Ms(r.latency.max())));
    if (r.uploads > 0) {
      row("files up and back", fmt::format("{} of {}, {:g} MB each", r.uploads_done, r.uploads,
                                           static_cast<double>(r.upload_bytes_each) / 1e6));
      row("upload / download", fmt::format("{:.1f} / {:.1f} MB/s", r.upload_mb_s, r.download_mb_s));
      if (r.uploads_failed > 0) {
        row("files failed", fmt::format("{} (first: {})", r.uploads_failed, r.first_upload_error));
      }
    }
  }
  if (r.stream_failures > 0) row("streams that failed", std::to_string(r.stream_failures));
  if (r.server_cpu_us_per_delivery) {
    row("server CPU per delivery", fmt::format("{:.2f} µs", *r.server_cpu_us_per_delivery));
  }
  if (r.server_cpu_cores) row("server CPU", fmt::format("{:.2f} cores", *r.server_cpu_cores));
  if (r.server_rss_kb) {
    row("server RSS", fmt::format("{:.1f} MiB", static_cast<double>(*r.server_rss_kb) / 1024));
  }
  for (const auto& g : r.rss_growth) {
    row(fmt::format("RSS after warm-up, pid {}", g.pid),
        fmt::format("{:.1f} -> {:.1f} MiB ({:+.1f}%)", static_cast<double>(g.warm_kb) / 1024,
                    static_cast<double>(g.end_kb) / 1024, g.percent()));
  }
  if (!r.RssWithinLimit()) {
    row("RSS growth",
        fmt::format("{:.1f}% (and over {} MiB) is more than --max-rss-growth {:g}%",
                    r.LargestRssGrowth(), RunResult::kRssNoiseKb / 1024, *r.max_rss_growth_pct));
  }
  out << (r.ok() ? "  result: OK\n" : "  result: FAILED (see above)\n");
}

}  // namespace natter::loadgen
