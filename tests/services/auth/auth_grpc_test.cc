// AuthGrpc's pools and admission: token checks never wait behind avatar decoding (issue 19, item
// 4), and a password-hashing call that could not finish before its deadline is refused at once
// (item 12). A real gRPC server in process, on AuthService with fakes.
#include "auth_grpc.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_event_publisher.h"
#include "fakes/fake_rate_limiter.h"
#include "fakes/fake_session_store.h"
#include "fakes/fake_user_store.h"
#include "hash_admission.h"
#include "natter/v1/auth.grpc.pb.h"
#include "test_images.h"

namespace natter::auth {
namespace {

using namespace std::chrono_literals;

// Holds every avatar upload inside the store until Release(); counts those held.
class AvatarGate {
 public:
  void Enter() {
    std::unique_lock lock(mu_);
    ++held_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return released_; });
  }
  bool WaitForHeld(int n, std::chrono::seconds deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return held_ >= n; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int held_ = 0;
  bool released_ = false;
};

class AuthGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&grpc_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = v1::Auth::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                  grpc::InsecureChannelCredentials()));
    v1::RegisterRequest r;
    r.set_username("alice");
    r.set_password("correct horse");
    ASSERT_TRUE(service_.Register(r).ok());
    v1::LoginRequest l;
    l.set_username("alice");
    l.set_password("correct horse");
    token_ = service_.Login(l)->token();
    users_.OnSetAvatar([this] { gate_.Enter(); });
  }
  void TearDown() override {
    gate_.Release();
    for (auto& upload : uploads_) upload.wait();
    server_->Shutdown();
  }

  std::future<grpc::Status> UploadAvatar() {
    return std::async(std::launch::async, [this] {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + 60s);
      v1::SetAvatarRequest request;
      request.set_token(token_);
      request.set_image(testing::MakeImage(64, 64, "png"));
      v1::Profile profile;
      return stub_->SetAvatar(&context, request, &profile);
    });
  }

  fakes::FakeUserStore users_;
  fakes::FakeSessionStore sessions_;
  fakes::FakeClock clock_;
  fakes::FakeLoginThrottle throttle_{clock_};
  fakes::FakeRateLimiter limiter_{clock_};
  fakes::FakeEventPublisher publisher_;
  const PasswordHasher hasher_ = PasswordHasher::Minimum();
  AuthService service_{
      users_,     sessions_, throttle_, limiter_,
      publisher_, hasher_,   clock_,    AuthOptions{.limits = AuthLimits::Unlimited()}};
  // One thread each, as small as pools get: the test holds the image thread.
  WorkerPool hashing_{"test-hashing", 1, 16};
  HashAdmission admission_{1, 1ms};
  WorkerPool images_{"test-images", 1, 1};
  WorkerPool other_{"test-other", 1, 16};
  AuthGrpc grpc_{
      service_, {.hashing = hashing_, .admission = admission_, .images = images_, .other = other_}};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Auth::Stub> stub_;
  std::string token_;
  AvatarGate gate_;
  std::vector<std::future<grpc::Status>> uploads_;
};

TEST_F(AuthGrpcTest, TokenChecksNeverWaitBehindAvatarUploads) {
  // One upload held in the image pool's only thread, another queued behind it (or refused).
  uploads_.push_back(UploadAvatar());
  ASSERT_TRUE(gate_.WaitForHeld(1, 30s));
  uploads_.push_back(UploadAvatar());

  // Token checks and profile calls go on meanwhile. (Before, SetAvatar ran on the same pool as
  // ValidateToken, which here would wait for the held upload until its deadline.)
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    v1::ValidateTokenRequest request;
    request.set_token(token_);
    v1::ValidateTokenResponse response;
    grpc::Status status = stub_->ValidateToken(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
    EXPECT_EQ(response.username(), "alice");
  }
  gate_.Release();
  EXPECT_TRUE(uploads_[0].get().ok());
  uploads_.clear();
}

TEST(HashAdmissionTest, AdmitsWhileTheQueueCanBeDoneInHalfTheTimeLeft) {
  HashAdmission admission(2, 100ms);
  std::vector<std::shared_ptr<HashAdmission::Ticket>> tickets;
  // Two at a time, 100 ms each: the tenth is done after 500 ms, half of a second.
  for (int i = 0; i < 10; ++i) {
    auto ticket = admission.Admit(1000ms);
    ASSERT_TRUE(ticket.ok()) << i << ": " << ticket.status();
    tickets.push_back(*ticket);
  }
  auto refused = admission.Admit(1000ms);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfter(refused.status()), 500ms);
  EXPECT_EQ(refused.status().message(), "the server is busy with other logins; try again in 0.5 s");
  // A longer deadline has room; a finished call makes room.
  EXPECT_TRUE(admission.Admit(10s).ok());
  tickets.pop_back();
  EXPECT_TRUE(admission.Admit(1000ms).ok());
}

TEST(HashAdmissionTest, SlowerCallsRaiseTheEstimateAndNothingLowersItBelowTheMeasure) {
  HashAdmission admission(1, 100ms);
  EXPECT_EQ(admission.ExpectedFinish(), 100ms);
  for (int i = 0; i < 10; ++i) (*admission.Admit(10s))->Record(1000ms);
  EXPECT_GT(admission.ExpectedFinish(), 800ms);
  for (int i = 0; i < 50; ++i) (*admission.Admit(10s))->Record(1ms);
  EXPECT_EQ(admission.ExpectedFinish(), 100ms);
  EXPECT_EQ(admission.admitted(), 0u);
}

TEST(HashAdmissionTest, ACallDroppedBeforeItRanGivesBackItsPlace) {
  HashAdmission admission(1, 100ms);
  {
    auto ticket = admission.Admit(1s);
    ASSERT_TRUE(ticket.ok());
    EXPECT_EQ(admission.admitted(), 1u);
  }
  EXPECT_EQ(admission.admitted(), 0u);
  EXPECT_EQ(admission.ExpectedFinish(), 100ms);
}

}  // namespace
}  // namespace natter::auth
