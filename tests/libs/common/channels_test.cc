// The presence:audience_changed payload: protobuf, the previous release's comma-separated ids read
// for one release, and payloads that are dropped rather than believed.
#include "common/channels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "common/metrics.h"
#include "natter/v1/presence.pb.h"

namespace natter {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

TEST(AudienceChangedTest, ThePayloadIsAnAudienceChangedMessage) {
  std::string payload = AudienceChangedPayload({2, 1, 77});
  v1::AudienceChanged message;
  ASSERT_TRUE(message.ParseFromString(payload));
  EXPECT_THAT(message.user_ids(), ElementsAre(2u, 1u, 77u));
  EXPECT_THAT(ParseAudienceChanged(payload), Optional(ElementsAre(2u, 1u, 77u)));
}

TEST(AudienceChangedTest, LargeIdsSurviveTheRoundTrip) {
  const uint64_t big = 18'446'744'073'709'551'615u;
  EXPECT_THAT(ParseAudienceChanged(AudienceChangedPayload({big, 1})),
              Optional(ElementsAre(big, 1u)));
}

// A chat replica of the previous release, during a rolling update, still publishes "2,1".
TEST(AudienceChangedTest, ThePreviousReleasesCommaSeparatedIdsAreStillRead) {
  EXPECT_THAT(ParseAudienceChanged("2,1"), Optional(ElementsAre(2u, 1u)));
  EXPECT_THAT(ParseAudienceChanged("42"), Optional(ElementsAre(42u)));
  EXPECT_THAT(ParseAudienceChanged("18446744073709551615,3"),
              Optional(ElementsAre(18'446'744'073'709'551'615u, 3u)));
}

TEST(AudienceChangedTest, APayloadThatNamesNoOneOrDoesNotParseIsRefused) {
  for (std::string_view bad :
       {std::string_view(""), std::string_view(","), std::string_view("1,,2"),
        std::string_view("1,2,"), std::string_view(",1"), std::string_view("0"),
        std::string_view("1,0"), std::string_view("18446744073709551616"),
        std::string_view("12 ,3"), std::string_view("alice"), std::string_view("\x0a\x05\x01", 3),
        std::string_view("\xff\xff\xff", 3)}) {
    EXPECT_EQ(ParseAudienceChanged(bad), std::nullopt) << "payload: " << bad;
  }
  // Valid protobuf, but no one to forget (an empty list must not mean "everyone").
  EXPECT_EQ(ParseAudienceChanged(AudienceChangedPayload({})), std::nullopt);
  EXPECT_EQ(ParseAudienceChanged(AudienceChangedPayload({5, 0})), std::nullopt);
}

TEST(DropPayloadTest, CountsEachDropByChannel) {
  auto count = [] {
    std::string text = prometheus::TextSerializer().Serialize(Metrics::Get().registry().Collect());
    std::string series = "natter_redis_payloads_dropped_total{channel=\"profile_changed\"} ";
    auto at = text.find(series);
    return at == std::string::npos ? 0.0 : std::stod(text.substr(at + series.size()));
  };
  double before = count();
  DropPayload(kProfileChangedChannel, "a test");
  DropPayload(kProfileChangedChannel, "a test");
  EXPECT_EQ(count(), before + 2);
}

}  // namespace
}  // namespace natter
