// Session: every state and every way a stream ends, command admission and limits, and what each
// event from the hub means for a stream — with a recording wire, a fake backend and a fake clock.
#include "session.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "event_frame.h"
#include "fakes/fake_clock.h"
#include "hub.h"
#include "natter/v1/gateway.pb.h"

namespace natter::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using State = Session::State;

// The client's side of the stream: what was written, read and how it ended.
class RecordingWire : public SessionWire {
 public:
  void StartWrite(const grpc::Slice* slices, size_t count) override {
    std::vector<grpc::Slice> events(slices, slices + count);
    EXPECT_FALSE(writing) << "a second write while one is in flight";
    EXPECT_FALSE(finished) << "a write after Finish";
    writing = true;
    std::vector<v1::ServerEvent> frame;
    for (const auto& slice : events) {
      v1::ServerFrame one;
      EXPECT_TRUE(one.ParseFromArray(slice.begin(), static_cast<int>(slice.size())));
      for (const auto& event : one.events()) frame.push_back(event);
    }
    writes.push_back(frame);
  }
  void StartRead() override {
    EXPECT_FALSE(reading) << "a second read while one is in flight";
    EXPECT_FALSE(finished) << "a read after Finish";
    reading = true;
    ++reads;
  }
  void Finish(const grpc::Status& s) override {
    EXPECT_FALSE(finished) << "Finish twice";
    EXPECT_FALSE(writing) << "Finish with a write in flight";
    finished = true;
    status = s;
  }
  void Cancel() override { ++cancels; }

  // Every event written so far, in order.
  std::vector<v1::ServerEvent> Events() const {
    std::vector<v1::ServerEvent> out;
    for (const auto& w : writes) out.insert(out.end(), w.begin(), w.end());
    return out;
  }

  std::vector<std::vector<v1::ServerEvent>> writes;
  bool writing = false;
  bool reading = false;
  int reads = 0;
  bool finished = false;
  grpc::Status status;
  int cancels = 0;
};

// The rest of the gateway: each call is recorded, and its answer waits until the test gives it.
class FakeBackend : public SessionBackend {
 public:
  void ValidateToken(const std::string& token,
                     std::function<void(grpc::Status, v1::ValidateTokenResponse)> done) override {
    tokens.push_back(token);
    validate.push_back(std::move(done));
  }
  bool AdmitUser(uint64_t /*user_id*/) override {
    if (!admit) return false;
    ++users_admitted;
    return true;
  }
  void ReleaseUser(uint64_t) override { ++users_released; }
  void ListRooms(const v1::Caller& /*caller*/,
                 std::function<void(grpc::Status, std::vector<uint64_t>)> done) override {
    list_rooms.push_back(std::move(done));
  }
  void LoadWelcome(
      const v1::Caller&,
      std::function<void(grpc::Status, v1::ListConversationsResponse, v1::ListFriendsResponse)>
          done) override {
    welcome.push_back(std::move(done));
  }
  void Attach(const std::vector<std::string>& c, std::function<void()> ready) override {
    channels = c;
    attach_ready = std::move(ready);
  }
  void AddChannel(const std::string& channel, std::function<void()> ready) override {
    added.push_back(channel);
    add_ready.push_back(std::move(ready));
  }
  void RemoveChannel(const std::string& channel) override { removed.push_back(channel); }
  void Detach() override { ++detached; }
  void RunCommand(const v1::Caller& caller, const v1::ClientFrame& frame,
                  std::function<void(v1::CommandResult)> done) override {
    callers.push_back(caller);
    commands.push_back(frame);
    command_done.push_back(std::move(done));
  }
  void StreamOpened(const v1::DeviceStream& stream) override { opened.push_back(stream); }
  void StreamClosed(const v1::DeviceStream& stream) override { closed.push_back(stream); }

  bool admit = true;
  int users_admitted = 0;
  int users_released = 0;
  std::vector<std::string> tokens;
  std::vector<std::function<void(grpc::Status, v1::ValidateTokenResponse)>> validate;
  std::vector<std::function<void(grpc::Status, std::vector<uint64_t>)>> list_rooms;
  std::vector<
      std::function<void(grpc::Status, v1::ListConversationsResponse, v1::ListFriendsResponse)>>
      welcome;
  std::vector<std::string> channels;
  std::function<void()> attach_ready;
  std::vector<std::string> added;
  std::vector<std::function<void()>> add_ready;
  std::vector<std::string> removed;
  int detached = 0;
  std::vector<v1::Caller> callers;
  std::vector<v1::ClientFrame> commands;
  std::vector<std::function<void(v1::CommandResult)>> command_done;
  std::vector<v1::DeviceStream> opened;
  std::vector<v1::DeviceStream> closed;
};

