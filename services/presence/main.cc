// natter-presence: who is online, on which streams (Redis, with expiry), announced to friends and
// rooms. Flags, wiring, the sweeper thread, signals.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <condition_variable>
#include <thread>

#include "audience.h"
#include "common/channels.h"
#include "common/config.h"
#include "common/redis_event_publisher.h"
#include "common/redis_rate_limiter.h"
#include "common/redis_subscriber.h"
#include "common/service_main.h"
#include "common/status.h"
#include "common/thread_name.h"
#include "presence_grpc.h"
#include "presence_service.h"
#include "redis_presence_store.h"

int main(int argc, char** argv) {
  CLI::App app{"natter-presence: who is online"};
  natter::ServiceMain process(app, "presence", "127.0.0.1:50052", {.redis = true});
  std::string chat_target = "127.0.0.1:50053";
  int ttl_seconds = 30;
  int sweep_ms = 1000;
  int room_notice_ms = 1000;
  int workers = 4;
  // Each change may notify every friend and room of the user: a few a minute is what people do.
  natter::RateLimit status_changes{0.2, 5};
  app.add_option("--chat", chat_target, "gRPC target of natter-chat (friends of a user)")
      ->envname("NATTER_CHAT_TARGET")
      ->capture_default_str();
  app.add_option("--ttl-seconds", ttl_seconds,
                 "A stream not renewed by its gateway for this long counts as gone")
      ->envname("NATTER_PRESENCE_TTL_SECONDS")
      ->check(CLI::Range(2, 600))
      ->capture_default_str();
  app.add_option("--sweep-ms", sweep_ms, "How often expired streams are looked for")
      ->envname("NATTER_PRESENCE_SWEEP_MS")
      ->check(CLI::Range(100, 60000))
      ->capture_default_str();
  app.add_option("--room-notice-ms", room_notice_ms,
                 "A room gets at most one joined/left notice this often; changes in between are "
                 "counted in the next (0: a notice for every change)")
      ->envname("NATTER_PRESENCE_ROOM_NOTICE_MS")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  app.add_option("--status-rate", status_changes.per_second,
                 "Status changes (SetStatus) a second one user may make, sustained; 0: no limit")
      ->envname("NATTER_STATUS_RATE")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--status-burst", status_changes.burst,
                 "Status changes one user may make at once after a pause")
      ->envname("NATTER_STATUS_BURST")
      ->check(CLI::Range(1.0, 1e6))
      ->capture_default_str();
  app.add_option("--workers", workers, "Threads for Redis calls")
      ->envname("NATTER_PRESENCE_WORKERS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (auto failed = process.Setup()) return *failed;
  natter::RedisClient redis(process.redis(), static_cast<size_t>(workers) + 1);
  natter::presence::RedisPresenceStore store(redis);
  if (auto migrated = store.MigrateLegacyKeys(); !migrated.ok()) {
    spdlog::warn("presence keys of an older version not migrated: {}", migrated.status().message());
  } else if (*migrated > 0) {
    spdlog::info("migrated {} presence keys of an older version", *migrated);
  }
  natter::RedisEventPublisher publisher(redis);
  natter::SystemClock clock;
  natter::presence::ChatAudience audience(natter::v1::Chat::NewStub(process.ChannelTo(chat_target)),
                                          clock);
  natter::RedisRateLimiter limiter(redis);
  natter::presence::PresenceService service(store, audience, publisher, limiter, status_changes,
                                            clock, std::chrono::seconds(ttl_seconds),
                                            std::chrono::milliseconds(room_notice_ms));

  natter::WorkerPool pool("presence", static_cast<size_t>(workers), 4096);
  natter::RedisSubscriber feeds(
      process.redis(),
      [&](const std::string& channel, std::string_view payload) {
        if (channel == natter::kProfileChangedChannel) {
          // Passing it on asks natter-chat for friends: not on the subscriber's thread.
          pool.TrySubmit([&service, event = std::string(payload)] {
            if (auto s = service.ForwardProfile(event); absl::IsInvalidArgument(s)) {
              natter::DropPayload(natter::kProfileChangedChannel, std::string(s.message()));
            } else if (!s.ok()) {
              spdlog::warn("could not pass on a profile change: {}", s.message());
            }
          });
        } else if (channel == natter::kAudienceChangedChannel) {
          natter::presence::ApplyAudienceChanged(audience, payload);
        }
      },
      // Announcements may have been missed while disconnected: cached audiences may be stale.
      [&audience] { audience.Invalidate({}); });
  feeds.Start();
  feeds.Subscribe(natter::kAudienceChangedChannel);
  feeds.Subscribe(natter::kProfileChangedChannel);

  natter::presence::PresenceGrpc grpc_service(service, pool);
  if (auto failed = process.Start({&grpc_service})) return *failed;

  // The sweeper: users whose gateway stopped renewing go offline here, announced to their friends.
  // It also sends the room notices held back in busy rooms, a few times per interval.
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread sweeper([&] {
    natter::NameThisThread("sweeper");
    const auto sweep_every = std::chrono::milliseconds(sweep_ms);
    const auto tick =
        room_notice_ms > 0
            ? std::min(sweep_every, std::chrono::milliseconds(std::max(room_notice_ms / 4, 50)))
            : sweep_every;
    auto next_sweep = std::chrono::steady_clock::now() + sweep_every;
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, tick, [&] { return stopping; })) {
      lock.unlock();
      if (auto flushed = service.FlushRoomNotices(); !flushed.ok()) {
        spdlog::warn("room notices could not be sent: {}", flushed.status().message());
      }
      if (std::chrono::steady_clock::now() >= next_sweep) {
        next_sweep += sweep_every;
        if (auto swept = service.Sweep(); !swept.ok()) {
          spdlog::warn("presence sweep failed: {}", swept.status().message());
        }
      }
      lock.lock();
    }
  });

  return process.WaitAndDrain([&] {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    cv.notify_all();
    sweeper.join();
  });
}
