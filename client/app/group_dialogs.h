// Group conversations in natter-desktop (issue 23 item 7): "New group…" picks 2 to 99 friends with
// checkboxes and an optional title (CreateGroup); a group's Members dialog lists its members and
// adds friends, removes a member (the owner), renames and leaves. A group is drawn in the chat list
// with GroupIcon.
#pragma once

#include <QDialog>
#include <QPixmap>
#include <QString>
#include <QStringList>
#include <vector>

#include "api_client.h"
#include "contact_model.h"
#include "dialogs.h"

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace natter::client {

// A friend one may put in a group.
struct FriendChoice {
  uint64_t user_id = 0;
  QString username;
  QString display_name;
};

// The friends among `contacts` (not pending requests), as group dialogs offer them.
std::vector<FriendChoice> FriendChoicesOf(const ContactModel& contacts);

// A group's picture in the chat list: two people on a coloured disc, `size` logical pixels.
QPixmap GroupIcon(int size, qreal device_pixel_ratio);

// A list of friends with checkboxes, filtered by what is typed above it.
class FriendPicker : public QWidget {
  Q_OBJECT

 public:
  FriendPicker(const std::vector<FriendChoice>& friends, QWidget* parent = nullptr);
  // The usernames checked, in list order.
  QStringList Picked() const;

 signals:
  void pickedChanged(int count);

 private:
  QLineEdit* filter_;
  QListWidget* list_;
};

class NewGroupDialog : public QDialog {
  Q_OBJECT

 public:
  NewGroupDialog(ApiClient& api, const std::vector<FriendChoice>& friends,
                 QWidget* parent = nullptr);

 signals:
  void created(quint64 conversation_id);

 private:
  void Create();

  ApiClient& api_;
  FriendPicker* picker_;
  QLineEdit* title_;
  QLabel* error_;
  QPushButton* create_;
};

class GroupMembersDialog : public QDialog {
  Q_OBJECT

 public:
  // `friends`: the user's friends, those not in the group offered by "Add friends…". With
  // `avatars` and `lookup`, members are listed as in a room's Members dialog: avatar, display
  // name, a friend's presence.
  GroupMembersDialog(ApiClient& api, uint64_t group_id, uint64_t own_user_id,
                     std::vector<FriendChoice> friends, QWidget* parent = nullptr,
                     AvatarCache* avatars = nullptr, MembersDialog::Lookup lookup = {});

 signals:
  void left();

 private:
  void Load();
  void Show(const v1::GroupResponse& response);
  void AddFriends();

  ApiClient& api_;
  uint64_t group_id_;
  uint64_t own_user_id_;
  std::vector<FriendChoice> friends_;
  AvatarCache* avatars_;
  MembersDialog::Lookup lookup_;
  std::vector<uint64_t> member_ids_;
  bool owner_ = false;
  QListWidget* members_;
  QLineEdit* title_;
  QPushButton* rename_;
  QPushButton* add_;
  QPushButton* remove_;
  QPushButton* leave_;
  QLabel* error_;
};

}  // namespace natter::client
