// End to end for accounts: the bad-input table through the real gateway, sessions ending streams,
// profiles and avatars through natterctl, throttling, deletion, and what MySQL holds.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <QImage>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/auth_bad_input.h"
#include "common/status.h"
#include "harness/harness.h"
#include "natter/v1/gateway.grpc.pb.h"

namespace natter {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::JsonLines;

// The account API over the real gateway, as any client would call it.
class GatewayAuthApi final : public testing::AuthApi {
 public:
  explicit GatewayAuthApi(const std::string& address)
      : stub_(v1::Gateway::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {}

  absl::Status Register(const std::string& username, const std::string& password,
                        const std::string& display_name) override {
    v1::RegisterRequest r;
    r.set_username(username);
    r.set_password(password);
    r.set_display_name(display_name);
    v1::RegisterResponse response;
    auto context = Context("");
    return FromGrpc(stub_->Register(context.get(), r, &response));
  }
  absl::StatusOr<std::string> Login(const std::string& username,
                                    const std::string& password) override {
    v1::LoginRequest r;
    r.set_username(username);
    r.set_password(password);
    r.set_device("e2e");
    v1::LoginResponse response;
    auto context = Context("");
    auto status = FromGrpc(stub_->Login(context.get(), r, &response));
    if (!status.ok()) return status;
    return response.token();
  }
  absl::Status GetProfile(const std::string& token, const std::string& username) override {
    v1::GetProfileRequest r;
    if (!username.empty()) r.set_username(username);
    v1::Profile response;
    auto context = Context(token);
    return FromGrpc(stub_->GetProfile(context.get(), r, &response));
  }
  absl::Status UpdateProfile(const std::string& token,
                             const std::optional<std::string>& display_name) override {
    v1::UpdateProfileRequest r;
    if (display_name) r.set_display_name(*display_name);
    v1::Profile response;
    auto context = Context(token);
    return FromGrpc(stub_->UpdateProfile(context.get(), r, &response));
  }
  absl::Status SetAvatar(const std::string& token, const std::string& image) override {
    v1::SetAvatarRequest r;
    r.set_image(image);
    v1::Profile response;
    auto context = Context(token);
    return FromGrpc(stub_->SetAvatar(context.get(), r, &response));
  }
  absl::Status ChangePassword(const std::string& token, const std::string& old_password,
                              const std::string& new_password) override {
    v1::ChangePasswordRequest r;
    r.set_old_password(old_password);
    r.set_new_password(new_password);
    v1::ChangePasswordResponse response;
    auto context = Context(token);
    return FromGrpc(stub_->ChangePassword(context.get(), r, &response));
  }
  absl::Status RevokeSession(const std::string& token, const std::string& session_id) override {
    v1::RevokeSessionRequest r;
    r.set_session_id(session_id);
    v1::RevokeSessionResponse response;
    auto context = Context(token);
    return FromGrpc(stub_->RevokeSession(context.get(), r, &response));
  }
  absl::Status Logout(const std::string& token) override {
    v1::LogoutResponse response;
    auto context = Context(token);
    return FromGrpc(stub_->Logout(context.get(), v1::LogoutRequest(), &response));
  }
  absl::Status DeleteAccount(const std::string& token, const std::string& password) override {
    v1::DeleteAccountRequest r;
    r.set_password(password);
    v1::DeleteAccountResponse response;
    auto context = Context(token);
    return FromGrpc(stub_->DeleteAccount(context.get(), r, &response));
  }

 private:
  static std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    // An empty token is sent as "Bearer " (present but empty), like a client with a blank config.
    if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
    context->set_deadline(std::chrono::system_clock::now() + 20s);
    return context;
  }

  std::unique_ptr<v1::Gateway::Stub> stub_;
};

class AccountsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { stack_ = new testing::Stack({.chat_replicas = 1, .gateways = 2}); }
  static void TearDownTestSuite() { delete stack_; }

