// natter-auth: accounts, password hashes (MySQL) and sessions (Redis). Flags, wiring, signals.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <thread>
#include <vector>

#include "auth_grpc.h"
#include "auth_schema.h"
#include "auth_service.h"
#include "common/config.h"
#include "common/migrations.h"
#include "common/redis_event_publisher.h"
#include "common/redis_rate_limiter.h"
#include "common/service_main.h"
#include "common/status.h"
#include "hash_admission.h"
#include "mysql_user_store.h"
#include "redis_session_store.h"

int main(int argc, char** argv) {
  CLI::App app{"natter-auth: accounts and sessions"};
  natter::ServiceMain process(app, "auth", "127.0.0.1:50051", {.mysql = true, .redis = true});
  int workers = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  int session_days = 30;
  app.add_option("--workers", workers,
                 "Threads for password hashing, and as many again for other calls")
      ->envname("NATTER_AUTH_WORKERS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--session-days", session_days, "Session lifetime in days")
      ->envname("NATTER_SESSION_DAYS")
      ->check(CLI::Range(1, 365))
      ->capture_default_str();
  int image_workers = 1;
  app.add_option("--image-workers", image_workers,
                 "Threads decoding avatar uploads (apart from token checks and password hashing)")
      ->envname("NATTER_AUTH_IMAGE_WORKERS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  natter::auth::AuthOptions options;
  // Rate limits per user (per address for registration), shared by every replica through Redis.
  struct LimitFlag {
    const char* name;
    const char* what;
    natter::RateLimit& limit;
  };
  std::vector<LimitFlag> limit_flags = {
      {"register", "New accounts one client address may register", options.limits.registrations},
      {"avatar", "Avatar uploads one user may make", options.limits.avatars},
      {"profile", "Profile changes one user may make", options.limits.profile_changes},
      {"password", "Password changes and account deletions one session may try",
       options.limits.password_calls},
      {"session-calls", "Logouts and session revocations one user may make",
       options.limits.session_calls},
  };
  std::vector<double> per_minute(limit_flags.size());
  for (size_t i = 0; i < limit_flags.size(); ++i) {
    LimitFlag& flag = limit_flags[i];
    per_minute[i] = flag.limit.per_second * 60;
    std::string env(flag.name);
    std::replace(env.begin(), env.end(), '-', '_');
    std::transform(env.begin(), env.end(), env.begin(), ::toupper);
    app.add_option(std::string("--") + flag.name + "-per-minute", per_minute[i],
                   std::string(flag.what) + " a minute, sustained; 0: no limit")
        ->envname("NATTER_AUTH_" + env + "_PER_MINUTE")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option(std::string("--") + flag.name + "-burst", flag.limit.burst,
                   std::string(flag.what) + " at once after a pause")
        ->envname("NATTER_AUTH_" + env + "_BURST")
        ->check(CLI::Range(1.0, 1e6))
        ->capture_default_str();
  }
  bool migrate_only = false;
  app.add_flag("--migrate-only", migrate_only,
               "Apply the database migrations, then exit (for a deploy job)");
  CLI11_PARSE(app, argc, argv);
  for (size_t i = 0; i < limit_flags.size(); ++i) {
    limit_flags[i].limit.per_second = per_minute[i] / 60;
  }
  options.session_ttl = std::chrono::hours(24 * session_days);

  if (auto failed = process.Setup()) return *failed;

  {
    // Migrations run on a pool of their own, whose reads may wait as long as a schema change takes
    // (the service's pool gives up on a silent node after MysqlPoolOptions::read_timeout).
    natter::MysqlPool schema(process.mysql(), natter::MigrationPoolOptions());
    if (auto s = natter::ApplyMigrations(schema, "auth", natter::auth::Migrations()); !s.ok()) {
      spdlog::critical("cannot apply database migrations: {}", s.message());
      return 1;
    }
  }
  natter::MysqlPool mysql(process.mysql(), static_cast<size_t>(workers) * 2);
  natter::auth::MysqlUserStore users(mysql);
  natter::RedisClient redis(process.redis(), static_cast<size_t>(workers) * 2);
  natter::auth::RedisSessionStore sessions(redis);
  natter::auth::RedisLoginThrottle throttle(redis);
  natter::RedisRateLimiter limiter(redis);
  natter::RedisEventPublisher publisher(redis);
  natter::SystemClock clock;
  auto hasher = natter::auth::PasswordHasher::Interactive();
  natter::auth::AuthService service(users, sessions, throttle, limiter, publisher, hasher, clock,
                                    options);
  // Accounts from before look-alike names were refused get their skeleton (idempotent; replicas
  // starting together share the work).
  if (auto filled = service.BackfillUsernameSkeletons(); !filled.ok()) {
    spdlog::critical("cannot fill in username skeletons: {}", filled.status().message());
    return 1;
  } else if (*filled > 0) {
    spdlog::info("filled in the username skeleton of {} accounts", *filled);
  }
  if (migrate_only) {
    spdlog::info("database migrations of auth are applied");
    return 0;
  }
  // Argon2id holds 64 MiB per hash in flight: hashing has its own pool, whose size bounds that
  // memory, and admission refuses at once (RESOURCE_EXHAUSTED) a call that would wait in its queue
  // past its deadline. Avatar decoding has a pool of its own too, so token checks and profile
  // calls keep their threads whatever the uploads.
  auto hash_time = hasher.Measure();
  spdlog::info("one password hash takes {} ms here; {} hashing threads", hash_time.count(),
               workers);
  natter::auth::HashAdmission admission(static_cast<size_t>(workers), hash_time);
  natter::WorkerPool hashing("auth-hashing", static_cast<size_t>(workers), 1024);
  natter::WorkerPool images("auth-images", static_cast<size_t>(image_workers),
                            static_cast<size_t>(image_workers) * 8);
  natter::WorkerPool pool("auth", static_cast<size_t>(workers), 4096);
  natter::auth::AuthGrpc grpc_service(
      service, {.hashing = hashing, .admission = admission, .images = images, .other = pool});
  if (auto failed = process.Start({&grpc_service})) return *failed;
  return process.WaitAndDrain();
}
