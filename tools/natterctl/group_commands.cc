#include "group_commands.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "natter/v1/gateway.grpc.pb.h"
#include "output.h"

namespace natter::ctl {

namespace v1 = natter::v1;

uint64_t ParseGroup(const std::string& spec) {
  if (spec.empty() || spec.size() > 20 ||
      !std::all_of(spec.begin(), spec.end(), [](unsigned char c) { return std::isdigit(c); })) {
    throw CtlError{"name a group by its conversation id (natterctl conversations lists it)"};
  }
  uint64_t id = std::strtoull(spec.c_str(), nullptr, 10);
  if (id == 0) throw CtlError{"conversation ids start at 1"};
  return id;
}

int CreateGroup(const Globals& g, const std::string& title, const std::vector<std::string>& users) {
  RequireUtf8(title, "title");
  auto context = AuthedContext(g);
  v1::CreateGroupRequest request;
  request.set_title(title);
  for (const auto& u : users) request.add_usernames(u);
  v1::GroupResponse response;
  CheckStatus(GatewayStub(g)->CreateGroup(context.get(), request, &response), g);
  PrintJson(ConversationJson(response.group()));
  return 0;
}

int AddGroupMembers(const Globals& g, uint64_t group, const std::vector<std::string>& users) {
  auto context = AuthedContext(g);
  v1::AddGroupMembersRequest request;
  request.set_conversation_id(group);
  for (const auto& u : users) request.add_usernames(u);
  v1::GroupResponse response;
  CheckStatus(GatewayStub(g)->AddGroupMembers(context.get(), request, &response), g);
  PrintJson(ConversationJson(response.group()));
  return 0;
}

int RemoveGroupMember(const Globals& g, uint64_t group, const std::string& user) {
  auto context = AuthedContext(g);
  v1::RemoveGroupMemberRequest request;
  request.set_conversation_id(group);
  request.set_username(user);
  v1::GroupResponse response;
  CheckStatus(GatewayStub(g)->RemoveGroupMember(context.get(), request, &response), g);
  PrintJson(ConversationJson(response.group()));
  return 0;
}

int LeaveGroup(const Globals& g, uint64_t group) {
  auto context = AuthedContext(g);
  v1::GroupRequest request;
  request.set_conversation_id(group);
  v1::GroupResponse response;
  CheckStatus(GatewayStub(g)->LeaveGroup(context.get(), request, &response), g);
  PrintJson(ConversationJson(response.group()));
  return 0;
}

int RenameGroup(const Globals& g, uint64_t group, const std::string& title) {
  RequireUtf8(title, "title");
  auto context = AuthedContext(g);
  v1::RenameGroupRequest request;
  request.set_conversation_id(group);
  request.set_title(title);
  v1::GroupResponse response;
  CheckStatus(GatewayStub(g)->RenameGroup(context.get(), request, &response), g);
  PrintJson(ConversationJson(response.group()));
  return 0;
}

int GroupMembers(const Globals& g, uint64_t group) {
  auto context = AuthedContext(g);
  v1::GroupRequest request;
  request.set_conversation_id(group);
  v1::GroupResponse response;
  CheckStatus(GatewayStub(g)->GroupMembers(context.get(), request, &response), g);
  for (const auto& m : response.members()) {
    PrintJson({{"user", m.username()},
               {"user_id", m.user_id()},
               {"role", m.role()},  // "owner": the creator (who removes members), "member"
               {"joined_at", Rfc3339(m.joined_at_ms())}});
  }
  return 0;
}

}  // namespace natter::ctl
