// A Redis pub/sub subscriber on its own event-loop thread (hiredis async API + libevent), so
// channels can be added and removed from any thread while messages keep arriving. Reconnects by
// itself and restores every subscription; because pub/sub is at-most-once, it then reports that
// messages may have been missed.
//
// On a Redis Cluster it uses sharded pub/sub (SSUBSCRIBE, Redis 7): each channel is subscribed on
// the master that owns its slot, one connection per such master. hiredis 0.14's async API does not
// know SSUBSCRIBE's pushes, so these connections are its reader over libevent buffers. A lost
// master, a slot that moves (the server then sends sunsubscribe) or a MOVED answer sends the
// channel to the master of the slot map learned again, and is reported like a reconnection.
#pragma once

#include <hiredis/async.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/config.h"
#include "common/redis_cluster.h"

struct event_base;
struct event;
struct bufferevent;

namespace natter {

class RedisSubscriber {
 public:
  // Both callbacks run on the subscriber thread and must not block.
  using MessageHandler = std::function<void(const std::string& channel, std::string_view payload)>;
  using ResubscribedHandler = std::function<void()>;

  RedisSubscriber(RedisConfig config, MessageHandler on_message,
                  ResubscribedHandler on_resubscribed);
  ~RedisSubscriber();
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  void Start();

  // Thread-safe. `on_ready` runs once Redis has confirmed the subscription (immediately if it
  // already has). Callers count references themselves: one Subscribe per channel until Unsubscribe.
  void Subscribe(const std::string& channel, std::function<void()> on_ready = {});
  void Unsubscribe(const std::string& channel);

  bool connected() const { return connected_.load(); }

 private:
  struct Op {
    bool subscribe;
    std::string channel;
    std::function<void()> on_ready;
  };

  // Everything below runs on the loop thread.
  void Connect();
  void ScheduleReconnect();
  void DrainOps();
  void SendCommand(const char* verb, const std::string& channel);
  void OnConnected(int status);
  void OnDisconnected(int status);
  void OnReply(redisReply* reply);
  void OnConfirmed(const std::string& channel);  // Redis confirmed the subscription
  void MaybeReportResubscribed();

  static void ConnectCallback(const redisAsyncContext* ac, int status);
  static void DisconnectCallback(const redisAsyncContext* ac, int status);
  static void ReplyCallback(redisAsyncContext* ac, void* reply, void* privdata);
  static void WakeupCallback(int fd, short what, void* arg);
  static void TimerCallback(int fd, short what, void* arg);

  // Redis Cluster (sharded pub/sub). Loop thread only.
  struct Shard;
  bool cluster() const { return slots_ != nullptr; }
  void ClusterRetry();  // learns the slot map again and routes every channel not subscribed
  void ClusterSend(const std::string& channel);  // SSUBSCRIBE on the master of its slot
  void ClusterUnsend(const std::string& channel);
  Shard* ShardFor(const RedisConfig::Endpoint& node);
  void Write(Shard& shard, const std::vector<std::string>& args);
  void OnShardReply(Shard& shard, redisReply* reply);
  void OnShardLost(Shard& shard, const std::string& why);
  void Unroute(const std::string& channel);  // to be sent again by ClusterRetry
  static void ShardReadCallback(::bufferevent* bev, void* arg);
  static void ShardEventCallback(::bufferevent* bev, short what, void* arg);

  const RedisConfig config_;
  const MessageHandler on_message_;
  const ResubscribedHandler on_resubscribed_;

  event_base* base_ = nullptr;
  event* wakeup_ = nullptr;
  event* reconnect_timer_ = nullptr;
  std::thread thread_;
  std::atomic<bool> connected_{false};

  std::mutex mu_;
  std::vector<Op> ops_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // Loop-thread state.
  RedisConfig::Endpoint server_;  // where the subscriber connects (or last did)
  redisAsyncContext* ac_ = nullptr;
  bool ever_connected_ = false;
  bool resubscribe_pending_ = false;
  std::set<std::string> wanted_;
  std::set<std::string> confirmed_;
  std::set<std::string> unsubscribing_;  // UNSUBSCRIBE sent, reply not yet seen
  std::map<std::string, std::vector<std::function<void()>>> waiting_;

  std::unique_ptr<RedisSlotMap> slots_;                   // Redis Cluster only
  std::map<std::string, std::unique_ptr<Shard>> shards_;  // by "host:port"
  std::map<std::string, Shard*> shard_of_;                // where a channel's SSUBSCRIBE went
  std::set<std::string> unrouted_;                        // wanted, to be sent by ClusterRetry
  std::set<std::string> failing_nodes_;  // lost and not reconnected since (logged once)
};

}  // namespace natter
