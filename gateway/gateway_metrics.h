// The gateway's own Prometheus metrics (beside natter_rpc_* for every RPC).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include "common/metrics.h"

namespace natter::gateway {

struct GatewayMetrics {
  prometheus::Gauge& streams_open;         // authenticated client streams
  prometheus::Counter& events_queued;      // events queued for a client (fan-out deliveries)
  prometheus::Counter& slow_client_drops;  // clients dropped for not reading

  static GatewayMetrics& Get() {
    static GatewayMetrics* metrics = [] {
      auto& registry = Metrics::Get().registry();
      return new GatewayMetrics{
          prometheus::BuildGauge()
              .Name("natter_gateway_streams_open")
              .Help("Client streams open on this gateway")
              .Register(registry)
              .Add({}),
          prometheus::BuildCounter()
              .Name("natter_gateway_events_queued_total")
              .Help("Events queued for clients (each delivery to one stream counts once)")
              .Register(registry)
              .Add({}),
          prometheus::BuildCounter()
              .Name("natter_gateway_slow_client_drops_total")
              .Help("Clients sent Resync and dropped because their queue overflowed")
              .Register(registry)
              .Add({})};
    }();
    return *metrics;
  }
};

}  // namespace natter::gateway
