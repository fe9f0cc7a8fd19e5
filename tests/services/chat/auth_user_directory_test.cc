// AuthUserDirectory against an in-process natter.v1.Auth that counts its calls: what is cached,
// for how long, and what a profile change makes stale.
#include "auth_user_directory.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "fakes/fake_clock.h"

namespace natter::chat {
namespace {

using std::chrono_literals::operator""s;

class CountingAuth final : public v1::Auth::Service {
 public:
  void Put(uint64_t id, const std::string& username, bool deleted = false) {
    std::lock_guard lock(mu_);
    v1::Profile& p = users_[id];
    p.set_user_id(id);
    p.set_username(username);
    p.set_deleted(deleted);
  }

  grpc::Status LookupUsers(grpc::ServerContext*, const v1::LookupUsersRequest* request,
                           v1::GetProfilesResponse* response) override {
    ++lookups;
    std::lock_guard lock(mu_);
    for (const auto& name : request->usernames()) {
      for (const auto& [id, p] : users_) {
        if (p.username() == name && !p.deleted()) *response->add_profiles() = p;
      }
    }
    return grpc::Status::OK;
  }

  grpc::Status GetProfiles(grpc::ServerContext*, const v1::GetProfilesRequest* request,
                           v1::GetProfilesResponse* response) override {
    ++profile_calls;
    std::lock_guard lock(mu_);
    for (uint64_t id : request->user_ids()) {
      if (auto it = users_.find(id); it != users_.end()) *response->add_profiles() = it->second;
    }
    return grpc::Status::OK;
  }

  std::atomic<int> lookups{0};
  std::atomic<int> profile_calls{0};

 private:
  std::mutex mu_;
  std::map<uint64_t, v1::Profile> users_;
};

class AuthUserDirectoryTest : public ::testing::Test {
 protected:
  AuthUserDirectoryTest() {
    auth_.Put(1, "alice");
    auth_.Put(2, "bob");
    grpc::ServerBuilder builder;
    builder.RegisterService(&auth_);
    server_ = builder.BuildAndStart();
  }
  ~AuthUserDirectoryTest() override { server_->Shutdown(); }

  std::unique_ptr<AuthUserDirectory> Directory(size_t max_entries = 100) {
    return std::make_unique<AuthUserDirectory>(
        v1::Auth::NewStub(server_->InProcessChannel(grpc::ChannelArguments())), clock_, 60s,
        max_entries);
  }

  CountingAuth auth_;
  fakes::FakeClock clock_;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(AuthUserDirectoryTest, ANameIsAskedForOncePerTtl) {
  auto users = Directory();
  for (int i = 0; i < 5; ++i) {
    auto bob = users->FindByUsername("bob");
    ASSERT_TRUE(bob.ok()) << bob.status();
    ASSERT_TRUE(bob->has_value());
    EXPECT_EQ((*bob)->user_id(), 2u);
  }
  EXPECT_EQ(auth_.lookups, 1);

  clock_.Advance(61s);
  ASSERT_TRUE(users->FindByUsername("bob").ok());
  EXPECT_EQ(auth_.lookups, 2);
}

TEST_F(AuthUserDirectoryTest, AnUnknownNameIsAskedForEveryTime) {
  auto users = Directory();
  auto nobody = users->FindByUsername("carol");
  ASSERT_TRUE(nobody.ok());
  EXPECT_FALSE(nobody->has_value());

  auth_.Put(3, "carol");  // registers a moment later
  auto carol = users->FindByUsername("carol");
  ASSERT_TRUE(carol.ok());
  ASSERT_TRUE(carol->has_value());
  EXPECT_EQ((*carol)->user_id(), 3u);
  EXPECT_EQ(auth_.lookups, 2);
}

TEST_F(AuthUserDirectoryTest, ADeletedAccountIsNotFoundOnceAnnounced) {
  auto users = Directory();
  ASSERT_TRUE(users->FindByUsername("bob")->has_value());

  auth_.Put(2, "bob", /*deleted=*/true);
  users->Invalidate(2);
  auto bob = users->FindByUsername("bob");
  ASSERT_TRUE(bob.ok());
  EXPECT_FALSE(bob->has_value());
  EXPECT_EQ(auth_.lookups, 2);
}

TEST_F(AuthUserDirectoryTest, AFoundNameAlsoAnswersForItsProfile) {
  auto users = Directory();
  ASSERT_TRUE(users->FindByUsername("alice")->has_value());
  auto profiles = users->Profiles({1});
  ASSERT_TRUE(profiles.ok());
  EXPECT_EQ(profiles->at(1).username(), "alice");
  EXPECT_EQ(auth_.profile_calls, 0);

  // A deleted profile learnt by id does not answer for the name.
  auth_.Put(1, "alice", /*deleted=*/true);
  users->Invalidate(1);
  ASSERT_TRUE(users->Profiles({1}).ok());
  EXPECT_FALSE(users->FindByUsername("alice")->has_value());
}

TEST_F(AuthUserDirectoryTest, ForgettingEverythingAndAFullCacheStartAfresh) {
  auto users = Directory(/*max_entries=*/1);
  ASSERT_TRUE(users->FindByUsername("alice")->has_value());
  ASSERT_TRUE(users->FindByUsername("bob")->has_value());  // alice's entries go to make room
  ASSERT_TRUE(users->FindByUsername("alice")->has_value());
  EXPECT_EQ(auth_.lookups, 3);

  users->Invalidate(0);
  ASSERT_TRUE(users->FindByUsername("alice")->has_value());
  EXPECT_EQ(auth_.lookups, 4);
}

}  // namespace
}  // namespace natter::chat
