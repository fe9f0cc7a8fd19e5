#include "common/redis_client.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <thread>

#include "absl/status/status.h"
#include "common/metrics.h"

namespace natter {
namespace {

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

// A reply that is an error starting with `prefix` (e.g. "READONLY").
bool IsErrorReply(const redisReply* r, std::string_view prefix) {
  return r && r->type == REDIS_REPLY_ERROR && std::string_view(r->str, r->len).starts_with(prefix);
}

std::string NodeName(const RedisConfig::Endpoint& node) {
  return node.host + ":" + std::to_string(node.port);
}

// Redirects followed, and retries of TRYAGAIN / CLUSTERDOWN, before a cluster call gives up.
constexpr int kMaxClusterRounds = 6;
// Slot maps are asked for at most this often however many callers see a failover at once.
constexpr std::chrono::milliseconds kSlotMapMinInterval{100};

}  // namespace

absl::StatusOr<RedisConfig::Endpoint> FindRedisMaster(const RedisConfig& config,
                                                      std::chrono::milliseconds timeout) {
  if (!config.sentinel()) return RedisConfig::Endpoint{config.host, config.port};
  std::string answers;
  auto note = [&](const RedisConfig::Endpoint& sentinel, const std::string& what) {
    answers +=
        fmt::format("{}{}:{} {}", answers.empty() ? "" : "; ", sentinel.host, sentinel.port, what);
  };
  for (const auto& sentinel : config.sentinels) {
    RedisContextPtr c = ConnectRedis(sentinel.host, sentinel.port, timeout);
    if (!c || c->err) {
      note(sentinel, std::string("unreachable: ") + (c ? c->errstr : "out of memory"));
      continue;
    }
    RedisReply named(
        AskRedis(c.get(), {"SENTINEL", "get-master-addr-by-name", config.master_name}));
    if (!named.raw() || !named.is_array() || named.size() != 2) {
      note(sentinel, "does not know a master named \"" + config.master_name + "\"");
      continue;
    }
    RedisConfig::Endpoint master{std::string(RedisReply::Str(named.element(0))), 0};
    std::string_view port_text = RedisReply::Str(named.element(1));
    std::from_chars(port_text.data(), port_text.data() + port_text.size(), master.port);
    // Believe it only if the server agrees it is the master now.
    RedisContextPtr server = ConnectRedis(master.host, master.port, timeout);
    if (!server || server->err) {
      note(sentinel, fmt::format("names {}:{}, which is unreachable", master.host, master.port));
      continue;
    }
    if (!config.password.empty()) {
      RedisReply auth(AskRedis(server.get(), {"AUTH", config.password}));
      if (!auth.raw() || auth.raw()->type == REDIS_REPLY_ERROR) {
        note(sentinel,
             fmt::format("names {}:{}, which refused the password", master.host, master.port));
        continue;
      }
    }
    RedisReply role(AskRedis(server.get(), {"ROLE"}));
    if (role.raw() && role.is_array() && role.size() > 0 &&
        RedisReply::Str(role.element(0)) == "master") {
      return master;
    }
    note(sentinel,
         fmt::format("names {}:{}, which is not a master (yet)", master.host, master.port));
  }
  return absl::UnavailableError(fmt::format("no Redis master \"{}\" found through Sentinel: {}",
                                            config.master_name, answers));
}

RedisClient::RedisClient(RedisConfig config, size_t max_connections,
                         std::chrono::milliseconds timeout)
    : config_(std::move(config)), max_connections_(max_connections), timeout_(timeout) {
  if (config_.cluster()) {
    slots_ = std::make_unique<RedisSlotMap>(config_.cluster_nodes, config_.password, timeout_);
  }
}

RedisClient::~RedisClient() = default;

absl::StatusOr<RedisClient::Context> RedisClient::Open() {
  auto master = FindRedisMaster(config_, timeout_);
  if (!master.ok()) return master.status();
  return OpenTo(*master);
}

absl::StatusOr<RedisClient::Context> RedisClient::OpenTo(const RedisConfig::Endpoint& server) {
  Context c = ConnectRedis(server.host, server.port, timeout_);
  if (!c || c->err) {
    std::string why = c ? c->errstr : "out of memory";
    return absl::UnavailableError("cannot connect to Redis at " + server.host + ":" +
                                  std::to_string(server.port) + ": " + why);
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

std::vector<std::string> RedisClient::PublishCommand(std::string channel,
                                                     std::string payload) const {
  // A cluster's plain PUBLISH goes to every node; SPUBLISH only to the shard of the channel's
  // slot, where its subscribers are (RedisSubscriber uses SSUBSCRIBE there).
  return {slots_ ? "SPUBLISH" : "PUBLISH", std::move(channel), std::move(payload)};
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
  if (slots_) return RunClusterPipeline(commands);
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

absl::StatusOr<std::optional<RedisConfig::Endpoint>> RedisClient::Route(
    const std::vector<std::string>& args) {
  auto key = RedisRoutingKey(args);
  auto node = key ? slots_->MasterFor(RedisKeySlot(*key)) : slots_->AnyMaster();
  if (!node) {
    if (auto s = slots_->Refresh(); !s.ok()) return s;
    node = key ? slots_->MasterFor(RedisKeySlot(*key)) : slots_->AnyMaster();
  }
  return node;
}

absl::StatusOr<RedisClient::Context> RedisClient::AcquireFor(const RedisConfig::Endpoint& node,
                                                             bool* reused) {
  {
    std::lock_guard lock(mu_);
    auto& idle = idle_by_node_[NodeName(node)];
    if (!idle.empty()) {
      Context c = std::move(idle.back());
      idle.pop_back();
      *reused = true;
      return c;
    }
  }
  *reused = false;
  return OpenTo(node);
}

void RedisClient::ReleaseFor(const RedisConfig::Endpoint& node, Context context) {
  std::lock_guard lock(mu_);
  auto& idle = idle_by_node_[NodeName(node)];
  if (idle.size() < max_connections_) idle.push_back(std::move(context));
}

void RedisClient::DropIdleFor(const RedisConfig::Endpoint& node) {
  std::lock_guard lock(mu_);
  idle_by_node_.erase(NodeName(node));
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::RunClusterPipeline(
    const std::vector<std::vector<std::string>>& commands) {
  // Commands not yet answered, and where an ASK sent each (for that command only).
  std::vector<std::optional<RedisReply>> replies(commands.size());
  std::vector<std::optional<RedisConfig::Endpoint>> asked(commands.size());
  std::vector<size_t> pending(commands.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  for (int round = 0; round < kMaxClusterRounds && !pending.empty(); ++round) {
    if (round > 0) {
      // A slot on the move or a master being replaced: the map is asked for again, and after a
      // few quick tries the wait grows (TRYAGAIN, CLUSTERDOWN last a moment).
      if (auto s = slots_->RefreshIfStale(kSlotMapMinInterval); !s.ok()) return s;
      if (round > 2) std::this_thread::sleep_for(std::chrono::milliseconds(50 << (round - 2)));
    }
    std::map<std::string, std::pair<RedisConfig::Endpoint, std::vector<size_t>>> by_node;
    for (size_t i : pending) {
      std::optional<RedisConfig::Endpoint> node = asked[i];
      if (!node) {
        auto routed = Route(commands[i]);
        if (!routed.ok()) return routed.status();
        node = *routed;
      }
      auto& group = by_node[NodeName(*node)];
      group.first = *node;
      group.second.push_back(i);
    }
    std::vector<size_t> again;
    for (auto& [name, group] : by_node) {
      const auto& [node, indexes] = group;
      bool reused = false;
      auto context = AcquireFor(node, &reused);
      bool broken = true;
      // A reused connection the server has closed ran nothing: one more try on a fresh one.
      for (int attempt = 0; attempt < 2 && broken; ++attempt) {
        if (attempt == 1) {
          if (!reused) break;
          context = OpenTo(node);
        }
        if (!context.ok()) {
          DropIdleFor(node);
          slots_->RefreshIfStale(kSlotMapMinInterval).IgnoreError();
          return context.status();
        }
        redisContext* c = context->get();
        for (size_t i : indexes) {
          if (asked[i]) AppendArgv(c, {"ASKING"});
          AppendArgv(c, commands[i]);
        }
        broken = false;
        for (size_t i : indexes) {
          void* raw = nullptr;
          if (asked[i] && redisGetReply(c, &raw) == REDIS_OK) freeReplyObject(raw);
          if (redisGetReply(c, &raw) != REDIS_OK) {
            spdlog::warn("Redis Cluster node {} failed: {}", name, c->errstr);
            broken = true;
            break;
          }
          RedisReply reply(static_cast<redisReply*>(raw));
          asked[i].reset();
          if (reply.raw()->type == REDIS_REPLY_ERROR) {
            if (auto redirect = ParseRedisRedirect(reply.str())) {
              if (redirect->ask) {
                asked[i] = redirect->to;
              } else {
                slots_->Moved(redirect->slot, redirect->to);
              }
              again.push_back(i);
              continue;
            }
            // Not run: the slot is moving (TRYAGAIN), the cluster is choosing a new master
            // (CLUSTERDOWN), or this node has just turned replica (READONLY).
            if (reply.str().starts_with("TRYAGAIN") || reply.str().starts_with("CLUSTERDOWN") ||
                reply.str().starts_with("READONLY")) {
              again.push_back(i);
              continue;
            }
          }
          replies[i] = std::move(reply);
        }
      }
      if (broken) {
        DropIdleFor(node);
        slots_->RefreshIfStale(kSlotMapMinInterval).IgnoreError();
        return absl::UnavailableError("Redis is unavailable, try again");
      }
      ReleaseFor(node, std::move(*context));
    }
    std::sort(again.begin(), again.end());
    pending = std::move(again);
  }
  if (!pending.empty()) {
    spdlog::warn("Redis Cluster kept redirecting or refusing {} command(s)", pending.size());
    return absl::UnavailableError("Redis is failing over, try again");
  }
  std::vector<RedisReply> out;
  out.reserve(commands.size());
  absl::Status error;
  for (size_t i = 0; i < commands.size(); ++i) {
    if (replies[i]->raw()->type == REDIS_REPLY_ERROR && error.ok()) {
      spdlog::error("Redis {} failed: {}", commands[i][0], replies[i]->str());
      error = absl::InternalError("Redis command failed");
    }
    out.push_back(std::move(*replies[i]));
  }
  if (!error.ok()) return error;
  return out;
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
