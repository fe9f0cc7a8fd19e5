#include "common/redis_subscriber.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <hiredis/adapters/libevent.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "common/redis_client.h"

namespace natter {
namespace {

constexpr timeval kReconnectDelay{0, 300 * 1000};
// How long each sentinel (and the master it names) may take to answer.
constexpr std::chrono::milliseconds kFindMasterTimeout{1000};

}  // namespace

RedisSubscriber::RedisSubscriber(RedisConfig config, MessageHandler on_message,
                                 ResubscribedHandler on_resubscribed)
    : config_(std::move(config)),
      on_message_(std::move(on_message)),
      on_resubscribed_(std::move(on_resubscribed)) {
  static const int kThreadsReady = evthread_use_pthreads();
  (void)kThreadsReady;
  base_ = event_base_new();
  wakeup_ = event_new(base_, -1, 0, &RedisSubscriber::WakeupCallback, this);
  reconnect_timer_ = evtimer_new(base_, &RedisSubscriber::TimerCallback, this);
}

RedisSubscriber::~RedisSubscriber() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) {
    event_active(wakeup_, 0, 0);
    thread_.join();
  }
  event_free(reconnect_timer_);
  event_free(wakeup_);
  event_base_free(base_);
}

void RedisSubscriber::Start() {
  thread_ = std::thread([this] {
    Connect();
    // EVLOOP_NO_EXIT_ON_EMPTY: keep running while disconnected and waiting for work.
    event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY);
  });
}

void RedisSubscriber::Subscribe(const std::string& channel, std::function<void()> on_ready) {
  {
    std::lock_guard lock(mu_);
    ops_.push_back({true, channel, std::move(on_ready)});
  }
  event_active(wakeup_, 0, 0);
}

void RedisSubscriber::Unsubscribe(const std::string& channel) {
  {
    std::lock_guard lock(mu_);
    ops_.push_back({false, channel, {}});
  }
  event_active(wakeup_, 0, 0);
}

void RedisSubscriber::WakeupCallback(int, short, void* arg) {
  auto* self = static_cast<RedisSubscriber*>(arg);
  {
    std::lock_guard lock(self->mu_);
    if (self->stopping_) {
      if (self->ac_) {
        redisAsyncContext* ac = self->ac_;
        self->ac_ = nullptr;
        ac->data = nullptr;
        redisAsyncFree(ac);
      }
      event_base_loopbreak(self->base_);
      return;
    }
  }
  self->DrainOps();
}

void RedisSubscriber::TimerCallback(int, short, void* arg) {
  static_cast<RedisSubscriber*>(arg)->Connect();
}

void RedisSubscriber::DrainOps() {
  std::vector<Op> ops;
  {
    std::lock_guard lock(mu_);
    ops.swap(ops_);
  }
  for (auto& op : ops) {
    if (op.subscribe) {
      if (confirmed_.contains(op.channel)) {
        if (op.on_ready) op.on_ready();
        continue;
      }
      if (op.on_ready) waiting_[op.channel].push_back(std::move(op.on_ready));
      if (wanted_.insert(op.channel).second && !unsubscribing_.contains(op.channel)) {
        SendCommand("SUBSCRIBE", op.channel);
      }
    } else {
      wanted_.erase(op.channel);
      waiting_.erase(op.channel);
      if (confirmed_.erase(op.channel) > 0) {
        unsubscribing_.insert(op.channel);
        SendCommand("UNSUBSCRIBE", op.channel);
      }
    }
  }
}

void RedisSubscriber::SendCommand(const char* verb, const std::string& channel) {
  if (!ac_ || !connected_) return;  // sent on (re)connect
  const char* argv[] = {verb, channel.data()};
  size_t lens[] = {std::strlen(verb), channel.size()};
  redisAsyncCommandArgv(ac_, &RedisSubscriber::ReplyCallback, nullptr, 2, argv, lens);
}

