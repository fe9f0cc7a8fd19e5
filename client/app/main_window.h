// The main window: on the left the user (avatar, name, status menu), a search box, conversations
// and contacts with pending requests; on the right the open conversation (messages, typing,
// composer). Everything changes live from the stream; nothing polls.
#pragma once

#include <QLabel>
#include <QListView>
#include <QMainWindow>
#include <QMenu>
#include <QPointer>
#include <QPushButton>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTimer>
#include <QToolButton>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "api_client.h"
#include "attachments.h"
#include "avatar_cache.h"
#include "composer.h"
#include "contact_model.h"
#include "conversation_model.h"
#include "delegates.h"
#include "drafts.h"
#include "message_model.h"
#include "notifier.h"
#include "sign_in_window.h"
#include "stream_bridge.h"
#include "transport.h"
#include "user_names.h"

namespace natter::client {

class ConversationMembers;
class PendingInvitations;
class PinnedBar;
class RoomsDialog;
class SearchDialog;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  MainWindow(const SignedIn& session, QWidget* parent = nullptr);
  // On another transport than gRPC to the session's gateway (tests play the server on a fake one).
  MainWindow(const SignedIn& session, std::unique_ptr<Transport> transport,
             QWidget* parent = nullptr);
  ~MainWindow() override;

  // For tests and the screenshot script.
  ConversationModel& conversations() { return conversations_; }
  ContactModel& contacts() { return contacts_; }
  MessageModel& messages() { return messages_; }
  StreamBridge& bridge() { return *bridge_; }
  ApiClient& api() { return api_; }
  AvatarCache& avatars() { return avatars_; }
  Attachments& attachments() { return *attachments_; }
  // Where notifications go (tests record them).
  void SetNotifier(std::unique_ptr<Notifier> notifier) { notifier_ = std::move(notifier); }
  // With `at_seq`, at that message (a search hit, a pin): the first page of history ends with it,
  // and it is shown briefly highlighted.
  void OpenConversation(uint64_t conversation_id, uint64_t at_seq = 0);
  // The message search (Ctrl+Shift+F, or Search messages in the status menu).
  void OpenSearch();
  // The Rooms dialog (Rooms… under the chat list); with `invitation_room`, on its invitation to
  // that room (a click on the invitation's notification). One at a time: open already, it is
  // brought up.
  void OpenRooms(const QString& invitation_room = {});
  // The conversation with a friend; when there is none yet, an empty one whose first message (from
  // the composer, no dialog) starts it; it opens once the server has it.
  void OpenDirect(const QString& username);
  // Edits one's own message `seq` of the open conversation inline: the composer holds its text
  // (Enter saves, Esc or the edit bar's ✕ cancels), its draft and pending reply are put aside
  // until the edit is saved or cancelled.
  void EditMessage(uint64_t seq);
  void CancelEdit();
  // The message being edited in the open conversation (0: none).
  uint64_t editing_seq() const { return editing_.seq; }
  uint64_t open_conversation() const { return open_conversation_; }
  // The actions of a message's context menu (Reply, React and Copy; Edit and Delete for one's
  // own).
  void FillMessageMenu(const QModelIndex& index, QMenu* menu);
  // "React" in a message's menu: common emoji, the user's own checked (choosing it takes it back).
  void FillReactMenu(const QModelIndex& index, QMenu* menu);
  // The next message sent in the open conversation replies to its message `seq`: the reply bar
  // above the composer shows which (Esc or its ✕ cancels). Kept per conversation, like its draft.
  void ReplyTo(uint64_t seq);
  void CancelReply();
  // Scrolls to message `seq` of the open conversation and selects it (a reply's quote was
  // clicked); one not loaded yet is loaded first, older page by older page.
  void ShowMessage(uint64_t seq);

 signals:
  // The session is over (logged out here, or ended elsewhere): back to the sign-in window.
  void signedOut(const QString& reason);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;
  void changeEvent(QEvent* event) override;
  void closeEvent(QCloseEvent* event) override;

 private:
  void BuildSidebar(QWidget* sidebar);
  void BuildConversationPane(QWidget* pane);
  void BuildTray();
  void ConnectBridge();

  void OnWelcome(const v1::Welcome& welcome);
  void OnEntry(const v1::ChatMessage& entry);
  void OnUserEvent(const v1::UserEvent& event);
  void OnTyping(const v1::TypingEvent& typing);
  void OnReadMarker(const v1::ReadMarker& marker);
  void OnCommandFinished(uint64_t request_id, const v1::CommandResult& result);
  void OnStateChanged(StreamBridge::State state, const QString& detail);