  static testing::CommandResult Ctl(const std::vector<std::string>& args,
                                    const std::string& stdin_text = "") {
    return stack_->Ctl(args, stdin_text);
  }
  static void RegisterAndLogin(const std::string& user, const std::string& password) {
    auto reg = Ctl({"register", user}, password + "\n");
    ASSERT_EQ(reg.exit_code, 0) << reg.err;
    auto login = Ctl({"login", user, "--device", user + "-laptop"}, password + "\n");
    ASSERT_EQ(login.exit_code, 0) << login.err;
  }
  static std::unique_ptr<testing::Process> Listen(const std::string& user, size_t gateway) {
    auto listener = stack_->CtlInBackground(
        "listen-" + user, {"--gateway", stack_->gateway_address(gateway), "--as", user, "listen",
                           "--type", "profile", "--type", "session_ended", "--timeout", "60"});
    bool live = testing::WaitFor(
        [&] {
          return listener->Stderr().find("listening as") != std::string::npos ||
                 !listener->Running();
        },
        20s);
    EXPECT_TRUE(live && listener->Running()) << listener->Stderr();
    return listener;
  }
  // A second device: its own NATTER_HOME, logged in as `user`.
  static std::map<std::string, std::string> SecondDevice(const std::string& user,
                                                         const std::string& password) {
    std::map<std::string, std::string> env = {
        {"NATTER_HOME", (stack_->dir() / ("device2-" + user)).string()},
        {"NATTER_GATEWAY", stack_->gateway_address(1)}};
    auto login = testing::Run(stack_->CtlArgv({"login", user, "--device", "phone"}),
                              stack_->dir() / "logs", env, password + "\n");
    EXPECT_EQ(login.exit_code, 0) << login.err;
    return env;
  }

  static testing::Stack* stack_;
};

testing::Stack* AccountsTest::stack_ = nullptr;

TEST_F(AccountsTest, EveryBadInputGetsTheRightStatusAndMessageThroughTheGateway) {
  GatewayAuthApi api(stack_->gateway_address(0));
  testing::Tokens tokens = testing::PrepareBadInputFixtures(api);
  auto cases = testing::BadInputCases();
  ASSERT_GE(cases.size(), 30u);
  for (const auto& c : cases) {
    absl::Status status = c.call(api, tokens);
    if (c.gateway_code) {
      EXPECT_EQ(status.code(), *c.gateway_code) << c.name << ": " << status;
      if (!c.gateway_message.empty()) {
        EXPECT_EQ(std::string(status.message()), c.gateway_message) << c.name;
      }
      continue;
    }
    EXPECT_EQ(status.code(), c.code) << c.name << ": " << status;
    EXPECT_EQ(std::string(status.message()), c.message) << c.name;
  }
  // The servers are all still up.
  EXPECT_TRUE(testing::IsServing(stack_->auth_address()));
  EXPECT_TRUE(testing::IsServing(stack_->gateway_address(0)));
}

TEST_F(AccountsTest, PasswordChangeClosesTheOtherDevicesOpenStream) {
  RegisterAndLogin("pat", "first password 1");
  auto listener = Listen("pat", 0);
  auto phone = SecondDevice("pat", "first password 1");
  auto passwd = testing::Run(stack_->CtlArgv({"passwd"}), stack_->dir() / "logs", phone,
                             "first password 1\nsecond password 2\n");
  ASSERT_EQ(passwd.exit_code, 0) << passwd.err;
  EXPECT_EQ(json::parse(passwd.out)["other_sessions_ended"], 1);

  auto code = listener->Wait(10s);
  ASSERT_TRUE(code.has_value()) << "the laptop's stream stayed open";
  EXPECT_EQ(*code, 1);
  EXPECT_NE(listener->Stderr().find("session ended (password changed); log in again"),
            std::string::npos)
      << listener->Stderr();
  auto events = JsonLines(listener->Stdout());
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["type"], "session_ended");
  // The phone, which changed the password, is still logged in.
  auto whoami = testing::Run(stack_->CtlArgv({"whoami"}), stack_->dir() / "logs", phone);
  EXPECT_EQ(whoami.exit_code, 0) << whoami.err;
  // The old password no longer works; the new one does.
  EXPECT_NE(Ctl({"login", "pat"}, "first password 1\n").exit_code, 0);
  EXPECT_EQ(Ctl({"login", "pat"}, "second password 2\n").exit_code, 0);
}

