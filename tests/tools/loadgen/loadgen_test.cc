#include <gtest/gtest.h>

#include "delivery_ledger.h"
#include "histogram.h"
#include "report.h"
#include "sim_client.h"

namespace natter::loadgen {
namespace {

TEST(HistogramTest, PercentilesAreWithinOnePercent) {
  Histogram h;
  for (int64_t v = 1; v <= 100'000; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 100'000u);
  EXPECT_EQ(h.max(), 100'000);
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    double exact = q * 100'000;
    EXPECT_NEAR(static_cast<double>(h.Percentile(q)), exact, exact * 0.01) << q;
  }
  EXPECT_EQ(h.Percentile(1.0), 100'000);
}

TEST(HistogramTest, SmallValuesAreExactAndNegativeCountsAsZero) {
  Histogram h;
  h.Record(-5);
  h.Record(3);
  h.Record(3);
  h.Record(100);
  EXPECT_EQ(h.Percentile(0.25), 0);
  EXPECT_EQ(h.Percentile(0.5), 3);
  EXPECT_EQ(h.Percentile(1.0), 100);
  EXPECT_EQ(Histogram().Percentile(0.99), 0);
}

TEST(HistogramTest, MergeAddsCountsAndKeepsTheMax) {
  Histogram a, b;
  for (int i = 0; i < 90; ++i) a.Record(1000);
  for (int i = 0; i < 10; ++i) b.Record(50'000'000);  // 50 s
  a.Merge(b);
  EXPECT_EQ(a.count(), 100u);
  EXPECT_NEAR(static_cast<double>(a.Percentile(0.9)), 1000, 10);  // the bucket's top
  EXPECT_NEAR(static_cast<double>(a.Percentile(0.95)), 50e6, 50e6 * 0.01);
  EXPECT_EQ(a.max(), 50'000'000);
}

TEST(DeliveryLedgerTest, CountsDuplicatesReorderingAndWhatIsMissing) {
  DeliveryLedger ledger;
  ledger.Expect(7, 10);  // seqs up to 10 existed before the run
  EXPECT_TRUE(ledger.Record(7, 11));
  EXPECT_TRUE(ledger.Record(7, 13));
  EXPECT_TRUE(ledger.Record(7, 12));   // after 13: out of order
  EXPECT_FALSE(ledger.Record(7, 13));  // again: duplicate
  EXPECT_FALSE(ledger.Record(7, 9));   // from before the run: duplicate
  EXPECT_TRUE(ledger.Record(8, 1));    // a conversation it was not told about
  EXPECT_EQ(ledger.deliveries(), 6u);
  EXPECT_EQ(ledger.duplicated(), 2u);
  EXPECT_EQ(ledger.out_of_order(), 1u);
  EXPECT_EQ(ledger.unexpected(), 1u);

  std::map<uint64_t, std::vector<uint64_t>> acked = {{7, {11, 12, 13, 14, 1000}}, {9, {1, 2}}};
  // 14 and 1000 never came; conversation 9 is not this client's.
  EXPECT_EQ(ledger.Missing(acked), 2u);
}

TEST(MessageIdTest, CarriesTheScheduledTimeForThisRunOnly) {
  std::string id = MessageId("lgabc", 123456, 3, 9);
  EXPECT_LE(id.size(), 64u);
  EXPECT_EQ(ScheduledMicros("lgabc", id), 123456);
  EXPECT_EQ(ScheduledMicros("lgabd", id), -1);
  EXPECT_EQ(ScheduledMicros("lgab", id), -1);
  EXPECT_EQ(ScheduledMicros("lgabc", "lgabc.12x"), -1);
  EXPECT_EQ(ScheduledMicros("lgabc", "someone-else"), -1);
}

TEST(ReportTest, JsonHasTheAgreedFieldsAndFailsOnLoss) {
  RunResult r{.scenario = "fanout", .clients = 200};
  r.sent = r.acked = 100;
  r.deliveries = r.expected_deliveries = 20'000;
  r.measured_s = 10;
  for (int i = 1; i <= 1000; ++i) r.latency.Record(i * 10);
  auto j = ToJson(r);
  for (const char* field :
       {"scenario", "clients", "sent", "acked", "deliveries", "deliveries_per_sec", "lost",
        "duplicated", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms"}) {
    EXPECT_TRUE(j.contains(field)) << field;
  }
  EXPECT_EQ(j["deliveries_per_sec"], 2000);
  EXPECT_NEAR(j["p50_ms"].get<double>(), 5.0, 0.06);
  EXPECT_EQ(j["max_ms"], 10.0);
  EXPECT_FALSE(j.contains("server_cpu_us_per_delivery"));
  r.out_of_order = 3;  // reported, not a failure
  EXPECT_TRUE(r.ok());
  r.lost = 1;
  EXPECT_FALSE(r.ok());
  r.lost = 0;
  r.duplicated = 1;
  EXPECT_FALSE(r.ok());
}

TEST(ReportTest, RssGrowthFailsOnlyBeyondBothThePercentageAndTheNoiseFloor) {
  RunResult r{.scenario = "mixed", .clients = 100};
  r.max_rss_growth_pct = 5;
  r.rss_growth = {{.pid = 1, .warm_kb = 28'000, .end_kb = 30'000}};  // 7 %, but 2 MB: noise
  EXPECT_TRUE(r.ok());
  r.rss_growth.push_back({.pid = 2, .warm_kb = 28'000, .end_kb = 33'000});  // 18 % and 5 MB
  EXPECT_FALSE(r.ok());
  r.rss_growth.back() = {.pid = 2, .warm_kb = 400'000, .end_kb = 410'000};  // 10 MB, but 2.5 %
  EXPECT_TRUE(r.ok());
  r.max_rss_growth_pct.reset();  // report only
  r.rss_growth.back() = {.pid = 2, .warm_kb = 28'000, .end_kb = 90'000};
  EXPECT_TRUE(r.ok());
}

}  // namespace
}  // namespace natter::loadgen
