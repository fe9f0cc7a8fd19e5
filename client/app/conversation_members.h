// Who is in each conversation, for @-completion and for what one may do there (pins): a room's
// members and roles are asked once (RoomMembers; a group's: GroupMembers) and again after someone
// joins, is added, leaves, is removed or changes role; a direct conversation has its peer; the
// lobby lists no members (everyone is in it), so completion there offers the people the window
// knows.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <map>
#include <vector>

#include "api_client.h"

namespace natter::client {

class ConversationMembers : public QObject {
  Q_OBJECT

 public:
  struct Member {
    uint64_t user_id = 0;
    QString username;
    QString role;  // "owner", "moderator", "member"; empty for a direct conversation's peer
  };

  explicit ConversationMembers(ApiClient& api, QObject* parent = nullptr);

  // Asks for a room's members unless they are known (a direct conversation's peer is known at
  // once; the lobby has none to list).
  void Fetch(const v1::Conversation& conversation);
  // An entry of a room: a membership or role change forgets its members, to be asked again.
  void OnEntry(const v1::ChatMessage& entry);
  // The known members of a conversation (none while they are being asked for).
  std::vector<Member> Of(uint64_t conversation_id) const;
  // The role of `user_id` in a room, empty when not known.
  QString RoleOf(uint64_t conversation_id, uint64_t user_id) const;

 signals:
  void changed(quint64 conversation_id);

 private:
  ApiClient& api_;
  std::map<uint64_t, std::vector<Member>> members_;  // by conversation
  std::map<uint64_t, uint64_t> asking_;              // conversation -> request generation
  uint64_t generation_ = 0;
};

}  // namespace natter::client