TEST_F(AccountsTest, RevokingASessionClosesItsStreamAndLogoutAllEndsEverything) {
  RegisterAndLogin("quinn", "quinn password 1");
  auto phone = SecondDevice("quinn", "quinn password 1");
  auto listener = Listen("quinn", 1);
  auto sessions = testing::Run(stack_->CtlArgv({"sessions"}), stack_->dir() / "logs", phone);
  ASSERT_EQ(sessions.exit_code, 0) << sessions.err;
  auto list = JsonLines(sessions.out);
  ASSERT_EQ(list.size(), 2u);
  std::string laptop_id;
  for (const auto& s : list) {
    if (!s["current"].get<bool>()) {
      EXPECT_EQ(s["device"], "quinn-laptop");
      laptop_id = s["id"];
    }
  }
  auto revoke = testing::Run(stack_->CtlArgv({"sessions", "revoke", laptop_id}),
                             stack_->dir() / "logs", phone);
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  ASSERT_TRUE(listener->Wait(10s).has_value());
  EXPECT_NE(listener->Stderr().find("session ended (revoked)"), std::string::npos);

  auto all = testing::Run(stack_->CtlArgv({"logout", "--all"}), stack_->dir() / "logs", phone);
  ASSERT_EQ(all.exit_code, 0) << all.err;
  auto after = testing::Run(stack_->CtlArgv({"whoami"}), stack_->dir() / "logs", phone);
  EXPECT_NE(after.exit_code, 0);
  EXPECT_EQ(after.err,
            "natterctl: not logged in: run 'natterctl login USER' first (or pass --as USER)\n");
}