GatewayOptions TestOptions() {
  GatewayOptions options;
  options.gateway_id = "gw-test";
  options.max_queued_events = 8;
  options.max_queued_bytes = 4096;
  options.pause_reads_bytes = 1024;
  options.max_syncs_in_flight = 2;
  options.max_commands_in_flight = 4;
  options.max_frame_bytes = 256;
  options.commands = RateLimit{10, 5};
  options.stalled_write_timeout = std::chrono::milliseconds(30000);
  return options;
}

v1::ValidateTokenResponse Alice() {
  v1::ValidateTokenResponse session;
  session.set_user_id(7);
  session.set_username("alice");
  session.set_session_id("s-alice");
  session.set_device("laptop");
  return session;
}

grpc::ByteBuffer Bytes(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

grpc::ByteBuffer FrameBytes(const v1::ClientFrame& frame) {
  return Bytes(frame.SerializeAsString());
}

v1::ClientFrame SendFrame(uint64_t request_id, const std::string& text = "hi") {
  v1::ClientFrame frame;
  frame.set_request_id(request_id);
  frame.mutable_send()->set_room("lobby");
  frame.mutable_send()->set_text(text);
  frame.mutable_send()->set_client_msg_id("c-" + std::to_string(request_id));
  return frame;
}

v1::ClientFrame SyncFrame(uint64_t request_id) {
  v1::ClientFrame frame;
  frame.set_request_id(request_id);
  frame.mutable_sync()->set_conversation_id(3);
  return frame;
}

HubEvent Event(const v1::ServerEvent& event) { return HubEvent{event, FrameEvent(event)}; }

HubEvent Message(uint64_t conversation_id, uint64_t seq, const std::string& text = "m") {
  v1::ServerEvent event;
  event.mutable_message()->set_conversation_id(conversation_id);
  event.mutable_message()->set_seq(seq);
  event.mutable_message()->set_text(text);
  return Event(event);
}

HubEvent Notice(uint64_t about_user) {
  v1::ServerEvent event;
  event.mutable_room_notice()->set_user_id(about_user);
  return Event(event);
}

HubEvent Block(uint64_t user_id, bool hidden) {
  v1::ServerEvent event;
  event.mutable_block_changed()->set_user_id(user_id);
  event.mutable_block_changed()->set_hidden(hidden);
  return Event(event);
}

HubEvent Membership(const std::string& type, uint64_t room) {
  v1::ServerEvent event;
  event.mutable_user_event()->mutable_room()->set_type(type);
  event.mutable_user_event()->mutable_room()->set_conversation_id(room);
  return Event(event);
}

class SessionTest : public ::testing::Test {
 protected:
  // A session opened with a token and default presence.
  void Open(bool presence = true) {
    session_.Start(Session::Opening{"token-1", presence, grpc::Status::OK});
  }
  // Opens the session and answers every call up to the Welcome: alice, in room 3.
  void GoLive(bool presence = true, std::vector<uint64_t> hidden = {}) {
    Open(presence);
    ASSERT_THAT(backend_.validate, SizeIs(1));
    backend_.validate[0](grpc::Status::OK, Alice());
    ASSERT_THAT(backend_.list_rooms, SizeIs(1));
    backend_.list_rooms[0](grpc::Status::OK, {3});
    ASSERT_TRUE(backend_.attach_ready);
    backend_.attach_ready();
    ASSERT_THAT(backend_.welcome, SizeIs(1));
    v1::ListFriendsResponse friends;
    for (uint64_t user : hidden) friends.add_hidden_user_ids(user);
    backend_.welcome[0](grpc::Status::OK, {}, friends);
    ASSERT_EQ(session_.state(), State::kLive);
    WriteDone();
  }
  // The write in flight completes.
  void WriteDone(bool ok = true) {
    if (!wire_.writing) return;
    wire_.writing = false;
    session_.OnWriteDone(ok);
  }
  // The read in flight completes with `frame`.
  void Read(const grpc::ByteBuffer& frame) {
    ASSERT_TRUE(wire_.reading) << "no read in flight";
    wire_.reading = false;
    session_.OnRead(frame);
  }
  void Read(const v1::ClientFrame& frame) { Read(FrameBytes(frame)); }
  void ReadsDone() {
    ASSERT_TRUE(wire_.reading);
    wire_.reading = false;
    session_.OnReadsDone();
  }
  // The last event written.
  v1::ServerEvent Last() {
    auto events = wire_.Events();
    return events.empty() ? v1::ServerEvent() : events.back();
  }

  GatewayOptions options_ = TestOptions();
  RecordingWire wire_;
  FakeBackend backend_;
  fakes::FakeClock clock_;
  Session session_{options_, "gw-test/1", wire_, backend_, clock_};
};

// --- Opening and the way to live ---

TEST_F(SessionTest, AStreamRefusedAtTheDoorEndsWithThatStatusAndAsksNothing) {
  session_.Start(Session::Opening{"token-1", true,
                                  grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "full")});
  EXPECT_EQ(session_.state(), State::kClosed);
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(backend_.tokens, IsEmpty());
  session_.OnDone();
  EXPECT_EQ(backend_.users_released, 0);
  EXPECT_EQ(backend_.detached, 0);
  EXPECT_THAT(backend_.closed, IsEmpty());
}

