// Hub: per-channel subscription, readiness, fan-out (inline and on fan-out threads) and resync, on
// a fake Redis subscriber.
#include "hub.h"

#include <gmock/gmock.h>
#include <google/protobuf/unknown_field_set.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fakes/fake_channel_subscriber.h"
#include "natter/v1/gateway.pb.h"
#include "recording_sink.h"

namespace natter::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

std::string MessageEvent(uint64_t conversation_id, uint64_t seq, const std::string& text) {
  v1::ServerEvent event;
  v1::ChatMessage* m = event.mutable_message();
  m->set_conversation_id(conversation_id);
  m->set_seq(seq);
  m->set_text(text);
  return event.SerializeAsString();
}

// The texts of the chat messages `sink` received, in order; a marker if its frames do not decode.
std::vector<std::string> Texts(const RecordingSink& sink) {
  auto events = sink.Events();
  if (!events.ok()) return {"<undecodable frames>"};
  std::vector<std::string> out;
  for (const auto& event : *events) out.push_back(event.message().text());
  return out;
}

class HubTest : public ::testing::Test {
 protected:
  std::shared_ptr<RecordingSink> NewSink() { return std::make_shared<RecordingSink>(); }

  // Attaches `sink` and returns a counter of its on_ready calls.
  std::shared_ptr<int> Attach(const std::shared_ptr<RecordingSink>& sink,
                              const std::vector<std::string>& channels) {
    auto ready = std::make_shared<int>(0);
    hub_.Attach(sink, channels, [ready] { ++*ready; });
    return ready;
  }

  fakes::FakeChannelSubscriber subscriber_;
  BasicHub<RecordingSink> hub_{subscriber_, 0};
};

TEST_F(HubTest, AttachSubscribesEveryChannel) {
  auto sink = NewSink();
  Attach(sink, {"room:1", "user:7"});
  EXPECT_THAT(subscriber_.subscribed(), ElementsAre("room:1", "user:7"));
  EXPECT_EQ(hub_.channel_count(), 2u);
  EXPECT_THAT(subscriber_.unsubscribe_calls(), IsEmpty());
}

TEST_F(HubTest, SeveralSinksShareOneSubscriptionPerChannel) {
  auto alice = NewSink();
  auto bob = NewSink();
  auto carol = NewSink();
  Attach(alice, {"room:1", "user:1"});
  Attach(bob, {"room:1", "user:2"});
  Attach(carol, {"room:1", "user:3"});
  EXPECT_EQ(hub_.channel_count(), 4u);
  EXPECT_THAT(subscriber_.subscribed(), ElementsAre("room:1", "user:1", "user:2", "user:3"));
  EXPECT_EQ(subscriber_.subscribes_sent("room:1"), 1);
  EXPECT_EQ(subscriber_.subscribes_sent("user:2"), 1);
  EXPECT_THAT(subscriber_.unsubscribe_calls(), IsEmpty());
}

TEST_F(HubTest, OnReadyWaitsForEveryChannelToBeConfirmed) {
  auto sink = NewSink();
  auto ready = Attach(sink, {"room:1", "room:2", "user:7"});
  EXPECT_EQ(*ready, 0);
  subscriber_.Confirm("room:1");
  EXPECT_EQ(*ready, 0);
  subscriber_.Confirm("user:7");
  EXPECT_EQ(*ready, 0);
  subscriber_.Confirm("room:2");
  EXPECT_EQ(*ready, 1);
  subscriber_.Confirm("room:2");  // a repeated confirmation does not fire it again
  subscriber_.RunReadyCallbacks();
  EXPECT_EQ(*ready, 1);
}

TEST_F(HubTest, OnReadyFiresForEachSinkOfASharedChannel) {
  auto alice = NewSink();
  auto bob = NewSink();
  auto alice_ready = Attach(alice, {"room:1", "user:1"});
  auto bob_ready = Attach(bob, {"room:1", "user:2"});
  subscriber_.Confirm("room:1");
  subscriber_.Confirm("user:1");
  EXPECT_EQ(*alice_ready, 1);
  EXPECT_EQ(*bob_ready, 0);  // still waiting for user:2
  subscriber_.Confirm("user:2");
  EXPECT_EQ(*alice_ready, 1);
  EXPECT_EQ(*bob_ready, 1);
}

