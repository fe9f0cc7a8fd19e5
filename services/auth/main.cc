// natter-auth: accounts, password hashes (MySQL) and sessions (Redis). Flags, wiring, signals.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <thread>

#include "auth_grpc.h"
#include "auth_schema.h"
#include "auth_service.h"
#include "common/config.h"
#include "common/event_publisher.h"
#include "common/grpc_server.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/migrations.h"
#include "common/status.h"
#include "mysql_user_store.h"
#include "redis_session_store.h"

int main(int argc, char** argv) {
  natter::BlockShutdownSignals();
  CLI::App app{"natter-auth: accounts and sessions"};
  natter::ServerFlags server_flags;
  std::string mysql_url, redis_url;
  int workers = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  int session_days = 30;
  natter::AddServerFlags(app, server_flags, "127.0.0.1:50051");
  natter::AddMysqlFlag(app, mysql_url);
  natter::AddRedisFlag(app, redis_url);
  app.add_option("--workers", workers,
                 "Threads for password hashing, and as many again for other calls")
      ->envname("NATTER_AUTH_WORKERS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--session-days", session_days, "Session lifetime in days")
      ->envname("NATTER_SESSION_DAYS")
      ->check(CLI::Range(1, 365))
      ->capture_default_str();
  bool migrate_only = false;
  app.add_flag("--migrate-only", migrate_only,
               "Apply the database migrations, then exit (for a deploy job)");
  CLI11_PARSE(app, argc, argv);

  natter::InitLogging("auth", server_flags.log_level, server_flags.log_format);
  auto credentials = natter::LoadServiceCredentials(server_flags.service_tls);
  if (!credentials.ok()) {
    spdlog::critical("{}", credentials.status().message());
    return 2;
  }
  if (!server_flags.metrics_listen.empty()) {
    if (auto s = natter::Metrics::Get().Serve(server_flags.metrics_listen); !s.ok()) {
      spdlog::critical("{}", s.message());
      return 1;
    }
  }
  auto mysql_config = natter::ParseMysqlUrl(mysql_url);
  auto redis_config = natter::ParseRedisUrl(redis_url);
  if (!mysql_config.ok() || !redis_config.ok()) {
    spdlog::critical("{}", !mysql_config.ok() ? mysql_config.status().message()
                                              : redis_config.status().message());
    return 2;
  }

  natter::MysqlPool mysql(*mysql_config, static_cast<size_t>(workers) * 2);
  if (auto s = natter::ApplyMigrations(mysql, "auth", natter::auth::Migrations()); !s.ok()) {
    spdlog::critical("cannot apply database migrations: {}", s.message());
    return 1;
  }
  if (migrate_only) {
    spdlog::info("database migrations of auth are applied");
    return 0;
  }
  natter::RedisClient redis(*redis_config, static_cast<size_t>(workers) * 2);
  natter::auth::MysqlUserStore users(mysql);
  natter::auth::RedisSessionStore sessions(redis);
  natter::auth::RedisLoginThrottle throttle(redis);
  natter::RedisEventPublisher publisher(redis);
  natter::SystemClock clock;
  auto hasher = natter::auth::PasswordHasher::Interactive();
  natter::auth::AuthService service(users, sessions, throttle, publisher, hasher, clock,
                                    {.session_ttl = std::chrono::hours(24 * session_days)});
  // Argon2id holds 64 MiB per hash in flight: hashing has its own pool, whose size bounds that
  // memory and whose queue bound turns a login storm into quick RESOURCE_EXHAUSTED answers, while
  // token checks and profile calls keep their own threads.
  natter::WorkerPool hashing("auth-hashing", static_cast<size_t>(workers), 1024);
  natter::WorkerPool pool("auth", static_cast<size_t>(workers), 4096);
  natter::auth::AuthGrpc grpc_service(service, hashing, pool);

  natter::GrpcServer server("natter-auth");
  server.AddService(&grpc_service);
  if (auto s = server.Start(server_flags.listen, credentials->server, server_flags.health_listen);
      !s.ok()) {
    spdlog::critical("{}", s.message());
    return 1;
  }
  spdlog::info("received {}, shutting down", natter::WaitForShutdownSignal());
  server.Drain(std::chrono::seconds(server_flags.drain_seconds));
  return 0;
}
