#include "group_dialogs.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPainter>
#include <QPainterPath>
#include <QPushButton>
#include <QVBoxLayout>
#include <algorithm>

namespace natter::client {
namespace {

// What the server allows (docs/PROTOCOL.md, "Groups"): 2 to 99 friends and a title of 64
// characters.
constexpr int kMinPicked = 2;
constexpr int kMaxPicked = 99;
constexpr int kMaxTitleChars = 64;
constexpr int kUserIdRole = Qt::UserRole + 1;

}  // namespace

std::vector<FriendChoice> FriendChoicesOf(const ContactModel& contacts) {
  std::vector<FriendChoice> out;
  for (int row = 0; row < contacts.rowCount(); ++row) {
    const QModelIndex i = contacts.index(row);
    if (i.data(ContactModel::kKindRole).toInt() != ContactModel::kFriend) continue;
    out.push_back({i.data(ContactModel::kUserIdRole).toULongLong(),
                   i.data(ContactModel::kUsernameRole).toString(),
                   i.data(ContactModel::kDisplayNameRole).toString()});
  }
  return out;
}

QPixmap GroupIcon(int size, qreal dpr) {
  const int pixels = qRound(size * dpr);
  QPixmap out(pixels, pixels);
  out.fill(Qt::transparent);
  QPainter p(&out);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(Qt::NoPen);
  p.setBrush(QColor(0x3d, 0x8b, 0x7d));
  p.drawEllipse(0, 0, pixels, pixels);
  // Two people, the one behind a little higher and paler: a head and the shoulders of each.
  const qreal u = pixels / 24.0;
  auto person = [&](qreal cx, qreal top, const QColor& color) {
    p.setBrush(color);
    p.drawEllipse(QPointF(cx, top + 3.2 * u), 3.2 * u, 3.2 * u);
    QPainterPath shoulders;
    shoulders.addRoundedRect(QRectF(cx - 5.5 * u, top + 7.5 * u, 11 * u, 7 * u), 3.5 * u, 3.5 * u);
    p.drawPath(shoulders);
  };
  person(14.5 * u, 4.5 * u, QColor(255, 255, 255, 170));
  person(9.5 * u, 6.5 * u, Qt::white);
  p.end();
  out.setDevicePixelRatio(dpr);
  return out;
}

FriendPicker::FriendPicker(const std::vector<FriendChoice>& friends, QWidget* parent)
    : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  filter_ = new QLineEdit(this);
  filter_->setObjectName(QStringLiteral("friendFilter"));
  filter_->setPlaceholderText(tr("Search friends"));
  layout->addWidget(filter_);
  list_ = new QListWidget(this);
  list_->setObjectName(QStringLiteral("friendPicker"));
  std::vector<FriendChoice> sorted = friends;
  std::sort(sorted.begin(), sorted.end(), [](const FriendChoice& a, const FriendChoice& b) {
    return QString::localeAwareCompare(a.display_name, b.display_name) < 0;
  });
  for (const FriendChoice& f : sorted) {
    const QString shown = f.display_name == f.username
                              ? f.username
                              : QStringLiteral("%1 (%2)").arg(f.display_name, f.username);
    auto* item = new QListWidgetItem(shown, list_);
    item->setData(Qt::UserRole, f.username);
    item->setData(kUserIdRole, QVariant::fromValue<qulonglong>(f.user_id));
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
    item->setCheckState(Qt::Unchecked);
  }
  if (sorted.empty()) {
    auto* none = new QListWidgetItem(tr("No friends to add"), list_);
    none->setFlags(Qt::NoItemFlags);
  }
  layout->addWidget(list_);
  connect(filter_, &QLineEdit::textChanged, this, [this](const QString& text) {
    for (int i = 0; i < list_->count(); ++i) {
      QListWidgetItem* item = list_->item(i);
      item->setHidden(!text.isEmpty() && !item->text().contains(text, Qt::CaseInsensitive));
    }
  });
  connect(list_, &QListWidget::itemChanged, this,
          [this] { emit pickedChanged(static_cast<int>(Picked().size())); });
}

QStringList FriendPicker::Picked() const {
  QStringList out;
  for (int i = 0; i < list_->count(); ++i) {
    const QListWidgetItem* item = list_->item(i);
    if (item->checkState() == Qt::Checked) out << item->data(Qt::UserRole).toString();
  }
  return out;
}

