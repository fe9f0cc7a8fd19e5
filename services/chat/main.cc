// natter-chat: conversations and messages (MySQL), events to gateways (Redis). Flags, wiring,
// signals.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "auth_user_directory.h"
#include "chat_grpc.h"
#include "chat_schema.h"
#include "chat_service.h"
#include "common/channels.h"
#include "common/config.h"
#include "common/migrations.h"
#include "common/redis_event_publisher.h"
#include "common/redis_rate_limiter.h"
#include "common/redis_subscriber.h"
#include "common/service_main.h"
#include "common/status.h"
#include "file_service.h"
#include "file_sweep.h"
#include "friends_service.h"
#include "mysql_file_store.h"
#include "mysql_friend_store.h"
#include "mysql_message_store.h"
#include "natter/v1/gateway.pb.h"
#include "redis_typing_limiter.h"
#include "room_service.h"
#include "search_backfill.h"

int main(int argc, char** argv) {
  CLI::App app{"natter-chat: conversations, messages and delivery"};
  natter::ServiceMain process(app, "chat", "127.0.0.1:50053", {.mysql = true, .redis = true});
  int workers = 8;
  std::string auth_target = "127.0.0.1:50051";
  app.add_option("--workers", workers, "Threads (and MySQL connections) for store calls")
      ->envname("NATTER_CHAT_WORKERS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--auth", auth_target, "gRPC target of natter-auth (for sender names)")
      ->envname("NATTER_AUTH_TARGET")
      ->capture_default_str();
  natter::chat::ChatLimits limits;
  double friend_requests_per_day = limits.friend_requests.per_second * 86400.0;
  app.add_option("--message-rate", limits.messages.per_second,
                 "Messages (and edits and deletions) a second one user may send, sustained; 0: no "
                 "limit")
      ->envname("NATTER_MESSAGE_RATE")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--message-burst", limits.messages.burst,
                 "Messages one user may send at once after a pause")
      ->envname("NATTER_MESSAGE_BURST")
      ->check(CLI::Range(1.0, 1e6))
      ->capture_default_str();
  app.add_option("--friend-requests-per-day", friend_requests_per_day,
                 "Friend requests one user may send a day (all at once if need be); 0: no limit")
      ->envname("NATTER_FRIEND_REQUESTS_PER_DAY")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  double rooms_per_hour = limits.room_creations.per_second * 3600.0;
  app.add_option("--rooms-per-hour", rooms_per_hour,
                 "Rooms one user may create an hour (all at once if need be); 0: no limit")
      ->envname("NATTER_ROOMS_PER_HOUR")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--room-change-rate", limits.room_changes.per_second,
                 "Room changes (join, leave, topic, rename, remove, ban, unban, role) a second one "
                 "user may make, sustained; 0: no limit")
      ->envname("NATTER_ROOM_CHANGE_RATE")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--room-change-burst", limits.room_changes.burst,
                 "Room changes one user may make at once after a pause")
      ->envname("NATTER_ROOM_CHANGE_BURST")
      ->check(CLI::Range(1.0, 1e6))
      ->capture_default_str();
  app.add_option(
         "--friend-action-rate", limits.friend_actions.per_second,
         "Friendship actions (add, cancel, accept, reject, remove, block, unblock) a second "
         "one user may take, sustained; 0: no limit")
      ->envname("NATTER_FRIEND_ACTION_RATE")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--friend-action-burst", limits.friend_actions.burst,
                 "Friendship actions one user may take at once after a pause")
      ->envname("NATTER_FRIEND_ACTION_BURST")
      ->check(CLI::Range(1.0, 1e6))
      ->capture_default_str();
  natter::chat::FileLimits file_limits;
  int image_workers = 2;
  app.add_option("--max-file-bytes", file_limits.max_file_bytes,
                 "Largest file one upload may carry, in bytes (25 MB)")
      ->envname("NATTER_MAX_FILE_BYTES")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 34))
      ->capture_default_str();
  app.add_option("--max-daily-upload-bytes", file_limits.max_daily_bytes,
                 "Bytes one user may upload in any 24 hours (500 MB)")
      ->envname("NATTER_MAX_DAILY_UPLOAD_BYTES")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40))
      ->capture_default_str();
  app.add_option("--max-upload-chunk-bytes", file_limits.max_chunk_bytes,
                 "Largest data of one UploadChunk, in bytes")
      ->envname("NATTER_MAX_UPLOAD_CHUNK_BYTES")
      ->check(CLI::Range(size_t{1024}, size_t{4} << 20))
      ->capture_default_str();
  app.add_option("--max-uploads-in-flight", file_limits.max_uploads_in_flight,
                 "Uploads one user may have going at once on one chat replica")
      ->envname("NATTER_MAX_UPLOADS_IN_FLIGHT")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.add_option("--upload-bytes-per-second", file_limits.upload_bytes_per_second,
                 "Bytes a second this replica's uploads store together, after a burst (0: no "
                 "limit); keeps a big upload from slowing everyone's messages")
      ->envname("NATTER_UPLOAD_BYTES_PER_SECOND")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 34))
      ->capture_default_str();
  app.add_option("--upload-burst-bytes", file_limits.upload_burst_bytes,
                 "Bytes uploads may store at once after a quiet spell, before the pace holds")
      ->envname("NATTER_UPLOAD_BURST_BYTES")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 34))
      ->capture_default_str();
  app.add_option("--max-image-pixels", file_limits.max_image_pixels,
                 "Largest image (width x height) that is decoded; larger ones are refused")
      ->envname("NATTER_MAX_IMAGE_PIXELS")
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}))
      ->capture_default_str();
  app.add_option("--image-workers", image_workers,
                 "Threads that re-encode uploaded images (each may hold one decoded image)")
      ->envname("NATTER_IMAGE_WORKERS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  bool migrate_only = false;
  app.add_flag("--migrate-only", migrate_only,
               "Apply the database migrations, then exit (for a deploy job)");
  CLI11_PARSE(app, argc, argv);
  limits.friend_requests = {friend_requests_per_day / 86400.0, friend_requests_per_day};
  limits.room_creations = {rooms_per_hour / 3600.0, rooms_per_hour};

  if (auto failed = process.Setup()) return *failed;

  {
    // Migrations run on a pool of their own, whose reads may wait as long as a schema change takes
    // (the service's pool gives up on a silent node after MysqlPoolOptions::read_timeout).
    natter::MysqlPool schema(process.mysql(), natter::MigrationPoolOptions());
    if (auto s = natter::ApplyMigrations(schema, "chat", natter::chat::Migrations()); !s.ok()) {
      spdlog::critical("cannot apply database migrations: {}", s.message());
      return 1;
    }
  }
  natter::MysqlPool mysql(process.mysql(), static_cast<size_t>(workers));
  natter::chat::MysqlMessageStore store(mysql);
  // Rooms from before look-alike names were refused get their skeleton (idempotent; replicas
  // starting together share the work).
  if (auto filled = natter::chat::BackfillRoomNameSkeletons(store); !filled.ok()) {
    spdlog::critical("cannot fill in room name skeletons: {}", filled.status().message());
    return 1;
  } else if (*filled > 0) {
    spdlog::info("filled in the name skeleton of {} rooms", *filled);
  }
  if (migrate_only) {
    spdlog::info("database migrations of chat are applied");
    return 0;
  }
  natter::RedisClient redis(process.redis(), static_cast<size_t>(workers));
  natter::RedisEventPublisher publisher(redis);
  natter::SystemClock clock;
  natter::chat::AuthUserDirectory users(natter::v1::Auth::NewStub(process.ChannelTo(auth_target)),
                                        clock);
  // Profile changes announced by natter-auth make cached names stale at once.
  natter::RedisSubscriber profile_changes(
      process.redis(),
      [&users](const std::string&, std::string_view payload) {
        natter::v1::ServerEvent event;
        if (!event.ParseFromArray(payload.data(), static_cast<int>(payload.size())) ||
            !event.has_profile()) {
          natter::DropPayload(natter::kProfileChangedChannel, "not a ServerEvent with a profile");
          return;
        }
        users.Invalidate(event.profile().profile().user_id());
      },
      [&users] { users.Invalidate(0); });
  profile_changes.Start();
  profile_changes.Subscribe(natter::kProfileChangedChannel);
  natter::chat::MysqlFriendStore friend_store(mysql);
  natter::chat::RedisTypingLimiter typing(redis);
  natter::RedisRateLimiter limiter(redis);
  natter::chat::MysqlFileStore file_store(mysql);
  natter::chat::FileService files(file_store, store, file_limits, clock);
  natter::chat::ChatService service(store, friend_store, publisher, users, typing, limiter, limits,
                                    clock, &files);
  natter::chat::RoomService rooms(store, publisher, users, limiter, limits, clock);
  natter::chat::FriendsService friends(friend_store, store, users, publisher, limiter, limits,
                                       clock);
  // Messages from before the search index are indexed in the background, a batch at a time.
  natter::chat::SearchBackfill search_backfill(store, {});
  search_backfill.Start();
  // Files nobody can reach any more are deleted and their bytes freed, every hour.
  natter::chat::FileSweep file_sweep(files, {});
  file_sweep.Start();
  natter::WorkerPool pool("chat", static_cast<size_t>(workers), 4096);
  // A few images re-encoded at once (each decoded one may take max-image-pixels x 4 bytes); more
  // wait in a short queue, and beyond it an upload is refused as busy.
  natter::WorkerPool images("images", static_cast<size_t>(image_workers), 16);
  natter::chat::ChatGrpc grpc_service(service, rooms, friends, pool, files, images);
  if (auto failed = process.Start({&grpc_service})) return *failed;
  return process.WaitAndDrain();
}
