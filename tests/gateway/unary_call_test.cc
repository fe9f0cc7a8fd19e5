// The gateway parses client requests itself (unary_call.h), so that a request that is not a valid
// message is answered INVALID_ARGUMENT naming what is wrong, rather than gRPC's bare UNIMPLEMENTED;
// and every unary method of the client API has a row in GatewayService's table.
#include "unary_call.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "gateway_service.h"
#include "natter/v1/gateway.pb.h"

namespace natter::gateway {
namespace {

using ::testing::HasSubstr;

grpc::ByteBuffer Buffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// A serialized message whose string field `number` holds `value` as it is, valid UTF-8 or not.
std::string WithStringField(int number, const std::string& value) {
  std::string out;
  out.push_back(static_cast<char>((number << 3) | 2));  // length-delimited
  out.push_back(static_cast<char>(value.size()));       // shorter than 128
  return out + value;
}

TEST(ParseRequestTest, AValidRequestParses) {
  v1::LoginRequest sent;
  sent.set_username("alice");
  sent.set_password("correct horse");
  v1::LoginRequest parsed;
  ASSERT_TRUE(ParseRequest(Buffer(sent.SerializeAsString()), parsed).ok());
  EXPECT_EQ(parsed.username(), "alice");
  EXPECT_EQ(parsed.password(), "correct horse");
}

TEST(ParseRequestTest, AStringThatIsNotUtf8IsNamed) {
  v1::LoginRequest parsed;
  grpc::Status status = ParseRequest(Buffer(WithStringField(1, "al\xff\xfeice")), parsed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("natter.v1.LoginRequest"));
  EXPECT_THAT(status.error_message(), HasSubstr("\"username\" is not valid UTF-8"));
}

TEST(ParseRequestTest, AStringInANestedMessageIsNamedByItsPath) {
  // ClientFrame.send (field 2) is a SendMessage whose text is field 4.
  v1::ClientFrame frame;
  frame.mutable_send()->set_room("lobby");
  frame.mutable_send()->set_text("placeholder");
  std::string send = frame.send().SerializeAsString();
  std::string bad_send = send.substr(0, send.find("placeholder") - 2) +
                         WithStringField(v1::SendMessage::kTextFieldNumber, "\xc3\x28");
  std::string wire;
  wire.push_back(static_cast<char>((v1::ClientFrame::kSendFieldNumber << 3) | 2));
  wire.push_back(static_cast<char>(bad_send.size()));
  wire += bad_send;
  v1::ClientFrame parsed;
  grpc::Status status = ParseRequest(Buffer(wire), parsed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("\"send.text\" is not valid UTF-8"));
}

TEST(ParseRequestTest, BytesThatDoNotParseAreRefused) {
  v1::LoginRequest parsed;
  // A length-delimited field that claims more bytes than there are.
  grpc::Status status = ParseRequest(Buffer(std::string("\x0a\x7f"
                                                        "abc",
                                                        5)),
                                     parsed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("not a valid natter.v1.LoginRequest"));
}

TEST(ParseRequestTest, ANestedMessageThatDoesNotParseIsNamed) {
  std::string wire;
  wire.push_back(static_cast<char>((v1::ClientFrame::kSendFieldNumber << 3) | 2));
  wire.push_back(3);
  wire += std::string(
      "\x0a\x7f"
      "a",
      3);  // its own field claims 127 bytes
  v1::ClientFrame parsed;
  grpc::Status status = ParseRequest(Buffer(wire), parsed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("\"send\" is not a valid natter.v1.SendMessage"));
}

TEST(ParseRequestTest, UnknownFieldsAreIgnoredAsProtobufDoes) {
  v1::LoginRequest sent;
  sent.set_username("bob");
  std::string wire = sent.SerializeAsString() + WithStringField(15, "\xff");
  v1::LoginRequest parsed;
  ASSERT_TRUE(ParseRequest(Buffer(wire), parsed).ok());
  EXPECT_EQ(parsed.username(), "bob");
}

TEST(VarintFieldTest, ARequestIdIsReadFromAFrameWhoseOtherFieldsAreBroken) {
  std::string wire;
  wire.push_back(static_cast<char>(v1::ClientFrame::kRequestIdFieldNumber << 3));  // varint
  wire.push_back(42);
  wire += WithStringField(v1::ClientFrame::kSendFieldNumber, WithStringField(4, "\xc3\x28"));
  v1::ClientFrame parsed;
  ASSERT_FALSE(ParseRequest(Buffer(wire), parsed).ok());
  EXPECT_EQ(VarintField(Buffer(wire), v1::ClientFrame::kRequestIdFieldNumber), 42u);
  EXPECT_EQ(VarintField(Buffer(std::string("\x0a\x7f"
                                           "abc",
                                           5)),
                        1),
            std::nullopt);
}

TEST(GatewayServiceTest, EveryUnaryMethodOfTheClientApiHasARow) {
  // The constructor stops the process if a method of natter.v1.Gateway is missing from the table
  // or a row names no method; here it must simply construct.
  GatewayContext context;
  GatewayService service(context);
  std::set<std::string> rows;
  for (const auto& row : service.UnaryMethods()) rows.insert(std::string(row.name));
  std::set<std::string> unary;
  const auto* described = v1::ClientFrame::descriptor()->file()->FindServiceByName("Gateway");
  ASSERT_NE(described, nullptr);
  for (int i = 0; i < described->method_count(); ++i) {
    const auto* method = described->method(i);
    if (!method->client_streaming() && !method->server_streaming()) unary.insert(method->name());
  }
  EXPECT_EQ(rows, unary);
}

}  // namespace
}  // namespace natter::gateway
