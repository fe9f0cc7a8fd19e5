// What the fault tests share: a sender that retries like a real client, and checks that every acked
// message reached each listener exactly once, in seq order, and was stored once.
#pragma once

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
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
  // `padding` bytes are added to each text (after its id). `interval`: a pause after each ack
  // (0: flat out).
  Sender(std::vector<std::string> gateways, std::string token, std::string room, std::string prefix,
         int count, size_t padding = 0,
         std::chrono::milliseconds interval = std::chrono::milliseconds(0))
      : gateways_(std::move(gateways)),
        token_(std::move(token)),
        room_(std::move(room)),
        prefix_(std::move(prefix)),
        count_(count),
        padding_(padding, '.'),
        interval_(interval) {}
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
  // Distinct messages written at least once (acked or not).
  int sent() const { return sent_count_.load(); }
  // After Join: when the first ack after `t` came, if one did.
  std::optional<std::chrono::steady_clock::time_point> FirstAckAfter(
      std::chrono::steady_clock::time_point t) const {
    for (auto at : ack_times_) {
      if (at > t) return at;
    }
    return std::nullopt;
  }
  int reconnects() const { return reconnects_.load(); }
  const std::string& error() const { return error_; }
  // After Join: each refusal the sender was given and retried ("UNAVAILABLE: <message>"), with how
  // often. These are what a person would read, so the fault tests check them.
  const std::map<std::string, int>& refusals() const { return refusals_; }
  // Text -> seq of every acked message.
  const std::map<std::string, uint64_t>& acks() const { return acks_; }

 private:
  void Run() {
    int next = 0;
    int last_written = -1;
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
        if (next > last_written) {
          last_written = next;
          ++sent_count_;
        }
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
          ack_times_.push_back(std::chrono::steady_clock::now());
          ++acked_count_;
          ++next;
          if (interval_ > std::chrono::milliseconds(0)) std::this_thread::sleep_for(interval_);
        } else if (result->code() == grpc::StatusCode::UNAVAILABLE ||
                   result->code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
                   result->code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
          ++refusals_[RefusalName(*result)];
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
  std::chrono::milliseconds interval_;
  static std::string RefusalName(const v1::CommandResult& r) {
    switch (r.code()) {
      case grpc::StatusCode::UNAVAILABLE:
        return "UNAVAILABLE: " + r.error();
      case grpc::StatusCode::RESOURCE_EXHAUSTED:
        return "RESOURCE_EXHAUSTED: " + r.error();
      default:
        return "DEADLINE_EXCEEDED: " + r.error();
    }
  }

  std::map<std::string, uint64_t> acks_;
  std::map<std::string, int> refusals_;
  std::atomic<int> acked_count_{0};
  std::atomic<int> sent_count_{0};
  std::vector<std::chrono::steady_clock::time_point> ack_times_;
  std::atomic<int> reconnects_{0};
  std::atomic<bool> stop_{false};
  std::string error_;
  std::thread thread_;
};

// A stack shared by one suite (made by the suite's SetUpTestSuite), with what fault tests check.
// What one listener got of the acked messages.
struct Delivery {
  size_t delivered = 0;
  size_t lost = 0;
  size_t duplicated = 0;
};

