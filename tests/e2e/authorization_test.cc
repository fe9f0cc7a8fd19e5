// The authorization audit: every RPC and stream command that names someone else's object, tried as
// a user who may not act on it, is refused with PERMISSION_DENIED, NOT_FOUND or (a public room the
// caller has not joined) FAILED_PRECONDITION, and returns no data. Objects: alice and bob's direct
// conversation, alice's room "audit" (bob is a member), alice's messages, alice's sessions.
// Mallory is nobody's friend and in no room but the lobby.
#include <grpcpp/grpcpp.h>

#include <set>
#include <thread>

#include "natter/v1/gateway.grpc.pb.h"
#include "raw_stream.h"
#include "stack_test.h"

namespace natter::testing {
namespace {

using namespace std::chrono_literals;

const std::set<int> kRefusals = {grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::NOT_FOUND,
                                 grpc::StatusCode::FAILED_PRECONDITION};

class AuthorizationTest : public StackTest {
 protected:
  static void SetUpTestSuite() {
    StartStack({.chat_replicas = 1, .gateways = 1});
    for (const char* name : {"alice", "bob", "mallory"}) User(name);
    Friends("alice", "bob");
    auto dm = CtlJson({"--as", "alice", "send", "--to", "bob", "for bob only"});
    dm_ = dm["conversation"].get<uint64_t>();
    dm_seq_ = dm["seq"].get<uint64_t>();
    auto room = CtlJson({"--as", "alice", "rooms", "create", "audit"});
    room_ = room["conversation"].get<uint64_t>();
    EXPECT_EQ(Ctl({"--as", "bob", "rooms", "join", "audit"}).exit_code, 0);
    CtlJson({"--as", "alice", "send", "--room", "audit", "members only"});
    lobby_seq_ = CtlJson({"--as", "alice", "send", "--room", "lobby", "hello all"})["seq"];
    mallory_ = Token("mallory");
    bob_ = Token("bob");
    alice_session_ = CtlLines({"--as", "alice", "sessions"}).at(0)["id"];
  }

  // A unary call of the client API as the holder of `token`.
  static std::unique_ptr<v1::Gateway::Stub> Stub() {
    return v1::Gateway::NewStub(
        grpc::CreateChannel(stack_->gateway_address(0), grpc::InsecureChannelCredentials()));
  }
  static void Authorize(grpc::ClientContext& context, const std::string& token) {
    context.AddMetadata("authorization", "Bearer " + token);
  }
  static void ExpectRefused(const grpc::Status& status, const std::string& what) {
    EXPECT_TRUE(kRefusals.contains(status.error_code()))
        << what << ": " << status.error_code() << " " << status.error_message();
    EXPECT_FALSE(status.error_message().empty()) << what;
  }
  static void ExpectRefused(const v1::CommandResult& result, const std::string& what) {
    EXPECT_TRUE(kRefusals.contains(result.code()))
        << what << ": " << result.code() << " " << result.error();
    EXPECT_FALSE(result.has_sync()) << what;
    EXPECT_FALSE(result.has_ack()) << what;
  }
  // The caller field a client sends is replaced by the gateway: forge alice's.
  static v1::Caller Forged() {
    v1::Caller c;
    c.set_user_id(1);
    c.set_username("alice");
    return c;
  }

