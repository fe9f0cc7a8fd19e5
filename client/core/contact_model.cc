#include "contact_model.h"

#include <algorithm>

namespace natter::client {
namespace {

int StatusRank(const QString& status) {
  if (status == QLatin1String("online")) return 0;
  if (status == QLatin1String("away")) return 1;
  return 2;
}

}  // namespace

ContactModel::ContactModel(QObject* parent) : SortedListModel(parent) {}

bool ContactModel::Before(const Row& a, const Row& b) const {
  if (a.kind != b.kind) return a.kind < b.kind;
  if (a.kind == kFriend && StatusRank(a.status) != StatusRank(b.status)) {
    return StatusRank(a.status) < StatusRank(b.status);
  }
  int by_name = a.username.compare(b.username, Qt::CaseInsensitive);
  if (by_name != 0) return by_name < 0;
  return a.user_id < b.user_id;
}

void ContactModel::Reset(const std::vector<v1::Friend>& friends,
                         const std::vector<v1::PendingRequest>& requests) {
  beginResetModel();
  rows_.clear();
  for (const auto& f : friends) {
    Row r;
    r.kind = kFriend;
    r.user_id = f.user_id();
    r.username = QString::fromStdString(f.username());
    r.display_name = QString::fromStdString(f.display_name());
    r.status = QString::fromStdString(f.status().empty() ? "offline" : f.status());
    r.last_seen_ms = f.last_seen_ms();
    r.avatar_version = f.avatar_version();
    rows_.push_back(std::move(r));
  }
  for (const auto& q : requests) {
    Row r;
    r.kind = q.incoming() ? kIncoming : kOutgoing;
    r.user_id = q.user_id();
    r.username = QString::fromStdString(q.username());
    r.display_name = r.username;
    r.message = QString::fromStdString(q.message());
    rows_.push_back(std::move(r));
  }
  SortAll();
  endResetModel();
}

void ContactModel::RemoveUser(uint64_t user_id) {
  int row = RowOf(user_id);
  if (row >= 0) RemoveAt(row);
}

void ContactModel::ApplyFriendEvent(const v1::FriendEvent& e) {
  const QString type = QString::fromStdString(e.type());
  Row r;
  r.user_id = e.user_id();
  r.username = QString::fromStdString(e.username());
  r.display_name = r.username;
  // A request accepted keeps the name and avatar its row had learned.
  if (const int row = RowOf(e.user_id()); row >= 0) {
    r.display_name = rows_[static_cast<size_t>(row)].display_name;
    r.avatar_version = rows_[static_cast<size_t>(row)].avatar_version;
  }
  RemoveUser(e.user_id());
  if (type == QLatin1String("friend_request")) {
    r.kind = e.outgoing() ? kOutgoing : kIncoming;
    r.message = QString::fromStdString(e.message());
    InsertSorted(std::move(r));
  } else if (type == QLatin1String("friend_added")) {
    r.kind = kFriend;
    InsertSorted(std::move(r));
  }
  // friend_request_cancelled, friend_request_rejected, friend_removed: the row is gone.
}

void ContactModel::SetPresence(uint64_t user_id, const QString& status, int64_t last_seen_ms) {
  int row = RowOf(user_id);
  if (row < 0 || rows_[static_cast<size_t>(row)].kind != kFriend) return;
  Row& r = rows_[static_cast<size_t>(row)];
  r.status = status;
  if (last_seen_ms > 0) r.last_seen_ms = last_seen_ms;
  emit dataChanged(index(row), index(row), {kStatusRole, kLastSeenRole});
  Reorder(row);
}

void ContactModel::SetProfile(uint64_t user_id, const QString& display_name,
                              uint32_t avatar_version) {
  int row = RowOf(user_id);
  if (row < 0) return;
  Row& r = rows_[static_cast<size_t>(row)];
  r.display_name = display_name;
  r.avatar_version = avatar_version;
  emit dataChanged(index(row), index(row), {kDisplayNameRole, kAvatarVersionRole, Qt::DisplayRole});
}

int ContactModel::RowOf(uint64_t user_id) const {
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (rows_[i].user_id == user_id) return static_cast<int>(i);
  }
  return -1;
}

int ContactModel::RowOfUsername(const QString& username) const {
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (rows_[i].username == username) return static_cast<int>(i);
  }
  return -1;
}

int ContactModel::incoming_count() const {
  return static_cast<int>(
      std::count_if(rows_.begin(), rows_.end(), [](const Row& r) { return r.kind == kIncoming; }));
}

QVariant ContactModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= static_cast<int>(rows_.size())) return {};
  const Row& r = rows_[static_cast<size_t>(index.row())];
  switch (role) {
    case Qt::DisplayRole:
    case kDisplayNameRole:
      return r.display_name.isEmpty() ? r.username : r.display_name;
    case kUserIdRole:
      return QVariant::fromValue<qulonglong>(r.user_id);
    case kUsernameRole:
      return r.username;
    case kKindRole:
      return r.kind;
    case kStatusRole:
      return r.status;
    case kLastSeenRole:
      return r.last_seen_ms == 0 ? QDateTime() : QDateTime::fromMSecsSinceEpoch(r.last_seen_ms);
    case kAvatarVersionRole:
      return r.avatar_version;
    case kMessageRole:
      return r.message;
    case Qt::ToolTipRole:
      // Who asks (by the name they chose, as everywhere), and their note.
      if (r.kind == kIncoming && !r.message.isEmpty()) {
        return tr("%1 wants to be your friend: %2")
            .arg(r.display_name.isEmpty() ? r.username : r.display_name, r.message);
      }
      return {};
    default:
      return {};
  }
}

}  // namespace natter::client
