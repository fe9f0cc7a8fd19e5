// The desktop's search, pins, mentions and invitations, with the server played on a fake transport
// (the stream) and a fake gateway (the unary calls): a search hit opens its conversation at the
// message, a pin from a message's menu goes to the server and the pinned bar follows pin entries,
// an @mention is drawn highlighted and completed in the composer, and an invitation is counted.
#include <grpcpp/support/status.h>

#include <QAbstractItemView>
#include <QCompleter>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QtTest>
#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "client/fake_gateway.h"
#include "client/fake_transport.h"
#include "composer.h"
#include "conversation_members.h"
#include "delegates.h"
#include "dialogs.h"
#include "main_window.h"
#include "pinned_bar.h"
#include "search_dialog.h"

namespace natter::client {
namespace {

constexpr uint64_t kDirect = 5;
constexpr uint64_t kRoom = 9;

v1::ServerFrame Frame(const v1::ServerEvent& event) {
  v1::ServerFrame frame;
  *frame.add_events() = event;
  return frame;
}

// A direct conversation with ben (opened first) and the room "dev", owned by someone else.
v1::ServerEvent Welcome() {
  v1::ServerEvent e;
  e.mutable_welcome()->set_user_id(1);
  e.mutable_welcome()->set_username("me");
  auto* direct = e.mutable_welcome()->add_conversations();
  direct->set_id(kDirect);
  direct->set_kind("direct");
  direct->set_name("ben");
  direct->set_peer_id(2);
  direct->set_latest_seq(60);
  auto* ben = e.mutable_welcome()->add_friends();
  ben->set_user_id(2);
  ben->set_username("ben");
  ben->set_display_name("Ben Adams");
  auto* room = e.mutable_welcome()->add_conversations();
  room->set_id(kRoom);
  room->set_kind("room");
  room->set_name("dev");
  room->set_owner_id(3);
  room->set_latest_seq(120);
  return e;
}

// Message `seq` of a conversation by user `sender` (1 is "me", 2 is "ben").
v1::ChatMessage Message(uint64_t conversation, uint64_t seq, uint64_t sender,
                        const std::string& text) {
  v1::ChatMessage m;
  m.set_conversation_id(conversation);
  m.set_seq(seq);
  m.set_type("message");
  m.set_sender_id(sender);
  m.set_sender(sender == 1 ? "me" : "ben");
  m.set_text(text);
  m.set_sent_at_ms(1'700'000'000'000 + static_cast<int64_t>(seq) * 1000);
  if (conversation == kDirect) {
    m.set_peer_id(sender == 1 ? 2 : 1);
    m.set_peer(sender == 1 ? "ben" : "me");
  } else {
    m.set_room("dev");
  }
  return m;
}

v1::ServerEvent Entry(const v1::ChatMessage& m) {
  v1::ServerEvent e;
  *e.mutable_message() = m;
  return e;
}

// A message_pinned (or message_unpinned) entry `seq` of the direct conversation, by ben, about
// message `target`.
v1::ChatMessage PinEntry(uint64_t seq, uint64_t target, bool pinned) {
  v1::ChatMessage m = Message(kDirect, seq, 2, "");
  m.set_type(pinned ? "message_pinned" : "message_unpinned");
  m.set_target_seq(target);
  return m;
}

}  // namespace

class SearchPinsMentionsTest : public QObject {
  Q_OBJECT

 private:
  std::shared_ptr<FakeTransport::State> server_;
  std::unique_ptr<FakeGateway> gateway_;
  std::unique_ptr<MainWindow> window_;