TEST_F(HubTest, LateSinkOnConfirmedChannelBecomesReadyWithoutNewSubscribe) {
  auto alice = NewSink();
  Attach(alice, {"room:1"});
  subscriber_.Confirm("room:1");
  auto bob = NewSink();
  auto bob_ready = Attach(bob, {"room:1"});
  EXPECT_EQ(*bob_ready, 0);  // callbacks never run inside Attach
  EXPECT_EQ(subscriber_.RunReadyCallbacks(), 1);
  EXPECT_EQ(*bob_ready, 1);
  EXPECT_EQ(subscriber_.subscribes_sent("room:1"), 1);
}

TEST_F(HubTest, AttachWithoutChannelsIsReadyAtOnce) {
  auto sink = NewSink();
  auto ready = Attach(sink, {});
  EXPECT_EQ(*ready, 1);
  EXPECT_THAT(subscriber_.subscribe_calls(), IsEmpty());
  EXPECT_EQ(hub_.channel_count(), 0u);
}

TEST_F(HubTest, DeliverReachesEverySinkOnTheChannelAndNoOther) {
  auto alice = NewSink();
  auto bob = NewSink();
  auto carol = NewSink();
  Attach(alice, {"room:1", "user:1"});
  Attach(bob, {"room:1", "user:2"});
  Attach(carol, {"room:2", "user:3"});

  hub_.Deliver("room:1", MessageEvent(1, 1, "to room 1"));
  hub_.Deliver("user:2", MessageEvent(9, 1, "to bob"));
  hub_.Deliver("room:2", MessageEvent(2, 1, "to room 2"));
  hub_.Deliver("room:1", MessageEvent(1, 2, "room 1 again"));

  EXPECT_THAT(Texts(*alice), ElementsAre("to room 1", "room 1 again"));
  EXPECT_THAT(Texts(*bob), ElementsAre("to room 1", "to bob", "room 1 again"));
  EXPECT_THAT(Texts(*carol), ElementsAre("to room 2"));
}

TEST_F(HubTest, EveryDeliveryIsFlushedAtOnceOnAQuietHub) {
  auto alice = NewSink();
  auto bob = NewSink();
  Attach(alice, {"room:1", "user:1"});
  Attach(bob, {"room:1"});
  hub_.Deliver("user:1", MessageEvent(9, 1, "direct"));
  hub_.Deliver("room:1", MessageEvent(1, 1, "to the room"));
  EXPECT_THAT(alice->writes(), ElementsAre(1, 1));
  EXPECT_THAT(bob->writes(), ElementsAre(1));
  EXPECT_EQ(alice->unflushed(), 0u);
}

TEST_F(HubTest, DeliveredEventArrivesIntactAndFramed) {
  auto sink = NewSink();
  Attach(sink, {"room:1"});
  const std::string payload = MessageEvent(1, 42, std::string(500, 'z'));
  hub_.Deliver("room:1", payload);
  auto frames = sink->frames();
  ASSERT_THAT(frames, SizeIs(1));
  // Field 1 of ServerFrame, length 500-odd as a two-byte varint, then the publisher's bytes
  // untouched.
  EXPECT_EQ(frames[0].substr(0, 1), "\x0A");
  EXPECT_EQ(frames[0].substr(frames[0].size() - payload.size()), payload);
  auto events = sink->Events();
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_THAT(*events, SizeIs(1));
  EXPECT_EQ((*events)[0].message().seq(), 42u);
}

TEST_F(HubTest, DeliverOnChannelWithoutSinksIsDropped) {
  auto sink = NewSink();
  Attach(sink, {"room:1"});
  hub_.Deliver("room:2", MessageEvent(2, 1, "nobody here"));
  EXPECT_THAT(sink->frames(), IsEmpty());
}

TEST_F(HubTest, MalformedPayloadIsDropped) {
  auto sink = NewSink();
  Attach(sink, {"room:1"});
  hub_.Deliver("room:1", "\xFF\xFF\xFF not protobuf");
  hub_.Deliver("room:1", std::string("\x1A\x64", 2));  // field 3 claims 100 bytes, has none
  hub_.Deliver("room:1", "");                          // parses, but carries no event
  v1::ServerEvent unknown_only;
  unknown_only.GetReflection()->MutableUnknownFields(&unknown_only)->AddVarint(99, 1);
  hub_.Deliver("room:1", unknown_only.SerializeAsString());
  EXPECT_THAT(sink->frames(), IsEmpty());

  hub_.Deliver("room:1", MessageEvent(1, 1, "well formed"));
  EXPECT_THAT(Texts(*sink), ElementsAre("well formed"));
}

