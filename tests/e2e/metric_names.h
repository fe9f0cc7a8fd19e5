// The natter_* metric names that the monitoring component's queries use (k8s/components/monitoring:
// the PrometheusRule's and the Grafana dashboard's `expr` strings) and those a Natter process
// exports (its /metrics page), so that a test can fail on a query that names a metric no process
// has: such a query is an alert that never fires or a panel that stays empty, and nothing else
// would tell.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace natter::testing {

// The `expr:` values of a YAML file (a PrometheusRule): inline ones, quoted or not, and block
// scalars
// (`expr: >-` / `|` with the more indented lines after it). Enough YAML for rule files, not all of
// it.
std::vector<std::string> YamlExprs(std::string_view yaml);

// Every string under a key "expr" anywhere in a JSON document (a Grafana dashboard's targets).
// Throws on text that is not JSON.
std::vector<std::string> JsonExprs(std::string_view json);

// The metric a series name belongs to: natter_rpc_duration_seconds_bucket, _sum and _count are
// natter_rpc_duration_seconds; other names as they are.
std::string MetricOf(std::string_view series);

// The natter_* metrics named in PromQL expressions (by MetricOf).
std::set<std::string> QueriedMetrics(const std::vector<std::string>& exprs);

// The natter_* metrics on a Prometheus text page: its # TYPE lines and its samples (by MetricOf).
std::set<std::string> ExportedMetrics(std::string_view page);

// The queried metrics that are not exported, in order; empty when every query can find its metric.
std::vector<std::string> UnknownMetrics(const std::set<std::string>& queried,
                                        const std::set<std::string>& exported);

}  // namespace natter::testing