  void Start() {
    if (!gateway_) gateway_ = std::make_unique<FakeGateway>();
    SignedIn session;
    session.address = QString::fromStdString(gateway_->address());
    session.token = QStringLiteral("token");
    session.user_id = 1;
    session.username = QStringLiteral("me");
    server_ = std::make_shared<FakeTransport::State>();
    window_ = std::make_unique<MainWindow>(session, std::make_unique<FakeTransport>(server_));
    window_->show();
    Serve(Welcome());
    QTRY_COMPARE(window_->bridge().state(), StreamBridge::State::kConnected);
  }
  void Serve(const v1::ServerEvent& event) {
    Transport::Handler handler;
    {
      std::lock_guard lock(server_->mu);
      handler = server_->handler;
    }
    QVERIFY(handler.on_frame);
    handler.on_frame(Frame(event));
    QCoreApplication::processEvents();
  }
  // History answers from `stored` (per conversation, oldest first) as the server does: the
  // newest `limit` entries before `before_seq`.
  void StoreHistory(std::map<uint64_t, std::vector<v1::ChatMessage>> stored) {
    if (!gateway_) gateway_ = std::make_unique<FakeGateway>();
    gateway_->OnHistory([stored](const v1::HistoryRequest& request, v1::HistoryResponse* response) {
      auto it = stored.find(request.conversation_id());
      if (it == stored.end()) return grpc::Status::OK;
      std::vector<v1::ChatMessage> page;
      for (const auto& m : it->second) {
        if (request.before_seq() == 0 || m.seq() < request.before_seq()) page.push_back(m);
      }
      const size_t limit = request.limit() == 0 ? 50 : request.limit();
      response->set_has_more(page.size() > limit);
      if (page.size() > limit) page.erase(page.begin(), page.end() - limit);
      for (const auto& m : page) *response->add_messages() = m;
      return grpc::Status::OK;
    });
  }
  // `count` messages by ben in the room, seqs 1..count.
  static std::vector<v1::ChatMessage> RoomMessages(uint64_t count) {
    std::vector<v1::ChatMessage> out;
    for (uint64_t seq = 1; seq <= count; ++seq) {
      out.push_back(Message(kRoom, seq, 2, "message " + std::to_string(seq)));
    }
    return out;
  }
  std::vector<v1::PinMessage> PinFrames() {
    std::lock_guard lock(server_->mu);
    std::vector<v1::PinMessage> out;
    for (const auto& f : server_->written) {
      if (f.has_pin()) out.push_back(f.pin());
    }
    return out;
  }
  // The names of the actions of message `seq`'s context menu.
  QStringList MenuOf(uint64_t seq) {
    QMenu menu;
    window_->FillMessageMenu(window_->messages().index(window_->messages().RowOfSeq(seq)), &menu);
    QStringList names;
    for (QAction* action : menu.actions()) names << action->objectName();
    return names;
  }
  QAction* MenuAction(QMenu* menu, const QString& name) {
    for (QAction* action : menu->actions()) {
      if (action->objectName() == name) return action;
    }
    return nullptr;
  }
  QListView* MessageList() { return window_->findChild<QListView*>(QStringLiteral("messageList")); }
  // Records each message made current in the message list from now on: a highlight is brief, and
  // a loaded machine may let it pass between two looks.
  std::shared_ptr<std::vector<uint64_t>> WatchShown() {
    auto shown = std::make_shared<std::vector<uint64_t>>();
    connect(MessageList()->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [shown](const QModelIndex& current) {
              shown->push_back(current.data(MessageModel::kSeqRole).toULongLong());
            });
    return shown;
  }
  static bool Contains(const std::vector<uint64_t>& seqs, uint64_t seq) {
    return std::find(seqs.begin(), seqs.end(), seq) != seqs.end();
  }
  uint64_t SelectedSeq() {
    const QModelIndex current = MessageList()->currentIndex();
    return current.isValid() && MessageList()->selectionModel()->isSelected(current)
               ? current.data(MessageModel::kSeqRole).toULongLong()
               : 0;
  }

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
  void init() { QSettings().remove(QStringLiteral("drafts")); }
  void cleanup() {
    window_.reset();
    gateway_.reset();
  }

  void SnippetMarksAreBoldAndEscaped() {
    v1::SearchHit hit;
    hit.set_snippet("…the <deploy> of 搜索引擎 today");
    // "deploy" (after "…the <", 3 + 5 bytes) and "搜索引擎" (12 bytes).
    auto* mark = hit.add_marks();
    mark->set_begin(8);
    mark->set_end(14);
    mark = hit.add_marks();
    mark->set_begin(19);
    mark->set_end(31);
    // Out of order and past the end: ignored, never drawn from.
    mark = hit.add_marks();
    mark->set_begin(2);
    mark->set_end(4);
    mark = hit.add_marks();
    mark->set_begin(30);
    mark->set_end(400);
    QCOMPARE(SearchDialog::SnippetHtml(hit),
             QStringLiteral("…the &lt;<b>deploy</b>&gt; of <b>搜索引擎</b> today"));
  }

