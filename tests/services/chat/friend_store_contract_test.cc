// The FriendStore contract (friend_store_contract.h) on FakeFriendStore, the fake that the chat
// service tests run on; mysql_stores_test runs the same suite on MySQL.
#include "services/chat/friend_store_contract.h"

#include "fakes/fake_friend_store.h"

namespace natter::chat {
namespace {

struct FakeFriendStoreEnv {
  static void SetUpTestSuite() {}
  static void TearDownTestSuite() {}
  static std::unique_ptr<FriendStore> MakeStore() {
    return std::make_unique<fakes::FakeFriendStore>();
  }
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Fake, FriendStoreContract, ::testing::Types<FakeFriendStoreEnv>);

}  // namespace natter::chat
