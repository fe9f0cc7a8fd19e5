// The client's dialogs: add a friend, find/create/join rooms (public or private) and answer
// invitations to rooms, a room's members (and, for its owner,
// topic, removal and moderators; for a moderator, removal), profile (display name and avatar with a
// preview), sessions, password.
#pragma once

#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <functional>

#include "api_client.h"
#include "avatar_cache.h"

namespace natter::client {

class AddFriendDialog : public QDialog {
  Q_OBJECT

 public:
  AddFriendDialog(ApiClient& api, QWidget* parent = nullptr);

 private:
  ApiClient& api_;
  QLineEdit* username_;
  QLineEdit* message_;
  QLabel* error_;
};

class RoomsDialog : public QDialog {
  Q_OBJECT

 public:
  RoomsDialog(ApiClient& api, QWidget* parent = nullptr);
  // The invitations, asked again (one may be new), with the one to `room` selected and the keys
  // in their list, to Accept or Decline (a click on the invitation's notification).
  void ShowInvitation(const QString& room);

 signals:
  void joined(quint64 conversation_id);

 private:
  // Selects the invitation ShowInvitation asked for, once it is listed.
  void SelectShownInvitation();
  QString shown_invitation_;
  void Search(const QString& prefix);
  void Join(const QString& room);
  // The pending invitations, with their count in the title above them (hidden when none).
  void LoadInvitations();
  // Accepts (joins the room) or declines the selected invitation.
  void Answer(bool accept);

  ApiClient& api_;
  QListWidget* rooms_;
  QLabel* invitations_title_;
  QListWidget* invitations_;
  QWidget* invitation_buttons_;
  QLineEdit* name_;
  QLineEdit* topic_;
  QCheckBox* private_;
  QLabel* error_;
};

class MembersDialog : public QDialog {
  Q_OBJECT

 public:
  // Who each member is, as shown: their display name and status ("online", "away", "offline",
  // or empty when not known: not a friend).
  struct Person {
    QString name;
    QString status;
  };
  using Lookup = std::function<Person(uint64_t user_id, const QString& username)>;

  // With `avatars`, each member has their avatar beside their name; with `lookup`, their display
  // name and (for friends) presence.
  MembersDialog(ApiClient& api, const QString& room, uint64_t own_user_id,
                QWidget* parent = nullptr, AvatarCache* avatars = nullptr, Lookup lookup = {});
  // Adds a member's row to `list` as every member list shows one: their avatar (with `avatars`),
  // their name (by `lookup`, else the username), their role ("owner", "moderator") and a friend's
  // presence. The username is the item's Qt::UserRole.
  static QListWidgetItem* AddMember(QListWidget* list, uint64_t user_id, const QString& username,
                                    const std::string& role, const Lookup& lookup,
                                    AvatarCache* avatars);

 signals:
  void left();

 private:
  void Load();
  // The moderator button's text for the selected member ("Make moderator" or "Remove moderator"),
  // shown to the owner only.
  void UpdateRoleButton();

  ApiClient& api_;
  QString room_;
  uint64_t own_user_id_;
  AvatarCache* avatars_;
  Lookup lookup_;
  bool owner_ = false;
  QListWidget* members_;
  QLineEdit* topic_;
  QPushButton* save_topic_;
  QPushButton* kick_;
  QPushButton* role_;
  QLineEdit* invite_user_;
  QPushButton* invite_;
  QLabel* error_;
};

class ProfileDialog : public QDialog {
  Q_OBJECT

 public:
  ProfileDialog(ApiClient& api, AvatarCache& avatars, uint64_t user_id, QWidget* parent = nullptr);

 private:
  void ChooseAvatar();
  void Save();

  ApiClient& api_;
  AvatarCache& avatars_;
  uint64_t user_id_;
  QLineEdit* display_name_;
  QLabel* preview_;
  QLabel* error_;
  QByteArray new_avatar_;  // the chosen file, sent as is (the server re-encodes it)
};

class SessionsDialog : public QDialog {
  Q_OBJECT

 public:
  SessionsDialog(ApiClient& api, QWidget* parent = nullptr);

 private:
  void Load();

  ApiClient& api_;
  QListWidget* sessions_;
  QLabel* error_;
};

class PasswordDialog : public QDialog {
  Q_OBJECT

 public:
  PasswordDialog(ApiClient& api, QWidget* parent = nullptr);

 private:
  // While the server checks the current password: the fields are read-only, OK is disabled and
  // the note says so.
  void SetBusy(bool busy);

  ApiClient& api_;
  QLineEdit* current_;
  QLineEdit* next_;
  QLineEdit* repeat_;
  QLabel* error_;
  QLabel* note_;
  QDialogButtonBox* buttons_;
};

}  // namespace natter::client
