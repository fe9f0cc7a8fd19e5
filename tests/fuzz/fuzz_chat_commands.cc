// Client commands after protobuf decoding: any bytes, decoded as the request of one natter-chat
// call (the first byte picks which) and run against the real ChatService, RoomService and
// FriendsService on in-memory fakes, as an authenticated user. Whatever the fields say, no crash,
// and a refusal is a clear error (a message, and not INTERNAL or UNKNOWN, since the fakes never
// fail).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "chat_service.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_event_publisher.h"
#include "fakes/fake_friend_store.h"
#include "fakes/fake_message_store.h"
#include "fakes/fake_rate_limiter.h"
#include "fakes/fake_typing_limiter.h"
#include "fakes/fake_user_directory.h"
#include "friends_service.h"
#include "natter/v1/chat.pb.h"
#include "room_service.h"

namespace natter::chat {
namespace {

v1::Caller CallerOf(uint64_t id) {
  static const char* kNames[] = {"alice", "bob", "carol"};
  v1::Caller caller;
  caller.set_user_id(id);
  caller.set_username(kNames[(id - 1) % 3]);
  caller.set_session_id("s" + std::to_string(id));
  return caller;
}

// The three services over fakes, with some state: alice and bob are friends with a direct
// conversation, alice owns room "dev" where bob is a member, and there are messages to edit.
struct World {
  fakes::FakeMessageStore store;
  fakes::FakeFriendStore friend_store;
  fakes::FakeEventPublisher publisher;
  fakes::FakeUserDirectory users;
  fakes::FakeClock clock;
  fakes::FakeTypingLimiter typing{clock};
  fakes::FakeRateLimiter limiter{clock};
  ChatService chat{store, friend_store, publisher, users, typing, limiter, ChatLimits{}, clock};
  RoomService rooms{store, publisher, users, limiter, ChatLimits{}, clock};
  FriendsService friends{friend_store, store, users, publisher, limiter, ChatLimits{}, clock};

  World() {
    store.SetFriendStore(friend_store);
    users.Set(1, "alice");
    users.Set(2, "bob");
    users.Set(3, "carol");
    v1::FriendshipRequest add;
    *add.mutable_caller() = CallerOf(1);
    add.set_action(v1::FRIEND_ACTION_ADD);
    add.set_username("bob");
    friends.Friendship(add).IgnoreError();
    v1::FriendshipRequest accept;
    *accept.mutable_caller() = CallerOf(2);
    accept.set_action(v1::FRIEND_ACTION_ACCEPT);
    accept.set_username("alice");
    friends.Friendship(accept).IgnoreError();
    v1::CreateRoomRequest create;
    *create.mutable_caller() = CallerOf(1);
    create.set_name("dev");
    rooms.CreateRoom(create).IgnoreError();
    v1::RoomRequest join;
    *join.mutable_caller() = CallerOf(2);
    join.set_room("dev");
    rooms.JoinRoom(join).IgnoreError();
    for (int i = 0; i < 3; ++i) {
      v1::SendRequest send;
      *send.mutable_caller() = CallerOf(1 + i % 2);
      send.set_client_msg_id("seed-" + std::to_string(i));
      send.set_text("hello " + std::to_string(i));
      if (i == 0) send.set_to_user("bob");
      if (i == 1) send.set_room("dev");
      if (i == 2) send.set_room("lobby");
      chat.Send(send).IgnoreError();
    }
  }
};

void Check(const absl::Status& status) {
  if (status.ok()) return;
  if (status.message().empty()) std::abort();
  if (status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown) {
    std::abort();
  }
}

template <class Request, class Call>
void Run(const uint8_t* data, size_t size, uint64_t caller, Call call) {
  Request request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  // The gateway always sets the caller from the session; the services trust it.
  *request.mutable_caller() = CallerOf(caller);
  Check(call(request).status());
}

}  // namespace
}  // namespace natter::chat

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace natter;
  using namespace natter::chat;
  if (size < 1) return 0;
  const uint8_t which = data[0];
  const uint64_t caller = 1 + (which >> 5) % 3;
  data += 1;
  size -= 1;
  World w;
  switch (which & 0x1f) {
    case 0:
      Run<v1::SendRequest>(data, size, caller, [&](auto& r) { return w.chat.Send(r); });
      break;
    case 1:
      Run<v1::EditRequest>(data, size, caller, [&](auto& r) { return w.chat.Edit(r); });
      break;
    case 2:
      Run<v1::DeleteRequest>(data, size, caller, [&](auto& r) { return w.chat.Delete(r); });
      break;
    case 3:
      Run<v1::SyncRequest>(data, size, caller, [&](auto& r) { return w.chat.Sync(r); });
      break;
    case 4:
      Run<v1::HistoryRequest>(data, size, caller, [&](auto& r) { return w.chat.History(r); });
      break;
    case 5:
      Run<v1::ListConversationsRequest>(data, size, caller,
                                        [&](auto& r) { return w.chat.ListConversations(r); });
      break;
    case 6:
      Run<v1::TypingRequest>(data, size, caller, [&](auto& r) { return w.chat.Typing(r); });
      break;
    case 7:
      Run<v1::MarkReadRequest>(data, size, caller, [&](auto& r) { return w.chat.MarkRead(r); });
      break;
    case 8:
      Run<v1::CreateRoomRequest>(data, size, caller,
                                 [&](auto& r) { return w.rooms.CreateRoom(r); });
      break;
    case 9:
      Run<v1::RoomRequest>(data, size, caller, [&](auto& r) { return w.rooms.JoinRoom(r); });
      break;
    case 10:
      Run<v1::RoomRequest>(data, size, caller, [&](auto& r) { return w.rooms.LeaveRoom(r); });
      break;
    case 11:
      Run<v1::ListRoomsRequest>(data, size, caller, [&](auto& r) { return w.rooms.ListRooms(r); });
      break;
    case 12:
      Run<v1::RoomRequest>(data, size, caller, [&](auto& r) { return w.rooms.RoomMembers(r); });
      break;
    case 13:
      Run<v1::RemoveMemberRequest>(data, size, caller,
                                   [&](auto& r) { return w.rooms.RemoveMember(r); });
      break;
    case 14:
      Run<v1::UpdateRoomRequest>(data, size, caller,
                                 [&](auto& r) { return w.rooms.UpdateRoom(r); });
      break;
    case 15:
      Run<v1::FriendshipRequest>(data, size, caller,
                                 [&](auto& r) { return w.friends.Friendship(r); });
      break;
    case 16:
      Run<v1::ListFriendsRequest>(data, size, caller,
                                  [&](auto& r) { return w.friends.ListFriends(r); });
      break;
    case 17:
      Run<v1::SyncUserEventsRequest>(data, size, caller,
                                     [&](auto& r) { return w.friends.SyncUserEvents(r); });
      break;
    case 18:
      Run<v1::SetMemberRoleRequest>(data, size, caller,
                                    [&](auto& r) { return w.rooms.SetMemberRole(r); });
      break;
    case 19:
      Run<v1::ReactRequest>(data, size, caller, [&](auto& r) { return w.chat.React(r); });
      break;
    case 20:
      Run<v1::SetNotificationsRequest>(data, size, caller,
                                       [&](auto& r) { return w.chat.SetNotifications(r); });
      break;
    default:
      break;
  }
  return 0;
}