  void ASearchHitOpensItsConversationAtTheMessage() {
    StoreHistory({{kRoom, RoomMessages(120)}, {kDirect, {}}});
    std::vector<v1::SearchRequest> asked;
    std::mutex mu;
    gateway_->OnSearch([&](const v1::SearchRequest& request, v1::SearchResponse* response) {
      {
        std::lock_guard lock(mu);
        asked.push_back(request);
      }
      if (request.query() == "from:nobody deploy") {
        return grpc::Status(grpc::StatusCode::NOT_FOUND, "from: no user named \"nobody\"");
      }
      auto* hit = response->add_hits();
      hit->set_conversation_id(kRoom);
      hit->set_conversation_kind("room");
      hit->set_conversation_name("dev");
      hit->set_seq(request.page_token().empty() ? 40 : 30);
      hit->set_sender_id(2);
      hit->set_sender("ben");
      hit->set_sent_at_ms(1'700'000'040'000);
      hit->set_snippet("we deploy on Friday");
      hit->add_marks()->set_begin(3);
      hit->mutable_marks(0)->set_end(9);
      if (request.page_token().empty()) response->set_next_page_token("page-2");
      return grpc::Status::OK;
    });
    Start();
    window_->OpenSearch();
    auto* dialog = window_->findChild<SearchDialog*>();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    auto* query = dialog->findChild<QLineEdit*>(QStringLiteral("searchQuery"));
    auto* results = dialog->findChild<QListWidget*>(QStringLiteral("searchResults"));
    auto* status = dialog->findChild<QLabel*>(QStringLiteral("searchStatus"));

    // A refusal is shown in words.
    query->setText(QStringLiteral("from:nobody deploy"));
    QTest::keyClick(query, Qt::Key_Return);
    QTRY_COMPARE(status->text(), QStringLiteral("From: no user named \"nobody\"."));
    QCOMPARE(results->count(), 0);

    query->setText(QStringLiteral("deploy"));
    QTest::keyClick(query, Qt::Key_Return);
    QTRY_COMPARE(results->count(), 1);
    auto* label = qobject_cast<QLabel*>(results->itemWidget(results->item(0)));
    QVERIFY(label);
    QVERIFY2(label->text().contains(QStringLiteral("we <b>deploy</b> on Friday")),
             qPrintable(label->text()));
    QVERIFY2(label->text().contains(QStringLiteral("#dev")), qPrintable(label->text()));
    QVERIFY2(label->text().contains(QStringLiteral("Ben Adams")), qPrintable(label->text()));
    // More: the next page, with the token the first gave.
    auto* more = dialog->findChild<QPushButton*>(QStringLiteral("searchMore"));
    QVERIFY(more->isVisible());
    more->click();
    QTRY_COMPARE(results->count(), 2);
    QVERIFY(!more->isVisible());
    {
      std::lock_guard lock(mu);
      QCOMPARE(asked.back().page_token(), std::string("page-2"));
      QCOMPARE(asked.back().query(), std::string("deploy"));
    }

    // The hit opens the room with History before seq 41: the hit is the newest loaded, selected.
    const size_t before = gateway_->history_requests().size();
    auto shown = WatchShown();
    emit results->itemActivated(results->item(0));
    QCOMPARE(window_->open_conversation(), kRoom);
    QTRY_VERIFY(gateway_->history_requests().size() > before);
    QCOMPARE(gateway_->history_requests()[before].conversation_id(), kRoom);
    QCOMPARE(gateway_->history_requests()[before].before_seq(), uint64_t{41});
    QTRY_VERIFY(Contains(*shown, 40));
    // The highlight is brief.
    QTRY_COMPARE_WITH_TIMEOUT(SelectedSeq(), uint64_t{0}, 3000);
    // The hit is at the end of the view: the page after it comes at once (the hit stays where it
    // is), and the rest as the view is scrolled down to its end.
    QTRY_COMPARE(window_->messages().newest_seq(), uint64_t{90});
    QCOMPARE(gateway_->history_requests()[before + 1].before_seq(), uint64_t{91});
    QCOMPARE(window_->messages().rowCount(), 90);
    const QModelIndex hit = window_->messages().index(window_->messages().RowOfSeq(40));
    QVERIFY(MessageList()->viewport()->rect().intersects(MessageList()->visualRect(hit)));
    QScrollBar* bar = MessageList()->verticalScrollBar();
    QVERIFY(bar->value() < bar->maximum());
    bar->setValue(bar->maximum());
    QTRY_COMPARE(window_->messages().newest_seq(), uint64_t{120});
    QCOMPARE(window_->messages().rowCount(), 120);

    // A hit loaded already is shown without asking again.
    const size_t now = gateway_->history_requests().size();
    emit results->itemActivated(results->item(1));
    QTRY_VERIFY(Contains(*shown, 30));
    QCOMPARE(gateway_->history_requests().size(), now);
  }