  void LoadOlder();
  // Opened at a message, the entries after the loaded page come a page at a time as the view is
  // scrolled to its end (History up to `newer_from_` + a page).
  void LoadNewer();
  void SendCurrent(const QString& text);
  void OnSendFinished(uint64_t request_id, const v1::CommandResult& result);
  bool IsSending(uint64_t conversation_id) const;
  // The composer's state (locked while its message is on the way) and the line beside it (sending,
  // the length as it nears the limit, why the server refused the last message).
  void RefreshComposer();
  void MarkOpenConversationRead();
  void SendReadMarker();
  void RefreshHeader();
  // The mute button shows the open conversation's notification settings (its menu: mute for a
  // while or until unmuted, unmute, and the level).
  void RefreshMuteButton();
  // Sends the open conversation's new settings (see StreamBridge::SetNotifications).
  void SetOpenNotifications(v1::NotifyLevel level, std::optional<int64_t> muted_until_ms);
  void OnNotificationSettings(const v1::NotificationSettings& settings);
  void RefreshOwnProfile();
  void RefreshConversations();
  void SetStatus(const QString& status);
  // The status button and the checked entry of its menu show `status`.
  void MarkStatus(const QString& status);
  QString current_status_ = QStringLiteral("online");
  void Answer(const QString& username, v1::FriendAction action);
  // `clicked`: what a click on the notification does (the window is brought up first).
  void Notify(const QString& title, const QString& body, std::function<void()> clicked);
  // Shows the window in front (a notification was clicked).
  void BringUp();
  // The status menu's Language submenu: the system's, or one picked (kept in the settings, used
  // when the client next starts).
  void AddLanguageMenu(QMenu* menu);
  void UpdateUnreadBadge(int unread);
  void EditLastOwnMessage();
  // Scrolls to message `seq` of the open conversation and highlights it for a moment.
  void Highlight(uint64_t seq);
  SearchDialog* search_ = nullptr;  // made when first opened, then kept with its results
  PinnedBar* pinned_bar_ = nullptr;
  ConversationMembers* members_ = nullptr;
  // Whether the user may pin in the open conversation (PROTOCOL: both sides of a direct one, a
  // room's owner and moderators, nobody in the lobby).
  bool CanPin() const;
  // Whom "@" offers in the composer: the open conversation's members (a room's, or the other side
  // of a direct one); in the lobby, which lists none, one's friends.
  QStringList MentionCandidates() const;
  PendingInvitations* invitations_ = nullptr;
  QPointer<RoomsDialog> rooms_dialog_;
  // The Rooms button counts the pending invitations.
  void ShowInvitationCount(int count);
  void SignOut();
  void ShowStatusMessage(const QString& text);
  v1::ConversationRef OpenRef() const;