NewGroupDialog::NewGroupDialog(ApiClient& api, const std::vector<FriendChoice>& friends,
                               QWidget* parent)
    : QDialog(parent), api_(api) {
  setWindowTitle(tr("New group"));
  auto* layout = new QVBoxLayout(this);
  title_ = new QLineEdit(this);
  title_->setObjectName(QStringLiteral("groupTitle"));
  title_->setPlaceholderText(tr("Title (optional)"));
  title_->setMaxLength(kMaxTitleChars);
  layout->addWidget(title_);
  layout->addWidget(new QLabel(tr("Pick 2 to 99 friends:"), this));
  picker_ = new FriendPicker(friends, this);
  layout->addWidget(picker_);
  error_ = new QLabel(this);
  error_->setObjectName(QStringLiteral("groupError"));
  error_->setWordWrap(true);
  error_->setStyleSheet(QStringLiteral("color: #c0392b"));
  layout->addWidget(error_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
  create_ = buttons->addButton(tr("Create group"), QDialogButtonBox::AcceptRole);
  create_->setObjectName(QStringLiteral("createGroup"));
  create_->setEnabled(false);
  layout->addWidget(buttons);
  connect(picker_, &FriendPicker::pickedChanged, this, [this](int count) {
    create_->setEnabled(count >= kMinPicked && count <= kMaxPicked);
    error_->setText(count > kMaxPicked
                        ? tr("A group has at most 100 people: pick up to 99 friends.")
                        : QString());
  });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(create_, &QPushButton::clicked, this, &NewGroupDialog::Create);
}

void NewGroupDialog::Create() {
  v1::CreateGroupRequest request;
  request.set_title(title_->text().trimmed().toStdString());
  for (const QString& user : picker_->Picked()) request.add_usernames(user.toStdString());
  create_->setEnabled(false);
  api_.Call<v1::CreateGroupRequest, v1::GroupResponse>(
      &ApiClient::Async::CreateGroup, std::move(request),
      [this](const grpc::Status& status, const v1::GroupResponse& response) {
        create_->setEnabled(true);
        if (!status.ok()) {
          error_->setText(ErrorText(status));
          return;
        }
        emit created(response.group().id());
        accept();
      });
}

GroupMembersDialog::GroupMembersDialog(ApiClient& api, uint64_t group_id, uint64_t own_user_id,
                                       std::vector<FriendChoice> friends, QWidget* parent,
                                       AvatarCache* avatars, MembersDialog::Lookup lookup)
    : QDialog(parent),
      api_(api),
      group_id_(group_id),
      own_user_id_(own_user_id),
      friends_(std::move(friends)),
      avatars_(avatars),
      lookup_(std::move(lookup)) {
  setWindowTitle(tr("Group members"));
  auto* layout = new QVBoxLayout(this);
  auto* title_row = new QHBoxLayout;
  title_ = new QLineEdit(this);
  title_->setObjectName(QStringLiteral("groupTitle"));
  title_->setPlaceholderText(tr("Title (empty: the members' names)"));
  title_->setMaxLength(kMaxTitleChars);
  rename_ = new QPushButton(tr("Rename"), this);
  rename_->setObjectName(QStringLiteral("renameGroup"));
  title_row->addWidget(title_, 1);
  title_row->addWidget(rename_);
  layout->addLayout(title_row);
  members_ = new QListWidget(this);
  members_->setObjectName(QStringLiteral("groupMembers"));
  layout->addWidget(members_);
  error_ = new QLabel(this);
  error_->setObjectName(QStringLiteral("groupError"));
  error_->setWordWrap(true);
  error_->setStyleSheet(QStringLiteral("color: #c0392b"));
  layout->addWidget(error_);
  auto* buttons = new QHBoxLayout;
  add_ = new QPushButton(tr("Add friends…"), this);
  add_->setObjectName(QStringLiteral("addToGroup"));
  remove_ = new QPushButton(tr("Remove"), this);
  remove_->setObjectName(QStringLiteral("removeFromGroup"));
  remove_->setEnabled(false);
  leave_ = new QPushButton(tr("Leave group"), this);
  leave_->setObjectName(QStringLiteral("leaveGroup"));
  buttons->addWidget(add_);
  buttons->addWidget(remove_);
  buttons->addStretch(1);
  buttons->addWidget(leave_);
  layout->addLayout(buttons);

  auto answer = [this](const grpc::Status& status, const v1::GroupResponse& response) {
    if (!status.ok()) {
      error_->setText(ErrorText(status));
      return;
    }
    error_->clear();
    if (response.members_size() > 0) {
      Show(response);
    } else {
      Load();
    }
  };
  connect(rename_, &QPushButton::clicked, this, [this, answer] {
    v1::RenameGroupRequest request;
    request.set_conversation_id(group_id_);
    request.set_title(title_->text().trimmed().toStdString());
    api_.Call<v1::RenameGroupRequest, v1::GroupResponse>(&ApiClient::Async::RenameGroup,
                                                         std::move(request), answer);
  });
  connect(members_, &QListWidget::currentRowChanged, this, [this](int row) {
    remove_->setEnabled(owner_ && row >= 0 && row < static_cast<int>(member_ids_.size()) &&
                        member_ids_[static_cast<size_t>(row)] != own_user_id_);
  });
  connect(remove_, &QPushButton::clicked, this, [this, answer] {
    QListWidgetItem* item = members_->currentItem();
    if (item == nullptr) return;
    v1::RemoveGroupMemberRequest request;
    request.set_conversation_id(group_id_);
    request.set_username(item->data(Qt::UserRole).toString().toStdString());
    api_.Call<v1::RemoveGroupMemberRequest, v1::GroupResponse>(&ApiClient::Async::RemoveGroupMember,
                                                               std::move(request), answer);
  });
  connect(add_, &QPushButton::clicked, this, &GroupMembersDialog::AddFriends);
  connect(leave_, &QPushButton::clicked, this, [this] {
    if (QMessageBox::question(this, tr("Leave group"),
                              tr("Leave this group? Only a member who is your friend can add you "
                                 "back.")) != QMessageBox::Yes) {
      return;
    }
    v1::GroupRequest request;
    request.set_conversation_id(group_id_);
    api_.Call<v1::GroupRequest, v1::GroupResponse>(
        &ApiClient::Async::LeaveGroup, std::move(request),
        [this](const grpc::Status& status, const v1::GroupResponse&) {
          if (!status.ok()) {
            error_->setText(ErrorText(status));
            return;
          }
          emit left();
          accept();
        });
  });
  Load();
}

void GroupMembersDialog::Load() {
  v1::GroupRequest request;
  request.set_conversation_id(group_id_);
  api_.Call<v1::GroupRequest, v1::GroupResponse>(
      &ApiClient::Async::GroupMembers, std::move(request),
      [this](const grpc::Status& status, const v1::GroupResponse& response) {
        if (!status.ok()) {
          error_->setText(ErrorText(status));
          return;
        }
        Show(response);
      });
}

void GroupMembersDialog::Show(const v1::GroupResponse& response) {
  title_->setText(QString::fromStdString(response.group().name()));
  members_->clear();
  member_ids_.clear();
  owner_ = false;
  for (const v1::RoomMember& m : response.members()) {
    if (m.role() == "owner" && m.user_id() == own_user_id_) owner_ = true;
    MembersDialog::AddMember(members_, m.user_id(), QString::fromStdString(m.username()), m.role(),
                             lookup_, avatars_);
    member_ids_.push_back(m.user_id());
  }
  remove_->setEnabled(false);
  remove_->setVisible(owner_);
}

void GroupMembersDialog::AddFriends() {
  std::vector<FriendChoice> outside;
  for (const FriendChoice& f : friends_) {
    if (std::find(member_ids_.begin(), member_ids_.end(), f.user_id) == member_ids_.end()) {
      outside.push_back(f);
    }
  }
  QDialog pick(this);
  pick.setWindowTitle(tr("Add friends to the group"));
  auto* layout = new QVBoxLayout(&pick);
  auto* picker = new FriendPicker(outside, &pick);
  layout->addWidget(picker);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, &pick);
  QPushButton* add = buttons->addButton(tr("Add"), QDialogButtonBox::AcceptRole);
  add->setObjectName(QStringLiteral("addPicked"));
  add->setEnabled(false);
  layout->addWidget(buttons);
  connect(picker, &FriendPicker::pickedChanged, add, [add](int n) { add->setEnabled(n > 0); });
  connect(buttons, &QDialogButtonBox::rejected, &pick, &QDialog::reject);
  connect(add, &QPushButton::clicked, &pick, &QDialog::accept);
  if (pick.exec() != QDialog::Accepted) return;
  v1::AddGroupMembersRequest request;
  request.set_conversation_id(group_id_);
  for (const QString& user : picker->Picked()) request.add_usernames(user.toStdString());
  api_.Call<v1::AddGroupMembersRequest, v1::GroupResponse>(
      &ApiClient::Async::AddGroupMembers, std::move(request),
      [this](const grpc::Status& status, const v1::GroupResponse& response) {
        if (!status.ok()) {
          error_->setText(ErrorText(status));
          return;
        }
        error_->clear();
        Show(response);
      });
}

}  // namespace natter::client
