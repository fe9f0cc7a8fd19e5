// The signed-in user's conversations (the lobby, rooms, direct conversations) for the sidebar:
// name, last message preview and time, unread count. The most recently active first; one row
// changes (dataChanged) or moves (beginMoveRows) when a message arrives.
#pragma once

#include <QDateTime>
#include <QString>
#include <vector>

#include "natter/v1/common.pb.h"
#include "sorted_list_model.h"
#include "user_names.h"

namespace natter::client {

// NotificationSettings.muted_until_ms for "until unmuted" (docs/PROTOCOL.md).
inline constexpr int64_t kMutedForeverMs = 253'402'300'799'000;

struct ConversationRow {
  v1::Conversation conversation;
  QString preview;
  int64_t last_at_ms = 0;
  // The message the preview shows, as it is now: an edit or deletion of it changes the preview.
  v1::ChatMessage previewed;
};

class ConversationModel : public SortedListModel<ConversationRow> {
  Q_OBJECT

 public:
  enum Role {
    kIdRole = Qt::UserRole + 1,
    kKindRole,  // "room", "direct" or "group"
    kNameRole,  // room name, or the other user's username
    kTopicRole,
    kPreviewRole,  // "alice: see you" / the last entry, as plain text
    kTimeRole,     // QDateTime of the last entry (invalid if none seen)
    kUnreadRole,   // int
    kPeerIdRole,   // direct
    kLatestSeqRole,
    kTitleRole,   // as shown (also Qt::DisplayRole): "#room", or the other user's display name
    kSearchRole,  // what the search box matches: the title and, for direct, the username
    kQuietRole,   // bool: the user hears nothing of it now (muted, or notifications "none")
  };

  explicit ConversationModel(QObject* parent = nullptr);

  // Where display names come from (not owned; may be null: usernames are shown).
  void SetNames(const UserNames* names) { names_ = names; }
  // Someone's display name changed: every row is shown again.
  void NamesChanged();

  // Replaces everything (a Welcome or a ListConversations answer).
  void Reset(const std::vector<v1::Conversation>& conversations, uint64_t own_user_id);
  // Adds or updates one conversation.
  void Upsert(const v1::Conversation& conversation);
  void Remove(uint64_t conversation_id);
  // A new entry: preview, time, latest seq; unread grows for others' messages unless `is_open`. An
  // edit or deletion of the previewed message changes the preview (it moves nothing).
  void OnEntry(const v1::ChatMessage& entry, bool is_open);
  // The user's read marker moved (here or on another device).
  void SetRead(uint64_t conversation_id, uint64_t last_read_seq, uint64_t unread);
  // The other side of a direct conversation read up to `seq` (never moves back): kept here so the
  // read marks are right again when the conversation is opened later.
  void SetPeerRead(uint64_t conversation_id, uint64_t seq);

  // The user's notification settings for a conversation changed (here or on another device).
  void SetNotifications(const v1::NotificationSettings& settings);
  // Whether new messages of the conversation should notify the user at `now_ms`: not while it is
  // muted or its level is "none" (a level this client does not know counts as "all").
  bool Notifies(uint64_t conversation_id, int64_t now_ms) const;
  // Whether an entry that newly mentions the user (Mention.added) should notify: always, muted or
  // not, unless the level is "none".
  bool NotifiesOfMention(uint64_t conversation_id) const;

  // A group's title as shown: its own, else its members' names ("maya, theo and 2 others", from
  // member_names and member_count), else "Group".
  static QString GroupTitle(const v1::Conversation& group);

  int RowOf(uint64_t conversation_id) const;
  const v1::Conversation* Find(uint64_t conversation_id) const;
  int total_unread() const;

  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

 signals:
  void totalUnreadChanged(int unread);

 private:
  using Row = ConversationRow;
  // The row's preview and time from its latest message.
  void SetPreview(Row& row, const v1::ChatMessage& entry) const;
  // By last activity, newest first.
  bool Before(const Row& a, const Row& b) const override;

  // The preview's text, with the sender's name as it is now.
  QString Preview(const Row& row) const;
  QString PreviewText(const v1::ChatMessage& entry) const;
  QString NameOf(uint64_t user_id, const std::string& username) const;

  uint64_t own_user_id_ = 0;
  const UserNames* names_ = nullptr;
};

}  // namespace natter::client
