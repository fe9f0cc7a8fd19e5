// A Transport for the client's tests: records what the bridge opens and writes; the test plays the
// server through the handler the bridge gave to Open.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "transport.h"

namespace natter::client {

class FakeTransport final : public Transport {
 public:
  struct State {
    std::mutex mu;
    int opens = 0;
    std::string token;
    Handler handler;
    std::vector<v1::ClientFrame> written;
  };
  explicit FakeTransport(std::shared_ptr<State> state) : state_(std::move(state)) {}

  void Open(const std::string&, const std::string& token, Handler handler) override {
    std::lock_guard lock(state_->mu);
    ++state_->opens;
    state_->token = token;
    state_->handler = std::move(handler);
  }
  void Write(const v1::ClientFrame& frame) override {
    std::lock_guard lock(state_->mu);
    state_->written.push_back(frame);
  }
  void Close() override {
    std::lock_guard lock(state_->mu);
    state_->handler = {};
  }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace natter::client