TEST_F(SessionTest, NoTokenIsUnauthenticatedWithAHint) {
  session_.Start(Session::Opening{"", true, grpc::Status::OK});
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(wire_.status.error_message(), ::testing::HasSubstr("log in first"));
  EXPECT_THAT(wire_.writes, IsEmpty());
}

TEST_F(SessionTest, AnInvalidTokenEndsTheStreamWithAuthsAnswer) {
  Open();
  EXPECT_EQ(session_.state(), State::kAuthenticating);
  EXPECT_THAT(backend_.tokens, ElementsAre("token-1"));
  backend_.validate[0](grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "session expired"), {});
  EXPECT_EQ(session_.state(), State::kClosed);
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(wire_.status.error_message(), "session expired");
  EXPECT_EQ(backend_.users_admitted, 0);
}

TEST_F(SessionTest, AnUnreachableAuthServiceIsUnavailableInWords) {
  Open();
  backend_.validate[0](grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect"), {});
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(wire_.status.error_message(), ::testing::HasSubstr("authentication service"));
}

TEST_F(SessionTest, AUserWithTooManyStreamsIsRefusedAndNothingIsLeftCounted) {
  backend_.admit = false;
  Open();
  backend_.validate[0](grpc::Status::OK, Alice());
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(wire_.status.error_message(), ::testing::HasSubstr("connections open"));
  session_.OnDone();
  EXPECT_EQ(backend_.users_released, 0);
  EXPECT_EQ(backend_.detached, 0);
}

TEST_F(SessionTest, TheWayToLiveSubscribesFirstThenWelcomesThenReads) {
  Open();
  backend_.validate[0](grpc::Status::OK, Alice());
  EXPECT_EQ(session_.state(), State::kSubscribing);
  EXPECT_EQ(backend_.users_admitted, 1);
  backend_.list_rooms[0](grpc::Status::OK, {3, 5});
  EXPECT_THAT(backend_.channels, ElementsAre("user:7", "room:3", "room:5"));
  // Nothing is read of the conversations before the subscriptions are live.
  EXPECT_THAT(backend_.welcome, IsEmpty());
  EXPECT_THAT(backend_.opened, IsEmpty());
  backend_.attach_ready();
  ASSERT_THAT(backend_.welcome, SizeIs(1));
  ASSERT_THAT(backend_.opened, SizeIs(1));
  EXPECT_EQ(backend_.opened[0].stream_id(), "gw-test/1");
  EXPECT_EQ(backend_.opened[0].device(), "laptop");
  EXPECT_EQ(wire_.reads, 0);
  v1::ListConversationsResponse conversations;
  conversations.add_conversations()->set_id(3);
  v1::ListFriendsResponse friends;
  friends.set_events_latest_seq(12);
  backend_.welcome[0](grpc::Status::OK, conversations, friends);
  EXPECT_EQ(session_.state(), State::kLive);
  ASSERT_THAT(wire_.writes, SizeIs(1));
  const v1::Welcome& welcome = wire_.writes[0][0].welcome();
  EXPECT_EQ(welcome.user_id(), 7u);
  EXPECT_EQ(welcome.session_id(), "s-alice");
  EXPECT_EQ(welcome.gateway_id(), "gw-test");
  EXPECT_EQ(welcome.events_latest_seq(), 12u);
  EXPECT_THAT(welcome.conversations(), SizeIs(1));
  EXPECT_EQ(wire_.reads, 1);
}

TEST_F(SessionTest, EventsThatComeWhileSubscribingAreWrittenAfterTheWelcomeInOrder) {
  Open();
  backend_.validate[0](grpc::Status::OK, Alice());
  backend_.list_rooms[0](grpc::Status::OK, {3});
  backend_.attach_ready();
  session_.OnEvent(Message(3, 8, "early"));
  session_.Flush();
  EXPECT_THAT(wire_.writes, IsEmpty());
  backend_.welcome[0](grpc::Status::OK, {}, {});
  auto events = wire_.Events();
  ASSERT_THAT(events, SizeIs(2));
  EXPECT_TRUE(events[0].has_welcome());
  EXPECT_EQ(events[1].message().text(), "early");
}

TEST_F(SessionTest, AChatFailureWhileSubscribingEndsTheStreamAndUndoesEverything) {
  Open();
  backend_.validate[0](grpc::Status::OK, Alice());
  backend_.list_rooms[0](grpc::Status::OK, {3});
  backend_.attach_ready();
  backend_.welcome[0](grpc::Status(grpc::StatusCode::UNAVAILABLE, "no chat"), {}, {});
  EXPECT_EQ(session_.state(), State::kClosed);
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(wire_.writes, IsEmpty());
  session_.OnDone();
  EXPECT_EQ(backend_.users_released, 1);
  EXPECT_EQ(backend_.detached, 1);
  ASSERT_THAT(backend_.closed, SizeIs(1));
  EXPECT_EQ(backend_.closed[0].stream_id(), "gw-test/1");
}

TEST_F(SessionTest, ListingRoomsFailsBeforeAnythingIsAttached) {
  Open();
  backend_.validate[0](grpc::Status::OK, Alice());
  backend_.list_rooms[0](grpc::Status(grpc::StatusCode::INTERNAL, "db broke"), {});
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::INTERNAL);
  session_.OnDone();
  EXPECT_EQ(backend_.detached, 0);
  EXPECT_EQ(backend_.users_released, 1);
}

