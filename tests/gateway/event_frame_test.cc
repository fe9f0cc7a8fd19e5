// FrameEvent: serialized ServerEvents framed so that their concatenation is a valid ServerFrame.
#include "event_frame.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "natter/v1/gateway.pb.h"

namespace natter::gateway {
namespace {

using ::google::protobuf::util::MessageDifferencer;

std::string Bytes(const grpc::Slice& slice) {
  return std::string(reinterpret_cast<const char*>(slice.begin()), slice.size());
}

v1::ServerEvent ChatEvent(uint64_t seq, const std::string& text) {
  v1::ServerEvent event;
  v1::ChatMessage* m = event.mutable_message();
  m->set_conversation_id(1);
  m->set_seq(seq);
  m->set_message_id(1000 + seq);
  m->set_sender_id(7);
  m->set_sender("alice");
  m->set_text(text);
  m->set_sent_at_ms(1'700'000'000'000);
  m->set_room("lobby");
  m->set_client_msg_id("c" + std::to_string(seq));
  return event;
}

TEST(FrameEventTest, ConcatenatedFramesParseAsServerFrameInOrder) {
  std::vector<v1::ServerEvent> events;
  v1::ServerEvent welcome;
  welcome.mutable_welcome()->set_user_id(7);
  welcome.mutable_welcome()->set_username("alice");
  welcome.mutable_welcome()->set_gateway_id("gw-1");
  events.push_back(welcome);
  events.push_back(ChatEvent(1, "short"));
  events.push_back(ChatEvent(2, std::string(200, 'm')));        // > 127 bytes: two-byte length
  events.push_back(ChatEvent(3, std::string(20 * 1024, 'L')));  // > 16 KiB: three-byte length
  v1::ServerEvent resync;
  resync.mutable_resync()->set_reason("queue overflow");
  events.push_back(resync);

  std::string wire;
  for (const auto& event : events) {
    wire += Bytes(FrameEvent(event.SerializeAsString()));
  }
  v1::ServerFrame frame;
  ASSERT_TRUE(frame.ParseFromString(wire));
  ASSERT_EQ(frame.events_size(), static_cast<int>(events.size()));
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(frame.events(static_cast<int>(i)), events[i]))
        << "event " << i << ": " << frame.events(static_cast<int>(i)).ShortDebugString();
  }
  EXPECT_EQ(frame.events(3).message().text().size(), 20u * 1024);
}

TEST(FrameEventTest, SingleFrameIsWhatProtobufWritesForOneEvent) {
  v1::ServerEvent event = ChatEvent(9, std::string(300, 'x'));
  v1::ServerFrame expected;
  *expected.add_events() = event;
  EXPECT_EQ(Bytes(FrameEvent(event.SerializeAsString())), expected.SerializeAsString());
}

TEST(FrameEventTest, MessageOverloadFramesTheSerializedMessage) {
  v1::ServerEvent event = ChatEvent(4, "same bytes");
  EXPECT_EQ(Bytes(FrameEvent(event)), Bytes(FrameEvent(event.SerializeAsString())));
}

struct HeaderCase {
  size_t payload_size;
  std::string header;  // tag 0x0A and the varint length
};

class FrameHeaderTest : public ::testing::TestWithParam<HeaderCase> {};

TEST_P(FrameHeaderTest, WritesTagAndVarintLength) {
  const std::string payload(GetParam().payload_size, 'p');
  const std::string framed = Bytes(FrameEvent(payload));
  const std::string& header = GetParam().header;
  ASSERT_EQ(framed.size(), header.size() + payload.size());
  EXPECT_EQ(framed.substr(0, header.size()), header);
  EXPECT_EQ(framed.substr(header.size()), payload);
}

INSTANTIATE_TEST_SUITE_P(Lengths, FrameHeaderTest,
                         ::testing::Values(HeaderCase{0, std::string("\x0A\x00", 2)},
                                           HeaderCase{1, "\x0A\x01"}, HeaderCase{127, "\x0A\x7F"},
                                           HeaderCase{128, "\x0A\x80\x01"},
                                           HeaderCase{300, "\x0A\xAC\x02"},
                                           HeaderCase{16383, "\x0A\xFF\x7F"},
                                           HeaderCase{16384, "\x0A\x80\x80\x01"},
                                           HeaderCase{2'097'152, "\x0A\x80\x80\x80\x01"}),
                         [](const ::testing::TestParamInfo<HeaderCase>& p) {
                           return "Bytes" + std::to_string(p.param.payload_size);
                         });

TEST(FrameEventTest, EmptyEventFramesAsOneEmptyEvent) {
  v1::ServerFrame frame;
  ASSERT_TRUE(frame.ParseFromString(Bytes(FrameEvent(std::string()))));
  ASSERT_EQ(frame.events_size(), 1);
  EXPECT_EQ(frame.events(0).kind_case(), v1::ServerEvent::KIND_NOT_SET);
}

TEST(FrameEventTest, CopiesOfTheSliceShareTheBytes) {
  grpc::Slice framed = FrameEvent(std::string(64, 'a'));
  grpc::Slice copy = framed;  // what the hub hands to each stream
  EXPECT_EQ(copy.begin(), framed.begin());
  EXPECT_EQ(Bytes(copy), Bytes(framed));
}

}  // namespace
}  // namespace natter::gateway
