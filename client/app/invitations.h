// The user's pending invitations to rooms, counted for the main window (the Rooms button shows
// how many): loaded with ListInvitations after each Welcome, then kept live from the stream's
// RoomInvitation events (invited: one more; accepted, declined, cancelled: one fewer) and from
// joining the room.
#pragma once

#include <QObject>
#include <map>

#include "api_client.h"

namespace natter::client {

class PendingInvitations : public QObject {
  Q_OBJECT

 public:
  explicit PendingInvitations(ApiClient& api, QObject* parent = nullptr);

  // Asks the server for the pending invitations (replacing what is held).
  void Load();
  // A RoomInvitation event: true when it is a new invitation to this user (worth a notification).
  bool Apply(const v1::RoomInvitation& invitation, uint64_t own_user_id);
  // The user is in the room now (accepted here or elsewhere): its invitation is answered.
  void Joined(uint64_t conversation_id);
  int count() const { return static_cast<int>(pending_.size()); }

 signals:
  void countChanged(int count);

 private:
  void Set(std::map<uint64_t, v1::RoomInvitation> pending);

  ApiClient& api_;
  std::map<uint64_t, v1::RoomInvitation> pending_;  // by room conversation
  uint64_t generation_ = 0;  // of the last Load; a change meanwhile makes it stale
};

}  // namespace natter::client