  SignedIn session_;
  ApiClient api_;
  // Pictures and files: thumbnails, the viewer, Save as, and sending them (📎, drop, paste).
  std::unique_ptr<Attachments> attachments_;
  // An uploaded file goes as a message (with `caption`) to its conversation, or, to a friend with
  // no conversation yet, starts it as a first text message does.
  void SendFile(const SendTarget& to, const QString& caption, const QString& file_id);
  // Where files go from the conversation shown: it, or the friend whose first message starts one
  // (empty: nowhere; the 📎 button is then disabled).
  SendTarget OpenTarget() const;
  // The composer's text as the caption of files sent now: none while it holds an edit or a
  // message on its way.
  QString Caption() const;
  // Files were confirmed with the composer's text as their caption: it leaves the composer (and
  // the draft), so it is not sent again as a text message.
  void TakeCaption(const SendTarget& to, const QString& caption);
  // Their upload failed or was cancelled, or the server refused their message: the caption goes
  // back to its conversation's composer (or draft). Kept aside meanwhile while a message of that
  // conversation is on its way (the composer holds that one's text).
  void ReturnCaption(const SendTarget& to, const QString& caption);
  std::map<uint64_t, QStringList> returning_captions_;  // by conversation, until its send ends
  void PutCaptionBack(uint64_t conversation_id, const QString& caption);
  std::unique_ptr<StreamBridge> bridge_;
  AvatarCache avatars_;
  ConversationModel conversations_;
  ContactModel contacts_;
  MessageModel messages_;
  QSortFilterProxyModel conversation_filter_;
  QSortFilterProxyModel contact_filter_;
  uint64_t open_conversation_ = 0;
  bool loading_older_ = false;
  bool history_complete_ = false;
  uint64_t unread_on_open_ = 0;  // unread messages when the open conversation was opened
  bool at_newest_ = true;  // the message list shows the newest message (kept so through resizes)
  Drafts drafts_;
  UserNames names_;
  // Asks for the display name of someone not among the friends, once. `then` runs when it is in
  // names_: at once when it was asked for before, else when the answer comes (if the answer is
  // no name, the username stands).
  void LearnName(uint64_t user_id, std::function<void()> then = {});
  void NamesChanged();
  // Messages sent from the composer, by request id, until the server answers: their text stays in
  // the composer until then, so a refusal loses nothing.
  struct Sending {
    uint64_t conversation_id;  // 0: a first message to `to_user`, which starts a conversation
    QString text;
    std::string client_msg_id;
    QString to_user;
    uint64_t reply_to_seq = 0;
    bool with_file = false;  // a file's message: `text` is its caption, no longer in the composer
  };
  // Whether `sending` is to the conversation now shown.
  bool IsOpen(const Sending& sending) const;
  // When each message sent from here was written (by client_msg_id): shown as its time, rather
  // than when the server got it (later, if it waited for the connection).
  std::map<std::string, int64_t> written_at_;
  v1::ChatMessage AsWritten(const v1::ChatMessage& entry) const;
  std::map<uint64_t, Sending> sending_;
  // First messages to friends (starting a direct conversation), by request id, until the server
  // answers: taken, the new conversation opens.
  struct Asked {
    QString username;  // to whom
    QString text;
  };
  std::map<uint64_t, Asked> first_messages_;
  // The message being edited in the open conversation, the draft put aside meanwhile, and the
  // request saving the edit until the server answers.
  struct Editing {
    uint64_t seq = 0;
    QString original;
    QString draft;
    uint64_t request_id = 0;
  };
  Editing editing_;
  // Saves the composer's text as the edit (Enter or Save while editing).
  void SaveEdit(const QString& text);
  // Leaves edit mode: the composer gets its draft back.
  void LeaveEdit();
  // The edited message changed elsewhere: deleted, edit mode ends; edited, the bar shows it.
  void OnEditedMessageChanged();
  // The direct conversation a first message started: opened as soon as it is in the list.
  uint64_t open_when_listed_ = 0;
  // The friend shown with no conversation yet (OpenDirect): the composer writes the first message.
  QString pending_direct_;
  void OnAskedFinished(uint64_t request_id, const v1::CommandResult& result);
  QString refused_;  // why the open conversation's last send was refused, until the text changes
  // The bar above the composer shows the message being edited, else the open conversation's
  // pending reply, if any.
  void RefreshReplyBar();
  uint64_t open_at_ = 0;     // the open conversation was opened at this message (0: at the newest)
  uint64_t newer_from_ = 0;  // entries after this seq are not loaded yet (0: all are)
  bool loading_newer_ = false;
  uint64_t show_when_loaded_ = 0;  // a quoted message to show once older pages bring it
  QString own_display_name_;
  uint32_t own_avatar_version_ = 0;

  // Sidebar.
  QLabel* own_avatar_;
  QLabel* own_name_;
  QToolButton* status_button_;
  QLabel* connection_;
  QTabWidget* tabs_;
  QListView* conversation_list_;
  QListView* contact_list_;
  ContactDelegate* contact_delegate_;
  // Conversation pane.
  QStackedWidget* stack_;
  QLabel* title_;
  QLabel* subtitle_;
  QPushButton* members_button_;
  QToolButton* mute_button_;
  QToolButton* attach_button_;
  QAction* mute_hour_;
  QAction* mute_eight_hours_;
  QAction* mute_forever_;
  QAction* unmute_;
  QAction* level_all_;
  QAction* level_mentions_;
  QAction* level_none_;
  QListView* message_list_;
  MessageDelegate* message_delegate_;
  QLabel* typing_label_;
  QTimer typing_timer_;
  QTimer read_timer_;
  Composer* composer_;
  QPushButton* send_button_;
  QToolButton* cancel_bar_;
  QLabel* composer_hint_;
  QWidget* reply_bar_;
  QLabel* reply_title_;
  QLabel* reply_snippet_;
  QShortcut* cancel_reply_;
  QSystemTrayIcon* tray_ = nullptr;
  std::unique_ptr<Notifier> notifier_;
  bool notifications_ = true;
};

}  // namespace natter::client