TEST_F(HubTest, DetachOfLastSinkUnsubscribes) {
  auto sink = NewSink();
  Attach(sink, {"room:1", "user:7"});
  hub_.Detach(sink.get());
  EXPECT_THAT(subscriber_.unsubscribe_calls(), UnorderedElementsAre("room:1", "user:7"));
  EXPECT_THAT(subscriber_.subscribed(), IsEmpty());
  EXPECT_EQ(hub_.channel_count(), 0u);
  hub_.Deliver("room:1", MessageEvent(1, 1, "after detach"));
  EXPECT_THAT(sink->frames(), IsEmpty());
}

TEST_F(HubTest, ARoomOfManyStreamsLosesAndKeepsExactlyTheRightOnes) {
  // More streams than fit in two of the snapshot's chunks; every third leaves, from every chunk.
  std::vector<std::shared_ptr<RecordingSink>> room;
  for (int i = 0; i < 600; ++i) {
    room.push_back(NewSink());
    Attach(room.back(), {"room:1"});
  }
  for (size_t i = 0; i < room.size(); i += 3) hub_.Detach(room[i].get());
  auto newcomer = NewSink();
  Attach(newcomer, {"room:1"});
  hub_.Deliver("room:1", MessageEvent(1, 1, "to whoever is here"));
  for (size_t i = 0; i < room.size(); ++i) {
    EXPECT_EQ(room[i]->frames().size(), i % 3 == 0 ? 0u : 1u) << "stream " << i;
  }
  EXPECT_THAT(Texts(*newcomer), ElementsAre("to whoever is here"));

  for (size_t i = 0; i < room.size(); ++i) {
    if (i % 3 != 0) hub_.Detach(room[i].get());
  }
  EXPECT_THAT(subscriber_.unsubscribe_calls(), IsEmpty());  // the newcomer is still there
  hub_.Detach(newcomer.get());
  EXPECT_THAT(subscriber_.unsubscribe_calls(), ElementsAre("room:1"));
  EXPECT_EQ(hub_.channel_count(), 0u);
}

TEST_F(HubTest, DetachOfNonLastSinkKeepsSharedChannels) {
  auto alice = NewSink();
  auto bob = NewSink();
  Attach(alice, {"room:1", "user:1"});
  Attach(bob, {"room:1", "user:2"});
  hub_.Detach(alice.get());
  EXPECT_THAT(subscriber_.unsubscribe_calls(), ElementsAre("user:1"));
  EXPECT_THAT(subscriber_.subscribed(), ElementsAre("room:1", "user:2"));
  EXPECT_EQ(hub_.channel_count(), 2u);

  hub_.Deliver("room:1", MessageEvent(1, 1, "still here"));
  EXPECT_THAT(Texts(*alice), IsEmpty());
  EXPECT_THAT(Texts(*bob), ElementsAre("still here"));

  hub_.Detach(bob.get());
  EXPECT_THAT(subscriber_.unsubscribe_calls(), UnorderedElementsAre("user:1", "room:1", "user:2"));
  EXPECT_EQ(hub_.channel_count(), 0u);
}

TEST_F(HubTest, DetachOfUnknownSinkChangesNothing) {
  auto attached = NewSink();
  auto stranger = NewSink();
  Attach(attached, {"room:1"});
  hub_.Detach(stranger.get());
  hub_.Detach(attached.get());
  hub_.Detach(attached.get());  // twice
  EXPECT_THAT(subscriber_.unsubscribe_calls(), ElementsAre("room:1"));
}

TEST_F(HubTest, ReattachAfterLastDetachSubscribesAgain) {
  auto first = NewSink();
  Attach(first, {"room:1"});
  subscriber_.Confirm("room:1");
  hub_.Detach(first.get());
  auto second = NewSink();
  auto ready = Attach(second, {"room:1"});
  EXPECT_EQ(subscriber_.subscribes_sent("room:1"), 2);
  EXPECT_EQ(*ready, 0);
  subscriber_.Confirm("room:1");
  EXPECT_EQ(*ready, 1);
  hub_.Deliver("room:1", MessageEvent(1, 1, "welcome back"));
  EXPECT_THAT(Texts(*second), ElementsAre("welcome back"));
}

