// End to end with real binaries, MariaDB and Redis: accounts through natterctl, a lobby message
// from one gateway to a listener on another, and the errors a user sees.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/harness.h"
#include "natter/v1/gateway.grpc.pb.h"
#include "natter/v1/presence.grpc.pb.h"

namespace natter {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::JsonLines;

constexpr const char* kPassword = "correct-horse-1\n";

class WalkingSkeletonTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new testing::Stack();
    for (const char* user : {"alice", "bob"}) {
      auto reg = stack_->Ctl({"register", user}, kPassword);
      ASSERT_EQ(reg.exit_code, 0) << reg.err;
      auto login = stack_->Ctl({"login", user}, kPassword);
      ASSERT_EQ(login.exit_code, 0) << login.err;
    }
  }
  static void TearDownTestSuite() { delete stack_; }

  // A natterctl listener on `gateway`, returned once its stream is live.
  static std::unique_ptr<testing::Process> Listen(const std::string& user, size_t gateway,
                                                  int count) {
    auto listener = stack_->CtlInBackground(
        "listen-" + user,
        {"--gateway", stack_->gateway_address(gateway), "--as", user, "listen", "--type", "message",
         "--count", std::to_string(count), "--timeout", "30"});
    bool live = testing::WaitFor(
        [&] {
          return listener->Stderr().find("listening as " + user) != std::string::npos ||
                 !listener->Running();
        },
        20s);
    EXPECT_TRUE(live && listener->Running()) << listener->Stderr();
    return listener;
  }

  static std::string Token(const std::string& user) {
    auto login = stack_->Ctl({"login", user, "--device", "e2e"}, kPassword);
    EXPECT_EQ(login.exit_code, 0) << login.err;
    std::ifstream in(stack_->dir() / "home" / "sessions" / user);
    std::string token;
    std::getline(in, token);
    return token;
  }

  static testing::Stack* stack_;
};

testing::Stack* WalkingSkeletonTest::stack_ = nullptr;

TEST_F(WalkingSkeletonTest, LobbyMessageReachesListenerOnAnotherGatewayWithTheSameSeq) {
  auto listener = Listen("alice", 1, 1);
  auto sent = stack_->Ctl({"--gateway", stack_->gateway_address(0), "--as", "bob", "send", "--room",
                           "lobby", "hello from bob"});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  json ack = json::parse(sent.out);
  EXPECT_GT(ack["seq"].get<uint64_t>(), 0u);
  EXPECT_GT(ack["message_id"].get<uint64_t>(), 0u);
  EXPECT_FALSE(ack["duplicate"].get<bool>());

  ASSERT_EQ(listener->Wait(30s), 0) << listener->Stderr();
  auto events = JsonLines(listener->Stdout());
  ASSERT_EQ(events.size(), 1u) << listener->Stdout();
  const json& m = events[0];
  EXPECT_EQ(m["type"], "message");
  EXPECT_EQ(m["room"], "lobby");
  EXPECT_EQ(m["from"], "bob");
  EXPECT_EQ(m["text"], "hello from bob");
  EXPECT_EQ(m["seq"], ack["seq"]);
  EXPECT_EQ(m["conversation"], ack["conversation"]);
  EXPECT_EQ(m["sent_at"], ack["sent_at"]);
  EXPECT_TRUE(m["sent_at"].get<std::string>().ends_with("Z"));
}

TEST_F(WalkingSkeletonTest, ListenerPrintsSeveralMessagesInSeqOrder) {
  auto listener = Listen("bob", 0, 5);
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 5; ++i) {
    auto sent = stack_->Ctl({"--gateway", stack_->gateway_address(i % 2), "--as", "alice", "send",
                             "--room", "lobby", "n" + std::to_string(i)});
    ASSERT_EQ(sent.exit_code, 0) << sent.err;
    seqs.push_back(json::parse(sent.out)["seq"].get<uint64_t>());
  }
  ASSERT_EQ(listener->Wait(30s), 0) << listener->Stderr();
  auto events = JsonLines(listener->Stdout());
  ASSERT_EQ(events.size(), 5u);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]["seq"].get<uint64_t>(), seqs[i]);
    EXPECT_EQ(events[i]["text"], "n" + std::to_string(i));
  }
}

