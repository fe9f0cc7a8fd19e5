// Friends and pending friend requests for the sidebar: incoming requests first (they wait for an
// answer), then friends (online, away, offline; by name), then requests the user sent. A presence,
// name or avatar change updates one row (dataChanged) and, when the order changes, moves it.
#pragma once

#include <QDateTime>
#include <QString>
#include <vector>

#include "natter/v1/common.pb.h"
#include "sorted_list_model.h"

namespace natter::client {

struct ContactRow {
  int kind = 1;  // ContactModel::Kind
  uint64_t user_id = 0;
  QString username;
  QString display_name;
  QString status = QStringLiteral("offline");
  int64_t last_seen_ms = 0;
  uint32_t avatar_version = 0;
  QString message;
};

class ContactModel : public SortedListModel<ContactRow> {
  Q_OBJECT

 public:
  enum Kind { kIncoming = 0, kFriend = 1, kOutgoing = 2 };
  enum Role {
    kUserIdRole = Qt::UserRole + 1,
    kUsernameRole,
    kDisplayNameRole,
    kKindRole,           // Kind
    kStatusRole,         // "online", "away", "offline" (friends)
    kLastSeenRole,       // QDateTime (offline friends)
    kAvatarVersionRole,  // uint
    kMessageRole,        // a request's note
  };

  explicit ContactModel(QObject* parent = nullptr);

  void Reset(const std::vector<v1::Friend>& friends,
             const std::vector<v1::PendingRequest>& requests);
  // A friend event (request, acceptance, rejection, removal) as the server sent it.
  void ApplyFriendEvent(const v1::FriendEvent& event);
  void SetPresence(uint64_t user_id, const QString& status, int64_t last_seen_ms);
  void SetProfile(uint64_t user_id, const QString& display_name, uint32_t avatar_version);

  int RowOf(uint64_t user_id) const;
  int RowOfUsername(const QString& username) const;
  int incoming_count() const;

  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

 private:
  using Row = ContactRow;
  bool Before(const Row& a, const Row& b) const override;
  void RemoveUser(uint64_t user_id);
};

}  // namespace natter::client