  static inline uint64_t dm_ = 0, dm_seq_ = 0, room_ = 0, lobby_seq_ = 0;
  static inline std::string mallory_, bob_, alice_session_;
};

TEST_F(AuthorizationTest, HistoryOfSomeoneElsesConversationIsRefused) {
  auto stub = Stub();
  auto try_history = [&](auto set_target, const std::string& what) {
    grpc::ClientContext context;
    Authorize(context, mallory_);
    v1::HistoryRequest request;
    *request.mutable_caller() = Forged();
    set_target(request);
    v1::HistoryResponse response;
    ExpectRefused(stub->History(&context, request, &response), what);
    EXPECT_EQ(response.messages_size(), 0) << what;
  };
  try_history([](v1::HistoryRequest& r) { r.set_conversation_id(dm_); }, "history by dm id");
  try_history([](v1::HistoryRequest& r) { r.set_with_user("alice"); }, "history with alice");
  try_history([](v1::HistoryRequest& r) { r.set_conversation_id(room_); }, "history by room id");
  try_history([](v1::HistoryRequest& r) { r.set_room("audit"); }, "history of a room not joined");
  try_history([](v1::HistoryRequest& r) { r.set_conversation_id(999'999); }, "unknown id");
}

TEST_F(AuthorizationTest, RoomChangesByANonOwnerAreRefused) {
  auto stub = Stub();
  for (const std::string* token : {&mallory_, &bob_}) {
    const std::string who = token == &bob_ ? "bob (member)" : "mallory";
    {
      grpc::ClientContext context;
      Authorize(context, *token);
      v1::RemoveMemberRequest request;
      *request.mutable_caller() = Forged();
      request.set_room("audit");
      request.set_username("bob");
      v1::RoomResponse response;
      ExpectRefused(stub->RemoveMember(&context, request, &response), who + " kicks");
    }
    {
      grpc::ClientContext context;
      Authorize(context, *token);
      v1::UpdateRoomRequest request;
      *request.mutable_caller() = Forged();
      request.set_room("audit");
      request.set_topic("taken over");
      v1::RoomResponse response;
      ExpectRefused(stub->UpdateRoom(&context, request, &response), who + " sets the topic");
    }
    {
      grpc::ClientContext context;
      Authorize(context, *token);
      v1::UpdateRoomRequest request;
      request.set_room("audit");
      request.set_new_name("renamed");
      v1::RoomResponse response;
      ExpectRefused(stub->UpdateRoom(&context, request, &response), who + " renames");
    }
    {
      grpc::ClientContext context;
      Authorize(context, *token);
      v1::SetMemberRoleRequest request;
      *request.mutable_caller() = Forged();
      request.set_room("audit");
      request.set_username("bob");
      request.set_role(v1::ROOM_ROLE_MODERATOR);
      v1::RoomResponse response;
      ExpectRefused(stub->SetMemberRole(&context, request, &response), who + " makes a moderator");
    }
  }
  auto members = CtlLines({"--as", "alice", "rooms", "members", "audit"});
  EXPECT_EQ(members.size(), 2u) << "nobody was removed";
  for (const auto& m : members) EXPECT_NE(m["role"], "moderator") << m.dump();
}

TEST_F(AuthorizationTest, AnotherUsersSessionCannotBeRevoked) {
  auto stub = Stub();
  grpc::ClientContext context;
  Authorize(context, mallory_);
  v1::RevokeSessionRequest request;
  request.set_session_id(alice_session_);
  v1::RevokeSessionResponse response;
  ExpectRefused(stub->RevokeSession(&context, request, &response), "revoke alice's session");
  EXPECT_EQ(Ctl({"--as", "alice", "whoami"}).exit_code, 0) << "alice is still logged in";
}

TEST_F(AuthorizationTest, PresenceIsSharedWithFriendsOnly) {
  auto stub = Stub();
  grpc::ClientContext context;
  Authorize(context, mallory_);
  v1::ClientPresenceRequest request;
  request.add_usernames("alice");
  v1::ClientPresenceResponse response;
  ExpectRefused(stub->GetPresence(&context, request, &response), "presence of a non-friend");
}

TEST_F(AuthorizationTest, AFriendRequestNobodySentCannotBeAccepted) {
  auto stub = Stub();
  grpc::ClientContext context;
  Authorize(context, mallory_);
  v1::FriendshipRequest request;
  *request.mutable_caller() = Forged();
  request.set_action(v1::FRIEND_ACTION_ACCEPT);
  request.set_username("bob");
  v1::FriendshipResponse response;
  ExpectRefused(stub->Friendship(&context, request, &response), "accept an unsent request");
  auto friends = CtlLines({"--as", "bob", "friends"});
  for (const auto& f : friends) EXPECT_NE(f.value("username", ""), "mallory");
}

TEST_F(AuthorizationTest, StreamCommandsOnSomeoneElsesObjectsAreRefused) {
  RawStream stream(stack_->gateway_address(0), mallory_);
  ASSERT_TRUE(stream.Welcomed());
  auto ref_dm = [](v1::ConversationRef* r) { r->set_id(dm_); };
  {
    v1::ClientFrame f;
    f.mutable_sync()->set_conversation_id(dm_);
    ExpectRefused(stream.Command(f), "sync the dm");
  }
  {
    v1::ClientFrame f;
    f.mutable_sync()->set_conversation_id(room_);
    ExpectRefused(stream.Command(f), "sync a room not joined");
  }
  {
    v1::ClientFrame f;
    f.mutable_send()->set_conversation_id(dm_);
    f.mutable_send()->set_client_msg_id("m1");
    f.mutable_send()->set_text("let me in");
    ExpectRefused(stream.Command(f), "send into the dm");
  }
  {
    v1::ClientFrame f;
    f.mutable_send()->set_to_user("alice");
    f.mutable_send()->set_client_msg_id("m2");
    f.mutable_send()->set_text("hi stranger");
    ExpectRefused(stream.Command(f), "a direct message to a non-friend");
  }
  {
    v1::ClientFrame f;
    f.mutable_send()->set_conversation_id(room_);
    f.mutable_send()->set_client_msg_id("m3");
    f.mutable_send()->set_text("not a member");
    ExpectRefused(stream.Command(f), "send into a room not joined");
  }
  {
    v1::ClientFrame f;
    ref_dm(f.mutable_edit()->mutable_conversation());
    f.mutable_edit()->set_seq(dm_seq_);
    f.mutable_edit()->set_client_msg_id("m4");
    f.mutable_edit()->set_text("edited by mallory");
    ExpectRefused(stream.Command(f), "edit in the dm");
  }
  {
    v1::ClientFrame f;
    f.mutable_edit()->mutable_conversation()->set_room("lobby");
    f.mutable_edit()->set_seq(lobby_seq_);
    f.mutable_edit()->set_client_msg_id("m5");
    f.mutable_edit()->set_text("edited by mallory");
    ExpectRefused(stream.Command(f), "edit alice's lobby message");
  }
  {
    v1::ClientFrame f;
    f.mutable_delete_()->mutable_conversation()->set_room("lobby");
    f.mutable_delete_()->set_seq(lobby_seq_);
    f.mutable_delete_()->set_client_msg_id("m6");
    ExpectRefused(stream.Command(f), "delete alice's lobby message");
  }
  {
    v1::ClientFrame f;
    ref_dm(f.mutable_typing()->mutable_conversation());
    ExpectRefused(stream.Command(f), "typing in the dm");
  }
  {
    v1::ClientFrame f;
    ref_dm(f.mutable_read()->mutable_conversation());
    f.mutable_read()->set_seq(dm_seq_);
    ExpectRefused(stream.Command(f), "move a read marker in the dm");
  }

  // Nothing changed: alice's messages are as she wrote them, and the dm holds only hers.
  auto dm = CtlLines({"--as", "bob", "history", "--with", "alice"});
  ASSERT_EQ(dm.size(), 1u);
  EXPECT_EQ(dm[0]["text"], "for bob only");
  auto lobby = CtlLines({"--as", "alice", "history", "--room", "lobby"});
  ASSERT_FALSE(lobby.empty());
  for (const auto& m : lobby) {
    EXPECT_NE(m.value("text", ""), "edited by mallory");
    EXPECT_FALSE(m.value("deleted", false));
  }

  // Mallory's stream sees nothing of the dm or the room, even as they go on.
  CtlJson({"--as", "alice", "send", "--to", "bob", "still private"});
  CtlJson({"--as", "alice", "send", "--room", "audit", "still members only"});
  CtlJson({"--as", "alice", "send", "--room", "lobby", "public again"});
  bool lobby_seen = false;
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (!lobby_seen && std::chrono::steady_clock::now() < give_up) {
    v1::ClientFrame ping;
    ping.mutable_ping();
    stream.Command(ping);
    for (const auto& e : stream.events()) {
      if (e.has_message() && e.message().text() == "public again") lobby_seen = true;
    }
    if (!lobby_seen) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(lobby_seen);
  for (const auto& e : stream.events()) {
    if (e.has_message()) {
      EXPECT_NE(e.message().conversation_id(), dm_) << e.message().text();
      EXPECT_NE(e.message().conversation_id(), room_) << e.message().text();
    }
    EXPECT_FALSE(e.has_typing() && e.typing().conversation_id() == dm_);
    EXPECT_FALSE(e.has_read() && e.read().conversation_id() == dm_);
  }
}

TEST_F(AuthorizationTest, TheWelcomeListsOnlyTheCallersConversations) {
  auto stub = Stub();
  grpc::ClientContext context;
  Authorize(context, mallory_);
  v1::ListConversationsRequest request;
  *request.mutable_caller() = Forged();
  v1::ListConversationsResponse response;
  ASSERT_TRUE(stub->ListConversations(&context, request, &response).ok());
  for (const auto& c : response.conversations()) {
    EXPECT_NE(c.id(), dm_);
    EXPECT_NE(c.id(), room_);
  }
}

}  // namespace
}  // namespace natter::testing
