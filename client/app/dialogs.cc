#include "dialogs.h"

#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QImageReader>
#include <QVBoxLayout>

#include "password_toggle.h"
#include "validation.h"

namespace natter::client {
namespace {

using Async = ApiClient::Async;
template <class Response>
using Done = std::function<void(const grpc::Status&, const Response&)>;

constexpr qint64 kMaxAvatarBytes = 512 * 1024;
// A member item's role ("owner", "moderator", "member"); Qt::UserRole holds the username.
constexpr int kRoleRole = Qt::UserRole + 1;

QLabel* ErrorLabel(QWidget* parent) {
  auto* label = new QLabel(parent);
  label->setStyleSheet(QStringLiteral("color: #c62828;"));
  label->setWordWrap(true);
  label->setTextFormat(Qt::PlainText);
  return label;
}

}  // namespace

// ---- add friend ----

AddFriendDialog::AddFriendDialog(ApiClient& api, QWidget* parent) : QDialog(parent), api_(api) {
  setWindowTitle(tr("Add a friend"));
  auto* form = new QFormLayout(this);
  username_ = new QLineEdit(this);
  username_->setObjectName(QStringLiteral("friendUsername"));
  message_ = new QLineEdit(this);
  message_->setMaxLength(200);
  message_->setPlaceholderText(tr("optional, e.g. \"Hi, it's Ann from the book club\""));
  error_ = ErrorLabel(this);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
  auto* send = buttons->addButton(tr("Send request"), QDialogButtonBox::AcceptRole);
  form->addRow(tr("Username"), username_);
  form->addRow(tr("Message"), message_);
  form->addRow(error_);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(send, &QPushButton::clicked, this, [this] {
    QString problem = UsernameProblem(username_->text().trimmed());
    if (!problem.isEmpty()) {
      error_->setText(problem);
      return;
    }
    v1::FriendshipRequest request;
    request.set_action(v1::FRIEND_ACTION_ADD);
    request.set_username(username_->text().trimmed().toStdString());
    request.set_message(message_->text().toStdString());
    api_.Call(&Async::Friendship, request,
              Done<v1::FriendshipResponse>(
                  [this](const grpc::Status& status, const v1::FriendshipResponse&) {
                    if (!status.ok()) {
                      error_->setText(ErrorText(status));
                      return;
                    }
                    accept();
                  }));
  });
}

// ---- rooms ----

RoomsDialog::RoomsDialog(ApiClient& api, QWidget* parent) : QDialog(parent), api_(api) {
  setWindowTitle(tr("Rooms"));
  resize(460, 520);
  auto* layout = new QVBoxLayout(this);
  auto* search = new QLineEdit(this);
  search->setPlaceholderText(tr("Find a room by name"));
  search->setClearButtonEnabled(true);
  layout->addWidget(search);
  rooms_ = new QListWidget(this);
  rooms_->setObjectName(QStringLiteral("roomList"));
  layout->addWidget(rooms_, 1);
  auto* join = new QPushButton(tr("Join selected room"), this);
  layout->addWidget(join);
  // Invitations to rooms (private ones are not listed above), answered here.
  invitations_title_ = new QLabel(this);
  invitations_title_->setObjectName(QStringLiteral("invitationsTitle"));
  layout->addWidget(invitations_title_);
  invitations_ = new QListWidget(this);
  invitations_->setObjectName(QStringLiteral("invitationList"));
  invitations_->setMaximumHeight(100);
  layout->addWidget(invitations_);
  invitation_buttons_ = new QWidget(this);
  auto* answer_row = new QHBoxLayout(invitation_buttons_);
  answer_row->setContentsMargins(0, 0, 0, 0);
  auto* accept_invitation = new QPushButton(tr("Accept"), invitation_buttons_);
  accept_invitation->setObjectName(QStringLiteral("acceptInvitation"));
  auto* decline_invitation = new QPushButton(tr("Decline"), invitation_buttons_);
  decline_invitation->setObjectName(QStringLiteral("declineInvitation"));
  answer_row->addWidget(accept_invitation);
  answer_row->addWidget(decline_invitation);
  layout->addWidget(invitation_buttons_);
  for (QWidget* w : {static_cast<QWidget*>(invitations_title_), static_cast<QWidget*>(invitations_),
                     invitation_buttons_}) {
    w->setVisible(false);
  }
  connect(accept_invitation, &QPushButton::clicked, this, [this] { Answer(true); });
  connect(decline_invitation, &QPushButton::clicked, this, [this] { Answer(false); });
  auto* create = new QFormLayout;
  name_ = new QLineEdit(this);
  name_->setObjectName(QStringLiteral("newRoomName"));
  topic_ = new QLineEdit(this);
  topic_->setMaxLength(250);
  create->addRow(tr("New room"), name_);
  create->addRow(tr("Topic"), topic_);
  private_ = new QCheckBox(tr("Private: only those you invite can find and join it"), this);
  private_->setObjectName(QStringLiteral("newRoomPrivate"));
  create->addRow(QString(), private_);
  layout->addLayout(create);
  auto* create_button = new QPushButton(tr("Create room"), this);
  create_button->setObjectName(QStringLiteral("createRoom"));
  for (QLineEdit* field : {name_, topic_}) {
    connect(field, &QLineEdit::returnPressed, create_button, &QPushButton::click);
  }
  layout->addWidget(create_button);
  error_ = ErrorLabel(this);
  layout->addWidget(error_);
  auto* close = new QDialogButtonBox(QDialogButtonBox::Close, this);
  layout->addWidget(close);
  connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(search, &QLineEdit::textChanged, this, &RoomsDialog::Search);
  connect(join, &QPushButton::clicked, this, [this] {
    if (auto* item = rooms_->currentItem()) Join(item->data(Qt::UserRole).toString());
  });
  connect(rooms_, &QListWidget::itemActivated, this,
          [this](QListWidgetItem* item) { Join(item->data(Qt::UserRole).toString()); });
  connect(create_button, &QPushButton::clicked, this, [this] {
    QString problem = RoomNameProblem(name_->text().trimmed());
    if (!problem.isEmpty()) {
      error_->setText(problem);
      return;
    }
    v1::CreateRoomRequest request;
    request.set_name(name_->text().trimmed().toStdString());
    request.set_topic(topic_->text().trimmed().toStdString());
    request.set_private_room(private_->isChecked());
    api_.Call(&Async::CreateRoom, request,
              Done<v1::RoomResponse>(
                  [this](const grpc::Status& status, const v1::RoomResponse& response) {
                    if (!status.ok()) {
                      error_->setText(ErrorText(status));
                      return;
                    }
                    emit joined(response.room().id());
                    accept();
                  }));
  });
  Search(QString());
  LoadInvitations();
}

void RoomsDialog::LoadInvitations() {
  api_.Call(&Async::ListInvitations, v1::ListInvitationsRequest(),
            Done<v1::ListInvitationsResponse>([this](const grpc::Status& status,
                                                     const v1::ListInvitationsResponse& response) {
              invitations_->clear();
              if (!status.ok()) {
                error_->setText(ErrorText(status));
                return;
              }
              for (const auto& i : response.invitations()) {
                auto* item = new QListWidgetItem(
                    tr("#%1, from %2")
                        .arg(QString::fromStdString(i.room()), QString::fromStdString(i.inviter())),
                    invitations_);
                item->setData(Qt::UserRole, QString::fromStdString(i.room()));
              }
              const int count = response.invitations_size();
              invitations_title_->setText(tr("Invitations (%n)", nullptr, count));
              for (QWidget* w : {static_cast<QWidget*>(invitations_title_),
                                 static_cast<QWidget*>(invitations_), invitation_buttons_}) {
                w->setVisible(count > 0);
              }
              if (count > 0 && !invitations_->currentItem()) invitations_->setCurrentRow(0);
              SelectShownInvitation();
            }));
}

void RoomsDialog::ShowInvitation(const QString& room) {
  shown_invitation_ = room;
  LoadInvitations();
}

void RoomsDialog::SelectShownInvitation() {
  if (shown_invitation_.isEmpty()) return;
  for (int row = 0; row < invitations_->count(); ++row) {
    // Room names are matched ignoring case (PROTOCOL).
    if (invitations_->item(row)
            ->data(Qt::UserRole)
            .toString()
            .compare(shown_invitation_, Qt::CaseInsensitive) == 0) {
      invitations_->setCurrentRow(row);
      invitations_->scrollToItem(invitations_->item(row));
      invitations_->setFocus();
      return;
    }
  }
}

void RoomsDialog::Answer(bool accept) {
  auto* item = invitations_->currentItem();
  if (!item) return;
  v1::AnswerInvitationRequest request;
  request.set_room(item->data(Qt::UserRole).toString().toStdString());
  request.set_accept(accept);
  api_.Call(&Async::AnswerInvitation, request,
            Done<v1::RoomResponse>(
                [this, accept](const grpc::Status& status, const v1::RoomResponse& response) {
                  if (!status.ok()) {
                    error_->setText(ErrorText(status));
                    LoadInvitations();
                    return;
                  }
                  if (!accept) {
                    LoadInvitations();
                    return;
                  }
                  emit joined(response.room().id());
                  this->accept();
                }));
}

void RoomsDialog::Search(const QString& prefix) {
  v1::ListRoomsRequest request;
  request.set_prefix(prefix.toStdString());
  request.set_limit(100);
  api_.Call(&Async::ListRooms, request,
            Done<v1::ListRoomsResponse>(
                [this](const grpc::Status& status, const v1::ListRoomsResponse& response) {
                  rooms_->clear();
                  if (!status.ok()) {
                    error_->setText(ErrorText(status));
                    return;
                  }
                  for (const auto& listing : response.rooms()) {
                    const auto& r = listing.room();
                    QString label = QStringLiteral("#%1").arg(QString::fromStdString(r.name()));
                    if (r.name() != "lobby")
                      label += tr("  · %n members", nullptr, static_cast<int>(r.member_count()));
                    if (listing.joined()) label += tr("  · joined");
                    if (!r.topic().empty())
                      label += QStringLiteral("\n") + QString::fromStdString(r.topic());
                    auto* item = new QListWidgetItem(label, rooms_);
                    item->setData(Qt::UserRole, QString::fromStdString(r.name()));
                  }
                }));
}

void RoomsDialog::Join(const QString& room) {
  v1::RoomRequest request;
  request.set_room(room.toStdString());
  api_.Call(
      &Async::JoinRoom, request,
      Done<v1::RoomResponse>([this](const grpc::Status& status, const v1::RoomResponse& response) {
        if (!status.ok()) {
          error_->setText(ErrorText(status));
          return;
        }
        emit joined(response.room().id());
        accept();
      }));
}

// ---- members ----

MembersDialog::MembersDialog(ApiClient& api, const QString& room, uint64_t own_user_id,
                             QWidget* parent, AvatarCache* avatars, Lookup lookup)
    : QDialog(parent),
      api_(api),
      room_(room),
      own_user_id_(own_user_id),
      avatars_(avatars),
      lookup_(std::move(lookup)) {
  setWindowTitle(tr("#%1 — members").arg(room));
  resize(380, 480);
  auto* layout = new QVBoxLayout(this);
  members_ = new QListWidget(this);
  members_->setObjectName(QStringLiteral("memberList"));
  members_->setIconSize(QSize(28, 28));
  layout->addWidget(members_, 1);
  kick_ = new QPushButton(tr("Remove from room"), this);
  layout->addWidget(kick_);
  role_ = new QPushButton(tr("Make moderator"), this);
  role_->setObjectName(QStringLiteral("memberRole"));
  layout->addWidget(role_);
  auto* topic_row = new QHBoxLayout;
  topic_ = new QLineEdit(this);
  topic_->setMaxLength(250);
  topic_->setPlaceholderText(tr("Topic"));
  topic_->setObjectName(QStringLiteral("roomTopic"));
  save_topic_ = new QPushButton(tr("Set topic"), this);
  // Enter sets it, as the button does (a dialog's Enter goes to its default button, and there is
  // none here).
  connect(topic_, &QLineEdit::returnPressed, save_topic_, &QPushButton::click);
  topic_row->addWidget(topic_, 1);
  topic_row->addWidget(save_topic_);
  layout->addLayout(topic_row);
  // The owner and moderators invite users (to a private room, the only way in).
  auto* invite_row = new QHBoxLayout;
  invite_user_ = new QLineEdit(this);
  invite_user_->setPlaceholderText(tr("Username to invite"));
  invite_user_->setObjectName(QStringLiteral("inviteUser"));
  invite_ = new QPushButton(tr("Invite"), this);
  invite_->setObjectName(QStringLiteral("inviteButton"));
  connect(invite_user_, &QLineEdit::returnPressed, invite_, &QPushButton::click);
  invite_row->addWidget(invite_user_, 1);
  invite_row->addWidget(invite_);
  layout->addLayout(invite_row);
  auto* leave = new QPushButton(tr("Leave room"), this);
  layout->addWidget(leave);
  error_ = ErrorLabel(this);
  layout->addWidget(error_);
  kick_->setVisible(false);
  role_->setVisible(false);
  invite_user_->setVisible(false);
  invite_->setVisible(false);
  connect(invite_, &QPushButton::clicked, this, [this] {
    const QString user = invite_user_->text().trimmed();
    if (user.isEmpty()) return;
    v1::InviteRequest request;
    request.set_room(room_.toStdString());
    request.set_username(user.toStdString());
    api_.Call(
        &Async::Invite, request,
        Done<v1::RoomResponse>([this, user](const grpc::Status& status, const v1::RoomResponse&) {
          if (!status.ok()) {
            error_->setText(ErrorText(status));
            return;
          }
          invite_user_->clear();
          error_->setText(tr("Invited %1.").arg(user));
        }));
  });
  topic_->setVisible(false);
  save_topic_->setVisible(false);
  connect(kick_, &QPushButton::clicked, this, [this] {
    auto* item = members_->currentItem();
    if (!item) return;
    v1::RemoveMemberRequest request;
    request.set_room(room_.toStdString());
    request.set_username(item->data(Qt::UserRole).toString().toStdString());
    api_.Call(&Async::RemoveMember, request,
              Done<v1::RoomResponse>([this](const grpc::Status& status, const v1::RoomResponse&) {
                if (!status.ok()) error_->setText(ErrorText(status));
                Load();
              }));
  });
  connect(members_, &QListWidget::currentItemChanged, this, [this] { UpdateRoleButton(); });
  connect(role_, &QPushButton::clicked, this, [this] {
    auto* item = members_->currentItem();
    if (!item) return;
    const bool moderator = item->data(kRoleRole).toString() == QLatin1String("moderator");
    v1::SetMemberRoleRequest request;
    request.set_room(room_.toStdString());
    request.set_username(item->data(Qt::UserRole).toString().toStdString());
    request.set_role(moderator ? v1::ROOM_ROLE_MEMBER : v1::ROOM_ROLE_MODERATOR);
    api_.Call(&Async::SetMemberRole, request,
              Done<v1::RoomResponse>([this](const grpc::Status& status, const v1::RoomResponse&) {
                error_->setText(status.ok() ? QString() : ErrorText(status));
                Load();
              }));
  });
  connect(save_topic_, &QPushButton::clicked, this, [this] {
    v1::UpdateRoomRequest request;
    request.set_room(room_.toStdString());
    request.set_topic(topic_->text().trimmed().toStdString());
    api_.Call(&Async::UpdateRoom, request,
              Done<v1::RoomResponse>([this](const grpc::Status& status, const v1::RoomResponse&) {
                error_->setText(status.ok() ? QString() : ErrorText(status));
              }));
  });
  connect(leave, &QPushButton::clicked, this, [this] {
    v1::RoomRequest request;
    request.set_room(room_.toStdString());
    api_.Call(&Async::LeaveRoom, request,
              Done<v1::RoomResponse>([this](const grpc::Status& status, const v1::RoomResponse&) {
                if (!status.ok()) {
                  error_->setText(ErrorText(status));
                  return;
                }
                emit left();
                accept();
              }));
  });
  Load();
}

QListWidgetItem* MembersDialog::AddMember(QListWidget* list, uint64_t user_id,
                                          const QString& username, const std::string& role,
                                          const Lookup& lookup, AvatarCache* avatars) {
  const Person person = lookup ? lookup(user_id, username) : Person{username, QString()};
  QString label = person.name;
  if (role == "owner") label = tr("%1 (owner)").arg(person.name);
  if (role == "moderator") label = tr("%1 (moderator)").arg(person.name);
  if (person.status == QLatin1String("online")) {
    label += QStringLiteral(" · ") + tr("online");
  } else if (person.status == QLatin1String("away")) {
    label += QStringLiteral(" · ") + tr("away");
  }
  auto* item = new QListWidgetItem(label, list);
  if (avatars) {
    item->setIcon(QIcon(avatars->AvatarOf(user_id, person.name, 28, list->devicePixelRatioF())));
  }
  item->setData(Qt::UserRole, username);
  return item;
}

void MembersDialog::Load() {
  v1::RoomRequest request;
  request.set_room(room_.toStdString());
  api_.Call(&Async::RoomMembers, request,
            Done<v1::RoomMembersResponse>([this](const grpc::Status& status,
                                                 const v1::RoomMembersResponse& response) {
              members_->clear();
              if (!status.ok()) {
                error_->setText(ErrorText(status));
                return;
              }
              owner_ = response.room().owner_id() == own_user_id_;
              bool moderator = false;
              for (const auto& m : response.members()) {
                auto* item = AddMember(members_, m.user_id(), QString::fromStdString(m.username()),
                                       m.role(), lookup_, avatars_);
                item->setData(kRoleRole, QString::fromStdString(m.role()));
                if (m.user_id() == own_user_id_ && m.role() == "moderator") moderator = true;
              }
              // Moderators remove members too (the server refuses them the owner and other
              // moderators, with a message shown below).
              kick_->setVisible(owner_ || moderator);
              invite_user_->setVisible(owner_ || moderator);
              invite_->setVisible(owner_ || moderator);
              topic_->setVisible(owner_);
              save_topic_->setVisible(owner_);
              topic_->setText(QString::fromStdString(response.room().topic()));
              UpdateRoleButton();
            }));
}

void MembersDialog::UpdateRoleButton() {
  auto* item = members_->currentItem();
  const QString role = item ? item->data(kRoleRole).toString() : QString();
  role_->setVisible(owner_ && item && role != QLatin1String("owner"));
  role_->setText(role == QLatin1String("moderator") ? tr("Remove moderator")
                                                    : tr("Make moderator"));
}

// ---- profile ----

ProfileDialog::ProfileDialog(ApiClient& api, AvatarCache& avatars, uint64_t user_id,
                             QWidget* parent)
    : QDialog(parent), api_(api), avatars_(avatars), user_id_(user_id) {
  setWindowTitle(tr("Your profile"));
  auto* layout = new QVBoxLayout(this);
  preview_ = new QLabel(this);
  preview_->setFixedSize(128, 128);
  preview_->setAlignment(Qt::AlignCenter);
  layout->addWidget(preview_, 0, Qt::AlignHCenter);
  auto* choose = new QPushButton(tr("Choose a picture…"), this);
  layout->addWidget(choose, 0, Qt::AlignHCenter);
  auto* form = new QFormLayout;
  display_name_ = new QLineEdit(this);
  display_name_->setMaxLength(64);
  form->addRow(tr("Display name"), display_name_);
  layout->addLayout(form);
  error_ = ErrorLabel(this);
  layout->addWidget(error_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(buttons, &QDialogButtonBox::accepted, this, &ProfileDialog::Save);
  connect(choose, &QPushButton::clicked, this, &ProfileDialog::ChooseAvatar);
  api_.Call(&Async::GetProfile, v1::GetProfileRequest(),
            Done<v1::Profile>([this](const grpc::Status& status, const v1::Profile& profile) {
              if (!status.ok()) {
                error_->setText(ErrorText(status));
                return;
              }
              display_name_->setText(QString::fromStdString(profile.display_name()));
              preview_->setPixmap(avatars_.Avatar(user_id_, profile.avatar_version(),
                                                  display_name_->text(), 128, devicePixelRatioF()));
            }));
}

void ProfileDialog::ChooseAvatar() {
  QString path = QFileDialog::getOpenFileName(this, tr("Choose a picture"), QString(),
                                              tr("Images (*.png *.jpg *.jpeg)"));
  if (path.isEmpty()) return;
  QFile file(path);
  if (file.size() > kMaxAvatarBytes) {
    error_->setText(tr("The picture is larger than 512 KiB; choose a smaller one."));
    return;
  }
  if (!file.open(QIODevice::ReadOnly)) {
    error_->setText(tr("The file cannot be read."));
    return;
  }
  QByteArray bytes = file.readAll();
  QImage image;
  if (!image.loadFromData(bytes)) {
    error_->setText(tr("That file is not a PNG or JPEG picture."));
    return;
  }
  // Shown as the server will keep it: cropped to a square, in a circle.
  new_avatar_ = bytes;
  preview_->setPixmap(AvatarCache::Round(image, 128, devicePixelRatioF()));
  error_->clear();
}

void ProfileDialog::Save() {
  QString problem = DisplayNameProblem(display_name_->text());
  if (!problem.isEmpty()) {
    error_->setText(problem);
    return;
  }
  v1::UpdateProfileRequest request;
  request.set_display_name(display_name_->text().trimmed().toStdString());
  api_.Call(&Async::UpdateProfile, request,
            Done<v1::Profile>([this](const grpc::Status& status, const v1::Profile&) {
              if (!status.ok()) {
                error_->setText(ErrorText(status));
                return;
              }
              if (new_avatar_.isEmpty()) {
                accept();
                return;
              }
              v1::SetAvatarRequest avatar;
              avatar.set_image(new_avatar_.toStdString());
              api_.Call(&Async::SetAvatar, avatar,
                        Done<v1::Profile>([this](const grpc::Status& result, const v1::Profile&) {
                          if (!result.ok()) {
                            error_->setText(ErrorText(result));
                            return;
                          }
                          accept();
                        }));
            }));
}

// ---- sessions ----

SessionsDialog::SessionsDialog(ApiClient& api, QWidget* parent) : QDialog(parent), api_(api) {
  setWindowTitle(tr("Your sessions"));
  resize(480, 360);
  auto* layout = new QVBoxLayout(this);
  sessions_ = new QListWidget(this);
  layout->addWidget(sessions_, 1);
  auto* revoke = new QPushButton(tr("End selected session"), this);
  layout->addWidget(revoke);
  error_ = ErrorLabel(this);
  layout->addWidget(error_);
  auto* close = new QDialogButtonBox(QDialogButtonBox::Close, this);
  layout->addWidget(close);
  connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(revoke, &QPushButton::clicked, this, [this] {
    auto* item = sessions_->currentItem();
    if (!item) return;
    v1::RevokeSessionRequest request;
    request.set_session_id(item->data(Qt::UserRole).toString().toStdString());
    api_.Call(&Async::RevokeSession, request,
              Done<v1::RevokeSessionResponse>(
                  [this](const grpc::Status& status, const v1::RevokeSessionResponse&) {
                    if (!status.ok()) error_->setText(ErrorText(status));
                    Load();
                  }));
  });
  Load();
}

void SessionsDialog::Load() {
  api_.Call(&Async::ListSessions, v1::ListSessionsRequest(),
            Done<v1::ListSessionsResponse>(
                [this](const grpc::Status& status, const v1::ListSessionsResponse& response) {
                  sessions_->clear();
                  if (!status.ok()) {
                    error_->setText(ErrorText(status));
                    return;
                  }
                  for (const auto& s : response.sessions()) {
                    QString when = QDateTime::fromMSecsSinceEpoch(s.last_used_ms())
                                       .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
                    QString label =
                        tr("%1 — last used %2").arg(QString::fromStdString(s.device()), when);
                    if (s.current()) label += tr(" (this one)");
                    auto* item = new QListWidgetItem(label, sessions_);
                    item->setData(Qt::UserRole, QString::fromStdString(s.id()));
                  }
                }));
}

// ---- password ----

PasswordDialog::PasswordDialog(ApiClient& api, QWidget* parent) : QDialog(parent), api_(api) {
  setWindowTitle(tr("Change password"));
  auto* form = new QFormLayout(this);
  current_ = new QLineEdit(this);
  next_ = new QLineEdit(this);
  repeat_ = new QLineEdit(this);
  for (QLineEdit* e : {current_, next_, repeat_}) {
    e->setEchoMode(QLineEdit::Password);
    AddShowPasswordToggle(e);
  }
  form->addRow(tr("Current password"), current_);
  form->addRow(tr("New password"), next_);
  form->addRow(tr("New password again"), repeat_);
  error_ = ErrorLabel(this);
  form->addRow(error_);
  note_ = new QLabel(tr("Your other sessions will be signed out."), this);
  note_->setObjectName(QStringLiteral("passwordNote"));
  note_->setWordWrap(true);
  form->addRow(note_);
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  form->addRow(buttons_);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(buttons_, &QDialogButtonBox::accepted, this, [this] {
    error_->clear();  // a problem of the last try is not this one's
    if (next_->text() != repeat_->text()) {
      error_->setText(tr("The new passwords differ."));
      return;
    }
    QString problem = PasswordProblem(next_->text(), QString());
    if (!problem.isEmpty()) {
      error_->setText(problem);
      return;
    }
    v1::ChangePasswordRequest request;
    request.set_old_password(current_->text().toStdString());
    request.set_new_password(next_->text().toStdString());
    SetBusy(true);
    api_.Call(&Async::ChangePassword, request,
              Done<v1::ChangePasswordResponse>(
                  [this](const grpc::Status& status, const v1::ChangePasswordResponse& response) {
                    SetBusy(false);
                    if (!status.ok()) {
                      error_->setText(ErrorText(status));
                      return;
                    }
                    // Said here, until read: the dialog's only button now closes it.
                    for (QLineEdit* e : {current_, next_, repeat_}) {
                      e->clear();
                      e->setEnabled(false);
                    }
                    note_->setText(response.sessions_ended() > 0
                                       ? tr("Your password was changed. %n other session(s) were "
                                            "signed out.",
                                            nullptr, static_cast<int>(response.sessions_ended()))
                                       : tr("Your password was changed."));
                    buttons_->setStandardButtons(QDialogButtonBox::Close);
                  }));
  });
}

void PasswordDialog::SetBusy(bool busy) {
  for (QLineEdit* e : {current_, next_, repeat_}) e->setReadOnly(busy);
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(!busy);
  note_->setText(busy ? tr("Changing your password…")
                      : tr("Your other sessions will be signed out."));
  if (busy) {
    setCursor(Qt::BusyCursor);
  } else {
    unsetCursor();
  }
}

}  // namespace natter::client
