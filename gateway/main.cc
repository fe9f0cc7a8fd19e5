// natter-gateway: holds one bidirectional stream per client and connects it to the services and to
// Redis pub/sub. Flags, wiring, signals.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <optional>
#include <thread>

#include "client_stream.h"
#include "common/config.h"
#include "common/grpc_server.h"
#include "common/http2_tuning.h"
#include "common/redis_subscriber.h"
#include "common/service_main.h"
#include "common/status.h"
#include "common/thread_name.h"
#include "connection_gate.h"
#include "discovery.h"
#include "gateway_context.h"
#include "gateway_metrics.h"
#include "gateway_service.h"
#include "hub.h"

namespace {

// The hub's subscriber, bound to Redis once the hub exists (the Redis subscriber delivers to the
// hub, so it is made after it and stops before it).
class RedisChannelSubscriber final : public natter::gateway::ChannelSubscriber {
 public:
  void Bind(natter::RedisSubscriber& redis) { redis_ = &redis; }
  void Subscribe(const std::string& channel, std::function<void()> on_ready) override {
    redis_->Subscribe(channel, std::move(on_ready));
  }
  void Unsubscribe(const std::string& channel) override { redis_->Unsubscribe(channel); }

 private:
  natter::RedisSubscriber* redis_ = nullptr;
};

std::string DefaultGatewayId(const std::string& listen) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + listen.substr(listen.rfind(':') + 1);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"natter-gateway: client streams"};
  // First: it blocks the shutdown signals in every thread started after it.
  natter::ServiceMain process(app, "gateway", "127.0.0.1:2019", {.redis = true},
                              natter::ServiceMain::Callers::kClients);
  std::string auth_target = "127.0.0.1:50051";
  std::string presence_target = "127.0.0.1:50052";
  std::string chat_target = "127.0.0.1:50053";
  natter::gateway::GatewayOptions options;
  int heartbeat_seconds = 10;
  int stalled_write_seconds = 30;
  natter::gateway::AdmissionLimits admission_limits;
  natter::gateway::ConnectionLimits connection_limits;
  int handshake_timeout_ms = 5000;
  int idle_connection_seconds = 120;
  int max_calls_per_connection = 100;
  int connection_memory_mib = 2048;
  // gRPC's own per-connection tuning; unset unless given, so gRPC's defaults apply (BENCHMARKS.md,
  // P3, says what each does to memory per idle stream).
  natter::Http2Tuning http2_tuning;
  // Threads that fan events out to streams: one per two cores, up to 4 (on two cores, where the
  // gRPC threads need the other, one costs less per delivery than two: BENCHMARKS.md, P1).
  int fan_out_threads =
      static_cast<int>(std::clamp(std::thread::hardware_concurrency() / 2, 1u, 4u));
  int coalesce_max_ms = 20;
  int max_frame_bytes = 64 * 1024;
  // Unary account calls carry avatars (up to 512 KiB as uploaded); stream frames are checked
  // against --max-frame-bytes by the stream itself.
  constexpr int kMaxUnaryBytes = 1024 * 1024;
  app.add_option("--auth", auth_target, "gRPC target of natter-auth")
      ->envname("NATTER_AUTH_TARGET")
      ->capture_default_str();
  app.add_option("--presence", presence_target, "gRPC target of natter-presence")
      ->envname("NATTER_PRESENCE_TARGET")
      ->capture_default_str();
  app.add_option("--chat", chat_target,
                 "gRPC target of natter-chat; several replicas as ipv4:HOST:PORT,HOST:PORT or "
                 "dns:///NAME:PORT")
      ->envname("NATTER_CHAT_TARGET")
      ->capture_default_str();
  app.add_option("--gateway-id", options.gateway_id, "Name of this gateway (default HOST:PORT)")
      ->envname("NATTER_GATEWAY_ID");
  app.add_option("--max-queued-events", options.max_queued_events,
                 "Events queued for one client before it is told to resync and dropped")
      ->envname("NATTER_MAX_QUEUED_EVENTS")
      ->check(CLI::Range(16, 1 << 20))
      ->capture_default_str();
  app.add_option("--max-queued-bytes", options.max_queued_bytes,
                 "Bytes queued for one client (what is being written included) before it is told "
                 "to resync and dropped")
      ->envname("NATTER_MAX_QUEUED_BYTES")
      ->check(CLI::Range(size_t{64} << 10, size_t{1} << 30))
      ->capture_default_str();
  app.add_option("--pause-reads-bytes", options.pause_reads_bytes,
                 "Bytes waiting to be written to a client beyond which its commands are left "
                 "unread until it catches up")
      ->envname("NATTER_PAUSE_READS_BYTES")
      ->check(CLI::Range(size_t{16} << 10, size_t{1} << 30))
      ->capture_default_str();
  app.add_option("--max-syncs-in-flight", options.max_syncs_in_flight,
                 "Syncs of one client answered at once; later ones wait their turn")
      ->envname("NATTER_MAX_SYNCS_IN_FLIGHT")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--stalled-write-seconds", stalled_write_seconds,
                 "A client that takes no data for this long is disconnected (checked every "
                 "heartbeat)")
      ->envname("NATTER_STALLED_WRITE_SECONDS")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--max-calls-per-address", admission_limits.per_address,
                 "Calls and streams in flight from one client address (IP) at once")
      ->envname("NATTER_MAX_CALLS_PER_ADDRESS")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  app.add_option("--max-connections-per-address", connection_limits.per_address,
                 "TCP connections open from one client address (IPv4, or IPv6 /64) at once; "
                 "beyond it a new one is closed as soon as it is accepted")
      ->envname("NATTER_MAX_CONNECTIONS_PER_ADDRESS")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  app.add_option("--max-connections", connection_limits.total,
                 "TCP connections this gateway holds open at once; beyond it a new one is closed "
                 "as soon as it is accepted")
      ->envname("NATTER_MAX_CONNECTIONS")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  app.add_option("--max-streams", admission_limits.streams,
                 "Client streams this gateway holds at once; beyond it new ones are refused with "
                 "UNAVAILABLE, so clients try another gateway. Size it to the memory: about 45 KiB "
                 "per stream (no 'no cap': a gateway out of memory drops all of its clients)")
      ->envname("NATTER_MAX_STREAMS")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  app.add_option("--max-unary-calls", admission_limits.unary_calls,
                 "Unary client calls this gateway serves at once")
      ->envname("NATTER_MAX_UNARY_CALLS")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  app.add_option("--handshake-timeout-ms", handshake_timeout_ms,
                 "A connection that has not finished its TLS and HTTP/2 handshake by then is "
                 "closed")
      ->envname("NATTER_HANDSHAKE_TIMEOUT_MS")
      ->check(CLI::Range(100, 120'000))
      ->capture_default_str();
  app.add_option("--idle-connection-seconds", idle_connection_seconds,
                 "A client connection with no call or stream for this long is closed")
      ->envname("NATTER_IDLE_CONNECTION_SECONDS")
      ->check(CLI::Range(1, 86'400))
      ->capture_default_str();
  app.add_option("--max-calls-per-connection", max_calls_per_connection,
                 "Calls and streams one client connection may have open at once (HTTP/2 "
                 "concurrent streams)")
      ->envname("NATTER_MAX_CALLS_PER_CONNECTION")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  app.add_option("--connection-memory-mib", connection_memory_mib,
                 "Memory all client connections' buffers may take together (a gRPC resource "
                 "quota)")
      ->envname("NATTER_CONNECTION_MEMORY_MIB")
      ->check(CLI::Range(16, 1 << 20))
      ->capture_default_str();
  natter::AddHttp2TuningFlags(app, http2_tuning);
  app.add_option("--fan-out-threads", fan_out_threads,
                 "Threads that hand events to client streams; each stream belongs to one. "
                 "Events that arrive while a thread is busy share the streams' next writes")
      ->envname("NATTER_GATEWAY_FAN_OUT_THREADS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--coalesce-max-ms", coalesce_max_ms,
                 "Longest a room event's writes wait so that later events share them; the wait "
                 "follows load up to this (0: write at once)")
      ->envname("NATTER_GATEWAY_COALESCE_MAX_MS")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  app.add_option("--heartbeat-seconds", heartbeat_seconds, "Presence renewal period")
      ->envname("NATTER_HEARTBEAT_SECONDS")
      ->check(CLI::Range(1, 300))
      ->capture_default_str();
  app.add_option("--max-frame-bytes", max_frame_bytes, "Largest frame a client may send")
      ->envname("NATTER_MAX_FRAME_BYTES")
      ->check(CLI::Range(1024, 16 << 20))
      ->capture_default_str();
  app.add_option("--command-rate", options.commands.per_second,
                 "Commands a second one stream may send, sustained; 0: no limit")
      ->envname("NATTER_COMMAND_RATE")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--command-burst", options.commands.burst,
                 "Commands one stream may send at once after a pause")
      ->envname("NATTER_COMMAND_BURST")
      ->check(CLI::Range(1.0, 1e6))
      ->capture_default_str();
  app.add_option("--max-streams-per-user", options.max_streams_per_user,
                 "Streams one user may hold open on this gateway")
      ->envname("NATTER_MAX_STREAMS_PER_USER")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  std::string tls_cert, tls_key;
  app.add_option("--tls-cert", tls_cert,
                 "Serve TLS with this PEM certificate chain (plaintext clients are refused)")
      ->envname("NATTER_TLS_CERT");
  app.add_option("--tls-key", tls_key, "The PEM private key of --tls-cert")
      ->envname("NATTER_TLS_KEY");
  bool discovery = true;
  std::string advertise;
  app.add_flag("--discovery,!--no-discovery", discovery,
               "Answer the desktop client's UDP discovery probe on the listen port")
      ->envname("NATTER_DISCOVERY")
      ->capture_default_str();
  app.add_option("--advertise", advertise,
                 "Address given in discovery answers (default: the listen address, or the "
                 "interface the probe came in on)")
      ->envname("NATTER_ADVERTISE");
  int go_away_spread_percent = 66;
  app.add_option("--go-away-spread-percent", go_away_spread_percent,
                 "On SIGTERM, clients are told to reconnect elsewhere in batches spread over this "
                 "share of --drain-seconds, in a random order (0: all at once); the rest of the "
                 "drain leaves the last ones time to finish")
      ->envname("NATTER_GO_AWAY_SPREAD_PERCENT")
      ->check(CLI::Range(0, 90))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (auto exit_code = process.Setup()) return *exit_code;
  const natter::ServerFlags& server_flags = process.flags();
  if (options.gateway_id.empty()) options.gateway_id = DefaultGatewayId(server_flags.listen);
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (!tls_cert.empty() || !tls_key.empty()) {
    if (tls_cert.empty() || tls_key.empty()) {
      spdlog::critical("give both --tls-cert and --tls-key, or neither");
      return 2;
    }
    auto tls =
        natter::TlsServerCredentials(tls_cert, tls_key, server_flags.service_tls.reload_seconds);
    if (!tls.ok()) {
      spdlog::critical("{}", tls.status().message());
      return 2;
    }
    credentials = *tls;
  }
  options.max_frame_bytes = static_cast<size_t>(max_frame_bytes);
  options.stalled_write_timeout = std::chrono::seconds(stalled_write_seconds);
  if (options.pause_reads_bytes >= options.max_queued_bytes) {
    spdlog::critical(
        "--pause-reads-bytes ({}) must be below --max-queued-bytes ({}): a client is "
        "paused before it is dropped",
        options.pause_reads_bytes, options.max_queued_bytes);
    return 2;
  }

  natter::gateway::GatewayContext gateway;
  gateway.options = options;
  gateway.auth = natter::v1::Auth::NewStub(process.ChannelTo(auth_target));
  gateway.chat = natter::v1::Chat::NewStub(process.ChannelTo(chat_target));
  gateway.presence = natter::v1::Presence::NewStub(process.ChannelTo(presence_target));

  RedisChannelSubscriber channels;
  natter::gateway::Hub hub(channels, static_cast<size_t>(fan_out_threads),
                           std::chrono::milliseconds(coalesce_max_ms));
  natter::RedisSubscriber subscriber(
      process.redis(),
      [&hub](const std::string& channel, std::string_view payload) {
        natter::gateway::GatewayMetrics::Get().events_in.Increment();
        hub.Deliver(channel, payload);
      },
      [&hub] { hub.ResyncAll("the gateway's event feed was interrupted; sync"); });
  channels.Bind(subscriber);
  gateway.hub = &hub;
  subscriber.Start();

  natter::gateway::ClientAdmission admission(admission_limits);
  gateway.admission = &admission;

  natter::gateway::GatewayService service(gateway);
  natter::GrpcServer server("natter-gateway");
  grpc::ServerBuilder& builder = server.builder();
  builder.SetMaxReceiveMessageSize(kMaxUnaryBytes);
  // What never reaches the application is bounded here: a connection that does not finish its
  // TLS and HTTP/2 handshake in time is closed, one with no call for a while too, one connection
  // carries a bounded number of calls, and all connections' buffers share one memory quota (under
  // pressure gRPC shrinks them and then closes connections).
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, handshake_timeout_ms);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, idle_connection_seconds * 1000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, max_calls_per_connection);
  grpc::ResourceQuota quota("natter-gateway-connections");
  quota.Resize(static_cast<size_t>(connection_memory_mib) << 20);
  builder.SetResourceQuota(quota);
  natter::ApplyHttp2Tuning(http2_tuning, builder);
  server.AddService(&service);
  // The listening socket is the gate's, so connections count per address from their first moment
  // (connection_gate.h); gRPC serves what the gate admits.
  auto gate = natter::gateway::ConnectionGate::Listen(server_flags.listen, connection_limits);
  if (!gate.ok()) {
    spdlog::critical("{}", gate.status().message());
    return 1;
  }
  auto acceptor = server.AcceptExternally(credentials);
  if (auto s = server.Start("", credentials, server_flags.health_listen); !s.ok()) {
    spdlog::critical("{}", s.message());
    return 1;
  }
  (*gate)->Start(acceptor.get());
  spdlog::info("gateway accepting clients on {} (port {})", server_flags.listen, (*gate)->port());
  std::unique_ptr<natter::gateway::DiscoveryResponder> responder;
  if (discovery) {
    responder = std::make_unique<natter::gateway::DiscoveryResponder>(
        server_flags.listen, advertise, options.gateway_id);
    // Discovery is a convenience: a port taken on UDP is worth a warning, not a refusal to start.
    if (auto s = responder->Start(); !s.ok()) {
      spdlog::warn("{}", s.message());
      responder.reset();
    }
  }
  natter::gateway::GatewayMetrics::Get();  // registered now, so they read 0 before the first client
  spdlog::info("gateway {} ready", options.gateway_id);
  natter::gateway::PresenceHeartbeat heartbeat(gateway, std::chrono::seconds(heartbeat_seconds));

  spdlog::info("received {}, shutting down", natter::WaitForShutdownSignal());
  gateway.draining = true;  // no new stream is admitted
  const std::chrono::milliseconds go_away_window(int64_t{server_flags.drain_seconds} * 1000 *
                                                 go_away_spread_percent / 100);
  std::thread go_away;
  server.Drain(std::chrono::seconds(server_flags.drain_seconds), [&] {
    (*gate)->Stop();  // new connections are refused, so clients reconnect elsewhere
    // Spread over the window while the server drains: the streams told last still have the rest
    // of the drain to end before gRPC cancels what is left.
    go_away = std::thread([&] {
      natter::NameThisThread("go-away");
      service.GoAwayAll("this gateway is shutting down; reconnect to continue", go_away_window);
    });
  });
  if (go_away.joinable()) go_away.join();
  return 0;
}
