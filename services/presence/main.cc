// natter-presence: who is online, on which streams (Redis, with expiry). Flags, wiring, signals.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "common/config.h"
#include "common/grpc_server.h"
#include "common/logging.h"
#include "common/status.h"
#include "presence_grpc.h"
#include "presence_service.h"
#include "redis_presence_store.h"

int main(int argc, char** argv) {
  natter::BlockShutdownSignals();
  CLI::App app{"natter-presence: who is online"};
  natter::ServerFlags server_flags;
  std::string redis_url;
  int ttl_seconds = 30;
  int workers = 4;
  natter::AddServerFlags(app, server_flags, "127.0.0.1:50052");
  natter::AddRedisFlag(app, redis_url);
  app.add_option("--ttl-seconds", ttl_seconds,
                 "A stream not renewed by its gateway for this long counts as gone")
      ->envname("NATTER_PRESENCE_TTL_SECONDS")
      ->check(CLI::Range(3, 600))
      ->capture_default_str();
  app.add_option("--workers", workers, "Threads for Redis calls")
      ->envname("NATTER_PRESENCE_WORKERS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  natter::InitLogging("presence", server_flags.log_level, server_flags.log_format);
  auto redis_config = natter::ParseRedisUrl(redis_url);
  if (!redis_config.ok()) {
    spdlog::critical("{}", redis_config.status().message());
    return 2;
  }
  natter::RedisClient redis(*redis_config, static_cast<size_t>(workers));
  natter::presence::RedisPresenceStore store(redis);
  natter::SystemClock clock;
  natter::presence::PresenceService service(store, clock, std::chrono::seconds(ttl_seconds));
  natter::WorkerPool pool("presence", static_cast<size_t>(workers), 4096);
  natter::presence::PresenceGrpc grpc_service(service, pool);

  natter::GrpcServer server("natter-presence");
  server.AddService(&grpc_service);
  if (auto s = server.Start(server_flags.listen); !s.ok()) {
    spdlog::critical("{}", s.message());
    return 1;
  }
  spdlog::info("received {}, shutting down", natter::WaitForShutdownSignal());
  server.Drain(std::chrono::seconds(server_flags.drain_seconds));
  return 0;
}
