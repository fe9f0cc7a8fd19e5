#include "common/redis_client.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/time.h>

#include <charconv>

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

using Context = std::unique_ptr<redisContext, decltype(&redisFree)>;

// A reply that is an error starting with `prefix` (e.g. "READONLY").
bool IsErrorReply(const redisReply* r, std::string_view prefix) {
  return r && r->type == REDIS_REPLY_ERROR &&
         std::string_view(r->str, r->len).starts_with(prefix);
}

// One command on a fresh connection, for finding the master; null on any failure.
redisReply* Ask(redisContext* c, const std::vector<std::string>& args) {
  AppendArgv(c, args);
  void* raw = nullptr;
  if (redisGetReply(c, &raw) != REDIS_OK) return nullptr;
  return static_cast<redisReply*>(raw);
}

Context ConnectTo(const std::string& host, int port, std::chrono::milliseconds timeout) {
  timeval tv = ToTimeval(timeout);
  Context c(redisConnectWithTimeout(host.c_str(), port, tv), &redisFree);
  if (c && !c->err) redisSetTimeout(c.get(), tv);
  return c;
}

}  // namespace

absl::StatusOr<RedisConfig::Endpoint> FindRedisMaster(const RedisConfig& config,
                                                      std::chrono::milliseconds timeout) {
  if (!config.sentinel()) return RedisConfig::Endpoint{config.host, config.port};
  std::string answers;
  auto note = [&](const RedisConfig::Endpoint& sentinel, const std::string& what) {
    answers += fmt::format("{}{}:{} {}", answers.empty() ? "" : "; ", sentinel.host,
                           sentinel.port, what);
  };
  for (const auto& sentinel : config.sentinels) {
    Context c = ConnectTo(sentinel.host, sentinel.port, timeout);
    if (!c || c->err) {
      note(sentinel, std::string("unreachable: ") + (c ? c->errstr : "out of memory"));
      continue;
    }
    RedisReply named(Ask(c.get(), {"SENTINEL", "get-master-addr-by-name", config.master_name}));
    if (!named.raw() || !named.is_array() || named.size() != 2) {
      note(sentinel, "does not know a master named \"" + config.master_name + "\"");
      continue;
    }
    RedisConfig::Endpoint master{std::string(RedisReply::Str(named.element(0))), 0};
    std::string_view port_text = RedisReply::Str(named.element(1));
    std::from_chars(port_text.data(), port_text.data() + port_text.size(), master.port);
    // Believe it only if the server agrees it is the master now.
    Context server = ConnectTo(master.host, master.port, timeout);
    if (!server || server->err) {
      note(sentinel, fmt::format("names {}:{}, which is unreachable", master.host, master.port));
      continue;
    }
    if (!config.password.empty()) {
      RedisReply auth(Ask(server.get(), {"AUTH", config.password}));
      if (!auth.raw() || auth.raw()->type == REDIS_REPLY_ERROR) {
        note(sentinel, fmt::format("names {}:{}, which refused the password", master.host,
                                   master.port));
        continue;
      }
    }
    RedisReply role(Ask(server.get(), {"ROLE"}));
    if (role.raw() && role.is_array() && role.size() > 0 &&
        RedisReply::Str(role.element(0)) == "master") {
      return master;
    }
    note(sentinel, fmt::format("names {}:{}, which is not a master (yet)", master.host,
                               master.port));
  }
  return absl::UnavailableError(fmt::format("no Redis master \"{}\" found through Sentinel: {}",
                                            config.master_name, answers));
}

RedisClient::RedisClient(RedisConfig config, size_t max_connections,
                         std::chrono::milliseconds timeout)
    : config_(std::move(config)), max_connections_(max_connections), timeout_(timeout) {}

RedisClient::~RedisClient() = default;

absl::StatusOr<RedisClient::Context> RedisClient::Open() {
  auto master = FindRedisMaster(config_, timeout_);
  if (!master.ok()) return master.status();
  Context c = ConnectTo(master->host, master->port, timeout_);
  if (!c || c->err) {
    std::string why = c ? c->errstr : "out of memory";
    return absl::UnavailableError("cannot connect to Redis at " + master->host + ":" +
                                  std::to_string(master->port) + ": " + why);
  }
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
  // A server that turned replica (READONLY) ran none of the writes either; the fresh connection
  // goes to the master found now.
  bool reused = false;
  auto context = Acquire(&reused);
  if (!context.ok()) return context.status();
  bool failing_over = false;
  auto replies = Exchange(context->get(), commands, &failing_over);
  if (!replies.ok() && absl::IsUnavailable(replies.status())) {
    DropIdle();  // they lead to the same lost or demoted server
    if (reused || failing_over) {
      context = Open();
      if (!context.ok()) return context.status();
      replies = Exchange(context->get(), commands, &failing_over);
    }
  }
  if (replies.ok() || !absl::IsUnavailable(replies.status())) Release(std::move(*context));
  return replies;
}

void RedisClient::DropIdle() {
  std::lock_guard lock(mu_);
  idle_.clear();
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::Exchange(
    redisContext* c, const std::vector<std::vector<std::string>>& commands, bool* failing_over) {
  *failing_over = false;
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
    if (IsErrorReply(reply.raw(), "READONLY")) *failing_over = true;
    if (static_cast<redisReply*>(raw)->type == REDIS_REPLY_ERROR && error.ok()) {
      spdlog::error("Redis {} failed: {}", commands[i][0], reply.str());
      error = absl::InternalError("Redis command failed");
    }
    replies.push_back(std::move(reply));
  }
  if (*failing_over) {
    spdlog::warn("Redis answered READONLY: the server became a replica; finding the master again");
    return absl::UnavailableError("Redis is failing over, try again");
  }
  if (!error.ok()) return error;
  return replies;
}

}  // namespace natter
