// What the fault tests share: a sender that retries like a real client, and checks that every acked
// message reached each listener exactly once, in seq order, and was stored once.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness/harness.h"
#include "natter/v1/gateway.grpc.pb.h"

namespace natter::faults {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::JsonLines;

// Sends `count` messages "<prefix>-<i>" to a room, one at a time, over a Connect stream. After any
// failure (the stream breaks, an UNAVAILABLE result, no answer in time) it reconnects, to the next
// gateway, and sends the same client_msg_id again.
class Sender {
 public:
  // `padding` bytes are added to each text (after its id).
  Sender(std::vector<std::string> gateways, std::string token, std::string room, std::string prefix,
         int count, size_t padding = 0)
      : gateways_(std::move(gateways)),
        token_(std::move(token)),
        room_(std::move(room)),
        prefix_(std::move(prefix)),
        count_(count),
        padding_(padding, '.') {}
  ~Sender() { Join(); }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  // Sends nothing new after the message in flight; Join() then returns soon.
  void RequestStop() { stop_ = true; }
  int acked() const { return acked_count_.load(); }
  int reconnects() const { return reconnects_.load(); }
  const std::string& error() const { return error_; }
  // Text -> seq of every acked message.
  const std::map<std::string, uint64_t>& acks() const { return acks_; }

 private:
  void Run() {
    int next = 0;
    const auto give_up = std::chrono::steady_clock::now() + 120s;
    for (size_t g = 0; next < count_ && !stop_ && std::chrono::steady_clock::now() < give_up; ++g) {
      if (g > 0) {
        ++reconnects_;
        std::this_thread::sleep_for(200ms);
      }
      auto stub = v1::Gateway::NewStub(
          grpc::CreateChannel(gateways_[g % gateways_.size()], grpc::InsecureChannelCredentials()));
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + token_);
      context.AddMetadata("natter-presence", "off");
      context.set_deadline(std::chrono::system_clock::now() + 60s);
      auto stream = stub->Connect(&context);
      v1::ServerFrame frame;
      bool welcomed = false;
      while (!welcomed && stream->Read(&frame)) {
        for (const auto& e : frame.events()) welcomed = welcomed || e.has_welcome();
      }
      if (!welcomed) {
        stream->Finish();
        continue;
      }
      uint64_t request_id = 0;
      bool broken = false;
      while (next < count_ && !stop_ && !broken) {
        std::string id = prefix_ + "-" + std::to_string(next);
        std::string text = id + padding_;
        v1::ClientFrame command;
        command.set_request_id(++request_id);
        command.mutable_send()->set_room(room_);
        command.mutable_send()->set_client_msg_id(id);
        command.mutable_send()->set_text(text);
        if (!stream->Write(command)) break;
        std::optional<v1::CommandResult> result;
        while (!result && stream->Read(&frame)) {
          for (const auto& e : frame.events()) {
            if (e.has_result() && e.result().request_id() == request_id) result = e.result();
          }
        }
        if (!result) break;  // the stream broke: reconnect and send the same id
        if (result->code() == 0) {
          acks_[text] = result->ack().seq();
          ++acked_count_;
          ++next;
        } else if (result->code() == grpc::StatusCode::UNAVAILABLE ||
                   result->code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
                   result->code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
          broken = true;  // retry the same id, on another gateway
        } else {
          error_ = text + ": " + result->error();
          next = count_;
        }
      }
      context.TryCancel();
      stream->Finish();
    }
    if (next < count_ && !stop_ && error_.empty()) {
      error_ = "gave up after " + std::to_string(next);
    }
  }

  std::vector<std::string> gateways_;
  std::string token_;
  std::string room_;
  std::string prefix_;
  int count_;
  std::string padding_;
  std::map<std::string, uint64_t> acks_;
  std::atomic<int> acked_count_{0};
  std::atomic<int> reconnects_{0};
  std::atomic<bool> stop_{false};
  std::string error_;
  std::thread thread_;
};