void RedisSubscriber::Connect() {
  // With Sentinel, the master of the moment (a failover closes this connection: Sentinel kills the
  // clients of a server it reconfigures, and the subscriber comes back here).
  auto master = FindRedisMaster(config_, kFindMasterTimeout);
  if (!master.ok()) {
    spdlog::warn("Redis subscriber: {}", std::string(master.status().message()));
    ScheduleReconnect();
    return;
  }
  server_ = *master;
  ac_ = redisAsyncConnect(server_.host.c_str(), server_.port);
  if (!ac_ || ac_->err) {
    spdlog::warn("Redis subscriber: cannot connect to {}:{}: {}", server_.host, server_.port,
                 ac_ ? ac_->errstr : "out of memory");
    if (ac_) redisAsyncFree(ac_);
    ac_ = nullptr;
    ScheduleReconnect();
    return;
  }
  ac_->data = this;
  redisLibeventAttach(ac_, base_);
  redisAsyncSetConnectCallback(ac_, &RedisSubscriber::ConnectCallback);
  redisAsyncSetDisconnectCallback(ac_, &RedisSubscriber::DisconnectCallback);
}

void RedisSubscriber::ScheduleReconnect() { evtimer_add(reconnect_timer_, &kReconnectDelay); }

void RedisSubscriber::ConnectCallback(const redisAsyncContext* ac, int status) {
  if (auto* self = static_cast<RedisSubscriber*>(ac->data)) self->OnConnected(status);
}

void RedisSubscriber::DisconnectCallback(const redisAsyncContext* ac, int status) {
  if (auto* self = static_cast<RedisSubscriber*>(ac->data)) self->OnDisconnected(status);
}

void RedisSubscriber::OnConnected(int status) {
  if (status != REDIS_OK) {
    spdlog::warn("Redis subscriber: connection to {}:{} failed: {}", server_.host, server_.port,
                 ac_ ? ac_->errstr : "");
    ac_ = nullptr;  // hiredis frees the context after this callback
    ScheduleReconnect();
    return;
  }
  connected_ = true;
  redisEnableKeepAlive(&ac_->c);
  if (!config_.password.empty()) {
    const char* argv[] = {"AUTH", config_.password.data()};
    size_t lens[] = {4, config_.password.size()};
    redisAsyncCommandArgv(ac_, nullptr, nullptr, 2, argv, lens);
  }
  if (ever_connected_) {
    spdlog::info("Redis subscriber reconnected; restoring {} subscriptions", wanted_.size());
    resubscribe_pending_ = true;
  }
  ever_connected_ = true;
  for (const auto& channel : wanted_) SendCommand("SUBSCRIBE", channel);
  DrainOps();
  MaybeReportResubscribed();
}

void RedisSubscriber::OnDisconnected(int status) {
  spdlog::warn("Redis subscriber lost its connection to {}:{}", server_.host, server_.port);
  ac_ = nullptr;  // freed by hiredis
  connected_ = false;
  confirmed_.clear();
  unsubscribing_.clear();
  ScheduleReconnect();
}

void RedisSubscriber::ReplyCallback(redisAsyncContext* ac, void* reply, void*) {
  auto* self = static_cast<RedisSubscriber*>(ac->data);
  if (self && reply) self->OnReply(static_cast<redisReply*>(reply));
}

void RedisSubscriber::OnReply(redisReply* reply) {
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) return;
  std::string_view kind(reply->element[0]->str, reply->element[0]->len);
  std::string channel(reply->element[1]->str ? reply->element[1]->str : "", reply->element[1]->len);
  if (kind == "message") {
    if (wanted_.contains(channel)) {
      on_message_(channel, std::string_view(reply->element[2]->str, reply->element[2]->len));
    }
  } else if (kind == "subscribe") {
    if (!wanted_.contains(channel)) {  // unsubscribed while the SUBSCRIBE was in flight
      unsubscribing_.insert(channel);
      SendCommand("UNSUBSCRIBE", channel);
      return;
    }
    confirmed_.insert(channel);
    if (auto it = waiting_.find(channel); it != waiting_.end()) {
      auto callbacks = std::move(it->second);
      waiting_.erase(it);
      for (auto& callback : callbacks) callback();
    }
    MaybeReportResubscribed();
  } else if (kind == "unsubscribe") {
    unsubscribing_.erase(channel);
    // Subscribed again while the UNSUBSCRIBE was in flight: hiredis dropped its callback for the
    // channel on this reply, so only now may SUBSCRIBE be sent.
    if (wanted_.contains(channel)) SendCommand("SUBSCRIBE", channel);
  }
}

void RedisSubscriber::MaybeReportResubscribed() {
  if (!resubscribe_pending_) return;
  for (const auto& channel : wanted_) {
    if (!confirmed_.contains(channel)) return;
  }
  resubscribe_pending_ = false;
  if (on_resubscribed_) on_resubscribed_();
}

}  // namespace natter