  void PinFromTheMenuAndTheBarFollowsPinEntries() {
    StoreHistory({{kDirect,
                   {Message(kDirect, 1, 2, "the plan: ship on Friday"),
                    Message(kDirect, 2, 1, "ok"), Message(kDirect, 3, 2, "lunch?")}},
                  {kRoom, RoomMessages(3)}});
    // ListPins answers from `pinned` (most recently pinned first).
    auto pinned = std::make_shared<std::vector<v1::ChatMessage>>();
    auto mu = std::make_shared<std::mutex>();
    gateway_->OnListPins(
        [pinned, mu](const v1::ListPinsRequest& request, v1::ListPinsResponse* response) {
          std::lock_guard lock(*mu);
          if (request.conversation().id() != kDirect) return grpc::Status::OK;
          for (const auto& m : *pinned) {
            auto* pin = response->add_pins();
            *pin->mutable_message() = m;
            pin->set_pinned_by_id(2);
            pin->set_pinned_by("ben");
          }
          return grpc::Status::OK;
        });
    // In dev, "me" is a plain member.
    gateway_->OnRoomMembers([](const v1::RoomRequest&, v1::RoomMembersResponse* response) {
      for (auto [id, name, role] : {std::tuple{3, "cat", "owner"}, std::tuple{1, "me", "member"}}) {
        auto* m = response->add_members();
        m->set_user_id(static_cast<uint64_t>(id));
        m->set_username(name);
        m->set_role(role);
      }
      return grpc::Status::OK;
    });
    Start();
    QCOMPARE(window_->open_conversation(), kDirect);
    QTRY_COMPARE(window_->messages().rowCount(), 3);
    auto* bar = window_->findChild<PinnedBar*>();
    QVERIFY(bar);
    QVERIFY(!bar->isVisible());

    // Both sides of a direct conversation pin: the menu's Pin sends PinMessage.
    QVERIFY(MenuOf(1).contains(QStringLiteral("pinMessage")));
    {
      QMenu menu;
      window_->FillMessageMenu(window_->messages().index(0), &menu);
      MenuAction(&menu, QStringLiteral("pinMessage"))->trigger();
    }
    QCOMPARE(PinFrames().size(), size_t{1});
    QCOMPARE(PinFrames()[0].seq(), uint64_t{1});
    QCOMPARE(PinFrames()[0].conversation().id(), kDirect);
    QVERIFY(!PinFrames()[0].unpin());
    QVERIFY(!PinFrames()[0].client_msg_id().empty());

    // The server stores it: the pin entry reaches the bar, which shows the message.
    {
      std::lock_guard lock(*mu);
      pinned->push_back(Message(kDirect, 1, 2, "the plan: ship on Friday"));
    }
    Serve(Entry(PinEntry(61, 1, true)));
    QTRY_VERIFY(bar->isVisible());
    auto* snippet = bar->findChild<QLabel*>(QStringLiteral("pinnedSnippet"));
    QVERIFY2(snippet->text().contains(QStringLiteral("the plan: ship on Friday")),
             qPrintable(snippet->text()));
    QVERIFY2(snippet->text().startsWith(QStringLiteral("Ben Adams")), qPrintable(snippet->text()));
    // The entry is a note in the conversation, and the message's menu now unpins.
    const int note = window_->messages().RowOfSeq(61);
    QVERIFY(note >= 0);
    QCOMPARE(window_->messages().index(note).data(MessageModel::kTextRole).toString(),
             QStringLiteral("Ben Adams pinned “the plan: ship on Friday”"));
    QVERIFY(MenuOf(1).contains(QStringLiteral("unpinMessage")));

    // A click on the bar shows the pinned message.
    MessageList()->clearSelection();
    auto shown = WatchShown();
    QTest::mouseClick(bar, Qt::LeftButton, {}, QPoint(20, bar->height() / 2));
    QTRY_VERIFY(Contains(*shown, 1));

    // A second pin: the bar shows the newest and counts them.
    {
      std::lock_guard lock(*mu);
      pinned->insert(pinned->begin(), Message(kDirect, 3, 2, "lunch?"));
    }
    Serve(Entry(PinEntry(62, 3, true)));
    auto* title = bar->findChild<QLabel*>(QStringLiteral("pinnedTitle"));
    QTRY_COMPARE(title->text(), QStringLiteral("Pinned message 1 of 2"));
    QVERIFY(snippet->text().contains(QStringLiteral("lunch?")));

    // Unpinned elsewhere: both go, and the bar hides.
    {
      std::lock_guard lock(*mu);
      pinned->clear();
    }
    Serve(Entry(PinEntry(63, 1, false)));
    Serve(Entry(PinEntry(64, 3, false)));
    QTRY_VERIFY(!bar->isVisible());

    // Pins survive a restart: a window opened again asks ListPins.
    {
      std::lock_guard lock(*mu);
      pinned->push_back(Message(kDirect, 3, 2, "lunch?"));
    }
    window_.reset();
    Start();
    bar = window_->findChild<PinnedBar*>();
    QTRY_VERIFY(bar->isVisible());

    // A plain member of a room is not offered Pin; the lobby has no pins for anyone.
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 3);
    auto* members = window_->findChild<ConversationMembers*>();
    QTRY_COMPARE(members->Of(kRoom).size(), size_t{2});  // the members' answer
    QVERIFY(!MenuOf(1).contains(QStringLiteral("pinMessage")));
    QVERIFY(MenuOf(1).contains(QStringLiteral("replyMessage")));
    // Made a moderator: the room's members are asked again, and Pin is offered.
    gateway_->OnRoomMembers([](const v1::RoomRequest&, v1::RoomMembersResponse* response) {
      for (auto [id, name, role] :
           {std::tuple{3, "cat", "owner"}, std::tuple{1, "me", "moderator"}}) {
        auto* m = response->add_members();
        m->set_user_id(static_cast<uint64_t>(id));
        m->set_username(name);
        m->set_role(role);
      }
      return grpc::Status::OK;
    });
    v1::ChatMessage promoted = Message(kRoom, 121, 3, "moderator");
    promoted.set_type("member_role_changed");
    promoted.set_target_user_id(1);
    promoted.set_target_user("me");
    Serve(Entry(promoted));
    QTRY_VERIFY(MenuOf(1).contains(QStringLiteral("pinMessage")));
  }

  void ARefusedPinIsShownInWords() {
    StoreHistory({{kDirect, {Message(kDirect, 1, 2, "hello")}}});
    Start();
    QTRY_COMPARE(window_->messages().rowCount(), 1);
    {
      QMenu menu;
      window_->FillMessageMenu(window_->messages().index(0), &menu);
      MenuAction(&menu, QStringLiteral("pinMessage"))->trigger();
    }
    QCOMPARE(PinFrames().size(), size_t{1});
    uint64_t request_id = 0;
    {
      std::lock_guard lock(server_->mu);
      request_id = server_->written.back().request_id();
    }
    v1::ServerEvent refusal;
    refusal.mutable_result()->set_request_id(request_id);
    refusal.mutable_result()->set_code(static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
    refusal.mutable_result()->set_error("this conversation has 50 pinned messages already");
    Serve(refusal);
    QTRY_COMPARE(window_->statusBar()->currentMessage(),
                 QStringLiteral("This conversation has 50 pinned messages already."));
  }

  void AMentionSpanIsHighlightedAndTheUsersOwnMore() {
    const QString text = QStringLiteral("hi @Ben, @me and @benny, x@ben @ben.smith @cat");
    const auto formats = MessageDelegate::MentionFormats(
        text, {QStringLiteral("ben"), QStringLiteral("me")}, QStringLiteral("me"));
    QCOMPARE(formats.size(), 2);
    QCOMPARE(text.mid(formats[0].start, formats[0].length), QStringLiteral("@Ben"));
    QCOMPARE(formats[0].format.fontWeight(), int(QFont::Bold));
    QVERIFY(formats[0].format.background().style() == Qt::NoBrush);
    QCOMPARE(text.mid(formats[1].start, formats[1].length), QStringLiteral("@me"));
    QCOMPARE(formats[1].format.fontWeight(), int(QFont::Bold));
    QVERIFY(formats[1].format.background().style() != Qt::NoBrush);  // one's own: highlighted

    // The model gives the delegate the message's Mention list; an edit brings the new one.
    MessageModel model;
    model.Reset(kRoom, 1);
    v1::ChatMessage m = Message(kRoom, 1, 2, "@me look");
    auto* mention = m.add_mentions();
    mention->set_user_id(1);
    mention->set_username("me");
    mention->set_added(true);
    model.Apply(m);
    QCOMPARE(model.index(0).data(MessageModel::kMentionsRole).toStringList(),
             QStringList{QStringLiteral("me")});
    QCOMPARE(model.index(0).data(MessageModel::kMentionsMeRole).toString(), QStringLiteral("me"));
    v1::ChatMessage edit = Message(kRoom, 2, 2, "@cat look");
    edit.set_type("message_edited");
    edit.set_target_seq(1);
    auto* cat = edit.add_mentions();
    cat->set_user_id(3);
    cat->set_username("cat");
    model.Apply(edit);
    QCOMPARE(model.index(0).data(MessageModel::kMentionsRole).toStringList(),
             QStringList{QStringLiteral("cat")});
    QCOMPARE(model.index(0).data(MessageModel::kMentionsMeRole).toString(), QString());
  }

  // Issue 23: the server reads the fullwidth "＠" (a Chinese or Japanese keyboard's) as "@", and a
  // name written in fullwidth letters as the name; what its Mention list names is highlighted
  // where it is written so, and completion starts on "＠" as on "@".
  void AFullwidthAtMentionIsHighlightedAndCompleted() {
    const QString text = QStringLiteral("问一下＠ben，还有 ＠ＭＥ 和你好@ben x＠ben ＠benny");
    const auto formats = MessageDelegate::MentionFormats(
        text, {QStringLiteral("ben"), QStringLiteral("me")}, QStringLiteral("me"));
    QStringList spans;
    for (const auto& f : formats) spans << text.mid(f.start, f.length);
    QCOMPARE(spans, (QStringList{QStringLiteral("＠ben"), QStringLiteral("＠ＭＥ"),
                                 QStringLiteral("@ben")}));
    QCOMPARE(formats[1].format.fontWeight(), int(QFont::Bold));
    QVERIFY(formats[1].format.background().style() != Qt::NoBrush);  // one's own
    QVERIFY(formats[0].format.background().style() == Qt::NoBrush);

    StoreHistory({{kDirect, {}}});
    Start();
    window_->OpenConversation(kDirect);
    auto* composer = window_->findChild<Composer*>(QStringLiteral("composer"));
    auto* completer = window_->findChild<QCompleter*>(QStringLiteral("mentionCompleter"));
    composer->insertPlainText(QStringLiteral("你好＠"));  // as an input method puts it in
    QTest::keyClicks(composer, QStringLiteral("b"));
    QTRY_VERIFY(completer->popup()->isVisible());
    QCOMPARE(completer->completionModel()->index(0, 0).data().toString(), QStringLiteral("ben"));
    QTest::keyClick(composer, Qt::Key_Tab);
    QCOMPARE(composer->toPlainText(), QStringLiteral("你好＠ben "));  // the sign typed is kept
    composer->clear();
    composer->insertPlainText(QStringLiteral("mail＠"));  // an address
    QTest::keyClicks(composer, QStringLiteral("b"));
    QVERIFY(!completer->popup()->isVisible());
  }

  void CompletionOffersTheConversationsMembers() {
    StoreHistory({{kDirect, {}}, {kRoom, {}}});
    auto asked = std::make_shared<std::atomic<int>>(0);
    gateway_->OnRoomMembers([asked](const v1::RoomRequest&, v1::RoomMembersResponse* response) {
      for (auto [id, name, role] :
           {std::tuple{3, "cat", "owner"}, std::tuple{1, "me", "member"},
            std::tuple{4, "carol", "member"}, std::tuple{2, "ben", "member"}}) {
        auto* m = response->add_members();
        m->set_user_id(static_cast<uint64_t>(id));
        m->set_username(name);
        m->set_role(role);
      }
      ++*asked;
      return grpc::Status::OK;
    });
    Start();
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(asked->load(), 1);
    auto* members = window_->findChild<ConversationMembers*>();
    QTRY_COMPARE(members->Of(kRoom).size(), size_t{4});  // the answer reached the window
    auto* composer = window_->findChild<Composer*>(QStringLiteral("composer"));
    auto* completer = window_->findChild<QCompleter*>(QStringLiteral("mentionCompleter"));
    QVERIFY(completer);
    QTest::keyClicks(composer, QStringLiteral("hi @C"));
    QTRY_VERIFY(completer->popup()->isVisible());
    QStringList offered;
    for (int row = 0; row < completer->completionModel()->rowCount(); ++row) {
      offered << completer->completionModel()->index(row, 0).data().toString();
    }
    QCOMPARE(offered, (QStringList{QStringLiteral("carol"), QStringLiteral("cat")}));
    // Down, then Tab, puts the second in; Enter there sent nothing.
    QTest::keyClick(composer, Qt::Key_Down);
    QTest::keyClick(composer, Qt::Key_Tab);
    QCOMPARE(composer->toPlainText(), QStringLiteral("hi @cat "));
    QVERIFY(!completer->popup()->isVisible());
    QTest::keyClicks(composer, QStringLiteral("and @b"));
    QTRY_VERIFY(completer->popup()->isVisible());
    QTest::keyClick(composer, Qt::Key_Return);
    QCOMPARE(composer->toPlainText(), QStringLiteral("hi @cat and @ben "));
    {
      std::lock_guard lock(server_->mu);
      for (const auto& f : server_->written) QVERIFY(!f.has_send());
    }
    // Yourself and a name no one has are not offered; an address is not a mention.
    composer->clear();
    QTest::keyClicks(composer, QStringLiteral("@zz"));
    QVERIFY(!completer->popup()->isVisible());
    composer->clear();
    QTest::keyClicks(composer, QStringLiteral("mail@c"));
    QVERIFY(!completer->popup()->isVisible());
    composer->clear();
    QTest::keyClicks(composer, QStringLiteral("@m"));
    QVERIFY(!completer->popup()->isVisible());

    // A direct conversation offers its other side.
    window_->OpenConversation(kDirect);
    composer->clear();
    QTest::keyClicks(composer, QStringLiteral("@b"));
    QTRY_VERIFY(completer->popup()->isVisible());
    QCOMPARE(completer->completionModel()->rowCount(), 1);
    QCOMPARE(completer->completionModel()->index(0, 0).data().toString(), QStringLiteral("ben"));
  }

  void AnInvitationEventBumpsTheCount() {
    struct Recording : Notifier {
      std::shared_ptr<QStringList> shown = std::make_shared<QStringList>();
      void Show(const QString& title, const QString& body, std::function<void()>) override {
        *shown << title + QStringLiteral(": ") + body;
      }
    };
    gateway_ = std::make_unique<FakeGateway>();
    gateway_->OnListInvitations(
        [](const v1::ListInvitationsRequest&, v1::ListInvitationsResponse* response) {
          auto* i = response->add_invitations();
          i->set_type("invited");
          i->set_conversation_id(70);
          i->set_room("ops");
          i->set_inviter("cat");
          i->set_invitee_id(1);
          return grpc::Status::OK;
        });
    auto recording = std::make_unique<Recording>();
    auto shown = recording->shown;
    Start();
    window_->SetNotifier(std::move(recording));
    auto* rooms = window_->findChild<QPushButton*>(QStringLiteral("roomsButton"));
    QTRY_COMPARE(rooms->text(), QStringLiteral("Rooms… (1 invitation)"));
    window_->showMinimized();  // not watching: notified
    QTRY_VERIFY(window_->isMinimized());

    v1::ServerEvent e;
    auto* event = e.mutable_user_event();
    event->set_seq(1);
    auto* invitation = event->mutable_invitation();
    invitation->set_type("invited");
    invitation->set_conversation_id(71);
    invitation->set_room("design");
    invitation->set_inviter_id(3);
    invitation->set_inviter("cat");
    invitation->set_invitee_id(1);
    invitation->set_invitee("me");
    Serve(e);
    QTRY_COMPARE(rooms->text(), QStringLiteral("Rooms… (2 invitations)"));
    // Once the window knows how cat calls herself (it asks; here no name comes).
    QTRY_COMPARE(*shown, QStringList{QStringLiteral("Invitation: cat invited you to #design")});

    // Cancelled by a moderator, and accepted on another device (a joined event): none left.
    invitation->set_type("cancelled");
    event->set_seq(2);
    Serve(e);
    QTRY_COMPARE(rooms->text(), QStringLiteral("Rooms… (1 invitation)"));
    v1::ServerEvent joined;
    joined.mutable_user_event()->set_seq(3);
    joined.mutable_user_event()->mutable_room()->set_type("joined");
    joined.mutable_user_event()->mutable_room()->set_conversation_id(70);
    joined.mutable_user_event()->mutable_room()->set_room("ops");
    Serve(joined);
    QTRY_COMPARE(rooms->text(), QStringLiteral("Rooms…"));
    QCOMPARE(shown->size(), 1);
  }

  // Issue 23: a click on an invitation's notification brings the window up, with the Rooms dialog
  // open on that invitation (to Accept or Decline).
  void ClickingAnInvitationNotificationOpensTheRoomsDialogOnIt() {
    struct Recording : Notifier {
      std::shared_ptr<std::vector<std::function<void()>>> clicks =
          std::make_shared<std::vector<std::function<void()>>>();
      void Show(const QString&, const QString&, std::function<void()> clicked) override {
        clicks->push_back(std::move(clicked));
      }
    };
    gateway_ = std::make_unique<FakeGateway>();
    auto invited = std::make_shared<std::atomic<bool>>(false);  // to #design too
    gateway_->OnListInvitations(
        [invited](const v1::ListInvitationsRequest&, v1::ListInvitationsResponse* response) {
          for (const char* room : {"ops", "design"}) {
            if (std::string(room) == "design" && !invited->load()) continue;
            auto* i = response->add_invitations();
            i->set_type("invited");
            i->set_conversation_id(std::string(room) == "ops" ? 70 : 71);
            i->set_room(room);
            i->set_inviter("cat");
            i->set_invitee_id(1);
          }
          return grpc::Status::OK;
        });
    auto recording = std::make_unique<Recording>();
    auto clicks = recording->clicks;
    Start();
    window_->SetNotifier(std::move(recording));
    auto* rooms = window_->findChild<QPushButton*>(QStringLiteral("roomsButton"));
    QTRY_COMPARE(rooms->text(), QStringLiteral("Rooms… (1 invitation)"));
    window_->showMinimized();  // not watching: notified
    QTRY_VERIFY(window_->isMinimized());

    invited->store(true);
    v1::ServerEvent e;
    auto* event = e.mutable_user_event();
    event->set_seq(1);
    auto* invitation = event->mutable_invitation();
    invitation->set_type("invited");
    invitation->set_conversation_id(71);
    invitation->set_room("design");
    invitation->set_inviter_id(3);
    invitation->set_inviter("cat");
    invitation->set_invitee_id(1);
    invitation->set_invitee("me");
    Serve(e);
    QTRY_COMPARE(clicks->size(), size_t{1});
    QVERIFY(clicks->front());
    clicks->front()();
    QTRY_VERIFY(!window_->isMinimized());
    RoomsDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = window_->findChild<RoomsDialog*>()) && dialog->isVisible());
    auto* list = dialog->findChild<QListWidget*>(QStringLiteral("invitationList"));
    QTRY_COMPARE(list->count(), 2);
    QVERIFY(list->isVisible());
    QTRY_VERIFY(list->currentItem() &&
                list->currentItem()->data(Qt::UserRole).toString() == QStringLiteral("design"));
    QCOMPARE(dialog->focusWidget(), list);
    // Clicked again (or a second invitation's): the same dialog, not a second one.
    clicks->front()();
    QCOMPARE(window_->findChildren<RoomsDialog*>().size(), 1);
    dialog->close();
  }
};

}  // namespace natter::client

QTEST_MAIN(natter::client::SearchPinsMentionsTest)
#include "search_pins_mentions_test.moc"
