#include "common/redis_subscriber.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/read.h>
#include <netdb.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <deque>

#include "common/redis_client.h"
#include "common/thread_name.h"

namespace natter {
namespace {

constexpr timeval kReconnectDelay{0, 300 * 1000};
// How long each sentinel (and the master it names) may take to answer.
constexpr std::chrono::milliseconds kFindMasterTimeout{1000};

// The slot map is asked for at most this often, however many channels a failover moves.
constexpr std::chrono::milliseconds kSlotMapMinInterval{200};

std::string Name(const RedisConfig::Endpoint& node) {
  return node.host + ":" + std::to_string(node.port);
}

}  // namespace

// One connection to a cluster master for sharded pub/sub: RESP written into, and read by hiredis's
// reader out of, a libevent buffer. `sent` holds each command whose answer has not come yet, in
// order, so that an error answer (which names no channel) is matched to its command.
struct RedisSubscriber::Shard {
  RedisSubscriber* owner = nullptr;
  RedisConfig::Endpoint node;
  bufferevent* bev = nullptr;
  redisReader* reader = nullptr;
  bool lost = false;
  std::set<std::string> channels;                        // SSUBSCRIBE sent here and not undone
  std::deque<std::pair<std::string, std::string>> sent;  // (command, channel)
  ~Shard() {
    if (bev) bufferevent_free(bev);
    if (reader) redisReaderFree(reader);
  }
};

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
  if (config_.cluster()) {
    slots_ =
        std::make_unique<RedisSlotMap>(config_.cluster_nodes, config_.password, kFindMasterTimeout);
  }
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
  shards_.clear();  // the loop has stopped; their buffers go before the base
  event_free(reconnect_timer_);
  event_free(wakeup_);
  event_base_free(base_);
}

void RedisSubscriber::Start() {
  thread_ = std::thread([this] {
    NameThisThread("redis-events");
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
      self->shards_.clear();
      event_base_loopbreak(self->base_);
      return;
    }
  }
  self->DrainOps();
}

void RedisSubscriber::TimerCallback(int, short, void* arg) {
  auto* self = static_cast<RedisSubscriber*>(arg);
  if (self->cluster()) {
    self->ClusterRetry();
  } else {
    self->Connect();
  }
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
        if (cluster()) {
          ClusterSend(op.channel);
        } else {
          SendCommand("SUBSCRIBE", op.channel);
        }
      }
    } else {
      wanted_.erase(op.channel);
      waiting_.erase(op.channel);
      if (cluster()) {
        ClusterUnsend(op.channel);
      } else if (confirmed_.erase(op.channel) > 0) {
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
  if (cluster()) {
    ClusterRetry();
    return;
  }
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
    OnConfirmed(channel);
  } else if (kind == "unsubscribe") {
    unsubscribing_.erase(channel);
    // Subscribed again while the UNSUBSCRIBE was in flight: hiredis dropped its callback for the
    // channel on this reply, so only now may SUBSCRIBE be sent.
    if (wanted_.contains(channel)) SendCommand("SUBSCRIBE", channel);
  }
}

