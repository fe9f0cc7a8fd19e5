// A Redis pub/sub subscriber on its own event-loop thread (hiredis async API + libevent), so
// channels can be added and removed from any thread while messages keep arriving. Reconnects by
// itself and restores every subscription; because pub/sub is at-most-once, it then reports that
// messages may have been missed.
#pragma once

#include <hiredis/async.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/config.h"

struct event_base;
struct event;

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
  void MaybeReportResubscribed();

  static void ConnectCallback(const redisAsyncContext* ac, int status);
  static void DisconnectCallback(const redisAsyncContext* ac, int status);
  static void ReplyCallback(redisAsyncContext* ac, void* reply, void* privdata);
  static void WakeupCallback(int fd, short what, void* arg);
  static void TimerCallback(int fd, short what, void* arg);

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
};

}  // namespace natter
