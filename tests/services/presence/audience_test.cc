// presence:audience_changed as natter-presence applies it: the users named are forgotten, whether
// the payload is this release's protobuf or the previous release's CSV; a bad payload changes
// nothing (in particular, it never empties the whole cache).
#include "audience.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/channels.h"
#include "fakes/fake_presence_store.h"

namespace natter::presence {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ApplyAudienceChangedTest, ForgetsTheUsersAProtobufPayloadNames) {
  fakes::FakeAudience audience;
  EXPECT_TRUE(ApplyAudienceChanged(audience, AudienceChangedPayload({4, 9})));
  EXPECT_THAT(audience.invalidations(), ElementsAre(ElementsAre(4u, 9u)));
}

TEST(ApplyAudienceChangedTest, ForgetsTheUsersAPreviousReleasesCsvPayloadNames) {
  fakes::FakeAudience audience;
  EXPECT_TRUE(ApplyAudienceChanged(audience, "4,9"));
  EXPECT_THAT(audience.invalidations(), ElementsAre(ElementsAre(4u, 9u)));
}

TEST(ApplyAudienceChangedTest, ABadPayloadIsDroppedAndForgetsNoOne) {
  fakes::FakeAudience audience;
  EXPECT_FALSE(ApplyAudienceChanged(audience, ""));
  EXPECT_FALSE(ApplyAudienceChanged(audience, "4,,9"));
  EXPECT_FALSE(ApplyAudienceChanged(audience, std::string("\x0a\x7f", 2)));
  EXPECT_FALSE(ApplyAudienceChanged(audience, AudienceChangedPayload({})));
  EXPECT_THAT(audience.invalidations(), IsEmpty());
}

}  // namespace
}  // namespace natter::presence
