// PresenceService's announcements on fakes: what friends and rooms are told, once per change of the
// visible status, for every way a status changes (streams, chosen status, invisibility, expiry).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_event_publisher.h"
#include "fakes/fake_presence_store.h"
#include "fakes/fake_rate_limiter.h"
#include "natter/v1/gateway.pb.h"
#include "presence_service.h"

namespace natter::presence {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace std::chrono_literals;

class PresenceAnnounceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    audience_.Set(1, {2, 3}, {Room{10, "lobby"}});  // bob (1) has friends 2 and 3
  }

  v1::DeviceStream Stream(const std::string& id) {
    v1::DeviceStream s;
    s.set_user_id(1);
    s.set_stream_id(id);
    s.set_username("bob");
    return s;
  }
  void Open(const std::string& id) {
    v1::StreamOpenedRequest r;
    *r.mutable_stream() = Stream(id);
    ASSERT_TRUE(service_.StreamOpened(r).ok());
  }
  void Close(const std::string& id) {
    v1::StreamClosedRequest r;
    *r.mutable_stream() = Stream(id);
    ASSERT_TRUE(service_.StreamClosed(r).ok());
  }
  absl::StatusOr<v1::SetStatusResponse> Set(const std::string& status) {
    v1::SetStatusRequest r;
    r.set_user_id(1);
    r.set_status(status);
    return service_.SetStatus(r);
  }

  // What was published, as "channel:what", in order; then forgets it.
  std::vector<std::string> Told() {
    std::vector<std::string> out;
    for (const auto& p : publisher_.published()) {
      v1::ServerEvent e;
      EXPECT_TRUE(e.ParseFromString(p.payload));
      if (e.has_presence()) out.push_back(p.channel + ":" + e.presence().status());
      if (e.has_room_notice()) out.push_back(p.channel + ":" + e.room_notice().event());
    }
    publisher_.Clear();
    return out;
  }

  fakes::FakePresenceStore store_;
  fakes::FakeAudience audience_;
  fakes::FakeEventPublisher publisher_;
  fakes::FakeClock clock_;
  fakes::FakeRateLimiter limiter_{clock_};
  PresenceService service_{store_, audience_, publisher_, limiter_, RateLimit{}, clock_, 30s};
};

TEST_F(PresenceAnnounceTest, ComingOnlineTellsEveryFriendAndTheRoomsOnce) {
  Open("laptop");
  EXPECT_THAT(Told(), ElementsAre("user:2:online", "user:3:online", "room:10:joined"));
  Open("phone");  // a second device changes nothing visible
  EXPECT_THAT(Told(), IsEmpty());
}

TEST_F(PresenceAnnounceTest, AnnouncementsGoOutInOneRoundTrip) {
  audience_.Set(1, std::vector<uint64_t>(1000, 7), {Room{10, "lobby"}});
  Open("laptop");
  EXPECT_EQ(publisher_.batches(), 1);
  EXPECT_EQ(publisher_.published().size(), 1001u);
}

TEST_F(PresenceAnnounceTest, ClosingOneOfTwoDevicesKeepsTheUserOnline) {
  Open("laptop");
  Open("phone");
  Told();
  Close("laptop");
  EXPECT_THAT(Told(), IsEmpty());
  Close("phone");
  EXPECT_THAT(Told(), ElementsAre("user:2:offline", "user:3:offline", "room:10:left"));
}

TEST_F(PresenceAnnounceTest, AwayIsAnnouncedToFriendsButIsNoRoomNotice) {
  Open("laptop");
  Told();
  EXPECT_EQ(Set("away")->visible_status(), "away");
  EXPECT_THAT(Told(), ElementsAre("user:2:away", "user:3:away"));
  EXPECT_EQ(Set("online")->visible_status(), "online");
  EXPECT_THAT(Told(), ElementsAre("user:2:online", "user:3:online"));
}

TEST_F(PresenceAnnounceTest, InvisibleLooksOfflineToEveryone) {
  Open("laptop");
  Told();
  EXPECT_EQ(Set("invisible")->visible_status(), "offline");
  EXPECT_THAT(Told(), ElementsAre("user:2:offline", "user:3:offline", "room:10:left"));
  v1::ListOnlineRequest r;
  EXPECT_EQ(service_.ListOnline(r)->total(), 0u);
  // Connecting another device while invisible reveals nothing.
  Open("phone");
  EXPECT_THAT(Told(), IsEmpty());
}

TEST_F(PresenceAnnounceTest, ChosenStatusOutlivesTheConnection) {
  EXPECT_EQ(Set("away")->visible_status(), "offline");  // nobody connected yet
  EXPECT_THAT(Told(), IsEmpty());
  Open("laptop");
  EXPECT_THAT(Told(), ElementsAre("user:2:away", "user:3:away", "room:10:joined"));
}

TEST_F(PresenceAnnounceTest, ADeadGatewaysUsersAreSweptOfflineAfterTheTtl) {
  Open("laptop");
  Told();
  clock_.Advance(29s);
  ASSERT_TRUE(service_.Sweep().ok());
  EXPECT_THAT(Told(), IsEmpty());
  clock_.Advance(1s);
  ASSERT_TRUE(service_.Sweep().ok());
  EXPECT_THAT(Told(), ElementsAre("user:2:offline", "user:3:offline", "room:10:left"));
  v1::GetPresenceRequest r;
  r.add_user_ids(1);
  auto p = service_.GetPresence(r);
  EXPECT_EQ(p->users(0).status(), "offline");
  // Last seen: the last renewal, not the moment the sweeper noticed.
  EXPECT_EQ(p->users(0).last_seen_ms(), clock_.NowMs() - 30'000);
}

TEST_F(PresenceAnnounceTest, ProfileChangesArePassedOnToFriendsOnly) {
  v1::ServerEvent event;
  event.mutable_profile()->mutable_profile()->set_user_id(1);
  event.mutable_profile()->mutable_profile()->set_display_name("Bob B.");
  ASSERT_TRUE(service_.ForwardProfile(event.SerializeAsString()).ok());
  auto published = publisher_.published();
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[0].channel, "user:2");
  EXPECT_EQ(published[1].channel, "user:3");
  EXPECT_EQ(published[0].payload, event.SerializeAsString());
  EXPECT_EQ(service_.ForwardProfile("garbage").code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(PresenceAnnounceTest, RejectsUnknownStatuses) {
  EXPECT_EQ(Set("busy").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Set("busy").status().message(), "status must be online, away or invisible");
}

TEST_F(PresenceAnnounceTest, AnUnknownAudienceLosesOnlyTheAnnouncement) {
  audience_.FailNext(absl::UnavailableError("chat is down"));
  Open("laptop");
  EXPECT_THAT(Told(), IsEmpty());
  v1::GetPresenceRequest r;
  r.add_user_ids(1);
  EXPECT_EQ(service_.GetPresence(r)->users(0).status(), "online");
}

}  // namespace
}  // namespace natter::presence
