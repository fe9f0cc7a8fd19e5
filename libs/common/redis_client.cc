#include "common/redis_client.h"

#include <spdlog/spdlog.h>
#include <sys/time.h>

#include "absl/status/status.h"
#include "common/metrics.h"

namespace natter {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000),
                 static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

void AppendArgv(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  redisAppendCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data());
}

}  // namespace

RedisClient::RedisClient(RedisConfig config, size_t max_connections,
                         std::chrono::milliseconds timeout)
    : config_(std::move(config)), max_connections_(max_connections), timeout_(timeout) {}

RedisClient::~RedisClient() = default;

absl::StatusOr<RedisClient::Context> RedisClient::Open() {
  timeval tv = ToTimeval(timeout_);
  Context c(redisConnectWithTimeout(config_.host.c_str(), config_.port, tv), &redisFree);
  if (!c || c->err) {
    std::string why = c ? c->errstr : "out of memory";
    return absl::UnavailableError("cannot connect to Redis at " + config_.host + ":" +
                                  std::to_string(config_.port) + ": " + why);
  }
  redisSetTimeout(c.get(), tv);
  redisEnableKeepAlive(c.get());
  auto setup = [&](std::vector<std::string> args) -> absl::Status {
    AppendArgv(c.get(), args);
    void* raw = nullptr;
    if (redisGetReply(c.get(), &raw) != REDIS_OK) {
      return absl::UnavailableError(std::string("Redis: ") + c->errstr);
    }
    RedisReply reply(static_cast<redisReply*>(raw));
    if (reply.str().starts_with("ERR") || reply.str().starts_with("WRONGPASS")) {
      return absl::FailedPreconditionError("Redis refused " + args[0] + ": " +
                                           std::string(reply.str()));
    }
    return absl::OkStatus();
  };
  if (!config_.password.empty()) {
    if (auto s = setup({"AUTH", config_.password}); !s.ok()) return s;
  }
  if (config_.db != 0) {
    if (auto s = setup({"SELECT", std::to_string(config_.db)}); !s.ok()) return s;
  }
  return c;
}

absl::StatusOr<RedisClient::Context> RedisClient::Acquire(bool* reused) {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      Context c = std::move(idle_.back());
      idle_.pop_back();
      *reused = true;
      return c;
    }
  }
  // More callers than pooled connections open extra ones; Release() keeps at most max_connections_.
  return Open();
}

void RedisClient::Release(Context context) {
  std::lock_guard lock(mu_);
  if (idle_.size() < max_connections_) idle_.push_back(std::move(context));
}

absl::StatusOr<RedisReply> RedisClient::Command(const std::vector<std::string>& args) {
  auto replies = Pipeline({args});
  if (!replies.ok()) return replies.status();
  return std::move(replies->front());
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  auto start = std::chrono::steady_clock::now();
  auto replies = RunPipeline(commands);
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  // Not a conditional expression: with a string literal on one side its type is std::string, a
  // temporary the view would outlive (AddressSanitizer found that).
  std::string_view command = "none";
  if (!commands.empty() && !commands.front().empty()) command = commands.front().front();
  Metrics::Get().RecordRedisCall(command, elapsed.count(), replies.ok());
  return replies;
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::RunPipeline(
    const std::vector<std::vector<std::string>>& commands) {
  // A pooled connection may have been closed by the server since its last use (Redis restarted,
  // idle timeout). The server did not run commands sent on a closed connection, so one more try on
  // a fresh connection is safe.
  bool reused = false;
  auto context = Acquire(&reused);
  if (!context.ok()) return context.status();
  auto replies = Exchange(context->get(), commands);
  if (!replies.ok() && reused && absl::IsUnavailable(replies.status())) {
    context = Open();
    if (!context.ok()) return context.status();
    replies = Exchange(context->get(), commands);
  }
  if (replies.ok() || !absl::IsUnavailable(replies.status())) Release(std::move(*context));
  return replies;
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::Exchange(
    redisContext* c, const std::vector<std::vector<std::string>>& commands) {
  for (const auto& args : commands) AppendArgv(c, args);
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  absl::Status error;
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK) {
      spdlog::warn("Redis connection failed: {}", c->errstr);
      return absl::UnavailableError("Redis is unavailable, try again");
    }
    RedisReply reply(static_cast<redisReply*>(raw));
    if (static_cast<redisReply*>(raw)->type == REDIS_REPLY_ERROR && error.ok()) {
      spdlog::error("Redis {} failed: {}", commands[i][0], reply.str());
      error = absl::InternalError("Redis command failed");
    }
    replies.push_back(std::move(reply));
  }
  if (!error.ok()) return error;
  return replies;
}

}  // namespace natter
