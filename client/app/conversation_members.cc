#include "conversation_members.h"

namespace natter::client {
namespace {
using Async = ApiClient::Async;
}  // namespace

ConversationMembers::ConversationMembers(ApiClient& api, QObject* parent)
    : QObject(parent), api_(api) {}

void ConversationMembers::Fetch(const v1::Conversation& c) {
  const uint64_t id = c.id();
  if (c.kind() == "group") {
    if (members_.count(id) > 0 || asking_.count(id) > 0) return;
    const uint64_t generation = ++generation_;
    asking_[id] = generation;
    v1::GroupRequest request;
    request.set_conversation_id(id);
    api_.Call(
        &Async::GroupMembers, request,
        std::function<void(const grpc::Status&, const v1::GroupResponse&)>(
            [this, id, generation](const grpc::Status& status, const v1::GroupResponse& response) {
              auto it = asking_.find(id);
              if (it == asking_.end() || it->second != generation) return;
              asking_.erase(it);
              if (!status.ok()) return;
              std::vector<Member>& members = members_[id];
              members.clear();
              for (const auto& m : response.members()) {
                members.push_back(Member{m.user_id(), QString::fromStdString(m.username()),
                                         QString::fromStdString(m.role())});
              }
              emit changed(id);
            }));
    return;
  }
  if (c.kind() != "room") {
    members_[id] = {Member{c.peer_id(), QString::fromStdString(c.name()), QString()}};
    return;
  }
  if (c.name() == "lobby" || members_.count(id) > 0 || asking_.count(id) > 0) return;
  const uint64_t generation = ++generation_;
  asking_[id] = generation;
  v1::RoomRequest request;
  request.set_room(c.name());
  api_.Call(&Async::RoomMembers, request,
            std::function<void(const grpc::Status&, const v1::RoomMembersResponse&)>(
                [this, id, generation](const grpc::Status& status,
                                       const v1::RoomMembersResponse& response) {
                  auto it = asking_.find(id);
                  if (it == asking_.end() || it->second != generation) return;  // forgotten
                  asking_.erase(it);
                  // Not answered: nothing is known, and the next opening asks again.
                  if (!status.ok()) return;
                  std::vector<Member>& members = members_[id];
                  members.clear();
                  for (const auto& m : response.members()) {
                    members.push_back(Member{m.user_id(), QString::fromStdString(m.username()),
                                             QString::fromStdString(m.role())});
                  }
                  emit changed(id);
                }));
}

void ConversationMembers::OnEntry(const v1::ChatMessage& entry) {
  const std::string& type = entry.type();
  if (type == "member_joined" || type == "member_left" || type == "member_removed" ||
      type == "member_role_changed" || type == "room_created" || type == "member_added") {
    members_.erase(entry.conversation_id());
    asking_.erase(entry.conversation_id());
  }
}

std::vector<ConversationMembers::Member> ConversationMembers::Of(uint64_t conversation_id) const {
  auto it = members_.find(conversation_id);
  return it == members_.end() ? std::vector<Member>{} : it->second;
}

QString ConversationMembers::RoleOf(uint64_t conversation_id, uint64_t user_id) const {
  auto it = members_.find(conversation_id);
  if (it == members_.end()) return {};
  for (const Member& m : it->second) {
    if (m.user_id == user_id) return m.role;
  }
  return {};
}

}  // namespace natter::client