TEST_F(HubTest, AddChannelSubscribesAnAttachedSinkAndSignalsReadiness) {
  auto sink = NewSink();
  Attach(sink, {"user:7"});
  subscriber_.Confirm("user:7");
  int ready = 0;
  hub_.AddChannel(sink, "room:9", [&] { ++ready; });
  EXPECT_EQ(ready, 0);
  EXPECT_EQ(subscriber_.Confirm("room:9"), 1);
  EXPECT_EQ(ready, 1);
  hub_.Deliver("room:9", MessageEvent(9, 1, "joined room"));
  EXPECT_THAT(Texts(*sink), ElementsAre("joined room"));
  // A channel the sink has already is ready at once, with no second subscription.
  hub_.AddChannel(sink, "room:9", [&] { ++ready; });
  EXPECT_EQ(ready, 2);
  EXPECT_EQ(subscriber_.subscribes_sent("room:9"), 1);
}

TEST_F(HubTest, AddChannelToADetachedSinkDoesNothing) {
  auto sink = NewSink();
  Attach(sink, {"user:7"});
  hub_.Detach(sink.get());
  int ready = 0;
  hub_.AddChannel(sink, "room:9", [&] { ++ready; });
  EXPECT_EQ(subscriber_.subscribes_sent("room:9"), 0);
  EXPECT_EQ(hub_.channel_count(), 0u);
}

TEST_F(HubTest, RemoveChannelUnsubscribesOnlyWhenTheLastSinkLeaves) {
  auto a = NewSink();
  auto b = NewSink();
  Attach(a, {"room:9"});
  Attach(b, {"room:9"});
  hub_.RemoveChannel(a.get(), "room:9");
  EXPECT_THAT(subscriber_.unsubscribe_calls(), IsEmpty());
  hub_.Deliver("room:9", MessageEvent(9, 1, "only b"));
  EXPECT_THAT(Texts(*a), IsEmpty());
  EXPECT_THAT(Texts(*b), ElementsAre("only b"));
  hub_.RemoveChannel(b.get(), "room:9");
  EXPECT_THAT(subscriber_.unsubscribe_calls(), ElementsAre("room:9"));
  // Detaching later does not unsubscribe a channel the sink no longer has.
  hub_.Detach(a.get());
  hub_.Detach(b.get());
  EXPECT_THAT(subscriber_.unsubscribe_calls(), ElementsAre("room:9"));
}

TEST_F(HubTest, EventsThatActOnTheStreamReachItLikeAnyOther) {
  // What a membership, block or session event means is the session's business (session.h).
  auto sink = NewSink();
  Attach(sink, {"user:7"});
  v1::ServerEvent joined;
  joined.mutable_user_event()->mutable_room()->set_type("joined");
  v1::ServerEvent blocked;
  blocked.mutable_block_changed()->set_user_id(8);
  v1::ServerEvent ended;
  ended.mutable_session_ended()->add_session_ids("s-1");
  for (const auto& event : {joined, blocked, ended}) {
    hub_.Deliver("user:7", event.SerializeAsString());
  }
  auto events = sink->Events();
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_THAT(*events, SizeIs(3));
  EXPECT_TRUE((*events)[0].user_event().has_room());
  EXPECT_EQ((*events)[1].block_changed().user_id(), 8u);
  EXPECT_EQ((*events)[2].session_ended().session_ids(0), "s-1");
}

TEST_F(HubTest, ResyncAllReachesEverySink) {
  auto alice = NewSink();
  auto bob = NewSink();
  auto gone = NewSink();
  Attach(alice, {"room:1"});
  Attach(bob, {"user:2"});
  Attach(gone, {"room:1"});
  hub_.Detach(gone.get());
  hub_.ResyncAll("redis reconnected");
  EXPECT_THAT(alice->resyncs(), ElementsAre("redis reconnected"));
  EXPECT_THAT(bob->resyncs(), ElementsAre("redis reconnected"));
  EXPECT_THAT(gone->resyncs(), IsEmpty());
  EXPECT_THAT(alice->frames(), IsEmpty());
}

TEST_F(HubTest, AllSinksListsAttachedSinksOnly) {
  auto alice = NewSink();
  auto bob = NewSink();
  Attach(alice, {"room:1"});
  Attach(bob, {"room:1", "room:2"});
  std::vector<std::shared_ptr<RecordingSink>> all = hub_.AllSinks();
  std::set<const RecordingSink*> ptrs;
  for (const auto& sink : all) ptrs.insert(sink.get());
  EXPECT_EQ(ptrs, (std::set<const RecordingSink*>{alice.get(), bob.get()}));
  hub_.Detach(bob.get());
  all = hub_.AllSinks();
  ASSERT_THAT(all, SizeIs(1));
  EXPECT_EQ(all[0].get(), alice.get());
}

}  // namespace
}  // namespace natter::gateway