void RedisSubscriber::OnConfirmed(const std::string& channel) {
  confirmed_.insert(channel);
  if (auto it = waiting_.find(channel); it != waiting_.end()) {
    auto callbacks = std::move(it->second);
    waiting_.erase(it);
    for (auto& callback : callbacks) callback();
  }
  MaybeReportResubscribed();
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

namespace natter {

void RedisSubscriber::ClusterRetry() {
  // Connections found lost are dropped here, outside their own callbacks.
  for (auto it = shards_.begin(); it != shards_.end();) {
    it = it->second->lost ? shards_.erase(it) : std::next(it);
  }
  if (auto s = slots_->RefreshIfStale(kSlotMapMinInterval); !s.ok()) {
    spdlog::warn("Redis subscriber: {}", std::string(s.message()));
    connected_ = false;
    ScheduleReconnect();
    return;
  }
  connected_ = true;
  std::set<std::string> channels;
  channels.swap(unrouted_);
  for (const auto& channel : channels) {
    if (wanted_.contains(channel) && !shard_of_.contains(channel)) ClusterSend(channel);
  }
  MaybeReportResubscribed();
}

void RedisSubscriber::ClusterSend(const std::string& channel) {
  auto node = slots_->MasterFor(RedisKeySlot(channel));
  Shard* shard = node ? ShardFor(*node) : nullptr;
  if (!shard) {
    Unroute(channel);
    return;
  }
  shard->channels.insert(channel);
  shard_of_[channel] = shard;
  shard->sent.emplace_back("SSUBSCRIBE", channel);
  Write(*shard, {"SSUBSCRIBE", channel});
}

void RedisSubscriber::ClusterUnsend(const std::string& channel) {
  unrouted_.erase(channel);
  confirmed_.erase(channel);
  auto it = shard_of_.find(channel);
  if (it == shard_of_.end()) return;
  Shard* shard = it->second;
  shard_of_.erase(it);
  shard->channels.erase(channel);
  if (shard->lost) return;
  unsubscribing_.insert(channel);
  shard->sent.emplace_back("SUNSUBSCRIBE", channel);
  Write(*shard, {"SUNSUBSCRIBE", channel});
}

void RedisSubscriber::Unroute(const std::string& channel) {
  confirmed_.erase(channel);
  if (auto it = shard_of_.find(channel); it != shard_of_.end()) {
    it->second->channels.erase(channel);
    shard_of_.erase(it);
  }
  if (!wanted_.contains(channel)) return;
  unrouted_.insert(channel);
  if (ever_connected_) resubscribe_pending_ = true;
  ScheduleReconnect();
}

RedisSubscriber::Shard* RedisSubscriber::ShardFor(const RedisConfig::Endpoint& node) {
  auto& slot = shards_[Name(node)];
  if (slot && !slot->lost) return slot.get();
  if (slot) slot.reset();  // lost, and not yet dropped by ClusterRetry
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(node.host.c_str(), std::to_string(node.port).c_str(), &hints, &found) != 0) {
    spdlog::warn("Redis subscriber: cannot resolve {}", Name(node));
    shards_.erase(Name(node));
    return nullptr;
  }
  auto shard = std::make_unique<Shard>();
  shard->owner = this;
  shard->node = node;
  shard->reader = redisReaderCreate();
  shard->bev = bufferevent_socket_new(base_, -1, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(shard->bev, &RedisSubscriber::ShardReadCallback, nullptr,
                    &RedisSubscriber::ShardEventCallback, shard.get());
  bufferevent_enable(shard->bev, EV_READ | EV_WRITE);
  int rc =
      bufferevent_socket_connect(shard->bev, found->ai_addr, static_cast<int>(found->ai_addrlen));
  freeaddrinfo(found);
  if (rc != 0) {
    spdlog::warn("Redis subscriber: cannot connect to {}", Name(node));
    shards_.erase(Name(node));
    return nullptr;
  }
  if (!config_.password.empty()) {
    shard->sent.emplace_back("AUTH", "");
    Write(*shard, {"AUTH", config_.password});
  }
  slot = std::move(shard);
  return slot.get();
}

void RedisSubscriber::Write(Shard& shard, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* command = nullptr;
  int length =
      redisFormatCommandArgv(&command, static_cast<int>(args.size()), argv.data(), lens.data());
  if (length > 0) bufferevent_write(shard.bev, command, static_cast<size_t>(length));
  redisFreeCommand(command);
}

void RedisSubscriber::ShardReadCallback(bufferevent* bev, void* arg) {
  auto* shard = static_cast<Shard*>(arg);
  evbuffer* input = bufferevent_get_input(bev);
  size_t length = evbuffer_get_length(input);
  redisReaderFeed(shard->reader, reinterpret_cast<const char*>(evbuffer_pullup(input, -1)), length);
  evbuffer_drain(input, length);
  while (!shard->lost) {
    void* reply = nullptr;
    if (redisReaderGetReply(shard->reader, &reply) != REDIS_OK) {
      shard->owner->OnShardLost(*shard, "unreadable reply");
      return;
    }
    if (!reply) return;
    shard->owner->OnShardReply(*shard, static_cast<redisReply*>(reply));
    freeReplyObject(reply);
  }
}

void RedisSubscriber::ShardEventCallback(bufferevent*, short what, void* arg) {
  auto* shard = static_cast<Shard*>(arg);
  if (what & BEV_EVENT_CONNECTED) {
    shard->owner->ever_connected_ = true;
    shard->owner->failing_nodes_.erase(Name(shard->node));
    return;
  }
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
    shard->owner->OnShardLost(*shard,
                              what & BEV_EVENT_EOF ? "closed by the server" : "connection failed");
  }
}

void RedisSubscriber::OnShardLost(Shard& shard, const std::string& why) {
  if (shard.lost) return;
  // Said once per outage: while a master is being replaced, each retry fails the same way.
  const bool first = failing_nodes_.insert(Name(shard.node)).second;
  spdlog::log(first ? spdlog::level::warn : spdlog::level::debug,
              "Redis subscriber lost its connection to {} ({}); subscribing its {} channel(s) "
              "again",
              Name(shard.node), why, shard.channels.size());
  shard.lost = true;
  if (shard.bev) bufferevent_disable(shard.bev, EV_READ | EV_WRITE);
  std::set<std::string> channels;
  channels.swap(shard.channels);
  for (const auto& channel : channels) {
    shard_of_.erase(channel);
    unsubscribing_.erase(channel);
    Unroute(channel);
  }
  ScheduleReconnect();  // drops the shard and learns the slot map again
}

void RedisSubscriber::OnShardReply(Shard& shard, redisReply* reply) {
  if (reply->type == REDIS_REPLY_ERROR || reply->type == REDIS_REPLY_STATUS) {
    // The answer to the oldest command still waiting for one: AUTH's OK, or an error such as MOVED
    // (the slot is elsewhere), CLUSTERDOWN or a refused password.
    if (shard.sent.empty()) return;
    auto [command, channel] = shard.sent.front();
    shard.sent.pop_front();
    if (reply->type == REDIS_REPLY_STATUS) return;
    std::string_view error(reply->str, reply->len);
    if (command == "AUTH") {
      spdlog::error("Redis subscriber: {} refused the password: {}", Name(shard.node), error);
      return;
    }
    if (auto redirect = ParseRedisRedirect(error); redirect && !redirect->ask) {
      slots_->Moved(redirect->slot, redirect->to);
    } else {
      spdlog::warn("Redis subscriber: {} {} refused: {}", command, channel, error);
    }
    if (command == "SSUBSCRIBE" && shard_of_.contains(channel) && shard_of_[channel] == &shard) {
      Unroute(channel);  // sent again, to where the slot map says now
    }
    if (command == "SUNSUBSCRIBE") unsubscribing_.erase(channel);
    return;
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3 ||
      reply->element[0]->type != REDIS_REPLY_STRING) {
    return;
  }
  std::string_view kind(reply->element[0]->str, reply->element[0]->len);
  std::string channel(reply->element[1]->str ? reply->element[1]->str : "", reply->element[1]->len);
  const bool answer = !shard.sent.empty() && shard.sent.front().second == channel &&
                      ((kind == "ssubscribe" && shard.sent.front().first == "SSUBSCRIBE") ||
                       (kind == "sunsubscribe" && shard.sent.front().first == "SUNSUBSCRIBE"));
  if (answer) shard.sent.pop_front();
  if (kind == "smessage") {
    if (wanted_.contains(channel)) {
      on_message_(channel, std::string_view(reply->element[2]->str, reply->element[2]->len));
    }
  } else if (kind == "ssubscribe") {
    if (!wanted_.contains(channel) || shard_of_[channel] != &shard) {
      if (shard_of_[channel] == nullptr) shard_of_.erase(channel);
      return;  // unsubscribed meanwhile: the SUNSUBSCRIBE is on its way
    }
    OnConfirmed(channel);
  } else if (kind == "sunsubscribe") {
    if (answer) {
      unsubscribing_.erase(channel);
      // Subscribed again while the SUNSUBSCRIBE was on its way.
      if (wanted_.contains(channel) && !shard_of_.contains(channel)) ClusterSend(channel);
      return;
    }
    // Not asked for: the channel's slot has moved to another master. Messages published meanwhile
    // may be lost, so this counts as a reconnection.
    spdlog::info("Redis subscriber: {} moved away from {}; subscribing again", channel,
                 Name(shard.node));
    if (shard_of_.contains(channel) && shard_of_[channel] == &shard) Unroute(channel);
  }
}

}  // namespace natter
