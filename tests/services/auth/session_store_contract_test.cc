// The SessionStore contract (session_store_contract.h) on FakeSessionStore, the fake that the auth
// service tests run on; redis_stores_test runs the same suite on one Redis and on a cluster.
#include "services/auth/session_store_contract.h"

#include "fakes/fake_session_store.h"

namespace natter::auth {
namespace {

struct FakeSessionStoreEnv {
  static void SetUpTestSuite() {}
  static void TearDownTestSuite() {}
  static std::unique_ptr<SessionStore> MakeStore() {
    return std::make_unique<fakes::FakeSessionStore>();
  }
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Fake, SessionStoreContract, ::testing::Types<FakeSessionStoreEnv>);

}  // namespace natter::auth
