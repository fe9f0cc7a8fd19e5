// Synchronous Redis commands over a small pool of hiredis connections. Arguments are sent
// binary-safe (redisCommandArgv), never formatted into a command string.
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "common/config.h"
#include "common/redis_cluster.h"

namespace natter {

// An owned hiredis reply.
class RedisReply {
 public:
  explicit RedisReply(redisReply* reply) : reply_(reply, &freeReplyObject) {}

  bool is_nil() const { return reply_->type == REDIS_REPLY_NIL; }
  bool is_array() const { return reply_->type == REDIS_REPLY_ARRAY; }
  bool is_integer() const { return reply_->type == REDIS_REPLY_INTEGER; }
  bool is_string() const {
    return reply_->type == REDIS_REPLY_STRING || reply_->type == REDIS_REPLY_STATUS;
  }
  long long integer() const { return reply_->integer; }
  std::string_view str() const { return {reply_->str, reply_->len}; }
  size_t size() const { return is_array() ? reply_->elements : 0; }
  const redisReply* raw() const { return reply_.get(); }
  // Element i of an array reply, borrowed.
  const redisReply* element(size_t i) const { return reply_->element[i]; }
  static std::string_view Str(const redisReply* r) {
    return r && r->str ? std::string_view(r->str, r->len) : std::string_view();
  }

 private:
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply_;
};

// Where commands go now: the one server of a redis:// URL, or the master Sentinel names for a
// redis+sentinel:// URL. With Sentinel each sentinel is asked in turn, and the answer is checked
// with ROLE on the server itself, so a sentinel that has not yet seen a failover is not believed.
// UNAVAILABLE, saying what each sentinel answered, when no master is found.
absl::StatusOr<RedisConfig::Endpoint> FindRedisMaster(const RedisConfig& config,
                                                      std::chrono::milliseconds timeout);

class RedisClient {
 public:
  RedisClient(RedisConfig config, size_t max_connections,
              std::chrono::milliseconds timeout = std::chrono::seconds(2));
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // One command. A Redis error reply becomes INTERNAL; a connection failure UNAVAILABLE, and so
  // does a server that became a replica (READONLY: a failover is under way). After either, every
  // pooled connection is closed, and the next ones go where FindRedisMaster says.
  //
  // On a Redis Cluster each command goes to the master of its key's slot (RedisRoutingKey); MOVED
  // and ASK answers are followed, TRYAGAIN and CLUSTERDOWN retried for a moment, and the slot map
  // is learned again after a redirect or a lost node. A command with several keys needs them in
  // one slot (hash tags).
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& args);
  // The command that publishes `payload` on `channel`: PUBLISH, or on a cluster SPUBLISH (sharded
  // pub/sub, Redis 7).
  std::vector<std::string> PublishCommand(std::string channel, std::string payload) const;
  bool cluster() const { return slots_ != nullptr; }

  // Several commands in one round trip (on a cluster: one per master involved); replies in order.
  absl::StatusOr<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);

 private:
  using Context = std::unique_ptr<redisContext, decltype(&redisFree)>;
  // Pipeline() without the timing.
  absl::StatusOr<std::vector<RedisReply>> RunPipeline(
      const std::vector<std::vector<std::string>>& commands);
  absl::StatusOr<Context> Acquire(bool* reused);
  // Redis Cluster: Pipeline() without the timing, and a pool per master.
  absl::StatusOr<std::vector<RedisReply>> RunClusterPipeline(
      const std::vector<std::vector<std::string>>& commands);
  absl::StatusOr<std::optional<RedisConfig::Endpoint>> Route(const std::vector<std::string>& args);
  absl::StatusOr<Context> AcquireFor(const RedisConfig::Endpoint& node, bool* reused);
  void ReleaseFor(const RedisConfig::Endpoint& node, Context context);
  void DropIdleFor(const RedisConfig::Endpoint& node);
  // Sends `commands` and reads their replies; UNAVAILABLE when the connection failed.
  // `failing_over`: the server answered READONLY (then the status is UNAVAILABLE).
  static absl::StatusOr<std::vector<RedisReply>> Exchange(
      redisContext* c, const std::vector<std::vector<std::string>>& commands, bool* failing_over);
  void Release(Context context);
  void DropIdle();
  absl::StatusOr<Context> Open();  // to the one server, or the master Sentinel names
  absl::StatusOr<Context> OpenTo(const RedisConfig::Endpoint& server);

  const RedisConfig config_;
  const size_t max_connections_;
  const std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::vector<Context> idle_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<RedisSlotMap> slots_;  // Redis Cluster only
  std::map<std::string, std::vector<Context>> idle_by_node_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter
