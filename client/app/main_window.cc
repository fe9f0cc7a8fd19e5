#include "main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDateTime>
#include <QDesktopServices>
#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QScrollBar>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QTabBar>
#include <QTextCursor>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <QWidgetAction>
#include <algorithm>

#include "app_icon.h"
#include "conversation_members.h"
#include "dialogs.h"
#include "group_dialogs.h"
#include "grpc_transport.h"
#include "invitations.h"
#include "language.h"
#include "mention_completer.h"
#include "pinned_bar.h"
#include "search_dialog.h"
#include "validation.h"

namespace natter::client {
namespace {

constexpr int kHistoryPage = 50;
constexpr int kMaxHistoryPage = 200;  // the most History gives at once
// The chat list's avatar and padding (as ConversationDelegate paints them).
constexpr int kListAvatar = 36;
constexpr int kListPad = 8;
constexpr int kTypingShownMs = 6000;
using Async = ApiClient::Async;

template <class Response>
using Done = std::function<void(const grpc::Status&, const Response&)>;

// A one-line label that elides its text at its width, however long the text.
class ElidedLabel : public QLabel {
 public:
  using QLabel::QLabel;
  QSize minimumSizeHint() const override { return {0, QLabel::minimumSizeHint().height()}; }
  QSize sizeHint() const override { return {0, QLabel::sizeHint().height()}; }

 protected:
  void paintEvent(QPaintEvent*) override {
    QPainter painter(this);
    painter.setPen(palette().color(foregroundRole()));
    const QRect r = contentsRect();
    painter.drawText(r, Qt::AlignLeft | Qt::AlignVCenter,
                     fontMetrics().elidedText(text().simplified(), Qt::ElideRight, r.width()));
  }
};

QString CacheDir() {
  return QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
         QStringLiteral("/avatars");
}

}  // namespace

MainWindow::MainWindow(const SignedIn& session, QWidget* parent)
    : MainWindow(session,
                 std::make_unique<GrpcTransport>(MakeCredentials(session.tls, session.ca_file)),
                 parent) {}

MainWindow::MainWindow(const SignedIn& session, std::unique_ptr<Transport> transport,
                       QWidget* parent)
    : QMainWindow(parent),
      session_(session),
      api_(session.address, MakeCredentials(session.tls, session.ca_file)),
      bridge_(std::make_unique<StreamBridge>(std::move(transport))),
      avatars_(api_, CacheDir()),
      drafts_(QStringLiteral("%1@%2").arg(session.user_id).arg(session.address)) {
  api_.SetToken(session.token);
  attachments_ = std::make_unique<Attachments>(api_, this);
  // The platform adds the application's name ("Natter") to every title.
  setWindowTitle(session.username);
  resize(1100, 720);
  notifications_ = QSettings().value(QStringLiteral("notifications"), true).toBool();

  auto* splitter = new QSplitter(this);
  auto* sidebar = new QWidget(splitter);
  auto* pane = new QWidget(splitter);
  BuildSidebar(sidebar);
  BuildConversationPane(pane);
  splitter->addWidget(sidebar);
  splitter->addWidget(pane);
  splitter->setStretchFactor(1, 1);
  splitter->setCollapsible(0, false);
  splitter->setSizes({320, 780});
  setCentralWidget(splitter);
  BuildTray();

  conversation_filter_.setSourceModel(&conversations_);
  conversations_.SetNames(&names_);
  messages_.SetNames(&names_);
  conversation_filter_.setFilterRole(ConversationModel::kSearchRole);
  conversation_filter_.setFilterCaseSensitivity(Qt::CaseInsensitive);
  contact_filter_.setSourceModel(&contacts_);
  contact_filter_.setFilterRole(ContactModel::kDisplayNameRole);
  contact_filter_.setFilterCaseSensitivity(Qt::CaseInsensitive);
  conversation_list_->setModel(&conversation_filter_);
  contact_list_->setModel(&contact_filter_);
  message_list_->setModel(&messages_);

  connect(&avatars_, &AvatarCache::avatarReady, this, [this] {
    conversation_list_->viewport()->update();
    contact_list_->viewport()->update();
    message_list_->viewport()->update();
    RefreshOwnProfile();
  });
  connect(&conversations_, &ConversationModel::totalUnreadChanged, this,
          &MainWindow::UpdateUnreadBadge);
  // Keyboard: Ctrl+F searches, Ctrl+PgUp / Ctrl+PgDown move between conversations, Esc leaves
  // the search.
  auto* find = new QShortcut(QKeySequence::Find, this);
  connect(find, &QShortcut::activated, this, [this] {
    if (auto* search = findChild<QLineEdit*>(QStringLiteral("search"))) search->setFocus();
  });
  auto* search_messages = new QShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+F")), this);
  connect(search_messages, &QShortcut::activated, this, &MainWindow::OpenSearch);
  for (auto [key, step] : {std::pair{QKeySequence(QStringLiteral("Ctrl+PgDown")), 1},
                           std::pair{QKeySequence(QStringLiteral("Ctrl+PgUp")), -1}}) {
    auto* shortcut = new QShortcut(key, this);
    connect(shortcut, &QShortcut::activated, this, [this, delta = step] {
      int row = conversations_.RowOf(open_conversation_) + delta;
      if (row >= 0 && row < conversations_.rowCount()) {
        OpenConversation(conversations_.index(row).data(ConversationModel::kIdRole).toULongLong());
      }
    });
  }
  // Ctrl+R replies to the selected message (or, with none selected, to the newest one).
  auto* reply = new QShortcut(QKeySequence(QStringLiteral("Ctrl+R")), this);
  reply->setObjectName(QStringLiteral("replyShortcut"));
  connect(reply, &QShortcut::activated, this, [this] {
    const QModelIndex current = message_list_->currentIndex();
    if (current.isValid() && message_list_->selectionModel()->isSelected(current)) {
      ReplyTo(current.data(MessageModel::kSeqRole).toULongLong());
      return;
    }
    for (int row = messages_.rowCount() - 1; row >= 0; --row) {
      const QModelIndex index = messages_.index(row);
      if (index.data(MessageModel::kTypeRole).toString() == QLatin1String("message") &&
          !index.data(MessageModel::kDeletedRole).toBool()) {
        ReplyTo(index.data(MessageModel::kSeqRole).toULongLong());
        return;
      }
    }
  });
  read_timer_.setSingleShot(true);
  connect(&read_timer_, &QTimer::timeout, this, &MainWindow::SendReadMarker);
  ConnectBridge();
  bridge_->Start(session.address, session.token);
  RefreshOwnProfile();
}

MainWindow::~MainWindow() {
  // Late frames of the stream must not reach a half-destroyed window.
  bridge_->Stop();
  // Also a message still on its way: it was not sent as far as anyone here knows. Its
  // client_msg_id stays with it, so that sending it again cannot store it twice. An edit in
  // progress is not a draft: the draft it put aside is kept.
  LeaveEdit();
  if (open_conversation_ != 0) drafts_.Set(open_conversation_, composer_->toPlainText());
  for (const auto& [request_id, sending] : sending_) {
    if (sending.conversation_id == 0) continue;  // a first message: no conversation to keep it in
    if (sending.with_file) continue;             // its caption is no draft
    const QString draft = drafts_.Text(sending.conversation_id);
    if (draft == sending.text) {
      drafts_.SetSending(sending.conversation_id, sending.text, sending.client_msg_id);
    }
  }
  // Captions of files not sent yet (their uploads end with the window) are drafts again.
  open_conversation_ = 0;
  pending_direct_.clear();
  for (const Attachments::HeldCaption& held : attachments_->held_captions()) {
    ReturnCaption(held.to, held.text);
  }
  for (const auto& [conversation_id, captions] : returning_captions_) {
    for (const QString& caption : captions) PutCaptionBack(conversation_id, caption);
  }
}

void MainWindow::BuildSidebar(QWidget* sidebar) {
  auto* layout = new QVBoxLayout(sidebar);
  layout->setContentsMargins(8, 8, 8, 8);
  auto* me = new QHBoxLayout;
  own_avatar_ = new QLabel(sidebar);
  own_avatar_->setFixedSize(40, 40);
  own_name_ = new QLabel(session_.username, sidebar);
  own_name_->setObjectName(QStringLiteral("ownName"));
  QFont bold = own_name_->font();
  bold.setBold(true);
  own_name_->setFont(bold);
  status_button_ = new QToolButton(sidebar);
  status_button_->setObjectName(QStringLiteral("statusButton"));
  status_button_->setPopupMode(QToolButton::InstantPopup);
  status_button_->setText(tr("Online"));
  auto* menu = new QMenu(status_button_);
  // The current status is the checked one (checked when the server has taken it).
  auto* statuses = new QActionGroup(menu);
  for (auto [status, label] : {std::pair{"online", tr("Online")}, std::pair{"away", tr("Away")},
                               std::pair{"invisible", tr("Invisible")}}) {
    const QString name = QLatin1String(status);
    QAction* action = menu->addAction(label);
    action->setObjectName(QStringLiteral("status-") + name);
    action->setCheckable(true);
    action->setChecked(name == QLatin1String("online"));
    statuses->addAction(action);
    // Triggering checks it at once; it shows the status the server has until the answer comes.
    connect(action, &QAction::triggered, this, [this, name] {
      MarkStatus(current_status_);
      SetStatus(name);
    });
  }
  menu->addSeparator();
  menu->addAction(tr("Search messages…"), this, &MainWindow::OpenSearch,
                  QKeySequence(QStringLiteral("Ctrl+Shift+F")))
      ->setObjectName(QStringLiteral("searchMessages"));
  menu->addAction(tr("Profile…"), this, [this] {
    ProfileDialog dialog(api_, avatars_, session_.user_id, this);
    if (dialog.exec() == QDialog::Accepted) RefreshOwnProfile();
  });
  menu->addAction(tr("Sessions…"), this, [this] { SessionsDialog(api_, this).exec(); });
  menu->addAction(tr("Change password…"), this, [this] { PasswordDialog(api_, this).exec(); });
  QAction* notify = menu->addAction(tr("Desktop notifications"));
  notify->setCheckable(true);
  notify->setChecked(notifications_);
  connect(notify, &QAction::toggled, this, [this](bool on) {
    notifications_ = on;
    QSettings().setValue(QStringLiteral("notifications"), on);
  });
  AddLanguageMenu(menu);
  menu->addSeparator();
  menu->addAction(tr("Log out"), this, &MainWindow::SignOut);
  status_button_->setMenu(menu);
  me->addWidget(own_avatar_);
  me->addWidget(own_name_, 1);
  me->addWidget(status_button_);
  layout->addLayout(me);

  connection_ = new QLabel(sidebar);
  connection_->setObjectName(QStringLiteral("connectionState"));
  connection_->setWordWrap(true);
  layout->addWidget(connection_);

  auto* search = new QLineEdit(sidebar);
  search->setObjectName(QStringLiteral("search"));
  search->setPlaceholderText(tr("Search"));
  search->setClearButtonEnabled(true);
  connect(search, &QLineEdit::textChanged, this, [this](const QString& text) {
    conversation_filter_.setFilterFixedString(text);
    contact_filter_.setFilterFixedString(text);
  });
  // Esc leaves the search: it is cleared, and the keys go back to the conversation.
  auto* leave_search = new QShortcut(QKeySequence(Qt::Key_Escape), search);
  leave_search->setContext(Qt::WidgetShortcut);
  connect(leave_search, &QShortcut::activated, this, [this, search] {
    search->clear();
    if (open_conversation_ != 0) {
      composer_->setFocus();
    } else {
      conversation_list_->setFocus();
    }
  });
  layout->addWidget(search);

  tabs_ = new QTabWidget(sidebar);
  conversation_list_ = new QListView(tabs_);
  conversation_list_->setObjectName(QStringLiteral("conversationList"));
  conversation_list_->setItemDelegate(new ConversationDelegate(avatars_, conversation_list_));
  conversation_list_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  connect(conversation_list_, &QListView::activated, this, [this](const QModelIndex& index) {
    OpenConversation(index.data(ConversationModel::kIdRole).toULongLong());
  });
  connect(conversation_list_, &QListView::clicked, this, [this](const QModelIndex& index) {
    OpenConversation(index.data(ConversationModel::kIdRole).toULongLong());
  });
  auto* chats = new QWidget(tabs_);
  auto* chats_layout = new QVBoxLayout(chats);
  chats_layout->setContentsMargins(0, 0, 0, 0);
  chats_layout->addWidget(conversation_list_);
  auto* rooms_button = new QPushButton(tr("Rooms…"), chats);
  rooms_button->setObjectName(QStringLiteral("roomsButton"));
  connect(rooms_button, &QPushButton::clicked, this, [this] { OpenRooms(); });
  invitations_ = new PendingInvitations(api_, this);
  connect(invitations_, &PendingInvitations::countChanged, this, &MainWindow::ShowInvitationCount);
  chats_layout->addWidget(rooms_button);
  auto* group_button = new QPushButton(tr("New group…"), chats);
  group_button->setObjectName(QStringLiteral("newGroupButton"));
  connect(group_button, &QPushButton::clicked, this, [this] {
    NewGroupDialog dialog(api_, FriendChoicesOf(contacts_), this);
    connect(&dialog, &NewGroupDialog::created, this, [this](quint64 id) {
      RefreshConversations();
      QTimer::singleShot(300, this, [this, id] { OpenConversation(id); });
    });
    dialog.exec();
  });
  chats_layout->addWidget(group_button);
  tabs_->addTab(chats, tr("Chats"));

  auto* people = new QWidget(tabs_);
  auto* people_layout = new QVBoxLayout(people);
  people_layout->setContentsMargins(0, 0, 0, 0);
  contact_list_ = new QListView(people);
  contact_list_->setObjectName(QStringLiteral("contactList"));
  contact_delegate_ = new ContactDelegate(avatars_, contact_list_);
  contact_list_->setItemDelegate(contact_delegate_);
  contact_list_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  contact_list_->setMouseTracking(true);
  connect(contact_delegate_, &ContactDelegate::accepted, this,
          [this](const QString& user) { Answer(user, v1::FRIEND_ACTION_ACCEPT); });
  connect(contact_delegate_, &ContactDelegate::rejected, this,
          [this](const QString& user) { Answer(user, v1::FRIEND_ACTION_REJECT); });
  connect(contact_list_, &QListView::activated, this, [this](const QModelIndex& index) {
    if (index.data(ContactModel::kKindRole).toInt() == ContactModel::kFriend) {
      OpenDirect(index.data(ContactModel::kUsernameRole).toString());
    }
  });
  contact_list_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(contact_list_, &QListView::customContextMenuRequested, this, [this](const QPoint& at) {
    QModelIndex index = contact_list_->indexAt(at);
    if (!index.isValid()) return;
    const QString user = index.data(ContactModel::kUsernameRole).toString();
    const int kind = index.data(ContactModel::kKindRole).toInt();
    QMenu actions;
    if (kind == ContactModel::kFriend) {
      actions.addAction(tr("Message"), this, [this, user] { OpenDirect(user); });
      actions.addAction(tr("Remove friend"), this,
                        [this, user] { Answer(user, v1::FRIEND_ACTION_REMOVE); });
    } else if (kind == ContactModel::kIncoming) {
      actions.addAction(tr("Accept"), this,
                        [this, user] { Answer(user, v1::FRIEND_ACTION_ACCEPT); });
      actions.addAction(tr("Reject"), this,
                        [this, user] { Answer(user, v1::FRIEND_ACTION_REJECT); });
    } else {
      actions.addAction(tr("Cancel request"), this,
                        [this, user] { Answer(user, v1::FRIEND_ACTION_CANCEL); });
    }
    actions.addAction(tr("Block"), this, [this, user] { Answer(user, v1::FRIEND_ACTION_BLOCK); });
    actions.exec(contact_list_->viewport()->mapToGlobal(at));
  });
  people_layout->addWidget(contact_list_);
  auto* add_friend = new QPushButton(tr("Add friend…"), people);
  add_friend->setObjectName(QStringLiteral("addFriendButton"));
  connect(add_friend, &QPushButton::clicked, this, [this] { AddFriendDialog(api_, this).exec(); });
  people_layout->addWidget(add_friend);
  tabs_->addTab(people, tr("Contacts"));
  // Requests waiting for an answer are counted on the tab, so they are seen from Chats too.
  auto count_requests = [this] {
    const int waiting = contacts_.incoming_count();
    tabs_->setTabText(1, waiting > 0 ? tr("Contacts (%1)").arg(waiting) : tr("Contacts"));
  };
  connect(&contacts_, &QAbstractItemModel::modelReset, this, count_requests);
  connect(&contacts_, &QAbstractItemModel::rowsInserted, this, count_requests);
  connect(&contacts_, &QAbstractItemModel::rowsRemoved, this, count_requests);
  connect(&contacts_, &QAbstractItemModel::dataChanged, this, count_requests);
  layout->addWidget(tabs_, 1);
  // Never so narrow that a chat's name gives way to its time, or the tabs scroll: an avatar, a
  // date and about ten characters of a name side by side, and both tabs whole.
  const QFontMetrics fm(sidebar->font());
  const int row = kListAvatar + 4 * kListPad + fm.horizontalAdvance(QStringLiteral("88.88.88")) +
                  10 * fm.averageCharWidth();
  const int frames = 2 * conversation_list_->frameWidth() +
                     2 * tabs_->style()->pixelMetric(QStyle::PM_DefaultFrameWidth);
  sidebar->setMinimumWidth(std::max(row + frames, tabs_->tabBar()->sizeHint().width()) +
                           layout->contentsMargins().left() + layout->contentsMargins().right() +
                           conversation_list_->verticalScrollBar()->sizeHint().width());
  for (QListView* list : {conversation_list_, contact_list_}) {
    list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  }
}

void MainWindow::AddLanguageMenu(QMenu* menu) {
  QMenu* languages = menu->addMenu(tr("Language"));
  languages->setObjectName(QStringLiteral("languageMenu"));
  languages->addAction(tr("Applies when Natter next starts"))->setEnabled(false);
  languages->addSeparator();
  const QString chosen = QSettings().value(QLatin1String(kLanguageSetting)).toString();
  auto* group = new QActionGroup(languages);
  QStringList codes{QString()};
  codes << AvailableLanguages();
  for (const QString& code : codes) {
    // Each language in its own words, so one finds it whatever the window's language is.
    QString label = code.isEmpty()                   ? tr("System language")
                    : code == QLatin1String("en")    ? QStringLiteral("English")
                    : code == QLatin1String("zh_CN") ? QStringLiteral("简体中文")
                                                     : QLocale(code).nativeLanguageName();
    QAction* action = languages->addAction(label);
    action->setObjectName(QStringLiteral("language-") +
                          (code.isEmpty() ? QStringLiteral("system") : code));
    action->setCheckable(true);
    action->setChecked(code == chosen || (code.isEmpty() && chosen == QLatin1String("system")));
    group->addAction(action);
    connect(action, &QAction::triggered, this,
            [code] { QSettings().setValue(QLatin1String(kLanguageSetting), code); });
  }
}

void MainWindow::BuildConversationPane(QWidget* pane) {
  auto* outer = new QVBoxLayout(pane);
  outer->setContentsMargins(0, 0, 0, 0);
  stack_ = new QStackedWidget(pane);
  auto* empty =
      new QLabel(tr("Pick a conversation on the left, or add a friend to talk to."), stack_);
  empty->setAlignment(Qt::AlignCenter);
  stack_->addWidget(empty);

  auto* view = new QWidget(stack_);
  auto* layout = new QVBoxLayout(view);
  auto* header = new QHBoxLayout;
  auto* titles = new QVBoxLayout;
  title_ = new QLabel(view);
  title_->setObjectName(QStringLiteral("conversationTitle"));
  QFont big = title_->font();
  big.setPointSizeF(big.pointSizeF() * 1.3);
  big.setBold(true);
  title_->setFont(big);
  title_->setTextFormat(Qt::PlainText);
  subtitle_ = new QLabel(view);
  subtitle_->setObjectName(QStringLiteral("conversationSubtitle"));
  subtitle_->setTextFormat(Qt::PlainText);
  titles->addWidget(title_);
  titles->addWidget(subtitle_);
  header->addLayout(titles, 1);
  members_button_ = new QPushButton(tr("Members"), view);
  members_button_->setObjectName(QStringLiteral("membersButton"));
  connect(members_button_, &QPushButton::clicked, this, [this] {
    const v1::Conversation* c = conversations_.Find(open_conversation_);
    if (!c) return;
    // Members are named as everywhere, with a friend's presence (a room's and a group's alike).
    auto person = [this](uint64_t user_id, const QString& username) {
      const int row = contacts_.RowOf(user_id);
      const bool friend_ = row >= 0 && contacts_.index(row).data(ContactModel::kKindRole).toInt() ==
                                           ContactModel::kFriend;
      return MembersDialog::Person{
          names_.Of(user_id, username),
          friend_ ? contacts_.index(row).data(ContactModel::kStatusRole).toString() : QString()};
    };
    if (c->kind() == "group") {
      GroupMembersDialog group(api_, c->id(), session_.user_id, FriendChoicesOf(contacts_), this,
                               &avatars_, person);
      connect(&group, &GroupMembersDialog::left, this, [this] { RefreshConversations(); });
      group.exec();
      RefreshConversations();  // a new title or members: the list's label
      return;
    }
    MembersDialog dialog(api_, QString::fromStdString(c->name()), session_.user_id, this, &avatars_,
                         person);
    connect(&dialog, &MembersDialog::left, this, [this] { RefreshConversations(); });
    dialog.exec();
  });
  header->addWidget(members_button_);
  mute_button_ = new QToolButton(view);
  mute_button_->setObjectName(QStringLiteral("muteButton"));
  mute_button_->setPopupMode(QToolButton::InstantPopup);
  mute_button_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  auto* mute_menu = new QMenu(mute_button_);
  constexpr int64_t kHourMs = 3600 * 1000;
  mute_hour_ = mute_menu->addAction(tr("Mute for 1 hour"), this, [this] {
    SetOpenNotifications(v1::NOTIFY_LEVEL_UNSPECIFIED,
                         QDateTime::currentMSecsSinceEpoch() + kHourMs);
  });
  mute_eight_hours_ = mute_menu->addAction(tr("Mute for 8 hours"), this, [this] {
    SetOpenNotifications(v1::NOTIFY_LEVEL_UNSPECIFIED,
                         QDateTime::currentMSecsSinceEpoch() + 8 * kHourMs);
  });
  mute_forever_ = mute_menu->addAction(tr("Mute until I unmute"), this, [this] {
    SetOpenNotifications(v1::NOTIFY_LEVEL_UNSPECIFIED, kMutedForeverMs);
  });
  unmute_ = mute_menu->addAction(tr("Unmute"), this,
                                 [this] { SetOpenNotifications(v1::NOTIFY_LEVEL_UNSPECIFIED, 0); });
  mute_menu->addSection(tr("Notify me of"));
  auto* levels = new QActionGroup(mute_menu);
  level_all_ = mute_menu->addAction(tr("All messages"), this, [this] {
    SetOpenNotifications(v1::NOTIFY_LEVEL_ALL, std::nullopt);
  });
  level_mentions_ = mute_menu->addAction(tr("Only @mentions"), this, [this] {
    SetOpenNotifications(v1::NOTIFY_LEVEL_MENTIONS, std::nullopt);
  });
  level_none_ = mute_menu->addAction(
      tr("Nothing"), this, [this] { SetOpenNotifications(v1::NOTIFY_LEVEL_NONE, std::nullopt); });
  for (QAction* level : {level_all_, level_mentions_, level_none_}) {
    level->setCheckable(true);
    levels->addAction(level);
  }
  mute_button_->setMenu(mute_menu);
  header->addWidget(mute_button_);
  layout->addLayout(header);
  members_ = new ConversationMembers(api_, this);
  pinned_bar_ = new PinnedBar(
      api_, [this](uint64_t id, const QString& user) { return names_.Of(id, user); }, view);
  connect(pinned_bar_, &PinnedBar::jumpRequested, this,
          [this](quint64 seq) { OpenConversation(open_conversation_, seq); });
  layout->addWidget(pinned_bar_);

  message_list_ = new QListView(view);
  message_list_->setObjectName(QStringLiteral("messageList"));
  message_delegate_ = new MessageDelegate(avatars_, message_list_);
  message_list_->setItemDelegate(message_delegate_);
  message_delegate_->SetThumbnails(&attachments_->thumbnails());
  connect(&attachments_->thumbnails(), &Thumbnails::ready, message_list_,
          [this] { message_list_->viewport()->update(); });
  connect(message_delegate_, &MessageDelegate::imageActivated, attachments_.get(),
          &Attachments::Open);
  connect(message_delegate_, &MessageDelegate::fileActivated, attachments_.get(),
          &Attachments::Save);
  // Files dropped on the messages are sent to the open conversation (the composer takes them too).
  auto* drops = new FileDropFilter(this);
  message_list_->viewport()->installEventFilter(drops);
  message_list_->viewport()->setAcceptDrops(true);
  connect(drops, &FileDropFilter::filesDropped, this, [this](const QStringList& paths) {
    attachments_->SendPaths(OpenTarget(), paths, Caption());
  });
  connect(message_delegate_, &MessageDelegate::linkActivated, this,
          [](const QUrl& url) { QDesktopServices::openUrl(url); });
  connect(message_delegate_, &MessageDelegate::quoteActivated, this,
          [this](quint64 seq) { ShowMessage(seq); });
  // A chip adds one's reaction, or takes it back when it is one's own.
  connect(message_delegate_, &MessageDelegate::reactionClicked, this,
          [this](quint64 seq, const QString& emoji, bool mine) {
            if (open_conversation_ != 0) bridge_->React(OpenRef(), seq, emoji, mine);
          });
  message_list_->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
  message_list_->setSelectionMode(QAbstractItemView::SingleSelection);
  message_list_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  message_list_->setResizeMode(QListView::Adjust);
  message_list_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(message_list_, &QListView::customContextMenuRequested, this, [this](const QPoint& at) {
    QMenu menu;
    FillMessageMenu(message_list_->indexAt(at), &menu);
    if (!menu.isEmpty()) menu.exec(message_list_->viewport()->mapToGlobal(at));
  });
  connect(message_list_->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
    if (value == 0) LoadOlder();
  });
  // At the newest message, the view stays there when its content grows taller or shorter (a
  // resize rewraps every bubble); scrolled up to read, it stays where it is.
  connect(message_list_->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
    at_newest_ = value == message_list_->verticalScrollBar()->maximum() && newer_from_ == 0;
    if (value == message_list_->verticalScrollBar()->maximum()) LoadNewer();
  });
  connect(message_list_->verticalScrollBar(), &QScrollBar::rangeChanged, this,
          [this](int, int maximum) {
            if (at_newest_) message_list_->verticalScrollBar()->setValue(maximum);
          });
  // Turning the wheel up at the top changes no value, but asks for older messages all the same.
  message_list_->viewport()->installEventFilter(this);
  layout->addWidget(message_list_, 1);
  // A row whose run of messages changed (it is no longer the last, so shows no time) changes
  // height.
  connect(&messages_, &QAbstractItemModel::dataChanged, this,
          [this](const QModelIndex& from, const QModelIndex& to, const QVector<int>& roles) {
            if (!roles.isEmpty() && !roles.contains(MessageModel::kGroupEndRole) &&
                !roles.contains(MessageModel::kEditedRole) &&
                !roles.contains(MessageModel::kReplySnippetRole) &&
                !roles.contains(MessageModel::kReplyDeletedRole) &&
                !roles.contains(MessageModel::kReactionsRole)) {
              return;
            }
            for (int row = from.row(); row <= to.row(); ++row) {
              emit message_delegate_->sizeHintChanged(messages_.index(row));
            }
          });
  connect(&messages_, &QAbstractItemModel::dataChanged, this, [this] { OnEditedMessageChanged(); });
  // Keep the view at the bottom when new messages arrive there: when it showed the newest, or for
  // one's own message. Scrolled up to read (or opened at the first unread), it stays where it is.
  connect(&messages_, &QAbstractItemModel::rowsInserted, this,
          [this](const QModelIndex&, int first, int) {
            // Not while later entries are still to load (opened at a search hit or a pin).
            if (first > 0 && first == messages_.rowCount() - 1 && newer_from_ == 0 &&
                (at_newest_ || messages_.index(first).data(MessageModel::kOwnRole).toBool())) {
              QTimer::singleShot(0, message_list_, [this] { message_list_->scrollToBottom(); });
            }
          });

  typing_label_ = new QLabel(view);
  typing_label_->setObjectName(QStringLiteral("typingLabel"));
  typing_label_->setTextFormat(Qt::PlainText);
  QFont italic = typing_label_->font();
  italic.setItalic(true);
  typing_label_->setFont(italic);
  // Beside it, about the composer's text: sending, its length near the limit, a refusal. The row
  // keeps its height, so the messages do not jump when either appears.
  composer_hint_ = new QLabel(view);
  composer_hint_->setObjectName(QStringLiteral("composerHint"));
  composer_hint_->setTextFormat(Qt::PlainText);
  composer_hint_->setWordWrap(true);
  composer_hint_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
  composer_hint_->setMinimumHeight(composer_hint_->fontMetrics().lineSpacing());
  auto* notes = new QHBoxLayout;
  notes->addWidget(typing_label_, 1);
  notes->addWidget(composer_hint_, 1);
  layout->addLayout(notes);
  typing_timer_.setSingleShot(true);
  connect(&typing_timer_, &QTimer::timeout, typing_label_, &QLabel::clear);

  // Above the composer while the next message is a reply: to whom and what, on one line each.
  reply_bar_ = new QWidget(view);
  reply_bar_->setObjectName(QStringLiteral("replyBar"));
  auto* reply_layout = new QHBoxLayout(reply_bar_);
  reply_layout->setContentsMargins(0, 0, 0, 0);
  auto* accent = new QFrame(reply_bar_);
  accent->setFixedWidth(3);
  accent->setStyleSheet(QStringLiteral("background: #1e88e5;"));
  auto* reply_texts = new QVBoxLayout;
  reply_texts->setSpacing(0);
  reply_title_ = new ElidedLabel(reply_bar_);
  reply_title_->setObjectName(QStringLiteral("replyTitle"));
  reply_title_->setStyleSheet(QStringLiteral("color: #1e88e5; font-weight: bold;"));
  reply_snippet_ = new ElidedLabel(reply_bar_);
  reply_snippet_->setObjectName(QStringLiteral("replySnippet"));
  reply_texts->addWidget(reply_title_);
  reply_texts->addWidget(reply_snippet_);
  cancel_bar_ = new QToolButton(reply_bar_);
  cancel_bar_->setObjectName(QStringLiteral("cancelReply"));
  cancel_bar_->setText(QStringLiteral("✕"));
  cancel_bar_->setAutoRaise(true);
  // The same bar shows an edit in progress (which puts the pending reply aside): ✕ and Esc cancel
  // what it shows.
  auto cancel_shown = [this] {
    if (editing_.seq != 0) {
      CancelEdit();
    } else {
      CancelReply();
    }
  };
  connect(cancel_bar_, &QToolButton::clicked, this, cancel_shown);
  reply_layout->addWidget(accent);
  reply_layout->addLayout(reply_texts, 1);
  reply_layout->addWidget(cancel_bar_);
  reply_bar_->hide();
  layout->addWidget(reply_bar_);
  cancel_reply_ = new QShortcut(QKeySequence(Qt::Key_Escape), view);
  cancel_reply_->setContext(Qt::WidgetWithChildrenShortcut);
  cancel_reply_->setEnabled(false);
  connect(cancel_reply_, &QShortcut::activated, this, cancel_shown);

  auto* input = new QHBoxLayout;
  composer_ = new Composer(view);
  composer_->setObjectName(QStringLiteral("composer"));
  auto* send = new QPushButton(tr("Send"), view);
  send->setObjectName(QStringLiteral("sendButton"));
  send_button_ = send;
  // Emoji, a click away: a grid of the common ones, put in at the cursor.
  auto* emoji = new QToolButton(view);
  emoji->setObjectName(QStringLiteral("emojiButton"));
  emoji->setText(QStringLiteral("🙂"));
  emoji->setToolTip(tr("Emoji"));
  emoji->setPopupMode(QToolButton::InstantPopup);
  auto* emoji_menu = new QMenu(emoji);
  auto* grid_widget = new QWidget(emoji_menu);
  auto* grid = new QGridLayout(grid_widget);
  grid->setSpacing(2);
  const QStringList faces =
      QStringLiteral(
          "😀 😂 🙂 😉 😊 😍 😘 😎 🤔 😅 😢 😭 😡 😱 🙄 😴 👍 "
          "👎 "
          "👏 "
          "🙏 "
          "💪 "
          "👋 "
          "🤝 "
          "✌️ 👀 ❤️ 💔 🔥 🎉 ✨ ⭐ ✅ ❌ ❓ 💡 ☕ 🍕 🍺 🚀 💯")
          .split(QLatin1Char(' '));
  QFont emoji_font = font();
  emoji_font.setPointSizeF(emoji_font.pointSizeF() * 1.5);
  for (int i = 0; i < faces.size(); ++i) {
    auto* face = new QToolButton(grid_widget);
    face->setText(faces[i]);
    face->setFont(emoji_font);
    face->setAutoRaise(true);
    connect(face, &QToolButton::clicked, this, [this, emoji_menu, text = faces[i]] {
      emoji_menu->close();
      if (composer_->isReadOnly()) return;
      composer_->insertPlainText(text);
      composer_->setFocus();
    });
    grid->addWidget(face, i / 8, i % 8);
  }
  auto* grid_action = new QWidgetAction(emoji_menu);
  grid_action->setDefaultWidget(grid_widget);
  emoji_menu->addAction(grid_action);
  emoji->setMenu(emoji_menu);
  auto* attach = new QToolButton(view);
  attach->setObjectName(QStringLiteral("attachButton"));
  attach->setText(QStringLiteral("📎"));
  attach->setToolTip(tr("Send a picture or file"));
  attach_button_ = attach;
  connect(attach, &QToolButton::clicked, this,
          [this] { attachments_->ChooseAndSend(OpenTarget(), Caption()); });
  connect(composer_, &Composer::filesPasted, this, [this](const QStringList& paths) {
    attachments_->SendPaths(OpenTarget(), paths, Caption());
  });
  connect(composer_, &Composer::imagePasted, this,
          [this](const QImage& image) { attachments_->SendImage(OpenTarget(), image, Caption()); });
  connect(attachments_.get(), &Attachments::uploaded, this, &MainWindow::SendFile);
  connect(attachments_.get(), &Attachments::captionTaken, this, &MainWindow::TakeCaption);
  connect(attachments_.get(), &Attachments::captionReturned, this, &MainWindow::ReturnCaption);
  connect(attachments_.get(), &Attachments::notice, this, &MainWindow::ShowStatusMessage);
  input->addWidget(attach);
  input->addWidget(composer_, 1);
  input->addWidget(emoji);
  input->addWidget(send);
  layout->addWidget(attachments_->upload_bar());
  layout->addLayout(input);
  new MentionCompleter(composer_, [this] { return MentionCandidates(); });
  connect(composer_, &Composer::sendRequested, this, &MainWindow::SendCurrent);
  connect(composer_, &Composer::editLastRequested, this, &MainWindow::EditLastOwnMessage);
  connect(send, &QPushButton::clicked, this, [this] { SendCurrent(composer_->toPlainText()); });
  connect(composer_, &Composer::textChanged, this, [this] {
    refused_.clear();
    RefreshComposer();
  });
  connect(composer_, &Composer::typing, this, [this] {
    if (open_conversation_ != 0) bridge_->NotifyTyping(OpenRef());
  });
  stack_->addWidget(view);
  outer->addWidget(stack_);
  setStatusBar(new QStatusBar(this));
}

void MainWindow::BuildTray() {
  if (!QSystemTrayIcon::isSystemTrayAvailable()) return;
  tray_ = new QSystemTrayIcon(AppIcon(), this);
  tray_->setToolTip(tr("Natter"));
  auto* menu = new QMenu(this);
  menu->addAction(tr("Show Natter"), this, [this] {
    showNormal();
    activateWindow();
  });
  menu->addAction(tr("Quit"), qApp, &QApplication::quit);
  tray_->setContextMenu(menu);
  connect(tray_, &QSystemTrayIcon::activated, this, [this] {
    showNormal();
    activateWindow();
  });
  tray_->show();
}

void MainWindow::ConnectBridge() {
  StreamBridge* b = bridge_.get();
  connect(b, &StreamBridge::stateChanged, this, &MainWindow::OnStateChanged);
  connect(b, &StreamBridge::welcomed, this, &MainWindow::OnWelcome);
  connect(b, &StreamBridge::entryReceived, this, &MainWindow::OnEntry);
  connect(b, &StreamBridge::userEventReceived, this, &MainWindow::OnUserEvent);
  connect(b, &StreamBridge::presenceChanged, this, [this](const v1::PresenceChanged& p) {
    contacts_.SetPresence(p.user_id(), QString::fromStdString(p.status()), p.last_seen_ms());
    RefreshHeader();
  });
  connect(b, &StreamBridge::profileChanged, this, [this](const v1::Profile& p) {
    contacts_.SetProfile(p.user_id(), QString::fromStdString(p.display_name()), p.avatar_version());
    names_.Set(p.user_id(), QString::fromStdString(p.display_name()));
    NamesChanged();
    avatars_.Remember(p.user_id(), p.avatar_version());
    if (p.user_id() == session_.user_id) RefreshOwnProfile();
  });
  connect(b, &StreamBridge::typingReceived, this, &MainWindow::OnTyping);
  connect(b, &StreamBridge::readMarkerReceived, this, &MainWindow::OnReadMarker);
  connect(b, &StreamBridge::notificationSettingsReceived, this,
          &MainWindow::OnNotificationSettings);
  connect(b, &StreamBridge::roomNoticeReceived, this, [this](const v1::RoomNotice& n) {
    if (n.conversation_id() == open_conversation_) RefreshHeader();
  });
  connect(b, &StreamBridge::commandFinished, this, &MainWindow::OnCommandFinished);
  connect(b, &StreamBridge::sessionEnded, this, [this](const QString& reason) {
    // The reason is the server's word ("revoked", ...), shown as it comes: not translated.
    emit signedOut(tr("Your session ended (%1). Sign in again.").arg(reason));
  });
}

void MainWindow::OnStateChanged(StreamBridge::State state, const QString& detail) {
  RefreshComposer();  // a message on its way is sent, or waits for the connection
  switch (state) {
    case StreamBridge::State::kConnected:
      connection_->clear();
      connection_->hide();
      return;
    case StreamBridge::State::kConnecting:
      connection_->setText(tr("Connecting…"));
      break;
    case StreamBridge::State::kReconnecting:
      connection_->setText(detail.isEmpty() ? tr("Reconnecting…")
                                            : tr("Reconnecting… (%1)").arg(detail));
      break;
    case StreamBridge::State::kOffline:
      connection_->setText(tr("Offline"));
      break;
  }
  connection_->setStyleSheet(QStringLiteral("color: #b26a00;"));
  connection_->show();
}

void MainWindow::OnWelcome(const v1::Welcome& welcome) {
  std::vector<v1::Conversation> all(welcome.conversations().begin(), welcome.conversations().end());
  conversations_.Reset(all, session_.user_id);
  contacts_.Reset({welcome.friends().begin(), welcome.friends().end()},
                  {welcome.requests().begin(), welcome.requests().end()});
  for (const auto& f : welcome.friends()) {
    avatars_.Remember(f.user_id(), f.avatar_version());
    names_.Set(f.user_id(), QString::fromStdString(f.display_name()));
  }
  for (const auto& c : welcome.conversations()) LearnName(c.peer_id());
  for (const auto& r : welcome.requests()) LearnName(r.user_id());
  NamesChanged();
  if (open_conversation_ == 0 && !all.empty()) OpenConversation(all.front().id());
  RefreshHeader();
  invitations_->Load();
}

v1::ChatMessage MainWindow::AsWritten(const v1::ChatMessage& entry) const {
  if (entry.sender_id() != session_.user_id || entry.client_msg_id().empty()) return entry;
  auto it = written_at_.find(entry.client_msg_id());
  if (it == written_at_.end() || it->second >= entry.sent_at_ms()) return entry;
  v1::ChatMessage written = entry;
  written.set_sent_at_ms(it->second);
  return written;
}

void MainWindow::OnEntry(const v1::ChatMessage& received) {
  const v1::ChatMessage entry = AsWritten(received);
  LearnName(entry.sender_id());
  LearnName(entry.target_user_id());
  LearnName(entry.reply().sender_id());
  const bool open = entry.conversation_id() == open_conversation_;
  const bool watching = open && isActiveWindow() && !isMinimized();
  conversations_.OnEntry(entry, watching);
  pinned_bar_->OnEntry(entry);
  members_->OnEntry(entry);
  if (const v1::Conversation* c = conversations_.Find(open_conversation_); open && c) {
    members_->Fetch(*c);  // asked again after a membership change
  }
  if (open_when_listed_ != 0 && open_when_listed_ == entry.conversation_id()) {
    open_when_listed_ = 0;
    OpenConversation(entry.conversation_id());
    return;  // opening it loads its history, this entry included
  }
  if (open) {
    messages_.Apply(entry);
    // Writing marks read: the other side of a direct conversation has read up to its own message.
    if (entry.sender_id() != session_.user_id && entry.peer_id() != 0) {
      messages_.SetPeerReadSeq(entry.seq());
    }
    if (entry.type() == "topic_changed" || entry.type() == "room_renamed" ||
        entry.type() == "group_renamed" || entry.type() == "member_added") {
      RefreshConversations();  // a group's label names its members
    }
    // Someone joined or left: who is online in the room changed without a presence notice.
    if (entry.type() == "member_joined" || entry.type() == "member_left" ||
        entry.type() == "member_removed") {
      RefreshHeader();
    }
    if (watching) MarkOpenConversationRead();
  }
  const bool from_other = entry.sender_id() != session_.user_id;
  // The cached conversation remembers it too, for when it is opened again.
  if (from_other && entry.peer_id() != 0)  // a direct conversation (a group has no peer)
    conversations_.SetPeerRead(entry.conversation_id(), entry.seq());
  // Any conversation (direct, group, room or the lobby) the window does not show to the user
  // notifies of each message from others at the level "all", of those that newly mention the user
  // at "mentions", and of none at "none". A muted one still delivers and counts unread; it only
  // stays quiet, except for a message (or an edit) that newly mentions the user, which notifies
  // unless the level is "none".
  const bool mentioned = std::any_of(
      entry.mentions().begin(), entry.mentions().end(),
      [&](const v1::Mention& m) { return m.user_id() == session_.user_id && m.added(); });
  const bool is_message = entry.type().empty() || entry.type() == "message";
  if (from_other && !watching && (is_message || (mentioned && entry.type() == "message_edited")) &&
      (mentioned ? conversations_.NotifiesOfMention(entry.conversation_id())
                 : conversations_.Notifies(entry.conversation_id(),
                                           QDateTime::currentMSecsSinceEpoch()))) {
    QString text = QString::fromStdString(entry.text());
    if (text.isEmpty() && entry.has_attachment()) {
      text = entry.attachment().width() > 0
                 ? tr("sent a photo")
                 : tr("sent a file: %1").arg(QString::fromStdString(entry.attachment().name()));
    }
    const QString sender = names_.Of(entry.sender_id(), entry.sender());
    const v1::Conversation* group = conversations_.Find(entry.conversation_id());
    // A click opens the conversation.
    auto open_it = [this, conversation = entry.conversation_id()] {
      BringUp();
      if (!conversations_.Find(conversation)) return;  // left since
      tabs_->setCurrentIndex(0);
      OpenConversation(conversation);
    };
    if (group != nullptr && group->kind() == "group") {
      Notify(tr("%1 in %2").arg(sender, ConversationModel::GroupTitle(*group)), text.left(200),
             open_it);
    } else if (entry.room().empty()) {
      Notify(sender, text.left(200), open_it);
    } else {
      // A room (the lobby too) as a direct conversation: at "all", every message from others.
      Notify(tr("%1 in #%2").arg(sender, QString::fromStdString(entry.room())), text.left(200),
             open_it);
    }
  }
}

void MainWindow::OnUserEvent(const v1::UserEvent& event) {
  if (event.has_friend_()) {
    const v1::FriendEvent f = event.friend_();
    contacts_.ApplyFriendEvent(f);
    // Whoever it is about is named by the name they chose, as everywhere: once it is known (a
    // stranger's is asked for first).
    LearnName(f.user_id(), [this, f] {
      const QString who = names_.Of(f.user_id(), f.username());
      if (f.type() == "friend_request" && !f.outgoing()) {
        Notify(tr("Friend request"),
               f.message().empty() ? tr("%1 wants to be your friend").arg(who)
                                   : tr("%1 wants to be your friend: %2")
                                         .arg(who, QString::fromStdString(f.message())),
               [this] {
                 // The request is answered in Contacts.
                 BringUp();
                 tabs_->setCurrentIndex(1);
               });
      }
      if (f.type() == "friend_request_rejected" && f.outgoing()) {
        ShowStatusMessage(tr("%1 declined your friend request.").arg(who));
      }
      if (f.type() == "friend_added") ShowStatusMessage(tr("You and %1 are friends now.").arg(who));
    });
    return;
  }
  if (event.has_invitation()) {
    const v1::RoomInvitation i = event.invitation();
    if (invitations_->Apply(i, session_.user_id)) {
      LearnName(i.inviter_id(), [this, i] {
        const QString inviter = names_.Of(i.inviter_id(), i.inviter());
        const QString room = QString::fromStdString(i.room());
        Notify(tr("Invitation"), tr("%1 invited you to #%2").arg(inviter, room), [this, room] {
          // Answered in the Rooms dialog, on its list of invitations.
          BringUp();
          OpenRooms(room);
        });
        ShowStatusMessage(
            tr("%1 invited you to #%2: Rooms… to accept or decline.").arg(inviter, room));
      });
    }
    return;
  }
  if (event.has_room()) {
    const auto& r = event.room();
    if (r.type() == "joined") invitations_->Joined(r.conversation_id());
    if (r.type() != "joined") {
      conversations_.Remove(r.conversation_id());
      drafts_.Set(r.conversation_id(), {});
      drafts_.SetReplyTo(r.conversation_id(), {});
      if (r.conversation_id() == open_conversation_) {
        LeaveEdit();
        open_conversation_ = 0;
        RefreshReplyBar();
        composer_->clear();
        stack_->setCurrentIndex(0);
      }
      if (r.type() == "removed" && r.room().empty()) {
        ShowStatusMessage(tr("%1 removed you from a group").arg(QString::fromStdString(r.by())));
      } else if (r.type() == "removed") {
        ShowStatusMessage(
            tr("%1 removed you from %2")
                .arg(QString::fromStdString(r.by()), QString::fromStdString(r.room())));
      }
    } else {
      RefreshConversations();
    }
  }
}

void MainWindow::OnTyping(const v1::TypingEvent& typing) {
  if (typing.conversation_id() != open_conversation_ || typing.user_id() == session_.user_id) {
    return;
  }
  typing_label_->setText(tr("%1 is typing…").arg(names_.Of(typing.user_id(), typing.username())));
  typing_timer_.start(kTypingShownMs);
}

void MainWindow::OnReadMarker(const v1::ReadMarker& marker) {
  if (marker.user_id() == session_.user_id) {
    // Read on another device.
    const v1::Conversation* c = conversations_.Find(marker.conversation_id());
    uint64_t unread = c && c->latest_seq() <= marker.seq() ? 0 : (c ? c->unread() : 0);
    conversations_.SetRead(marker.conversation_id(), marker.seq(), unread);
    return;
  }
  // The other side read: the cached conversation keeps it (for the next time it is opened), and
  // the open view shows it now.
  conversations_.SetPeerRead(marker.conversation_id(), marker.seq());
  if (marker.conversation_id() == open_conversation_) messages_.SetPeerReadSeq(marker.seq());
}

void MainWindow::OnCommandFinished(uint64_t request_id, const v1::CommandResult& result) {
  OnSendFinished(request_id, result);
  OnAskedFinished(request_id, result);
  if (result.code() != 0) {
    ShowStatusMessage(
        ErrorText(grpc::Status(static_cast<grpc::StatusCode>(result.code()), result.error())));
  }
  if (result.has_read()) {
    conversations_.SetRead(result.read().conversation_id(), result.read().last_read_seq(),
                           result.read().unread());
  }
  if (result.has_notifications()) OnNotificationSettings(result.notifications());
}

void MainWindow::OnNotificationSettings(const v1::NotificationSettings& settings) {
  conversations_.SetNotifications(settings);
  if (settings.conversation_id() == open_conversation_) RefreshMuteButton();
}

void MainWindow::SetOpenNotifications(v1::NotifyLevel level,
                                      std::optional<int64_t> muted_until_ms) {
  if (open_conversation_ == 0) return;
  bridge_->SetNotifications(open_conversation_, level, muted_until_ms);
}

void MainWindow::RefreshMuteButton() {
  const v1::Conversation* c = conversations_.Find(open_conversation_);
  mute_button_->setVisible(c != nullptr);
  if (!c) return;
  const int64_t until = c->notifications().muted_until_ms();
  const bool muted = until > QDateTime::currentMSecsSinceEpoch();
  mute_button_->setText(muted ? tr("Muted") : tr("Mute"));
  mute_button_->setIcon(
      style()->standardIcon(muted ? QStyle::SP_MediaVolumeMuted : QStyle::SP_MediaVolume));
  mute_button_->setToolTip(!muted ? tr("Notifications for this conversation")
                           : until == kMutedForeverMs
                               ? tr("Muted until you unmute it")
                               : tr("Muted until %1")
                                     .arg(QLocale().toString(QDateTime::fromMSecsSinceEpoch(until),
                                                             QLocale::ShortFormat)));
  unmute_->setVisible(muted);
  const bool none = c->notifications().level() == v1::NOTIFY_LEVEL_NONE;
  const bool mentions = c->notifications().level() == v1::NOTIFY_LEVEL_MENTIONS;
  level_none_->setChecked(none);
  level_mentions_->setChecked(mentions);
  level_all_->setChecked(!none && !mentions);
}

v1::ConversationRef MainWindow::OpenRef() const {
  v1::ConversationRef ref;
  ref.set_id(open_conversation_);
  return ref;
}

void MainWindow::OpenConversation(uint64_t conversation_id, uint64_t at_seq) {
  const v1::Conversation* c = conversations_.Find(conversation_id);
  if (!c) return;
  if (at_seq != 0 && conversation_id == open_conversation_ && messages_.RowOfSeq(at_seq) >= 0) {
    Highlight(at_seq);  // loaded already
    return;
  }
  if (conversation_id != open_conversation_) {
    // Switching conversation cancels an edit: the draft it put aside is the one kept.
    LeaveEdit();
    // Each conversation keeps its own draft: what was typed for one is never sent to another.
    if (open_conversation_ != 0) drafts_.Set(open_conversation_, composer_->toPlainText());
    composer_->setPlainText(drafts_.Text(conversation_id));
    composer_->moveCursor(QTextCursor::End);
  }
  open_conversation_ = conversation_id;
  pending_direct_.clear();
  show_when_loaded_ = 0;
  RefreshComposer();
  RefreshReplyBar();  // each conversation keeps its own pending reply, as its draft
  history_complete_ = false;
  loading_older_ = false;
  messages_.Reset(conversation_id, session_.user_id);
  messages_.SetPeerReadSeq(c->peer_read_seq());
  // What was unread when it opened starts under a "New messages" divider, and the view there.
  unread_on_open_ = c->unread();
  if (unread_on_open_ > 0) messages_.SetReadUpTo(c->last_read_seq());
  typing_label_->clear();
  stack_->setCurrentIndex(1);
  int row = conversations_.RowOf(conversation_id);
  conversation_list_->setCurrentIndex(
      conversation_filter_.mapFromSource(conversations_.index(row)));
  RefreshHeader();
  open_at_ = at_seq;
  newer_from_ = 0;
  loading_newer_ = false;
  pinned_bar_->Load(conversation_id);
  members_->Fetch(*c);
  LoadOlder();
  composer_->setFocus();
}

void MainWindow::OpenSearch() {
  if (!search_) {
    search_ = new SearchDialog(
        api_,
        [this](uint64_t user_id, const QString& username) { return names_.Of(user_id, username); },
        this);
    connect(search_, &SearchDialog::hitActivated, this, [this](quint64 conversation, quint64 seq) {
      if (!conversations_.Find(conversation)) {
        ShowStatusMessage(tr("That conversation is no longer in your list."));
        return;
      }
      tabs_->setCurrentIndex(0);
      OpenConversation(conversation, seq);
    });
  }
  search_->show();
  search_->raise();
  search_->activateWindow();
}

void MainWindow::Highlight(uint64_t seq) {
  ShowMessage(seq);
  // A moment, then the selection goes, as Telegram's flash of a message jumped to.
  QTimer::singleShot(1500, message_list_, [this, seq, conversation = open_conversation_] {
    const QModelIndex current = message_list_->currentIndex();
    if (conversation == open_conversation_ && current.isValid() &&
        current.data(MessageModel::kSeqRole).toULongLong() == seq) {
      message_list_->clearSelection();
    }
  });
}

void MainWindow::OpenDirect(const QString& username) {
  for (int i = 0; i < conversations_.rowCount(); ++i) {
    QModelIndex index = conversations_.index(i);
    if (index.data(ConversationModel::kKindRole).toString() == QLatin1String("direct") &&
        index.data(ConversationModel::kNameRole).toString() == username) {
      tabs_->setCurrentIndex(0);
      OpenConversation(index.data(ConversationModel::kIdRole).toULongLong());
      return;
    }
  }
  // No conversation yet: the first message, written in the composer as any other, starts it.
  LeaveEdit();
  if (open_conversation_ != 0) drafts_.Set(open_conversation_, composer_->toPlainText());
  open_conversation_ = 0;
  pinned_bar_->Load(0);
  pending_direct_ = username;
  RefreshReplyBar();
  messages_.Reset(0, session_.user_id);
  typing_label_->clear();
  conversation_list_->clearSelection();
  const int contact = contacts_.RowOfUsername(username);
  const uint64_t peer_id =
      contact >= 0 ? contacts_.index(contact).data(ContactModel::kUserIdRole).toULongLong() : 0;
  title_->setText(names_.Of(peer_id, username));
  subtitle_->setText(tr("Your first message starts the conversation."));
  members_button_->hide();
  mute_button_->hide();  // nothing to mute before the conversation exists
  composer_->clear();
  refused_.clear();
  RefreshComposer();
  stack_->setCurrentIndex(1);
  composer_->setFocus();
}

namespace {

QString ResultError(const v1::CommandResult& result) {
  return ErrorText(grpc::Status(static_cast<grpc::StatusCode>(result.code()), result.error()));
}

}  // namespace

void MainWindow::EditMessage(uint64_t seq) {
  if (open_conversation_ == 0) return;
  const int row = messages_.RowOfSeq(seq);
  if (row < 0) return;
  const QModelIndex index = messages_.index(row);
  if (!index.data(MessageModel::kOwnRole).toBool() ||
      index.data(MessageModel::kTypeRole).toString() != QLatin1String("message") ||
      index.data(MessageModel::kDeletedRole).toBool()) {
    return;
  }
  // Another edit in progress gives way; the draft put aside is still the one from before.
  const QString draft = editing_.seq != 0 ? editing_.draft : composer_->toPlainText();
  editing_ = Editing{seq, index.data(MessageModel::kTextRole).toString(), draft, 0};
  refused_.clear();
  composer_->setPlainText(editing_.original);
  composer_->moveCursor(QTextCursor::End);
  RefreshReplyBar();
  RefreshComposer();
  composer_->setFocus();
}

void MainWindow::LeaveEdit() {
  if (editing_.seq == 0) return;
  const QString draft = editing_.draft;
  editing_ = Editing{};
  refused_.clear();
  composer_->setPlainText(draft);
  composer_->moveCursor(QTextCursor::End);
}

void MainWindow::CancelEdit() {
  if (editing_.seq == 0) return;
  LeaveEdit();
  RefreshReplyBar();  // a reply put aside comes back
  RefreshComposer();
}

void MainWindow::SaveEdit(const QString& text) {
  if (editing_.request_id != 0) return;  // saving already
  if (text == editing_.original) {
    CancelEdit();  // nothing changed: nothing to save
    return;
  }
  if (text.trimmed().isEmpty()) {
    ShowStatusMessage(tr("A message cannot be emptied: use Delete to remove it."));
    return;
  }
  if (QString problem = MessageTextProblem(text); !problem.isEmpty()) {
    ShowStatusMessage(problem);
    return;
  }
  editing_.request_id = bridge_->EditMessage(OpenRef(), editing_.seq, text);
  RefreshComposer();
}

void MainWindow::OnEditedMessageChanged() {
  if (editing_.seq == 0) return;
  const int row = messages_.RowOfSeq(editing_.seq);
  if (row < 0) return;  // not loaded (a reset while the conversation reopens)
  const QModelIndex index = messages_.index(row);
  if (index.data(MessageModel::kDeletedRole).toBool()) {
    CancelEdit();
    ShowStatusMessage(tr("The message you were editing was deleted."));
    return;
  }
  // Edited elsewhere (or the edit saved here arriving): the bar shows the text as it is now, and
  // the composer keeps what is being written.
  const QString text = index.data(MessageModel::kTextRole).toString();
  if (text != editing_.original) {
    editing_.original = text;
    RefreshReplyBar();
  }
}

void MainWindow::OnAskedFinished(uint64_t request_id, const v1::CommandResult& result) {
  if (auto it = first_messages_.find(request_id); it != first_messages_.end()) {
    const Asked asked = it->second;
    first_messages_.erase(it);
    // Refused: the text stays in the composer with the reason beside it (OnSendFinished).
    // Taken: the new conversation opens in its place, rather than another one staying open under
    // a list that reorders: at once if it is listed, else as soon as its first entry lists it.
    if (result.code() != 0 || open_conversation_ != 0 || pending_direct_ != asked.username) return;
    tabs_->setCurrentIndex(0);
    if (conversations_.Find(result.ack().conversation_id())) {
      OpenConversation(result.ack().conversation_id());
    } else {
      open_when_listed_ = result.ack().conversation_id();
    }
    return;
  }
  if (editing_.request_id != 0 && editing_.request_id == request_id) {
    // Saved: the draft put aside comes back. Refused: edit mode stays, the reason beside it.
    editing_.request_id = 0;
    if (result.code() == 0) {
      CancelEdit();
    } else {
      refused_ = ResultError(result);
      RefreshComposer();
    }
  }
}

void MainWindow::LoadOlder() {
  if (open_conversation_ == 0 || loading_older_ || history_complete_) return;
  loading_older_ = true;
  v1::HistoryRequest request;
  request.set_conversation_id(open_conversation_);
  const bool first_page = messages_.rowCount() == 0;
  // Opened at a message: the first page ends with it (History gives the entries before
  // before_seq).
  const uint64_t at_seq = first_page ? open_at_ : 0;
  request.set_before_seq(at_seq != 0 ? at_seq + 1 : messages_.oldest_seq());
  // The first page reaches back to the first unread message (within the server's 200).
  request.set_limit(first_page && at_seq == 0
                        ? static_cast<uint32_t>(std::clamp<uint64_t>(unread_on_open_ + 5,
                                                                     kHistoryPage, kMaxHistoryPage))
                        : kHistoryPage);
  const uint64_t conversation = open_conversation_;
  api_.Call(&Async::History, request,
            Done<v1::HistoryResponse>(
                [this, conversation, first_page, at_seq](const grpc::Status& status,
                                                         const v1::HistoryResponse& response) {
                  if (conversation != open_conversation_) return;
                  loading_older_ = false;
                  if (!status.ok()) {
                    show_when_loaded_ = 0;
                    ShowStatusMessage(ErrorText(status));
                    return;
                  }
                  history_complete_ = !response.has_more();
                  // Keep what the user looks at in place while older rows go in above. The view
                  // lays out the new rows now, not later, so the scroll range is the new one:
                  // restored against the old range, the view stayed at the top, and as the scroll
                  // value then never changed, no further page was asked for.
                  QScrollBar* bar = message_list_->verticalScrollBar();
                  const int before = bar->maximum() - bar->value();
                  std::vector<v1::ChatMessage> page;
                  for (const auto& m : response.messages()) {
                    page.push_back(AsWritten(m));
                    LearnName(m.sender_id());
                    LearnName(m.target_user_id());
                    LearnName(m.reply().sender_id());
                  }
                  messages_.PrependHistory(page);
                  message_list_->doItemsLayout();
                  if (at_seq != 0) {
                    // What came after it is loaded as the view is scrolled down to it.
                    const v1::Conversation* c = conversations_.Find(conversation);
                    newer_from_ = c && c->latest_seq() > at_seq ? at_seq : 0;
                    at_newest_ = false;
                    Highlight(at_seq);
                    // Shown at the end of the view: the next page is below it at once.
                    if (bar->value() == bar->maximum()) LoadNewer();
                  } else if (first_page) {
                    if (const int unread = messages_.FirstUnreadRow(); unread >= 0) {
                      message_list_->scrollTo(messages_.index(unread),
                                              QAbstractItemView::PositionAtTop);
                    } else {
                      message_list_->scrollToBottom();
                    }
                    MarkOpenConversationRead();
                  } else {
                    bar->setValue(bar->maximum() - before);
                  }
                  // A page that does not fill the view leaves nothing to scroll: fetch the next
                  // one.
                  if (bar->maximum() == 0) LoadOlder();
                  // A quoted message asked for: shown now, or the next page asked for.
                  if (const uint64_t seq = show_when_loaded_; seq != 0) {
                    show_when_loaded_ = 0;
                    ShowMessage(seq);
                  }
                }));
}

void MainWindow::LoadNewer() {
  if (open_conversation_ == 0 || newer_from_ == 0 || loading_newer_) return;
  loading_newer_ = true;
  v1::HistoryRequest request;
  request.set_conversation_id(open_conversation_);
  request.set_before_seq(newer_from_ + 1 + kHistoryPage);
  request.set_limit(kHistoryPage);
  const uint64_t conversation = open_conversation_;
  const uint64_t through = newer_from_ + kHistoryPage;
  api_.Call(
      &Async::History, request,
      Done<v1::HistoryResponse>([this, conversation, through](const grpc::Status& status,
                                                              const v1::HistoryResponse& response) {
        if (conversation != open_conversation_ || newer_from_ == 0) return;
        loading_newer_ = false;
        if (!status.ok()) {
          ShowStatusMessage(ErrorText(status));
          return;
        }
        // In seq order after the loaded ones (the model keeps each seq once, so live entries
        // that arrived meanwhile are not doubled).
        for (const auto& m : response.messages()) {
          LearnName(m.sender_id());
          messages_.Apply(AsWritten(m));
        }
        const v1::Conversation* c = conversations_.Find(conversation);
        newer_from_ = c && c->latest_seq() > through ? through : 0;
      }));
}

void MainWindow::SendCurrent(const QString& text) {
  if (editing_.seq != 0) {
    SaveEdit(text);
    return;
  }
  if (text.trimmed().isEmpty()) return;
  // One message at a time per conversation: Enter again while it is on its way sends nothing.
  if ((open_conversation_ == 0 && pending_direct_.isEmpty()) || IsSending(open_conversation_)) {
    return;
  }
  if (QString problem = MessageTextProblem(text); !problem.isEmpty()) {
    ShowStatusMessage(problem);
    return;
  }
  if (open_conversation_ == 0) {
    // The first message to a friend: it starts the conversation.
    v1::ConversationRef ref;
    ref.set_with_user(pending_direct_.toStdString());
    const uint64_t request_id = bridge_->SendMessage(ref, text);
    first_messages_[request_id] = Asked{pending_direct_, text};
    sending_[request_id] = Sending{0, text, {}, pending_direct_};
    RefreshComposer();
    return;
  }
  // The draft of a message that was on its way when the window last closed goes as it went then.
  std::string client_msg_id = drafts_.SendingId(open_conversation_, text);
  if (client_msg_id.empty()) client_msg_id = StreamBridge::NewClientMsgId();
  written_at_[client_msg_id] = QDateTime::currentMSecsSinceEpoch();
  const uint64_t reply_to = drafts_.ReplyTo(open_conversation_).seq;
  uint64_t request_id = bridge_->SendMessage(OpenRef(), text, client_msg_id, reply_to);
  sending_[request_id] = Sending{open_conversation_, text, client_msg_id, {}, reply_to};
  RefreshComposer();
}

void MainWindow::SendFile(const SendTarget& to, const QString& caption, const QString& file_id) {
  v1::ConversationRef ref;
  if (to.conversation_id != 0) {
    ref.set_id(to.conversation_id);
  } else {
    // To a friend with no conversation yet: as a first text message (SendCurrent), it starts the
    // conversation, which opens once the server has taken it (OnAskedFinished).
    ref.set_with_user(to.with_user.toStdString());
  }
  const std::string client_msg_id = StreamBridge::NewClientMsgId();
  written_at_[client_msg_id] = QDateTime::currentMSecsSinceEpoch();
  const uint64_t request_id =
      bridge_->SendMessage(ref, caption, client_msg_id, 0, file_id.toStdString());
  if (to.conversation_id == 0) first_messages_[request_id] = Asked{to.with_user, caption};
  // As a message from the composer: on its way, the composer waits; a refusal is shown under it
  // (and its caption comes back).
  const Sending& sending = sending_[request_id] =
      Sending{to.conversation_id, caption, client_msg_id, to.with_user, 0, /*with_file=*/true};
  if (IsOpen(sending)) RefreshComposer();
}

SendTarget MainWindow::OpenTarget() const {
  if (open_conversation_ != 0) return SendTarget{open_conversation_, {}};
  return SendTarget{0, pending_direct_};
}

QString MainWindow::Caption() const {
  if (editing_.seq != 0 || IsSending(open_conversation_)) return {};
  return composer_->toPlainText();
}

void MainWindow::TakeCaption(const SendTarget& to, const QString& caption) {
  // Confirmed in a modal dialog: still the conversation shown, with the caption in its composer.
  if (!(to == OpenTarget()) || composer_->toPlainText() != caption) return;
  composer_->clear();
  if (to.conversation_id != 0) drafts_.Set(to.conversation_id, {});
}

void MainWindow::ReturnCaption(const SendTarget& to, const QString& caption) {
  uint64_t conversation = to.conversation_id;
  if (conversation == 0) {
    // For a friend's first message: back to their view while it is shown, else to the
    // conversation with them started since, if there is one.
    if (open_conversation_ == 0 && pending_direct_ == to.with_user) {
      PutCaptionBack(0, caption);
      return;
    }
    for (int row = 0; row < conversations_.rowCount() && conversation == 0; ++row) {
      const QModelIndex index = conversations_.index(row);
      if (index.data(ConversationModel::kKindRole).toString() == QLatin1String("direct") &&
          index.data(ConversationModel::kNameRole).toString() == to.with_user) {
        conversation = index.data(ConversationModel::kIdRole).toULongLong();
      }
    }
    if (conversation == 0) {
      ShowStatusMessage(
          tr("The text for %1 was not sent either: %2").arg(to.with_user, caption.left(200)));
      return;
    }
  }
  if (IsSending(conversation)) {
    returning_captions_[conversation] << caption;
    return;
  }
  PutCaptionBack(conversation, caption);
}

void MainWindow::PutCaptionBack(uint64_t conversation_id, const QString& caption) {
  // Something typed since is kept as well: the caption was written first, so it comes first and
  // what was typed after it follows on the next line, as one draft to send or trim. Losing either
  // would be worse than a line to delete.
  auto merged = [&caption](const QString& now) -> QString {
    if (now.trimmed().isEmpty()) return caption;
    if (now.startsWith(caption)) return now;  // back already (or typed again)
    return caption + QLatin1Char('\n') + now;
  };
  const bool shown = conversation_id == 0 ? open_conversation_ == 0 && !pending_direct_.isEmpty()
                                          : conversation_id == open_conversation_;
  if (!shown) {
    if (conversation_id != 0) drafts_.Set(conversation_id, merged(drafts_.Text(conversation_id)));
    return;
  }
  if (editing_.seq != 0) {
    editing_.draft = merged(editing_.draft);  // the composer holds the edit until it ends
    return;
  }
  composer_->setPlainText(merged(composer_->toPlainText()));
  composer_->moveCursor(QTextCursor::End);
}

void MainWindow::OnSendFinished(uint64_t request_id, const v1::CommandResult& result) {
  auto it = sending_.find(request_id);
  if (it == sending_.end()) return;
  const Sending sent = it->second;
  sending_.erase(it);
  const bool open = IsOpen(sent);
  if (result.code() == 0) {
    // The server has it: the draft goes (unless it is no longer what was sent). A file's caption
    // left the composer when the file was queued.
    if (open && !sent.with_file && composer_->toPlainText() == sent.text) composer_->clear();
    if (!sent.with_file && drafts_.Text(sent.conversation_id) == sent.text) {
      drafts_.Set(sent.conversation_id, {});
    }
    // And so does the reply bar (a refusal keeps it, with the text).
    if (sent.reply_to_seq != 0 && drafts_.ReplyTo(sent.conversation_id).seq == sent.reply_to_seq) {
      drafts_.SetReplyTo(sent.conversation_id, {});
      if (open) RefreshReplyBar();
    }
  } else {
    if (open) {
      refused_ =
          ErrorText(grpc::Status(static_cast<grpc::StatusCode>(result.code()), result.error()));
    }
    if (sent.with_file && !sent.text.isEmpty()) {
      ReturnCaption(SendTarget{sent.conversation_id, sent.to_user}, sent.text);
    }
  }
  // Captions that came back while a message of this conversation was on its way.
  if (auto back = returning_captions_.find(sent.conversation_id);
      back != returning_captions_.end() && !IsSending(sent.conversation_id)) {
    const QStringList captions = back->second;
    returning_captions_.erase(back);
    for (const QString& caption : captions) PutCaptionBack(sent.conversation_id, caption);
  }
  if (open) RefreshComposer();
}

bool MainWindow::IsOpen(const Sending& sending) const {
  return sending.conversation_id == 0 ? open_conversation_ == 0 && !pending_direct_.isEmpty() &&
                                            sending.to_user == pending_direct_
                                      : sending.conversation_id == open_conversation_;
}

bool MainWindow::IsSending(uint64_t conversation_id) const {
  return std::any_of(sending_.begin(), sending_.end(), [this, conversation_id](const auto& entry) {
    return conversation_id == 0 ? IsOpen(entry.second)
                                : entry.second.conversation_id == conversation_id;
  });
}

void MainWindow::RefreshComposer() {
  const bool sending = IsSending(open_conversation_) || editing_.request_id != 0;
  // Files go to the conversation shown, or start one with the friend shown.
  const bool can_attach = !OpenTarget().empty();
  attach_button_->setEnabled(can_attach);
  attach_button_->setToolTip(can_attach ? tr("Send a picture or file")
                                        : tr("Open a conversation to send a file to it"));
  send_button_->setText(editing_.seq != 0 ? tr("Save") : tr("Send"));
  composer_->setReadOnly(sending);
  const int bytes = MessageBytes(composer_->toPlainText());
  QString hint;
  bool problem = false;
  if (sending) {
    hint = bridge_->state() == StreamBridge::State::kConnected
               ? tr("Sending…")
               : tr("Not sent yet: waiting for the connection…");
  } else if (!refused_.isEmpty()) {
    hint = tr("Not sent: %1").arg(refused_);
    problem = true;
  } else if (bytes > kMaxMessageBytes) {
    hint = MessageTextProblem(composer_->toPlainText());
    problem = true;
  } else if (bytes > kMaxMessageBytes * 3 / 4) {
    // Before the limit, so a long message can be cut where the writer wants.
    hint = tr("%1 of %2 bytes").arg(bytes).arg(kMaxMessageBytes);
  }
  composer_hint_->setText(hint);
  composer_hint_->setStyleSheet(problem ? QStringLiteral("color: #c62828;") : QString());
}

void MainWindow::MarkOpenConversationRead() {
  // Debounced: a burst of messages read while watching is one marker update.
  if (!read_timer_.isActive()) read_timer_.start(400);
}

void MainWindow::SendReadMarker() {
  const v1::Conversation* c = conversations_.Find(open_conversation_);
  if (!c) return;
  uint64_t latest = std::max<uint64_t>(c->latest_seq(), messages_.newest_seq());
  if (latest <= c->last_read_seq()) return;
  bridge_->MarkRead(open_conversation_, latest);
  conversations_.SetRead(open_conversation_, latest, 0);
}

void MainWindow::RefreshHeader() {
  const v1::Conversation* c = conversations_.Find(open_conversation_);
  if (!c) return;
  const bool room = c->kind() == "room";
  members_button_->setVisible((room && c->name() != "lobby") || c->kind() == "group");
  if (c->kind() == "group") {
    title_->setText(ConversationModel::GroupTitle(*c));
    subtitle_->setText(tr("%n members", nullptr, static_cast<int>(c->member_count())));
    RefreshMuteButton();
    return;
  }
  title_->setText(room ? QStringLiteral("#") + QString::fromStdString(c->name())
                       : names_.Of(c->peer_id(), c->name()));
  RefreshMuteButton();
  if (!room) {
    int row = contacts_.RowOf(c->peer_id());
    QString status =
        row >= 0 ? contacts_.index(row).data(ContactModel::kStatusRole).toString() : QString();
    subtitle_->setText(status == QLatin1String("online") ? tr("online")
                       : status == QLatin1String("away") ? tr("away")
                                                         : tr("offline"));
    return;
  }
  subtitle_->setText(QString::fromStdString(c->topic()));
  v1::ClientListOnlineRequest request;
  request.set_room(c->name());
  const uint64_t conversation = open_conversation_;
  api_.Call(&Async::ListOnline, request,
            Done<v1::ClientListOnlineResponse>([this, conversation](
                                                   const grpc::Status& status,
                                                   const v1::ClientListOnlineResponse& response) {
              if (!status.ok() || conversation != open_conversation_) return;
              const v1::Conversation* now = conversations_.Find(conversation);
              QString topic = now ? QString::fromStdString(now->topic()) : QString();
              QString online = tr("%n online", nullptr, static_cast<int>(response.count()));
              subtitle_->setText(topic.isEmpty() ? online : topic + QStringLiteral(" · ") + online);
            }));
}

void MainWindow::RefreshOwnProfile() {
  v1::GetProfileRequest request;
  api_.Call(&Async::GetProfile, request,
            Done<v1::Profile>([this](const grpc::Status& status, const v1::Profile& profile) {
              if (!status.ok()) return;
              own_display_name_ = QString::fromStdString(profile.display_name());
              names_.Set(session_.user_id, own_display_name_);
              own_avatar_version_ = profile.avatar_version();
              own_name_->setText(own_display_name_);
              own_avatar_->setPixmap(avatars_.Avatar(session_.user_id, own_avatar_version_,
                                                     own_display_name_, 40, devicePixelRatioF()));
              avatars_.Remember(session_.user_id, own_avatar_version_);
            }));
}

void MainWindow::LearnName(uint64_t user_id, std::function<void()> then) {
  if (user_id == 0 || names_.Asked(user_id)) {
    if (then) then();
    return;
  }
  v1::GetProfileRequest request;
  request.set_user_id(user_id);
  api_.Call(&Async::GetProfile, request,
            Done<v1::Profile>([this, user_id, then = std::move(then)](const grpc::Status& status,
                                                                      const v1::Profile& p) {
              if (status.ok()) {  // else the username it is
                names_.Set(user_id, QString::fromStdString(p.display_name()));
                // Someone asking to be a friend is named so in Contacts too.
                contacts_.SetProfile(user_id, QString::fromStdString(p.display_name()),
                                     p.avatar_version());
                NamesChanged();
              }
              if (then) then();
            }));
}

void MainWindow::NamesChanged() {
  conversations_.NamesChanged();
  messages_.NamesChanged();
  if (open_conversation_ != 0) {
    const v1::Conversation* c = conversations_.Find(open_conversation_);
    if (c && c->kind() == "direct") title_->setText(names_.Of(c->peer_id(), c->name()));
  }
}

void MainWindow::RefreshConversations() {
  api_.Call(&Async::ListConversations, v1::ListConversationsRequest(),
            Done<v1::ListConversationsResponse>(
                [this](const grpc::Status& status, const v1::ListConversationsResponse& response) {
                  if (!status.ok()) return;
                  for (const auto& c : response.conversations()) conversations_.Upsert(c);
                  RefreshHeader();
                }));
}

void MainWindow::SetStatus(const QString& status) {
  v1::ClientSetStatusRequest request;
  request.set_status(status.toStdString());
  api_.Call(&Async::SetStatus, request,
            Done<v1::SetStatusResponse>(
                [this, status](const grpc::Status& result, const v1::SetStatusResponse&) {
                  if (!result.ok()) {
                    ShowStatusMessage(ErrorText(result));
                    return;
                  }
                  MarkStatus(status);
                }));
}

void MainWindow::MarkStatus(const QString& status) {
  current_status_ = status;
  status_button_->setText(status == QLatin1String("away")        ? tr("Away")
                          : status == QLatin1String("invisible") ? tr("Invisible")
                                                                 : tr("Online"));
  if (auto* action =
          status_button_->menu()->findChild<QAction*>(QStringLiteral("status-") + status)) {
    action->setChecked(true);
  }
}