TEST_F(WalkingSkeletonTest, ReplayedClientMsgIdReturnsTheOriginalAck) {
  auto first = stack_->Ctl(
      {"--as", "bob", "send", "--room", "lobby", "once", "--client-msg-id", "e2e-replay-1"});
  auto second = stack_->Ctl({"--gateway", stack_->gateway_address(1), "--as", "bob", "send",
                             "--room", "lobby", "once", "--client-msg-id", "e2e-replay-1"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(second.exit_code, 0) << second.err;
  json a = json::parse(first.out);
  json b = json::parse(second.out);
  EXPECT_EQ(a["seq"], b["seq"]);
  EXPECT_EQ(a["message_id"], b["message_id"]);
  EXPECT_FALSE(a["duplicate"].get<bool>());
  EXPECT_TRUE(b["duplicate"].get<bool>());
}

TEST_F(WalkingSkeletonTest, HistoryPagesBackThroughTheLobby) {
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 4; ++i) {
    auto sent =
        stack_->Ctl({"--as", "alice", "send", "--room", "lobby", "page " + std::to_string(i)});
    ASSERT_EQ(sent.exit_code, 0) << sent.err;
    seqs.push_back(json::parse(sent.out)["seq"].get<uint64_t>());
  }
  auto latest = stack_->Ctl({"--as", "bob", "history", "--room", "lobby", "--limit", "2"});
  ASSERT_EQ(latest.exit_code, 0) << latest.err;
  auto page = JsonLines(latest.out);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0]["text"], "page 2");
  EXPECT_EQ(page[1]["text"], "page 3");
  EXPECT_EQ(page[1]["from"], "alice");
  auto older = stack_->Ctl({"--as", "bob", "history", "--room", "lobby", "--limit", "2", "--before",
                            std::to_string(seqs[2])});
  auto before = JsonLines(older.out);
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0]["seq"].get<uint64_t>(), seqs[0]);
  EXPECT_EQ(before[1]["seq"].get<uint64_t>(), seqs[1]);
  auto missing = stack_->Ctl({"--as", "bob", "history", "--room", "attic"});
  EXPECT_EQ(missing.err, "natterctl: no room named \"attic\"\n");
}

TEST_F(WalkingSkeletonTest, DuplicateUsernameIsRefusedWithAClearError) {
  auto again = stack_->Ctl({"register", "alice"}, kPassword);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_EQ(again.err, "natterctl: username \"alice\" is taken\n");
}

TEST_F(WalkingSkeletonTest, WrongPasswordAndUnknownUserGetTheSameError) {
  auto wrong = stack_->Ctl({"login", "alice"}, "not-the-password\n");
  auto unknown = stack_->Ctl({"login", "nobody-here"}, "not-the-password\n");
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_EQ(wrong.err, "natterctl: wrong username or password\n");
  EXPECT_EQ(unknown.err, wrong.err);
}

TEST_F(WalkingSkeletonTest, BadInputGetsAReadableErrorAndTheServersStayUp) {
  auto empty = stack_->Ctl({"--as", "bob", "send", "--room", "lobby", "   "});
  EXPECT_NE(empty.exit_code, 0);
  EXPECT_EQ(empty.err, "natterctl: message is only white space\n");
  auto no_room = stack_->Ctl({"--as", "bob", "send", "--room", "no-such-room", "hi"});
  EXPECT_NE(no_room.exit_code, 0);
  EXPECT_EQ(no_room.err, "natterctl: no room named \"no-such-room\"\n");
  auto short_name = stack_->Ctl({"register", "x"}, kPassword);
  EXPECT_EQ(short_name.err, "natterctl: username must be 3 to 32 characters long\n");
  EXPECT_TRUE(testing::IsServing(stack_->gateway_address(0)));
  EXPECT_TRUE(stack_->chat(0).Running());
  EXPECT_TRUE(stack_->chat(1).Running());
}

TEST_F(WalkingSkeletonTest, StreamWithoutAValidTokenIsUnauthenticated) {
  auto stub = v1::Gateway::NewStub(
      grpc::CreateChannel(stack_->gateway_address(0), grpc::InsecureChannelCredentials()));
  for (std::string metadata : {"", "Bearer not-a-real-token"}) {
    grpc::ClientContext context;
    if (!metadata.empty()) context.AddMetadata("authorization", metadata);
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    auto stream = stub->Connect(&context);
    v1::ServerFrame frame;
    EXPECT_FALSE(stream->Read(&frame));
    grpc::Status status = stream->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  }
}

TEST_F(WalkingSkeletonTest, OpenStreamMakesTheUserOnlineAndClosingMakesThemOffline) {
  std::string token = Token("bob");
  auto presence = v1::Presence::NewStub(
      grpc::CreateChannel(stack_->presence_address(), grpc::InsecureChannelCredentials()));
  auto devices_of_bob = [&]() -> int {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    v1::GetPresenceRequest request;
    request.add_user_ids(2);  // bob registered second
    v1::GetPresenceResponse response;
    if (!presence->GetPresence(&context, request, &response).ok()) return -1;
    return response.users(0).devices();
  };
  ASSERT_EQ(devices_of_bob(), 0);

  auto gateway = v1::Gateway::NewStub(
      grpc::CreateChannel(stack_->gateway_address(1), grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    auto stream = gateway->Connect(&context);
    v1::ServerFrame frame;
    ASSERT_TRUE(stream->Read(&frame));
    ASSERT_TRUE(frame.events(0).has_welcome());
    EXPECT_EQ(frame.events(0).welcome().username(), "bob");
    EXPECT_EQ(frame.events(0).welcome().gateway_id(), "gw-2");
    ASSERT_TRUE(testing::WaitFor([&] { return devices_of_bob() == 1; }, 10s));
    context.TryCancel();
    stream->Finish();
  }
  EXPECT_TRUE(testing::WaitFor([&] { return devices_of_bob() == 0; }, 10s));
}

}  // namespace
}  // namespace natter
