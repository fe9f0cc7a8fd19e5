// Room notices in busy rooms: one per room per interval, the rest counted in the next one; and
// what natter-presence publishes when a crowd comes online at once.
#include "room_notices.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_event_publisher.h"
#include "fakes/fake_presence_store.h"
#include "fakes/fake_rate_limiter.h"
#include "natter/v1/gateway.pb.h"
#include "presence_service.h"

namespace natter::presence {
namespace {

using namespace std::chrono_literals;

const Room kLobby{10, "lobby"};
const Room kDev{11, "dev"};

RoomChange Change(const Room& room, uint64_t user_id, bool joined) {
  return RoomChange{room, user_id, "user" + std::to_string(user_id), joined};
}

TEST(RoomNoticesTest, AQuietRoomHearsAtOnceABusyOneOncePerInterval) {
  RoomNotices notices(1000ms);
  EXPECT_TRUE(notices.Offer(Change(kLobby, 1, true), 0));
  EXPECT_FALSE(notices.Offer(Change(kLobby, 2, true), 10));
  EXPECT_FALSE(notices.Offer(Change(kLobby, 1, false), 20));
  EXPECT_FALSE(notices.Offer(Change(kLobby, 3, true), 30));
  EXPECT_TRUE(notices.Offer(Change(kDev, 2, true), 40));  // each room has its own interval

  EXPECT_TRUE(notices.TakeDue(999).empty());
  auto due = notices.TakeDue(1000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].room.id, kLobby.id);
  EXPECT_EQ(due[0].user_id, 3u);  // the latest change is named
  EXPECT_TRUE(due[0].joined);
  EXPECT_EQ(due[0].others_joined, 1u);  // user 2
  EXPECT_EQ(due[0].others_left, 1u);    // user 1
  EXPECT_TRUE(notices.TakeDue(1500).empty());

  // The room was still busy, so it waits twice as long from the folded notice: a change right
  // after it is folded again and goes out two intervals later.
  EXPECT_FALSE(notices.Offer(Change(kLobby, 4, false), 1500));
  EXPECT_TRUE(notices.TakeDue(2999).empty());
  due = notices.TakeDue(3000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].user_id, 4u);
  EXPECT_FALSE(due[0].joined);
  EXPECT_EQ(due[0].others_joined + due[0].others_left, 0u);

  // A room quiet for its whole (backed-off) interval is forgotten and hears the next change at
  // once.
  EXPECT_TRUE(notices.TakeDue(6999).empty());
  EXPECT_FALSE(notices.Offer(Change(kLobby, 5, true), 6999));  // not yet: folded
  EXPECT_EQ(notices.TakeDue(7000).size(), 1u);
  EXPECT_TRUE(notices.TakeDue(15000).empty());
  EXPECT_TRUE(notices.TakeDue(16000).empty());
  EXPECT_TRUE(notices.Offer(Change(kLobby, 6, true), 16000));
}

TEST(RoomNoticesTest, ARoomThatStaysBusyBacksOffToSixteenIntervals) {
  RoomNotices notices(1000ms);
  EXPECT_TRUE(notices.Offer(Change(kLobby, 1, true), 0));
  // Someone arrives every 100 ms for five minutes; note when the folded notices go out.
  std::vector<int64_t> sent;
  uint64_t user = 2;
  for (int64_t now = 100; now <= 300'000; now += 100) {
    EXPECT_FALSE(notices.Offer(Change(kLobby, user++, true), now));
    if (!notices.TakeDue(now).empty()) sent.push_back(now);
  }
  // 1, 2, 4, 8 and then 16 s apart.
  ASSERT_GE(sent.size(), 6u);
  EXPECT_EQ(sent[0], 1000);
  EXPECT_EQ(sent[1], 3000);
  EXPECT_EQ(sent[2], 7000);
  EXPECT_EQ(sent[3], 15000);
  EXPECT_EQ(sent[4], 31000);
  for (size_t i = 5; i < sent.size(); ++i) EXPECT_EQ(sent[i] - sent[i - 1], 16000);
}

TEST(RoomNoticesTest, NoIntervalMeansANoticeForEveryChange) {
  RoomNotices notices(0ms);
  for (uint64_t user = 1; user <= 5; ++user) {
    EXPECT_TRUE(notices.Offer(Change(kLobby, user, true), 0));
  }
  EXPECT_TRUE(notices.TakeDue(0).empty());
}

TEST(RoomNoticesTest, ACrowdComingOnlineCostsTheRoomTwoNotices) {
  fakes::FakePresenceStore store;
  fakes::FakeAudience audience;
  fakes::FakeEventPublisher publisher;
  fakes::FakeClock clock;
  fakes::FakeRateLimiter limiter(clock);
  PresenceService service(store, audience, publisher, limiter, RateLimit{}, clock, 30s, 1000ms);

  constexpr uint64_t kCrowd = 50;
  for (uint64_t user = 1; user <= kCrowd; ++user) {
    audience.Set(user, {}, {kLobby});
    v1::StreamOpenedRequest opened;
    opened.mutable_stream()->set_user_id(user);
    opened.mutable_stream()->set_stream_id("s" + std::to_string(user));
    opened.mutable_stream()->set_username("user" + std::to_string(user));
    ASSERT_TRUE(service.StreamOpened(opened).ok());
    clock.Advance(1ms);
  }
  auto notices = [&] {
    std::vector<v1::RoomNotice> out;
    for (const auto& p : publisher.published()) {
      v1::ServerEvent e;
      EXPECT_TRUE(e.ParseFromString(p.payload));
      EXPECT_EQ(p.channel, "room:10");
      out.push_back(e.room_notice());
    }
    publisher.Clear();
    return out;
  };
  auto first = notices();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].username(), "user1");
  EXPECT_EQ(first[0].online_count(), 1u);

  EXPECT_EQ(*service.FlushRoomNotices(), 0u);  // the interval has not passed
  clock.Advance(1000ms);
  EXPECT_EQ(*service.FlushRoomNotices(), 1u);
  auto second = notices();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].username(), "user50");
  EXPECT_EQ(second[0].event(), "joined");
  EXPECT_EQ(second[0].others_joined(), kCrowd - 2);  // everyone but user1 and user50
  EXPECT_EQ(second[0].others_left(), 0u);
  EXPECT_EQ(second[0].online_count(), kCrowd);
}

}  // namespace
}  // namespace natter::presence
