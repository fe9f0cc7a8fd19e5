// A test suite against one real stack (tests/harness), with the natterctl helpers end-to-end tests
// share: run a command, register and log in a user, make two users friends, start a listener.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/harness.h"
#include "natter/v1/gateway.grpc.pb.h"

namespace natter::testing {

class StackTest : public ::testing::Test {
 protected:
  using json = nlohmann::json;

  // Each suite starts its stack in SetUpTestSuite with the options it needs.
  static void StartStack(StackOptions options) { stack_ = new Stack(options); }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }

  static CommandResult Ctl(const std::vector<std::string>& args,
                           const std::string& stdin_text = "") {
    return stack_->Ctl(args, stdin_text);
  }
  // A command that must succeed, and its one line of JSON.
  static json CtlJson(const std::vector<std::string>& args) {
    auto r = Ctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json();
  }
  // A command that must succeed, and its JSON lines.
  static std::vector<json> CtlLines(const std::vector<std::string>& args) {
    auto r = Ctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return JsonLines(r.out);
  }
  // Registers and logs in `name` (password "password for NAME").
  static void User(const std::string& name) {
    ASSERT_EQ(Ctl({"register", name}, "password for " + name + "\n").exit_code, 0);
    ASSERT_EQ(Ctl({"login", name}, "password for " + name + "\n").exit_code, 0);
  }
  static void Friends(const std::string& a, const std::string& b) {
    ASSERT_EQ(CtlJson({"--as", a, "friends", "add", b})["relation"], "request_sent");
    ASSERT_EQ(CtlJson({"--as", b, "friends", "accept", a})["relation"], "friends");
  }
  // A listener for `user` on gateway `gateway` (--timeout 60 unless `extra` says otherwise),
  // returned once its stream is live (a listener with --count may have finished by then).
  static std::unique_ptr<Process> Listen(const std::string& user, size_t gateway,
                                         std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--gateway", stack_->gateway_address(gateway), "--as", user,
                                     "listen"};
    if (std::find(extra.begin(), extra.end(), "--timeout") == extra.end()) {
      extra.insert(extra.end(), {"--timeout", "60"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    auto listener = stack_->CtlInBackground("listen-" + user, args);
    bool live =
        WaitFor([&] { return listener->Stderr().find("listening as") != std::string::npos; },
                std::chrono::seconds(20));
    EXPECT_TRUE(live) << listener->Stderr();
    return listener;
  }

  // A fresh session token of `name` (see User), for calls and streams made without natterctl.
  static std::string Token(const std::string& name) {
    auto stub = v1::Gateway::NewStub(
        grpc::CreateChannel(stack_->gateway_address(0), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    v1::LoginRequest request;
    request.set_username(name);
    request.set_password("password for " + name);
    request.set_device("test");
    v1::LoginResponse response;
    grpc::Status status = stub->Login(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.token();
  }

  static inline Stack* stack_ = nullptr;
};

}  // namespace natter::testing
