// FakeChannelSubscriber: natter::gateway::ChannelSubscriber with the RedisSubscriber's semantics,
// driven by the test instead of a Redis server. Subscribe is idempotent per channel (only the first
// call while unsubscribed sends SUBSCRIBE); on_ready waits until the test calls Confirm(channel),
// or, when the channel is already confirmed, until RunReadyCallbacks(). Callbacks never run inside
// Subscribe, because the real subscriber runs them on its own thread, never under the caller's
// lock.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "hub.h"

namespace natter::fakes {

class FakeChannelSubscriber final : public gateway::ChannelSubscriber {
 public:
  void Subscribe(const std::string& channel, std::function<void()> on_ready) override {
    std::lock_guard lock(mu_);
    subscribe_calls_.push_back(channel);
    if (confirmed_.contains(channel)) {
      if (on_ready) ready_.push_back(std::move(on_ready));
      return;
    }
    if (on_ready) waiting_[channel].push_back(std::move(on_ready));
    if (wanted_.insert(channel).second) ++subscribes_sent_[channel];
  }

  void Unsubscribe(const std::string& channel) override {
    std::lock_guard lock(mu_);
    unsubscribe_calls_.push_back(channel);
    wanted_.erase(channel);
    confirmed_.erase(channel);
    waiting_.erase(channel);
  }

  // Redis confirmed the SUBSCRIBE of `channel`: runs the callbacks waiting on it and returns how
  // many ran. A channel nobody wants is not confirmed.
  int Confirm(const std::string& channel) {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mu_);
      if (!wanted_.contains(channel)) return 0;
      confirmed_.insert(channel);
      if (auto it = waiting_.find(channel); it != waiting_.end()) {
        callbacks = std::move(it->second);
        waiting_.erase(it);
      }
    }
    for (auto& callback : callbacks) callback();
    return static_cast<int>(callbacks.size());
  }

  // Runs the callbacks of Subscribe calls made on already confirmed channels; returns how many ran.
  int RunReadyCallbacks() {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mu_);
      callbacks.swap(ready_);
    }
    for (auto& callback : callbacks) callback();
    return static_cast<int>(callbacks.size());
  }

  // Every Subscribe / Unsubscribe call, in order.
  std::vector<std::string> subscribe_calls() const {
    std::lock_guard lock(mu_);
    return subscribe_calls_;
  }
  std::vector<std::string> unsubscribe_calls() const {
    std::lock_guard lock(mu_);
    return unsubscribe_calls_;
  }
  // How many SUBSCRIBE commands Redis would have seen for `channel`.
  int subscribes_sent(const std::string& channel) const {
    std::lock_guard lock(mu_);
    auto it = subscribes_sent_.find(channel);
    return it == subscribes_sent_.end() ? 0 : it->second;
  }
  // The channels currently subscribed (confirmed or not).
  std::set<std::string> subscribed() const {
    std::lock_guard lock(mu_);
    return wanted_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> subscribe_calls_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> unsubscribe_calls_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> wanted_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> confirmed_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<std::function<void()>>> waiting_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void()>> ready_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> subscribes_sent_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::fakes