// A stack shared by one suite (made by the suite's SetUpTestSuite), with what fault tests check.
class FaultTest : public ::testing::Test {
 protected:
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }

  static std::string AllGateways(size_t first) {
    std::string list;
    size_t n = stack_->gateway_count();
    for (size_t i = 0; i < n; ++i) {
      if (!list.empty()) list += ",";
      list += stack_->gateway_address((first + i) % n);
    }
    return list;
  }

  // Registers and logs in `name` for natterctl; returns a token for a Sender.
  static std::string User(const std::string& name) {
    std::string password = "password for " + name;
    EXPECT_EQ(stack_->Ctl({"register", name}, password + "\n").exit_code, 0);
    EXPECT_EQ(stack_->Ctl({"login", name}, password + "\n").exit_code, 0);
    auto stub = v1::Gateway::NewStub(
        grpc::CreateChannel(stack_->gateway_address(0), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    v1::LoginRequest request;
    request.set_username(name);
    request.set_password(password);
    request.set_device("fault test sender");
    v1::LoginResponse response;
    grpc::Status status = stub->Login(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.token();
  }

  static uint64_t CreateRoom(const std::string& owner, const std::string& room,
                             const std::vector<std::string>& members) {
    auto created = stack_->Ctl({"--as", owner, "rooms", "create", room});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    for (const auto& m : members) {
      auto joined = stack_->Ctl({"--as", m, "rooms", "join", room});
      EXPECT_EQ(joined.exit_code, 0) << joined.err;
    }
    return created.exit_code == 0 ? json::parse(created.out)["conversation"].get<uint64_t>() : 0;
  }

  // A listener printing messages, starting on gateway `first` and failing over to the others.
  static std::unique_ptr<testing::Process> Listen(const std::string& user, size_t first) {
    auto listener = stack_->CtlInBackground(
        "listen-" + user, {"--gateway", AllGateways(first), "--as", user, "listen", "--type",
                           "message", "--timeout", "240"});
    bool live = testing::WaitFor(
        [&] { return listener->Stderr().find("listening as") != std::string::npos; }, 30s);
    EXPECT_TRUE(live) << listener->Stderr();
    return listener;
  }

  // Checks what `listener` printed for `room`: every acked message exactly once, in seq order, and
  // nothing that was not acked. Waits until all have arrived (or the timeout).
  static void ExpectExactlyOnceInOrder(testing::Process& listener, uint64_t room,
                                       const std::map<std::string, uint64_t>& acked,
                                       const std::string& who) {
    std::vector<json> got;
    testing::WaitFor(
        [&] {
          got.clear();
          for (auto& e : JsonLines(listener.Stdout())) {
            if (e.value("conversation", uint64_t{0}) == room) got.push_back(std::move(e));
          }
          return got.size() >= acked.size();
        },
        90s);
    std::set<std::string> seen;
    uint64_t last_seq = 0;
    size_t out_of_order = 0, duplicates = 0, unknown = 0, wrong_seq = 0;
    for (const auto& e : got) {
      uint64_t seq = e["seq"];
      std::string text = e["text"];
      if (seq <= last_seq) ++out_of_order;
      last_seq = std::max(last_seq, seq);
      if (!seen.insert(text).second) ++duplicates;
      auto it = acked.find(text);
      if (it == acked.end()) {
        ++unknown;
      } else if (it->second != seq) {
        ++wrong_seq;
      }
    }
    size_t missing = 0;
    for (const auto& [text, seq] : acked) missing += seen.contains(text) ? 0 : 1;
    EXPECT_EQ(missing, 0u) << who << " missed messages\n" << listener.Stderr();
    EXPECT_EQ(duplicates, 0u) << who;
    EXPECT_EQ(out_of_order, 0u) << who;
    EXPECT_EQ(unknown, 0u) << who << " printed messages nobody had acked";
    EXPECT_EQ(wrong_seq, 0u) << who;
  }

  // Every acked message was stored once: the acks name distinct seqs, and the room holds exactly
  // one message per client_msg_id.
  static void ExpectStoredOnce(const std::string& member, uint64_t room, size_t expected) {
    std::set<std::string> texts;
    size_t messages = 0;
    uint64_t before = 0;
    for (;;) {
      std::vector<std::string> args = {
          "--as", member, "history", "--conversation", std::to_string(room), "--limit", "200"};
      if (before != 0) args.insert(args.end(), {"--before", std::to_string(before)});
      auto page = stack_->Ctl(args);
      ASSERT_EQ(page.exit_code, 0) << page.err;
      auto entries = JsonLines(page.out);
      if (entries.empty()) break;
      for (const auto& e : entries) {
        if (e["type"] != "message") continue;
        ++messages;
        texts.insert(e["text"].get<std::string>());
      }
      before = entries.front()["seq"];
      if (before <= 1) break;
    }
    EXPECT_EQ(messages, expected);
    EXPECT_EQ(texts.size(), expected);
  }

  static std::map<std::string, uint64_t> AllAcks(
      const std::vector<std::unique_ptr<Sender>>& senders) {
    std::map<std::string, uint64_t> all;
    std::set<uint64_t> seqs;
    for (const auto& s : senders) {
      EXPECT_EQ(s->error(), "");
      for (const auto& [text, seq] : s->acks()) {
        all[text] = seq;
        EXPECT_TRUE(seqs.insert(seq).second) << "two acks with seq " << seq;
      }
    }
    return all;
  }

  // One line of the fault table: how far the run was when the fault struck, and what the senders
  // had to do about it.
  static void Report(const std::string& fault, int acked_at_fault,
                     const std::vector<std::unique_ptr<Sender>>& senders) {
    int acked = 0, reconnects = 0;
    for (const auto& s : senders) {
      acked += s->acked();
      reconnects += s->reconnects();
    }
    std::cout << "fault: " << fault << " | acked when it struck: " << acked_at_fault
              << " | acked: " << acked << " | sender reconnects: " << reconnects << std::endl;
    // A fault that struck after the run was over would prove nothing.
    EXPECT_LT(acked_at_fault, acked) << fault;
  }

  static int TotalAcked(const std::vector<std::unique_ptr<Sender>>& senders) {
    int total = 0;
    for (const auto& s : senders) total += s->acked();
    return total;
  }

  inline static testing::Stack* stack_ = nullptr;
};

}  // namespace natter::faults
