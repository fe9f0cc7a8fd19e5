#include "invitations.h"

namespace natter::client {
namespace {
using Async = ApiClient::Async;
}  // namespace

PendingInvitations::PendingInvitations(ApiClient& api, QObject* parent)
    : QObject(parent), api_(api) {}

void PendingInvitations::Load() {
  const uint64_t generation = ++generation_;
  api_.Call(&Async::ListInvitations, v1::ListInvitationsRequest(),
            std::function<void(const grpc::Status&, const v1::ListInvitationsResponse&)>(
                [this, generation](const grpc::Status& status,
                                   const v1::ListInvitationsResponse& response) {
                  // A failure keeps the count as it was; the next Welcome asks again.
                  if (!status.ok() || generation != generation_) return;
                  std::map<uint64_t, v1::RoomInvitation> pending;
                  for (const auto& i : response.invitations()) pending[i.conversation_id()] = i;
                  Set(std::move(pending));
                }));
}

bool PendingInvitations::Apply(const v1::RoomInvitation& invitation, uint64_t own_user_id) {
  if (invitation.invitee_id() != own_user_id) return false;  // one this user sent
  ++generation_;                                             // a list on its way is older than this
  std::map<uint64_t, v1::RoomInvitation> pending = pending_;
  bool added = false;
  if (invitation.type() == "invited") {
    added = pending.count(invitation.conversation_id()) == 0;
    pending[invitation.conversation_id()] = invitation;
  } else {
    pending.erase(invitation.conversation_id());
  }
  Set(std::move(pending));
  return added;
}

void PendingInvitations::Joined(uint64_t conversation_id) {
  if (pending_.count(conversation_id) == 0) return;
  ++generation_;
  std::map<uint64_t, v1::RoomInvitation> pending = pending_;
  pending.erase(conversation_id);
  Set(std::move(pending));
}

void PendingInvitations::Set(std::map<uint64_t, v1::RoomInvitation> pending) {
  const bool changed = pending.size() != pending_.size();
  pending_ = std::move(pending);
  if (changed) emit countChanged(count());
}

}  // namespace natter::client