TEST_F(AccountsTest, ProfileAndAvatarRoundTripThroughNatterctl) {
  RegisterAndLogin("rosa", "rosa password 1");
  auto listener = Listen("rosa", 1);
  auto set = Ctl({"--as", "rosa", "profile", "set", "--display-name", "Rosa R\xC3\xB6sli"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(json::parse(set.out)["display_name"], "Rosa R\xC3\xB6sli");

  QImage image(300, 200, QImage::Format_RGB32);
  image.fill(Qt::green);
  std::string file = (stack_->dir() / "rosa.jpg").string();
  ASSERT_TRUE(image.save(QString::fromStdString(file), "jpeg"));
  auto avatar = Ctl({"--as", "rosa", "avatar", "set", file});
  ASSERT_EQ(avatar.exit_code, 0) << avatar.err;
  EXPECT_EQ(json::parse(avatar.out)["avatar_version"], 1);

  std::string out = (stack_->dir() / "rosa-avatar.png").string();
  auto get = Ctl({"--as", "rosa", "avatar", "get", "rosa", "-o", out});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  QImage fetched;
  ASSERT_TRUE(fetched.load(QString::fromStdString(out), "png"));
  EXPECT_EQ(fetched.size(), QSize(128, 128));

  auto profile = Ctl({"--as", "rosa", "profile", "rosa"});
  ASSERT_EQ(profile.exit_code, 0) << profile.err;
  json p = json::parse(profile.out);
  EXPECT_EQ(p["username"], "rosa");
  EXPECT_EQ(p["display_name"], "Rosa R\xC3\xB6sli");
  EXPECT_EQ(p["avatar_version"], 1);

  // The user's other device heard both changes live.
  ASSERT_TRUE(testing::WaitFor([&] { return JsonLines(listener->Stdout()).size() >= 2; }, 10s));
  auto events = JsonLines(listener->Stdout());
  EXPECT_EQ(events[0]["type"], "profile");
  EXPECT_EQ(events[0]["display_name"], "Rosa R\xC3\xB6sli");
  EXPECT_EQ(events[1]["avatar_version"], 1);

  auto zip = stack_->dir() / "not-an-image.png";
  std::ofstream(zip) << "PK\x03\x04 definitely a zip";
  auto refused = Ctl({"--as", "rosa", "avatar", "set", zip.string()});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_EQ(refused.err, "natterctl: avatar must be a PNG or JPEG image\n");
}

TEST_F(AccountsTest, RepeatedWrongPasswordsAreThrottledWithTheWaitTime) {
  RegisterAndLogin("sam", "sam password 1");
  for (int i = 0; i < 5; ++i) {
    auto wrong = Ctl({"login", "sam"}, "not the password\n");
    EXPECT_EQ(wrong.err, "natterctl: wrong username or password\n");
  }
  auto locked = Ctl({"login", "sam"}, "sam password 1\n");
  EXPECT_NE(locked.exit_code, 0);
  EXPECT_TRUE(locked.err.starts_with("natterctl: too many failed attempts; try again in "))
      << locked.err;
}

TEST_F(AccountsTest, DeletedAccountsMessagesShowADeletedUser) {
  RegisterAndLogin("tove", "tove password 1");
  RegisterAndLogin("uma", "uma password 1");
  auto sent = Ctl({"--as", "tove", "send", "--room", "lobby", "remember me"});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  uint64_t seq = json::parse(sent.out)["seq"];
  auto deleted = Ctl({"--as", "tove", "delete-account"}, "tove password 1\n");
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;

  // A fresh listener syncs history after a reconnect; here we ask directly over the stream.
  auto stub = v1::Gateway::NewStub(
      grpc::CreateChannel(stack_->gateway_address(0), grpc::InsecureChannelCredentials()));
  GatewayAuthApi api(stack_->gateway_address(0));
  auto token = api.Login("uma", "uma password 1");
  ASSERT_TRUE(token.ok());
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + *token);
  context.set_deadline(std::chrono::system_clock::now() + 20s);
  auto stream = stub->Connect(&context);
  v1::ServerFrame frame;
  ASSERT_TRUE(stream->Read(&frame));
  uint64_t lobby = frame.events(0).welcome().conversations(0).id();
  v1::ClientFrame sync;
  sync.set_request_id(1);
  sync.mutable_sync()->set_conversation_id(lobby);
  sync.mutable_sync()->set_after_seq(seq - 1);
  ASSERT_TRUE(stream->Write(sync));
  std::string sender;
  while (sender.empty() && stream->Read(&frame)) {
    for (const auto& e : frame.events()) {
      if (e.has_result() && e.result().request_id() == 1) {
        ASSERT_GE(e.result().sync().messages_size(), 1);
        EXPECT_EQ(e.result().sync().messages(0).text(), "remember me");
        sender = e.result().sync().messages(0).sender();
      }
    }
  }
  context.TryCancel();
  stream->Finish();
  EXPECT_EQ(sender, "deleted user");
  EXPECT_NE(Ctl({"login", "tove"}, "tove password 1\n").exit_code, 0);
}

TEST_F(AccountsTest, UsersTableHoldsOnlyArgon2idHashes) {
  RegisterAndLogin("vera", "vera password 1");
  std::string hashes = stack_->mysql().Sql("SELECT password_hash FROM natter.users");
  std::istringstream in(hashes);
  int rows = 0;
  for (std::string line; std::getline(in, line);) {
    ++rows;
    EXPECT_TRUE(line.starts_with("$argon2id$")) << line;
  }
  EXPECT_GT(rows, 0);
}

}  // namespace
}  // namespace natter