namespace natter::gateway {
namespace {

// The hub's real concurrency: the Redis subscriber thread delivers while gRPC threads attach and
// detach streams. A sink attached throughout gets every event once and in order, and nothing
// crashes or races (the tsan tests run this under ThreadSanitizer).
TEST_F(HubTest, DeliveryWhileOtherThreadsAttachAndDetach) {
  auto steady = NewSink();
  Attach(steady, {"room:1"});
  subscriber_.Confirm("room:1");
  constexpr int kEvents = 2000;
  std::atomic<bool> done{false};
  std::vector<std::thread> churn;
  for (int t = 0; t < 3; ++t) {
    churn.emplace_back([&, t] {
      for (int i = 0; !done; ++i) {
        auto sink = NewSink();
        std::vector<std::string> channels = {"room:1", "user:" + std::to_string(100 * t + i % 50)};
        hub_.Attach(sink, channels, [] {});
        hub_.AddChannel(sink, "room:2", [] {});
        hub_.RemoveChannel(sink.get(), "room:2");
        hub_.Detach(sink.get());
      }
    });
  }
  std::thread deliverer([&] {
    for (int i = 0; i < kEvents; ++i) {
      hub_.Deliver("room:1", MessageEvent(1, i + 1, "m" + std::to_string(i)));
    }
  });
  deliverer.join();
  done = true;
  for (auto& t : churn) t.join();
  auto texts = Texts(*steady);
  ASSERT_EQ(texts.size(), size_t{kEvents});
  for (int i = 0; i < kEvents; ++i) ASSERT_EQ(texts[i], "m" + std::to_string(i));
}

// With fan-out threads: every stream of a room gets every event once, in order, and flushed; the
// streams are shared among the threads; events that wait while a thread works share a flush.
TEST(HubFanOutTest, ThreadsDeliverEveryEventInOrderAndFlushIt) {
  fakes::FakeChannelSubscriber subscriber;
  std::vector<std::shared_ptr<RecordingSink>> room;
  constexpr int kEvents = 500;
  {
    BasicHub<RecordingSink> hub(subscriber, 3, std::chrono::milliseconds(5));
    for (int i = 0; i < 300; ++i) {
      room.push_back(std::make_shared<RecordingSink>());
      hub.Attach(room.back(), {"room:1", "user:" + std::to_string(i)}, [] {});
    }
    for (int i = 0; i < kEvents; ++i) {
      hub.Deliver("room:1", MessageEvent(1, i + 1, "m" + std::to_string(i)));
      if (i % 100 == 0) hub.Deliver("user:7", MessageEvent(9, i + 1, "direct"));
    }
    hub.ResyncAll("redis reconnected");
  }  // the destructor delivers what is still queued
  for (size_t s = 0; s < room.size(); ++s) {
    auto texts = Texts(*room[s]);
    std::vector<std::string> expected;
    for (int i = 0; i < kEvents; ++i) {
      expected.push_back("m" + std::to_string(i));
      if (s == 7 && i % 100 == 0) expected.push_back("direct");
    }
    ASSERT_EQ(texts, expected) << "stream " << s;
    EXPECT_EQ(room[s]->unflushed(), 0u) << "stream " << s;
    size_t written = 0;
    for (size_t n : room[s]->writes()) written += n;
    EXPECT_EQ(written, expected.size());
    EXPECT_THAT(room[s]->resyncs(), ElementsAre("redis reconnected"));
  }
}

TEST(HubFanOutTest, AnEventForAFewStreamsReachesThemOnTheirThreads) {
  fakes::FakeChannelSubscriber subscriber;
  auto phone = std::make_shared<RecordingSink>();
  auto laptop = std::make_shared<RecordingSink>();
  {
    BasicHub<RecordingSink> hub(subscriber, 4);
    hub.Attach(phone, {"user:7"}, [] {});
    hub.Attach(laptop, {"user:7"}, [] {});
    hub.Deliver("user:7", MessageEvent(9, 1, "to both devices"));
  }
  EXPECT_THAT(Texts(*phone), ElementsAre("to both devices"));
  EXPECT_THAT(Texts(*laptop), ElementsAre("to both devices"));
  EXPECT_THAT(phone->writes(), ElementsAre(1));
}

}  // namespace
}  // namespace natter::gateway