TEST_F(SessionTest, AStreamWithPresenceOffNeverAppearsInPresence) {
  GoLive(/*presence=*/false);
  EXPECT_THAT(backend_.opened, IsEmpty());
  session_.OnCancel();
  session_.OnDone();
  EXPECT_THAT(backend_.closed, IsEmpty());
}

// --- Commands ---

TEST_F(SessionTest, ACommandIsRunAsTheCallerAndAnsweredWithItsRequestId) {
  GoLive();
  Read(SendFrame(41));
  ASSERT_THAT(backend_.commands, SizeIs(1));
  EXPECT_EQ(backend_.commands[0].send().text(), "hi");
  EXPECT_EQ(backend_.callers[0].user_id(), 7u);
  EXPECT_EQ(backend_.callers[0].session_id(), "s-alice");
  EXPECT_TRUE(wire_.reading) << "the next read starts at once";
  v1::CommandResult result;
  result.mutable_ack()->set_seq(9);
  backend_.command_done[0](result);
  EXPECT_EQ(Last().result().request_id(), 41u);
  EXPECT_EQ(Last().result().ack().seq(), 9u);
}

TEST_F(SessionTest, PingIsAnsweredByTheGatewayItself) {
  GoLive();
  v1::ClientFrame ping;
  ping.set_request_id(5);
  ping.mutable_ping();
  Read(ping);
  EXPECT_THAT(backend_.commands, IsEmpty());
  EXPECT_EQ(Last().result().request_id(), 5u);
  EXPECT_TRUE(Last().result().has_pong());
}

