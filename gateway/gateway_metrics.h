// The gateway's own Prometheus metrics (beside natter_rpc_* for every RPC).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include "common/metrics.h"

namespace natter::gateway {

struct GatewayMetrics {
  prometheus::Gauge& streams_open;         // authenticated client streams
  prometheus::Counter& events_queued;      // events queued for a client (fan-out deliveries)
  prometheus::Counter& slow_client_drops;  // clients dropped for not reading
  prometheus::Counter& reads_paused;       // a client's commands left unread while it is behind
  prometheus::Counter& events_in;          // events received from Redis pub/sub
  prometheus::Counter& writes;             // gRPC writes to clients (each one or more events)
  prometheus::Histogram& write_batch;      // events queued on a stream when its write starts
  prometheus::Gauge& connections_open;     // TCP connections admitted by the ConnectionGate
  prometheus::Counter& connections_refused_per_address;  // closed at accept: address at its limit
  prometheus::Counter& connections_refused_total;        // closed at accept: gateway at its limit
  prometheus::Gauge& streams_max;                        // --max-streams, for alerts and dashboards
  prometheus::Counter& streams_refused_gateway;  // new streams refused: gateway at --max-streams
  prometheus::Counter& streams_refused_per_address;  // new streams refused: address at its limit

  static prometheus::Family<prometheus::Counter>& ConnectionsRefused() {
    static auto& family = prometheus::BuildCounter()
                              .Name("natter_gateway_connections_refused_total")
                              .Help(
                                  "Client TCP connections closed as soon as accepted, by the "
                                  "limit they met (--max-connections-per-address, "
                                  "--max-connections)")
                              .Register(Metrics::Get().registry());
    return family;
  }

  static prometheus::Family<prometheus::Counter>& StreamsRefused() {
    static auto& family = prometheus::BuildCounter()
                              .Name("natter_gateway_streams_refused_total")
                              .Help(
                                  "New client streams refused before they start, by the limit "
                                  "they met: gateway (--max-streams: UNAVAILABLE, the client tries "
                                  "another gateway) or per_address (--max-calls-per-address)")
                              .Register(Metrics::Get().registry());
    return family;
  }

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
              .Help("Clients dropped for not reading: their queue overflowed (they were sent "
                    "Resync) or a write waited for them too long")
              .Register(registry)
              .Add({}),
          prometheus::BuildCounter()
              .Name("natter_gateway_reads_paused_total")
              .Help("Times a client's commands were left unread because it was behind on its "
                    "writes or had too many syncs in flight")
              .Register(registry)
              .Add({}),
          prometheus::BuildCounter()
              .Name("natter_gateway_events_in_total")
              .Help("Events received from Redis pub/sub")
              .Register(registry)
              .Add({}),
          prometheus::BuildCounter()
              .Name("natter_gateway_writes_total")
              .Help("gRPC writes to clients; one write carries every event queued on its stream")
              .Register(registry)
              .Add({}),
          prometheus::BuildHistogram()
              .Name("natter_gateway_stream_queue_depth")
              .Help("Events waiting on one client stream when its next write starts")
              .Register(registry)
              .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256,
                                                               512, 1024, 4096}),
          prometheus::BuildGauge()
              .Name("natter_gateway_connections_open")
              .Help("Client TCP connections open on this gateway (as of the last accept or the "
                    "last check, at most a few seconds old)")
              .Register(registry)
              .Add({}),
          ConnectionsRefused().Add({{"limit", "per_address"}}),
          ConnectionsRefused().Add({{"limit", "total"}}),
          prometheus::BuildGauge()
              .Name("natter_gateway_streams_max")
              .Help("Client streams this gateway holds at most (--max-streams); beyond it new "
                    "ones are refused with UNAVAILABLE")
              .Register(registry)
              .Add({}),
          StreamsRefused().Add({{"limit", "gateway"}}),
          StreamsRefused().Add({{"limit", "per_address"}})};
    }();
    return *metrics;
  }
};

}  // namespace natter::gateway
