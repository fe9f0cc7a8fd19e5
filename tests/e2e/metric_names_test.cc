// The metric-name check of the monitoring component (metric_names.h): which names a rule file or a
// dashboard queries, which a /metrics page exports, and that a misspelt one is caught.
#include "e2e/metric_names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace natter::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Part of a real page, as prometheus-cpp writes it.
constexpr std::string_view kPage = R"(# HELP natter_rpc_total Unary RPCs served
# TYPE natter_rpc_total counter
natter_rpc_total{code="OK",method="/natter.v1.Chat/Send"} 3
# HELP natter_rpc_duration_seconds Time from an RPC's start to its status
# TYPE natter_rpc_duration_seconds histogram
natter_rpc_duration_seconds_count{method="/natter.v1.Chat/Send"} 3
natter_rpc_duration_seconds_sum{method="/natter.v1.Chat/Send"} 0.01
natter_rpc_duration_seconds_bucket{method="/natter.v1.Chat/Send",le="0.005"} 3
# TYPE natter_gateway_streams_open gauge
natter_gateway_streams_open 1
process_open_fds 12
)";

TEST(MetricNamesTest, InlineQuotedAndBlockExprsAreReadFromYaml) {
  std::vector<std::string> exprs = YamlExprs(R"(spec:
  groups:
    - name: g
      rules:
        # expr: natter_in_a_comment is not a query
        - alert: A
          expr: sum(rate(natter_rpc_total[5m])) > 0
          for: 5m
        - alert: B
          expr: "natter_gateway_streams_open > 1"
        - alert: C
          expr: >-
            histogram_quantile(0.99,
              sum by (le) (rate(natter_rpc_duration_seconds_bucket[5m])))

            > 0.1
          labels:
            severity: natter_not_an_expr
)");
  ASSERT_EQ(exprs.size(), 3u);
  EXPECT_EQ(exprs[0], "sum(rate(natter_rpc_total[5m])) > 0");
  EXPECT_EQ(exprs[1], "natter_gateway_streams_open > 1");
  EXPECT_THAT(QueriedMetrics(exprs),
              ElementsAre("natter_gateway_streams_open", "natter_rpc_duration_seconds",
                          "natter_rpc_total"));
}

TEST(MetricNamesTest, EveryAlertOfTheRealRuleFileGivesItsWholeExpr) {
  const std::string rules =
      ReadFile(NATTER_SOURCE_DIR "/k8s/components/monitoring/prometheus-rule.yaml");
  size_t alerts = 0;
  for (size_t at = rules.find("- alert: "); at != std::string::npos;
       at = rules.find("- alert: ", at + 1)) {
    ++alerts;
  }
  std::vector<std::string> exprs = YamlExprs(rules);
  ASSERT_GT(alerts, 10u);
  EXPECT_EQ(exprs.size(), alerts);
  for (const std::string& expr : exprs) {
    // A block ends where the rule's next key starts.
    EXPECT_EQ(expr.find("for:"), std::string::npos) << expr;
    EXPECT_EQ(expr.find("severity"), std::string::npos) << expr;
  }
}

TEST(MetricNamesTest, ExprsAreFoundAnywhereInJson) {
  std::vector<std::string> exprs = JsonExprs(
      R"({"panels": [{"targets": [{"expr": "natter_a_total", "legendFormat": "natter_b"}]},
                      {"type": "row", "panels": [{"targets": [{"expr": "up or natter_c"}]}]}]})");
  EXPECT_THAT(exprs, ElementsAre("natter_a_total", "up or natter_c"));
  EXPECT_THROW(JsonExprs("{\"panels\": ["), nlohmann::json::exception);
}

TEST(MetricNamesTest, HistogramSeriesBelongToTheirMetricAndOthersAreLeftOut) {
  EXPECT_EQ(MetricOf("natter_rpc_duration_seconds_bucket"), "natter_rpc_duration_seconds");
  EXPECT_EQ(MetricOf("natter_rpc_total"), "natter_rpc_total");
  EXPECT_THAT(ExportedMetrics(kPage),
              ElementsAre("natter_gateway_streams_open", "natter_rpc_duration_seconds",
                          "natter_rpc_total"));
  // Recording rules and label values that merely contain natter_ are not metrics of ours.
  EXPECT_THAT(QueriedMetrics({R"(job:natter_rpc:rate5m{x="my_natter_y"} + natter_rpc_total)"}),
              ElementsAre("natter_rpc_total"));
}

TEST(MetricNamesTest, AMisspeltMetricInACopyOfTheDashboardIsReported) {
  const std::string dashboard =
      ReadFile(NATTER_SOURCE_DIR "/k8s/components/monitoring/dashboards/natter.json");
  ASSERT_NE(dashboard.find("\"natter_gateway_streams_open\""), std::string::npos);
  // Every metric the dashboard queries, as if exported: the real file passes.
  const std::set<std::string> exported = QueriedMetrics(JsonExprs(dashboard));
  EXPECT_THAT(UnknownMetrics(QueriedMetrics(JsonExprs(dashboard)), exported), IsEmpty());

  std::string broken = dashboard;
  const std::string right = "sum(natter_gateway_streams_open)";
  ASSERT_NE(broken.find(right), std::string::npos);
  broken.replace(broken.find(right), right.size(), "sum(natter_gateway_stream_open)");
  EXPECT_THAT(UnknownMetrics(QueriedMetrics(JsonExprs(broken)), exported),
              ElementsAre("natter_gateway_stream_open"));
  // A histogram's series by a misspelt base name too.
  broken = dashboard;
  const std::string bucket = "natter_mysql_call_duration_seconds_bucket";
  ASSERT_NE(broken.find(bucket), std::string::npos);
  broken.replace(broken.find(bucket), bucket.size(), "natter_mysql_call_durations_seconds_bucket");
  EXPECT_THAT(UnknownMetrics(QueriedMetrics(JsonExprs(broken)), exported),
              ElementsAre("natter_mysql_call_durations_seconds"));
}

}  // namespace
}  // namespace natter::testing