TEST_F(SessionTest, AnEmptyCommandIsRefusedAndTheStreamGoesOn) {
  GoLive();
  v1::ClientFrame empty;
  empty.set_request_id(6);
  Read(empty);
  EXPECT_EQ(Last().result().request_id(), 6u);
  EXPECT_EQ(Last().result().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(wire_.reading);
  EXPECT_EQ(session_.state(), State::kLive);
}

TEST_F(SessionTest, AMalformedFrameIsRefusedAloneNamingItsRequestId) {
  GoLive();
  // request_id 77, then a send whose text (field 4) is not UTF-8.
  Read(Bytes(std::string("\x08\x4D\x12\x04\x22\x02\xFF\xFE", 8)));
  EXPECT_EQ(Last().result().request_id(), 77u);
  EXPECT_EQ(Last().result().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Last().result().error(), ::testing::HasSubstr("malformed frame"));
  EXPECT_TRUE(wire_.reading);
  WriteDone();
  // Bytes that do not parse at all cannot name their request.
  Read(Bytes(std::string("\x08\x4E\x12\x32", 4)));
  EXPECT_EQ(Last().result().request_id(), 0u);
  EXPECT_EQ(Last().result().code(), grpc::StatusCode::INVALID_ARGUMENT);
  Read(SendFrame(78));
  EXPECT_THAT(backend_.commands, SizeIs(1));
}

TEST_F(SessionTest, AnOversizedFrameIsNotReadAtAll) {
  GoLive();
  Read(SendFrame(79, std::string(400, 'x')));
  EXPECT_EQ(Last().result().request_id(), 0u);
  EXPECT_EQ(Last().result().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Last().result().error(), ::testing::HasSubstr("larger than the limit of 256"));
  EXPECT_THAT(backend_.commands, IsEmpty());
  EXPECT_TRUE(wire_.reading);
}

TEST_F(SessionTest, FramesBeyondTheAllowanceAreRefusedWithARetryHintUntilTimePasses) {
  GoLive();
  for (uint64_t id = 1; id <= 5; ++id) {  // the burst
    Read(SendFrame(id));
    backend_.command_done.back()({});
    WriteDone();
  }
  Read(SendFrame(6));
  EXPECT_EQ(Last().result().request_id(), 6u);
  EXPECT_EQ(Last().result().code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_GT(Last().result().retry_after_ms(), 0u);
  EXPECT_THAT(backend_.commands, SizeIs(5));
  WriteDone();
  clock_.Advance(std::chrono::milliseconds(200));  // two more at 10 a second
  Read(SendFrame(7));
  EXPECT_THAT(backend_.commands, SizeIs(6));
}

TEST_F(SessionTest, TooManyCommandsInFlightAreRefused) {
  GoLive();
  for (uint64_t id = 1; id <= 4; ++id) Read(SendFrame(id));
  Read(SendFrame(5));
  EXPECT_THAT(backend_.commands, SizeIs(4));
  EXPECT_EQ(Last().result().request_id(), 5u);
  EXPECT_EQ(Last().result().code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(Last().result().error(), ::testing::HasSubstr("in flight"));
}

TEST_F(SessionTest, AThirdSyncWaitsAndReadingWithItUntilOneIsAnswered) {
  GoLive();
  Read(SyncFrame(1));
  Read(SyncFrame(2));
  Read(SyncFrame(3));
  EXPECT_THAT(backend_.commands, SizeIs(2));
  EXPECT_TRUE(session_.reading_paused());
  EXPECT_FALSE(wire_.reading);
  backend_.command_done[0]({});
  ASSERT_THAT(backend_.commands, SizeIs(3));
  EXPECT_EQ(backend_.commands[2].request_id(), 3u);
  EXPECT_FALSE(session_.reading_paused());
  EXPECT_TRUE(wire_.reading);
}

TEST_F(SessionTest, AClientBehindOnItsWritesIsNotReadUntilItCatchesUp) {
  GoLive();
  // A write in flight and more than pause_reads_bytes queued behind it.
  for (uint64_t seq = 1; seq <= 4; ++seq) session_.OnEvent(Message(3, seq, std::string(300, 'a')));
  session_.Flush();
  for (uint64_t seq = 5; seq <= 8; ++seq) session_.OnEvent(Message(3, seq, std::string(300, 'a')));
  ASSERT_GE(session_.queued_bytes(), options_.pause_reads_bytes);
  Read(SendFrame(1));
  EXPECT_TRUE(session_.reading_paused());
  EXPECT_THAT(backend_.commands, IsEmpty());
  EXPECT_FALSE(wire_.reading);
  WriteDone();  // the first batch is taken; the rest goes out
  WriteDone();
  EXPECT_FALSE(session_.reading_paused());
  EXPECT_THAT(backend_.commands, SizeIs(1));
  EXPECT_TRUE(wire_.reading);
}

// --- Writing ---

TEST_F(SessionTest, EventsQueuedDuringAWriteGoOutTogetherInTheNext) {
  GoLive();
  session_.OnEvent(Message(3, 1));
  session_.Flush();
  session_.OnEvent(Message(3, 2));
  session_.OnEvent(Message(3, 3));
  session_.Flush();                      // a write is in flight: nothing yet
  ASSERT_THAT(wire_.writes, SizeIs(2));  // the Welcome and seq 1
  WriteDone();
  ASSERT_THAT(wire_.writes, SizeIs(3));
  ASSERT_THAT(wire_.writes[2], SizeIs(2));
  EXPECT_EQ(wire_.writes[2][0].message().seq(), 2u);
  EXPECT_EQ(wire_.writes[2][1].message().seq(), 3u);
}

TEST_F(SessionTest, AnEventDeliveredIsNotWrittenUntilTheHubFlushes) {
  GoLive();
  const size_t writes = wire_.writes.size();
  session_.OnEvent(Message(3, 1));
  EXPECT_EQ(wire_.writes.size(), writes);
  session_.Flush();
  EXPECT_EQ(wire_.writes.size(), writes + 1);
}

TEST_F(SessionTest, AClientThatFallsTooFarBehindIsToldToResyncAndDisconnected) {
  GoLive();
  session_.OnEvent(Message(3, 1));
  session_.Flush();  // in flight, never taken
  for (uint64_t seq = 2; seq <= 20; ++seq) session_.OnEvent(Message(3, seq));
  EXPECT_EQ(session_.state(), State::kDraining);
  WriteDone();
  auto events = wire_.Events();
  EXPECT_TRUE(events.back().has_resync());
  EXPECT_THAT(events.back().resync().reason(), ::testing::HasSubstr("too far behind"));
  EXPECT_EQ(events.size(), 3u) << "the Welcome, seq 1 and the resync: the overflow was dropped";
  WriteDone();
  EXPECT_TRUE(wire_.finished);
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(SessionTest, BytesAreBoundedAsWellAsEvents) {
  GoLive();
  session_.OnEvent(Message(3, 1, std::string(3000, 'a')));
  session_.Flush();
  session_.OnEvent(Message(3, 2, std::string(1500, 'b')));  // 4,500 bytes > 4,096
  EXPECT_EQ(session_.state(), State::kDraining);
}

TEST_F(SessionTest, AStalledWriteIsCancelledOnceAfterTheTimeout) {
  GoLive();
  session_.OnEvent(Message(3, 1));
  session_.Flush();
  clock_.Advance(std::chrono::seconds(29));
  session_.CheckStalled();
  EXPECT_EQ(wire_.cancels, 0);
  clock_.Advance(std::chrono::seconds(1));
  session_.CheckStalled();
  session_.CheckStalled();
  EXPECT_EQ(wire_.cancels, 1);
  // gRPC then fails the write and reports the cancel.
  session_.OnCancel();
  WriteDone(/*ok=*/false);
  EXPECT_TRUE(wire_.finished);
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(SessionTest, AWriteThatFailsEndsTheStreamAndOnDoneUndoesEverything) {
  GoLive();
  session_.OnEvent(Message(3, 1));
  session_.Flush();
  WriteDone(/*ok=*/false);
  EXPECT_EQ(session_.state(), State::kClosed);
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::CANCELLED);
  session_.OnEvent(Message(3, 2));
  session_.Flush();
  EXPECT_THAT(wire_.writes, SizeIs(2)) << "nothing after the end";
  session_.OnDone();
  EXPECT_EQ(backend_.users_released, 1);
  EXPECT_EQ(backend_.detached, 1);
  EXPECT_THAT(backend_.closed, SizeIs(1));
}

// --- Ways a live stream ends ---

TEST_F(SessionTest, AHalfCloseWithNothingInFlightFinishesOk) {
  GoLive();
  ReadsDone();
  EXPECT_TRUE(wire_.finished);
  EXPECT_TRUE(wire_.status.ok());
}

TEST_F(SessionTest, AHalfCloseAnswersWhatIsInFlightFirst) {
  GoLive();
  Read(SendFrame(1));
  ReadsDone();
  EXPECT_FALSE(wire_.finished);
  backend_.command_done[0]({});
  EXPECT_EQ(Last().result().request_id(), 1u);
  WriteDone();
  EXPECT_TRUE(wire_.finished);
  EXPECT_TRUE(wire_.status.ok());
}

TEST_F(SessionTest, AClientCancelEndsTheStream) {
  GoLive();
  session_.OnCancel();
  EXPECT_TRUE(wire_.finished);
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(SessionTest, GoAwayIsWrittenBeforeTheStreamEnds) {
  GoLive();
  session_.GoAway("shutting down", std::chrono::milliseconds(1234));
  EXPECT_EQ(session_.state(), State::kDraining);
  ASSERT_TRUE(Last().has_go_away());
  EXPECT_EQ(Last().go_away().reason(), "shutting down");
  EXPECT_EQ(Last().go_away().reconnect_after_ms(), 1234u);
  EXPECT_FALSE(wire_.finished);
  WriteDone();
  EXPECT_TRUE(wire_.finished);
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(wire_.status.error_message(), "shutting down");
}

// A client whose queue is full when its gateway drains still gets the GoAway and its reconnect
// hint: what was queued is dropped (it syncs that by seq when it reconnects), not the GoAway, so
// it is not taken for a slow client and does not reconnect after a failure backoff instead.
TEST_F(SessionTest, GoAwayReachesAClientWhoseQueueIsFull) {
  GoLive();
  session_.OnEvent(Message(3, 1));
  session_.Flush();  // in flight, not yet taken
  for (uint64_t seq = 2; seq <= 9; ++seq) session_.OnEvent(Message(3, seq));  // 8 queued: full
  ASSERT_EQ(session_.state(), State::kLive);
  session_.GoAway("shutting down", std::chrono::milliseconds(700));
  EXPECT_EQ(session_.state(), State::kDraining);
  WriteDone();
  auto events = wire_.Events();
  ASSERT_EQ(events.size(), 3u) << "the Welcome, seq 1 and the GoAway: the queued were dropped";
  ASSERT_TRUE(events.back().has_go_away());
  EXPECT_EQ(events.back().go_away().reconnect_after_ms(), 700u);
  WriteDone();
  EXPECT_TRUE(wire_.finished);
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(SessionTest, GoAwayBeforeLiveEndsWithoutWriting) {
  Open();
  session_.GoAway("shutting down", std::chrono::milliseconds(0));
  EXPECT_TRUE(wire_.finished);
  EXPECT_THAT(wire_.writes, IsEmpty());
  backend_.validate[0](grpc::Status::OK, Alice());  // the late answer changes nothing
  EXPECT_EQ(backend_.users_admitted, 0);
}

TEST_F(SessionTest, TheFirstEndWins) {
  GoLive();
  session_.GoAway("shutting down", std::chrono::milliseconds(0));
  session_.OnCancel();
  WriteDone();
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(SessionTest, CommandsAreNotReadOnceTheStreamIsEnding) {
  GoLive();
  session_.GoAway("bye", std::chrono::milliseconds(0));
  Read(SendFrame(1));
  EXPECT_THAT(backend_.commands, IsEmpty());
  EXPECT_FALSE(wire_.reading);
}

TEST_F(SessionTest, AnEndedSessionThatNamesThisOneIsForwardedAndEndsTheStream) {
  GoLive();
  v1::ServerEvent other;
  other.mutable_session_ended()->add_session_ids("s-phone");
  session_.OnEvent(Event(other));
  EXPECT_EQ(session_.state(), State::kLive);
  v1::ServerEvent all_but_mine;
  all_but_mine.mutable_session_ended()->set_all_sessions(true);
  all_but_mine.mutable_session_ended()->set_except_session_id("s-alice");
  session_.OnEvent(Event(all_but_mine));
  EXPECT_EQ(session_.state(), State::kLive);

  v1::ServerEvent mine;
  mine.mutable_session_ended()->add_session_ids("s-alice");
  mine.mutable_session_ended()->set_reason("revoked");
  session_.OnEvent(Event(mine));
  session_.Flush();
  EXPECT_TRUE(Last().has_session_ended());
  WriteDone();
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(wire_.status.error_message(), ::testing::HasSubstr("revoked"));
}

TEST_F(SessionTest, AResyncIsForwardedAndTheTokenCheckedAgain) {
  GoLive();
  session_.Resync("redis reconnected");
  EXPECT_EQ(Last().resync().reason(), "redis reconnected");
  ASSERT_THAT(backend_.validate, SizeIs(2));
  WriteDone();
  backend_.validate[1](grpc::Status(grpc::StatusCode::UNAVAILABLE, "auth down"), {});
  EXPECT_EQ(session_.state(), State::kLive) << "an unreachable auth service ends nothing";
  session_.Resync("again");
  WriteDone();
  backend_.validate[2](grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "revoked"), {});
  EXPECT_TRUE(Last().has_session_ended());
  WriteDone();
  EXPECT_EQ(wire_.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

// --- What hub events mean for this stream ---

TEST_F(SessionTest, RoomNoticesSkipTheUserThemselvesAndUsersInABlock) {
  GoLive(true, /*hidden=*/{8});
  session_.OnEvent(Notice(7));  // about alice herself
  session_.OnEvent(Notice(8));  // about someone alice blocked
  session_.OnEvent(Notice(9));
  session_.Flush();
  auto events = wire_.Events();
  ASSERT_THAT(events, SizeIs(2));
  EXPECT_EQ(events[1].room_notice().user_id(), 9u);
}

TEST_F(SessionTest, ABlockHidesNoticesOnAnOpenStreamAndItsEndShowsThemAgain) {
  GoLive();
  session_.OnEvent(Block(9, true));
  session_.OnEvent(Notice(9));
  session_.Flush();
  EXPECT_THAT(wire_.Events(), SizeIs(1)) << "the block itself is never forwarded";
  session_.OnEvent(Block(9, false));
  session_.OnEvent(Notice(9));
  session_.Flush();
  EXPECT_EQ(Last().room_notice().user_id(), 9u);
}

TEST_F(SessionTest, ABlockThatComesBeforeTheWelcomeWinsOverItsSnapshot) {
  Open();
  backend_.validate[0](grpc::Status::OK, Alice());
  backend_.list_rooms[0](grpc::Status::OK, {3});
  backend_.attach_ready();
  session_.OnEvent(Block(8, false));  // unblocked after the snapshot was read
  session_.OnEvent(Block(9, true));
  v1::ListFriendsResponse friends;
  friends.add_hidden_user_ids(8);
  backend_.welcome[0](grpc::Status::OK, {}, friends);
  WriteDone();
  session_.OnEvent(Notice(8));
  session_.OnEvent(Notice(9));
  session_.Flush();
  EXPECT_EQ(Last().room_notice().user_id(), 8u);
  EXPECT_THAT(wire_.Events(), SizeIs(2));
}

TEST_F(SessionTest, AJoinIsForwardedOnlyOnceTheRoomsChannelIsLive) {
  GoLive();
  session_.OnEvent(Membership("joined", 12));
  session_.Flush();
  EXPECT_THAT(backend_.added, ElementsAre("room:12"));
  EXPECT_THAT(wire_.Events(), SizeIs(1));
  backend_.add_ready[0]();
  EXPECT_EQ(Last().user_event().room().conversation_id(), 12u);
}

TEST_F(SessionTest, LeavingARoomDropsItsChannelAndIsForwarded) {
  GoLive();
  session_.OnEvent(Membership("left", 3));
  session_.Flush();
  EXPECT_THAT(backend_.removed, ElementsAre("room:3"));
  EXPECT_EQ(Last().user_event().room().type(), "left");
}

TEST_F(SessionTest, StateNamesAreWords) {
  EXPECT_EQ(StateName(State::kAuthenticating), "authenticating");
  EXPECT_EQ(StateName(State::kDraining), "draining");
  EXPECT_EQ(StateName(session_.state()), "authenticating");
}

}  // namespace
}  // namespace natter::gateway