void MainWindow::Answer(const QString& username, v1::FriendAction action) {
  if (action == v1::FRIEND_ACTION_BLOCK &&
      QMessageBox::question(
          this, tr("Block %1?").arg(username),
          tr("%1 will not be able to message you or see your status.").arg(username)) !=
          QMessageBox::Yes) {
    return;
  }
  v1::FriendshipRequest request;
  request.set_action(action);
  request.set_username(username.toStdString());
  api_.Call(&Async::Friendship, request,
            Done<v1::FriendshipResponse>(
                [this](const grpc::Status& status, const v1::FriendshipResponse&) {
                  // The list changes when the server's event arrives.
                  if (!status.ok()) ShowStatusMessage(ErrorText(status));
                }));
}

void MainWindow::FillMessageMenu(const QModelIndex& index, QMenu* menu) {
  if (!index.isValid() || index.data(MessageModel::kDeletedRole).toBool()) return;
  // Anyone's message, or a room change, can be copied; one's own messages edited and deleted.
  const QString text = index.data(MessageModel::kTextRole).toString();
  const bool message = index.data(MessageModel::kTypeRole).toString() == QLatin1String("message");
  if (message) {
    QAction* reply = menu->addAction(
        tr("Reply"), this,
        [this, seq = index.data(MessageModel::kSeqRole).toULongLong()] { ReplyTo(seq); });
    reply->setObjectName(QStringLiteral("replyMessage"));
    reply->setShortcut(QKeySequence(QStringLiteral("Ctrl+R")));
    FillReactMenu(index, menu->addMenu(tr("React")));
    if (CanPin()) {
      const uint64_t seq = index.data(MessageModel::kSeqRole).toULongLong();
      const bool pinned = pinned_bar_->IsPinned(seq);
      // The server's answer (a refusal, in words) goes to the status bar with the others.
      menu->addAction(pinned ? tr("Unpin") : tr("Pin"), this,
                      [this, seq, pinned] { bridge_->Pin(OpenRef(), seq, pinned); })
          ->setObjectName(pinned ? QStringLiteral("unpinMessage") : QStringLiteral("pinMessage"));
    }
  }
  QAction* copy =
      menu->addAction(tr("Copy"), this, [text] { QGuiApplication::clipboard()->setText(text); });
  copy->setObjectName(QStringLiteral("copyMessage"));
  if (const QVariant file = index.data(MessageModel::kAttachmentRole); file.isValid()) {
    menu->addAction(tr("Save as…"), this,
                    [this, attachment = file.value<MessageModel::Attachment>()] {
                      attachments_->Save(attachment);
                    })
        ->setObjectName(QStringLiteral("saveAttachment"));
  }
  if (!index.data(MessageModel::kOwnRole).toBool() || !message) return;
  const uint64_t seq = index.data(MessageModel::kSeqRole).toULongLong();
  menu->addAction(tr("Edit"), this, [this, seq] { EditMessage(seq); })
      ->setObjectName(QStringLiteral("editMessage"));
  menu->addAction(tr("Delete"), this, [this, seq] {
    if (QMessageBox::question(this, tr("Delete message?"),
                              tr("It will be shown as deleted to everyone.")) == QMessageBox::Yes) {
      bridge_->DeleteMessage(OpenRef(), seq);
    }
  });
}

QStringList MainWindow::MentionCandidates() const {
  QStringList names;
  const v1::Conversation* c = conversations_.Find(open_conversation_);
  if (!c) return names;
  for (const auto& m : members_->Of(c->id())) {
    if (m.user_id != session_.user_id) names << m.username;
  }
  if (c->kind() == "room" && c->name() == "lobby") {
    for (int row = 0; row < contacts_.rowCount(); ++row) {
      const QModelIndex index = contacts_.index(row);
      if (index.data(ContactModel::kKindRole).toInt() == ContactModel::kFriend) {
        names << index.data(ContactModel::kUsernameRole).toString();
      }
    }
  }
  return names;
}

void MainWindow::ShowInvitationCount(int count) {
  auto* rooms = findChild<QPushButton*>(QStringLiteral("roomsButton"));
  if (!rooms) return;
  rooms->setText(count == 0   ? tr("Rooms…")
                 : count == 1 ? tr("Rooms… (1 invitation)")
                              : tr("Rooms… (%1 invitations)").arg(count));
  QFont font = rooms->font();
  font.setBold(count > 0);
  rooms->setFont(font);
}

bool MainWindow::CanPin() const {
  const v1::Conversation* c = conversations_.Find(open_conversation_);
  if (!c) return false;
  if (c->kind() != "room") return true;
  if (c->name() == "lobby") return false;
  if (c->owner_id() == session_.user_id) return true;
  const QString role = members_->RoleOf(c->id(), session_.user_id);
  return role == QLatin1String("owner") || role == QLatin1String("moderator");
}

void MainWindow::FillReactMenu(const QModelIndex& index, QMenu* menu) {
  menu->setObjectName(QStringLiteral("reactMenu"));
  const uint64_t seq = index.data(MessageModel::kSeqRole).toULongLong();
  const auto reactions =
      index.data(MessageModel::kReactionsRole).value<QList<MessageModel::Reaction>>();
  for (const char* utf8 : {"👍", "❤️", "😂", "😮", "😢", "🎉"}) {
    const QString emoji = QString::fromUtf8(utf8);
    // One the user gave already is checked, and choosing it again takes it back.
    const bool mine = std::any_of(reactions.begin(), reactions.end(),
                                  [&](const auto& r) { return r.emoji == emoji && r.mine; });
    QAction* action = menu->addAction(emoji, this, [this, seq, emoji, mine] {
      if (open_conversation_ != 0) bridge_->React(OpenRef(), seq, emoji, mine);
    });
    action->setCheckable(true);
    action->setChecked(mine);
  }
}

void MainWindow::ReplyTo(uint64_t seq) {
  if (open_conversation_ == 0) return;
  const int row = messages_.RowOfSeq(seq);
  if (row < 0) return;
  const QModelIndex index = messages_.index(row);
  if (index.data(MessageModel::kTypeRole).toString() != QLatin1String("message") ||
      index.data(MessageModel::kDeletedRole).toBool()) {
    return;
  }
  drafts_.SetReplyTo(open_conversation_,
                     Drafts::Reply{seq, index.data(MessageModel::kSenderRole).toString(),
                                   index.data(MessageModel::kTextRole).toString().left(200)});
  RefreshReplyBar();
  composer_->setFocus();
}

void MainWindow::CancelReply() {
  if (open_conversation_ != 0) drafts_.SetReplyTo(open_conversation_, {});
  RefreshReplyBar();
}

void MainWindow::RefreshReplyBar() {
  if (editing_.seq != 0) {
    reply_bar_->setVisible(true);
    cancel_reply_->setEnabled(true);
    reply_title_->setText(tr("Editing message"));
    reply_snippet_->setText(editing_.original);
    reply_snippet_->setToolTip(editing_.original);
    cancel_bar_->setToolTip(tr("Cancel editing (Esc)"));
    return;
  }
  const Drafts::Reply reply =
      open_conversation_ != 0 ? drafts_.ReplyTo(open_conversation_) : Drafts::Reply{};
  reply_bar_->setVisible(reply.seq != 0);
  cancel_reply_->setEnabled(reply.seq != 0);
  reply_title_->setText(reply.seq != 0 ? tr("Replying to %1").arg(reply.sender) : QString());
  reply_snippet_->setText(reply.snippet);
  reply_snippet_->setToolTip(reply.snippet);
  cancel_bar_->setToolTip(tr("Cancel the reply (Esc)"));
}

void MainWindow::ShowMessage(uint64_t seq) {
  if (open_conversation_ == 0 || seq == 0) return;
  if (const int row = messages_.RowOfSeq(seq); row >= 0) {
    show_when_loaded_ = 0;
    const QModelIndex index = messages_.index(row);
    message_list_->scrollTo(index, QAbstractItemView::PositionAtCenter);
    message_list_->setCurrentIndex(index);
    return;
  }
  // Every entry after the oldest loaded one is loaded: one missing there is not in the history.
  if (history_complete_ || (messages_.oldest_seq() != 0 && seq > messages_.oldest_seq())) {
    ShowStatusMessage(tr("The quoted message is not in the history."));
    return;
  }
  show_when_loaded_ = seq;
  ShowStatusMessage(tr("Loading older messages…"));
  LoadOlder();
}

void MainWindow::EditLastOwnMessage() {
  for (int row = messages_.rowCount() - 1; row >= 0; --row) {
    const QModelIndex index = messages_.index(row);
    if (index.data(MessageModel::kOwnRole).toBool() &&
        index.data(MessageModel::kTypeRole).toString() == QLatin1String("message") &&
        !index.data(MessageModel::kDeletedRole).toBool()) {
      EditMessage(index.data(MessageModel::kSeqRole).toULongLong());
      return;
    }
  }
}

void MainWindow::Notify(const QString& title, const QString& body, std::function<void()> clicked) {
  if (!notifications_ || (isActiveWindow() && !isMinimized())) return;
  if (!notifier_) notifier_ = std::make_unique<DesktopNotifier>(tray_);
  notifier_->Show(title, body, std::move(clicked));
}

void MainWindow::BringUp() {
  showNormal();
  raise();
  activateWindow();
}

void MainWindow::OpenRooms(const QString& invitation_room) {
  if (!rooms_dialog_) {
    rooms_dialog_ = new RoomsDialog(api_, this);
    rooms_dialog_->setAttribute(Qt::WA_DeleteOnClose);
    connect(rooms_dialog_, &RoomsDialog::joined, this, [this](quint64 id) {
      RefreshConversations();
      QTimer::singleShot(300, this, [this, id] { OpenConversation(id); });
    });
    // Those answered in the dialog are gone.
    connect(rooms_dialog_, &QDialog::finished, invitations_, &PendingInvitations::Load);
  }
  if (!invitation_room.isEmpty()) rooms_dialog_->ShowInvitation(invitation_room);
  rooms_dialog_->open();
  rooms_dialog_->raise();
  rooms_dialog_->activateWindow();
}

void MainWindow::UpdateUnreadBadge(int unread) {
  QString title = session_.username;
  setWindowTitle(unread > 0 ? QStringLiteral("(%1) %2").arg(unread).arg(title) : title);
  if (tray_) {
    tray_->setIcon(AppIcon(unread));
    tray_->setToolTip(unread > 0 ? tr("Natter: %n unread", nullptr, unread) : tr("Natter"));
  }
}

void MainWindow::ShowStatusMessage(const QString& text) { statusBar()->showMessage(text, 8000); }

void MainWindow::SignOut() {
  // Drafts are not left on the computer for the next person to sign in.
  drafts_.Clear();
  editing_ = Editing{};
  composer_->clear();
  api_.Call(&Async::Logout, v1::LogoutRequest(),
            Done<v1::LogoutResponse>([](const grpc::Status&, const v1::LogoutResponse&) {}));
  bridge_->Stop();
  emit signedOut(tr("You signed out."));
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
  if (watched == message_list_->viewport() && event->type() == QEvent::Wheel &&
      static_cast<QWheelEvent*>(event)->angleDelta().y() > 0 &&
      message_list_->verticalScrollBar()->value() == 0) {
    LoadOlder();
  }
  return QMainWindow::eventFilter(watched, event);
}

void MainWindow::changeEvent(QEvent* event) {
  QMainWindow::changeEvent(event);
  if (event->type() == QEvent::ActivationChange && isActiveWindow()) MarkOpenConversationRead();
}

void MainWindow::closeEvent(QCloseEvent* event) {
  bridge_->Stop();
  QMainWindow::closeEvent(event);
}

}  // namespace natter::client