// One row of the fault table, printed (and appended to $NATTER_FAULT_TABLE, which `./natter test`
// prints at the end) when it goes out of scope:
//   | fault | messages sent | acked | delivered | lost | duplicated | recovery time | senders told
//   |
// Delivered, lost and duplicated are summed over the listeners checked; recovery is how long after
// the fault struck every sender that was still sending had an ack again; "senders told" lists the
// refusals the senders retried, each with its count.
class FaultRow {
 public:
  FaultRow(std::string fault, std::chrono::steady_clock::time_point struck)
      : fault_(std::move(fault)), struck_(struck) {}
  ~FaultRow() {
    std::string recovery =
        recovery_ ? fmt::format("{:.1f} s", std::chrono::duration<double>(*recovery_).count())
                  : "-";
    std::string row =
        fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |", fault_, sent_, acked_,
                    delivery_.delivered, delivery_.lost, delivery_.duplicated, recovery, Told());
    std::cout << "fault table: " << row << std::endl;
    if (const char* path = std::getenv("NATTER_FAULT_TABLE"); path && *path) {
      std::ofstream(path, std::ios::app) << row << "\n";
    }
  }
  // The senders' totals, after Join. A fault that struck after they were done would prove nothing.
  void Senders(const std::vector<std::unique_ptr<Sender>>& senders, int acked_when_struck) {
    for (const auto& s : senders) {
      sent_ += s->sent();
      acked_ += s->acked();
      for (const auto& [refusal, n] : s->refusals()) {
        told_[refusal] += n;
        // A person reads these: say what happened in words, never an internal error's code.
        EXPECT_FALSE(refusal.ends_with(": ")) << fault_ << ": a refusal without a message";
        EXPECT_EQ(refusal.find("database error"), std::string::npos) << fault_ << ": " << refusal;
        EXPECT_EQ(refusal.find("internal"), std::string::npos) << fault_ << ": " << refusal;
        EXPECT_EQ(refusal.find("127.0.0.1"), std::string::npos) << fault_ << ": " << refusal;
      }
      if (auto first = s->FirstAckAfter(struck_)) {
        auto took = *first - struck_;
        if (!recovery_ || took > *recovery_) recovery_ = took;
      }
    }
    EXPECT_LT(acked_when_struck, acked_) << fault_ << ": the fault struck after the run";
  }
  // Something else the fault needed time to heal (presence converging): the row shows the longer.
  void Recovered(std::chrono::steady_clock::duration took) {
    if (!recovery_ || took > *recovery_) recovery_ = took;
  }
  std::string Told() const {
    if (told_.empty()) return "-";
    std::string out;
    for (const auto& [refusal, n] : told_) {
      if (!out.empty()) out += "; ";
      out += fmt::format("{} ({}×)", refusal, n);
    }
    return out;
  }
  void Add(const Delivery& d) {
    delivery_.delivered += d.delivered;
    delivery_.lost += d.lost;
    delivery_.duplicated += d.duplicated;
  }

 private:
  std::string fault_;
  std::chrono::steady_clock::time_point struck_;
  int sent_ = 0;
  int acked_ = 0;
  Delivery delivery_;
  std::map<std::string, int> told_;
  std::optional<std::chrono::steady_clock::duration> recovery_;
};

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
    auto registered = stack_->Ctl({"register", name}, password + "\n");
    EXPECT_EQ(registered.exit_code, 0) << registered.err;
    auto logged_in = stack_->Ctl({"login", name}, password + "\n");
    EXPECT_EQ(logged_in.exit_code, 0) << logged_in.err;
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
  static Delivery ExpectExactlyOnceInOrder(testing::Process& listener, uint64_t room,
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
    return {acked.size() - missing, missing, duplicates};
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

  // A sender gave up: the services' error lines (what the database answered, with its code) go to
  // the test's output, since CI keeps no service logs.
  static void PrintServiceErrors() {
    std::error_code ignored;
    for (const auto& file : std::filesystem::directory_iterator(stack_->dir() / "logs", ignored)) {
      std::ifstream in(file.path());
      for (std::string line; std::getline(in, line);) {
        if (line.find(" error ") != std::string::npos) {
          std::cout << file.path().filename().string() << ": " << line << "\n";
        }
      }
    }
  }

  static std::map<std::string, uint64_t> AllAcks(
      const std::vector<std::unique_ptr<Sender>>& senders) {
    std::map<std::string, uint64_t> all;
    std::set<uint64_t> seqs;
    for (const auto& s : senders) {
      EXPECT_EQ(s->error(), "");
      if (!s->error().empty()) PrintServiceErrors();
      for (const auto& [text, seq] : s->acks()) {
        all[text] = seq;
        EXPECT_TRUE(seqs.insert(seq).second) << "two acks with seq " << seq;
      }
    }
    return all;
  }

  // The usual shape of one fault: two senders (`count` messages each, starting on gateways 0 and 1
  // and failing over to the other) and two listeners (on gateways 0 and 1) in a new room named
  // after `prefix`. `inject` runs once 100 messages are acked. Then: every acked message reached
  // each listener exactly once and in order, and is stored once; one row of the fault table.
  // Returns the row, so a test can add what else it checked before the row prints.
  static std::unique_ptr<FaultRow> RunWithFault(const std::string& fault, const std::string& prefix,
                                                int count, const std::function<void()>& inject) {
    return RunWithFaultInRoom(fault, prefix, count, [&](uint64_t) { inject(); });
  }
  // The same, with the room's conversation id given to `inject` (to strike what serves that room).
  static std::unique_ptr<FaultRow> RunWithFaultInRoom(
      const std::string& fault, const std::string& prefix, int count,
      const std::function<void(uint64_t room)>& inject) {
    std::vector<std::string> tokens;
    for (const char* s : {"s1", "s2"}) tokens.push_back(User(prefix + s));
    for (const char* r : {"r1", "r2"}) User(prefix + r);
    const std::string room_name = prefix + "-room";
    uint64_t room =
        CreateRoom(prefix + "r1", room_name, {prefix + "r2", prefix + "s1", prefix + "s2"});
    std::vector<std::unique_ptr<testing::Process>> listeners;
    listeners.push_back(Listen(prefix + "r1", 0));
    listeners.push_back(Listen(prefix + "r2", 1));
    std::vector<std::unique_ptr<Sender>> senders;
    for (size_t i = 0; i < tokens.size(); ++i) {
      senders.push_back(std::make_unique<Sender>(
          std::vector<std::string>{stack_->gateway_address(i), stack_->gateway_address(1 - i)},
          tokens[i], room_name, prefix + std::to_string(i), count));
      senders.back()->Start();
    }
    EXPECT_TRUE(testing::WaitFor([&] { return TotalAcked(senders) >= 100; }, 60s));
    int at_fault = TotalAcked(senders);
    auto row = std::make_unique<FaultRow>(fault, std::chrono::steady_clock::now());
    inject(room);
    for (auto& s : senders) s->Join();
    row->Senders(senders, at_fault);
    auto acked = AllAcks(senders);
    EXPECT_EQ(acked.size(), static_cast<size_t>(2 * count));
    row->Add(ExpectExactlyOnceInOrder(*listeners[0], room, acked, prefix + "r1"));
    row->Add(ExpectExactlyOnceInOrder(*listeners[1], room, acked, prefix + "r2"));
    ExpectStoredOnce(prefix + "r1", room, acked.size());
    return row;
  }

  // What `viewer` sees of `user`'s presence ("online", "offline", ...).
  static std::string PresenceOf(const std::string& viewer, const std::string& user) {
    auto r = stack_->Ctl({"--as", viewer, "presence", user});
    if (r.exit_code != 0) return "error: " + r.err;
    return json::parse(r.out).value("status", "");
  }
  // How long after `since` `viewer` sees `user` as `status`; nullopt if not within `limit`.
  static std::optional<std::chrono::steady_clock::duration> TimeUntilPresence(
      const std::string& viewer, const std::string& user, const std::string& status,
      std::chrono::steady_clock::time_point since, std::chrono::seconds limit) {
    bool ok = testing::WaitFor([&] { return PresenceOf(viewer, user) == status; }, limit);
    if (!ok) return std::nullopt;
    return std::chrono::steady_clock::now() - since;
  }
  // Makes `watcher` and each of `friends` friends.
  static void Befriend(const std::string& watcher, const std::vector<std::string>& friends) {
    for (const auto& f : friends) {
      ASSERT_EQ(stack_->Ctl({"--as", watcher, "friends", "add", f}).exit_code, 0);
      ASSERT_EQ(stack_->Ctl({"--as", f, "friends", "accept", watcher}).exit_code, 0);
    }
  }
  // After a fault: every service and gateway answers its health check.
  static void ExpectEverythingServing() {
    EXPECT_TRUE(testing::IsServing(stack_->auth_address()));
    for (size_t i = 0; i < stack_->presence_count(); ++i) {
      EXPECT_TRUE(testing::IsServing(stack_->presence_address(i))) << "presence " << i;
    }
    for (size_t i = 0; i < stack_->gateway_count(); ++i) {
      EXPECT_TRUE(testing::IsServing(stack_->gateway_address(i))) << "gateway " << i;
    }
  }

  static int TotalAcked(const std::vector<std::unique_ptr<Sender>>& senders) {
    int total = 0;
    for (const auto& s : senders) total += s->acked();
    return total;
  }

  inline static testing::Stack* stack_ = nullptr;
};

}  // namespace natter::faults
