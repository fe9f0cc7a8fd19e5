// The main window's composer, with the server played on a fake transport: a message stays in the
// composer until the server takes it (a refused or too long one is there to fix), and each
// conversation keeps its own draft, also across a restart.
#include "main_window.h"

#include <grpcpp/support/status.h>

#include <QClipboard>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QToolButton>
#include <QWheelEvent>
#include <QtTest>
#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "client/fake_gateway.h"
#include "client/fake_transport.h"
#include "composer.h"
#include "dialogs.h"
#include "notifier.h"

namespace natter::client {
namespace {

constexpr uint64_t kDirect = 5;
constexpr uint64_t kRoom = 9;

v1::ServerFrame Frame(const v1::ServerEvent& event) {
  v1::ServerFrame frame;
  *frame.add_events() = event;
  return frame;
}

// A direct conversation with ben (opened first, as the first of the Welcome) and the room "dev"
// (with `room_latest_seq` entries, all read).
v1::ServerEvent Welcome(uint64_t room_latest_seq = 0) {
  v1::ServerEvent e;
  e.mutable_welcome()->set_user_id(1);
  e.mutable_welcome()->set_username("me");
  auto* direct = e.mutable_welcome()->add_conversations();
  direct->set_id(kDirect);
  direct->set_kind("direct");
  direct->set_name("ben");
  direct->set_peer_id(2);
  auto* ben = e.mutable_welcome()->add_friends();
  ben->set_user_id(2);
  ben->set_username("ben");
  ben->set_display_name("Ben Adams");
  ben->set_status("online");
  auto* room = e.mutable_welcome()->add_conversations();
  room->set_id(kRoom);
  room->set_kind("room");
  room->set_name("dev");
  room->set_latest_seq(room_latest_seq);
  room->set_last_read_seq(room_latest_seq);
  return e;
}

v1::ServerEvent Result(uint64_t request_id, grpc::StatusCode code = grpc::StatusCode::OK,
                       const std::string& error = "") {
  v1::ServerEvent e;
  e.mutable_result()->set_request_id(request_id);
  e.mutable_result()->set_code(static_cast<int>(code));
  e.mutable_result()->set_error(error);
  if (code == grpc::StatusCode::OK) e.mutable_result()->mutable_ack()->set_seq(1);
  return e;
}

// A message of conversation `conversation` by user `sender` (1 is "me", 2 is "ben").
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

}  // namespace

class MainWindowTest : public QObject {
  Q_OBJECT

 private:
  std::shared_ptr<FakeTransport::State> server_;
  std::unique_ptr<FakeGateway> gateway_;
  std::unique_ptr<MainWindow> window_;

  // A window signed in to the fake gateway (its unary calls); the stream is the fake transport's.
  void Start(uint64_t room_latest_seq = 0) {
    if (!gateway_) gateway_ = std::make_unique<FakeGateway>();
    SignedIn session;
    session.address = QString::fromStdString(gateway_->address());
    session.token = QStringLiteral("token");
    session.user_id = 1;
    session.username = QStringLiteral("me");
    server_ = std::make_shared<FakeTransport::State>();
    window_ = std::make_unique<MainWindow>(session, std::make_unique<FakeTransport>(server_));
    window_->show();
    Serve(Welcome(room_latest_seq));
    QTRY_COMPARE(window_->bridge().state(), StreamBridge::State::kConnected);
    QCOMPARE(window_->conversations().rowCount(), 2);
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
  std::vector<v1::ClientFrame> Sends() {
    std::lock_guard lock(server_->mu);
    std::vector<v1::ClientFrame> sends;
    for (const auto& f : server_->written) {
      if (f.has_send()) sends.push_back(f);
    }
    return sends;
  }
  // The gateway's History answers from `stored` (per conversation, oldest first), a page at a time
  // as the server does: the newest `limit` before `before_seq`.
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
  bool ReadByPeer(int row) {
    return window_->messages().index(row).data(MessageModel::kReadByPeerRole).toBool();
  }
  QListView* MessageList() { return window_->findChild<QListView*>(QStringLiteral("messageList")); }
  // Spins the mouse wheel up over the messages, as a person scrolling back does, a notch every few
  // milliseconds, until `done()` or `notches` notches.
  void SpinWheelUp(int notches, const std::function<bool()>& done) {
    QWidget* viewport = MessageList()->viewport();
    const QPointF at(viewport->width() / 2.0, viewport->height() / 2.0);
    for (int i = 0; i < notches && !done(); ++i) {
      QWheelEvent wheel(at, viewport->mapToGlobal(at.toPoint()), QPoint(), QPoint(0, 120),
                        Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
      QApplication::sendEvent(viewport, &wheel);
      QTest::qWait(2);
    }
  }
  std::vector<v1::ClientFrame> Edits() {
    std::lock_guard lock(server_->mu);
    std::vector<v1::ClientFrame> out;
    for (const auto& f : server_->written) {
      if (f.has_edit()) out.push_back(f);
    }
    return out;
  }
  std::vector<v1::ClientFrame> NotificationFrames() {
    std::lock_guard lock(server_->mu);
    std::vector<v1::ClientFrame> out;
    for (const auto& f : server_->written) {
      if (f.has_notifications()) out.push_back(f);
    }
    return out;
  }
  std::vector<v1::ClientFrame> Reacts() {
    std::lock_guard lock(server_->mu);
    std::vector<v1::ClientFrame> out;
    for (const auto& f : server_->written) {
      if (f.has_react()) out.push_back(f);
    }
    return out;
  }
  bool EditBarShown() {
    return ReplyBar()->isVisible() &&
           window_->findChild<QLabel*>(QStringLiteral("replyTitle"))->text() ==
               QStringLiteral("Editing message");
  }
  QString SendButtonText() {
    return window_->findChild<QPushButton*>(QStringLiteral("sendButton"))->text();
  }

  // The stream breaks as gRPC reports it when nothing listens at the address.
  void BreakStream() {
    Transport::Handler handler;
    {
      std::lock_guard lock(server_->mu);
      handler = server_->handler;
    }
    QVERIFY(handler.on_closed);
    handler.on_closed(static_cast<int>(grpc::StatusCode::UNAVAILABLE),
                      "failed to connect to all addresses; last error: UNKNOWN: "
                      "ipv4:127.0.0.1:2019: Failed to connect to remote host: Connection refused");
    QTRY_COMPARE(window_->bridge().state(), StreamBridge::State::kReconnecting);
  }
  // The bridge opens the stream again (after its backoff) and the server welcomes it.
  void Reconnect() {
    int opens = 0;
    {
      std::lock_guard lock(server_->mu);
      opens = server_->opens;
    }
    auto reopened = [this, opens] {
      std::lock_guard lock(server_->mu);
      return server_->opens > opens;
    };
    QTRY_VERIFY_WITH_TIMEOUT(reopened(), 5000);
    Serve(Welcome());
    QTRY_COMPARE(window_->bridge().state(), StreamBridge::State::kConnected);
  }
  Composer* TheComposer() { return window_->findChild<Composer*>(QStringLiteral("composer")); }
  QString Hint() {
    auto* hint = window_->findChild<QLabel*>(QStringLiteral("composerHint"));
    return hint ? hint->text() : QStringLiteral("(no composer hint)");
  }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Natter"));  // as main() does
  }
  void init() { QSettings().remove(QStringLiteral("drafts")); }
  void cleanup() {
    window_.reset();
    gateway_.reset();
  }

  void ARefusedMessageStaysInTheComposer() {
    Start();
    window_->OpenConversation(kRoom);
    Composer* composer = TheComposer();
    QTest::keyClicks(composer, QStringLiteral("hello dev"));
    QTest::keyClick(composer, Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{1});
    QCOMPARE(Sends()[0].send().text(), std::string("hello dev"));
    // On its way: the text stays, and Enter again does not send it twice.
    QCOMPARE(composer->toPlainText(), QStringLiteral("hello dev"));
    QTest::keyClick(composer, Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{1});

    Serve(
        Result(Sends()[0].request_id(), grpc::StatusCode::INVALID_ARGUMENT, "message is too long"));
    QCOMPARE(composer->toPlainText(), QStringLiteral("hello dev"));
    QVERIFY(!composer->isReadOnly());
    QVERIFY2(Hint().contains(QStringLiteral("message is too long"), Qt::CaseInsensitive),
             qPrintable(Hint()));

    // Sent again and taken: now the composer empties.
    QTest::keyClick(composer, Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{2});
    Serve(Result(Sends()[1].request_id()));
    QCOMPARE(composer->toPlainText(), QString());
  }

  void ATooLongMessageIsNotSentAndStays() {
    Start();
    window_->OpenConversation(kRoom);
    Composer* composer = TheComposer();
    composer->setPlainText(QString(5000, 'x'));
    QTest::keyClick(composer, Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{0});
    QCOMPARE(composer->toPlainText().size(), 5000);
    QCOMPARE(Hint(),
             QStringLiteral("The message is too long: 5000 bytes, at most 4096 can be sent."));
    // A warning comes before the limit.
    composer->setPlainText(QString(3500, 'x'));
    QCOMPARE(Hint(), QStringLiteral("3500 of 4096 bytes"));
  }

  void EachConversationKeepsItsOwnDraft() {
    Start();
    window_->OpenConversation(kDirect);
    Composer* composer = TheComposer();
    QTest::keyClicks(composer, QStringLiteral("for ben only"));
    window_->OpenConversation(kRoom);
    QCOMPARE(composer->toPlainText(), QString());
    QTest::keyClicks(composer, QStringLiteral("for the room"));
    window_->OpenConversation(kDirect);
    QCOMPARE(composer->toPlainText(), QStringLiteral("for ben only"));
    window_->OpenConversation(kRoom);
    QCOMPARE(composer->toPlainText(), QStringLiteral("for the room"));
  }

  void AMessageTakenWhileAwayLeavesNoDraft() {
    Start();
    window_->OpenConversation(kRoom);
    Composer* composer = TheComposer();
    QTest::keyClicks(composer, QStringLiteral("sent from the room"));
    QTest::keyClick(composer, Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{1});
    window_->OpenConversation(kDirect);
    QCOMPARE(composer->toPlainText(), QString());
    Serve(Result(Sends()[0].request_id()));
    window_->OpenConversation(kRoom);
    QCOMPARE(composer->toPlainText(), QString());
  }

  void DraftsOutliveARestart() {
    Start();
    window_->OpenConversation(kRoom);
    QTest::keyClicks(TheComposer(), QStringLiteral("to finish tomorrow"));
    window_.reset();
    Start();  // opens the direct conversation first
    QCOMPARE(TheComposer()->toPlainText(), QString());
    window_->OpenConversation(kRoom);
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("to finish tomorrow"));
  }

  // Issue 24 bug 4: the read marks came back as one tick after switching away and back.
  void ReadMarksSurviveSwitchingConversations() {
    StoreHistory({{kDirect, {Message(kDirect, 1, 1, "one"), Message(kDirect, 2, 1, "two")}}});
    Start();  // the direct conversation is open
    QTRY_COMPARE(window_->messages().rowCount(), 2);
    v1::ServerEvent read;
    read.mutable_read()->set_conversation_id(kDirect);
    read.mutable_read()->set_user_id(2);
    read.mutable_read()->set_username("ben");
    read.mutable_read()->set_seq(1);
    Serve(read);
    QVERIFY(ReadByPeer(0));
    QVERIFY(!ReadByPeer(1));

    window_->OpenConversation(kRoom);
    window_->OpenConversation(kDirect);
    QTRY_COMPARE(window_->messages().rowCount(), 2);
    QVERIFY(ReadByPeer(0));
    QVERIFY(!ReadByPeer(1));

    // Also a marker that comes while another conversation is open.
    window_->OpenConversation(kRoom);
    read.mutable_read()->set_seq(2);
    Serve(read);
    window_->OpenConversation(kDirect);
    QTRY_COMPARE(window_->messages().rowCount(), 2);
    QVERIFY(ReadByPeer(1));
  }

  // Issue 24 bug 5: scrolling up loaded one older page, then nothing more.
  void ScrollingUpKeepsLoadingOlderPages() {
    std::vector<v1::ChatMessage> stored;
    for (uint64_t seq = 1; seq <= 150; ++seq) {
      stored.push_back(Message(kRoom, seq, 2, "message " + std::to_string(seq)));
    }
    StoreHistory({{kRoom, stored}});
    Start();
    window_->resize(900, 600);
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 50);
    QScrollBar* bar = MessageList()->verticalScrollBar();
    QTRY_VERIFY(bar->maximum() > 0 && bar->value() == bar->maximum());

    // Spinning the wheel up reaches the beginning: each time the top is reached the next page
    // comes, and the view does not stay stuck at the top.
    SpinWheelUp(2000, [this] { return window_->messages().rowCount() == 150; });
    QCOMPARE(window_->messages().rowCount(), 150);
    QCOMPARE(window_->messages().oldest_seq(), uint64_t{1});
    // At the beginning, more wheel asks for nothing more.
    const size_t asked = gateway_->history_requests().size();
    SpinWheelUp(20, [] { return false; });
    QCOMPARE(gateway_->history_requests().size(), asked);
  }

  // Issue 24 bug 7: after the first message to a friend the previous chat stayed open.
  void AFirstMessageOpensItsNewConversation() {
    Start();
    window_->OpenConversation(kRoom);
    window_->OpenDirect(QStringLiteral("cat"));
    // No dialog: the composer writes the first message, under the friend's name.
    QVERIFY(!QApplication::activeModalWidget());
    QCOMPARE(window_->findChild<QLabel*>(QStringLiteral("conversationTitle"))->text(),
             QStringLiteral("cat"));
    QCOMPARE(TheComposer()->toPlainText(), QString());
    QTest::keyClicks(TheComposer(), QStringLiteral("hi cat"));
    QTest::keyClick(TheComposer(), Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{1});
    QCOMPARE(Sends()[0].send().to_user(), std::string("cat"));
    QCOMPARE(Sends()[0].send().text(), std::string("hi cat"));
    // The server answers, then the new conversation's first entry comes.
    constexpr uint64_t kNew = 11;
    v1::ServerEvent ack = Result(Sends()[0].request_id());
    ack.mutable_result()->mutable_ack()->set_conversation_id(kNew);
    Serve(ack);
    v1::ChatMessage first = Message(kNew, 1, 1, "hi cat");
    first.set_peer_id(3);
    first.set_peer("cat");
    Serve(Entry(first));
    QCOMPARE(window_->open_conversation(), kNew);
    QCOMPARE(window_->conversations().RowOf(kNew), 0);
    auto* list = window_->findChild<QListView*>(QStringLiteral("conversationList"));
    QCOMPARE(list->currentIndex().data(ConversationModel::kIdRole).toULongLong(), kNew);
  }

  void AFirstMessageAckedAfterItsEntryOpensItsConversation() {
    Start();
    window_->OpenConversation(kRoom);
    window_->OpenDirect(QStringLiteral("cat"));
    QTest::keyClicks(TheComposer(), QStringLiteral("hi cat"));
    QTest::keyClick(TheComposer(), Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{1});
    constexpr uint64_t kNew = 11;
    v1::ChatMessage first = Message(kNew, 1, 1, "hi cat");
    first.set_peer_id(3);
    first.set_peer("cat");
    Serve(Entry(first));
    QCOMPARE(window_->open_conversation(), uint64_t{0});  // not before the server says it is sent
    v1::ServerEvent ack = Result(Sends()[0].request_id());
    ack.mutable_result()->mutable_ack()->set_conversation_id(kNew);
    Serve(ack);
    QCOMPARE(window_->open_conversation(), kNew);
  }

  // Issue 24, left over from bug 2: a refused first message or edit was lost with its dialog.
  void ARefusedFirstMessageStaysInTheComposer() {
    Start();
    window_->OpenConversation(kRoom);
    window_->OpenDirect(QStringLiteral("cat"));
    QTest::keyClicks(TheComposer(), QStringLiteral("a long first message"));
    QTest::keyClick(TheComposer(), Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{1});
    Serve(Result(Sends()[0].request_id(), grpc::StatusCode::PERMISSION_DENIED,
                 "cat is not your friend"));
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("a long first message"));
    QVERIFY2(Hint().contains(QStringLiteral("Cat is not your friend")), qPrintable(Hint()));
    QCOMPARE(window_->open_conversation(), uint64_t{0});
    TheComposer()->setPlainText(QStringLiteral("a shorter one"));
    QTest::keyClick(TheComposer(), Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{2});
    QCOMPARE(Sends()[1].send().text(), std::string("a shorter one"));
    QCOMPARE(Sends()[1].send().to_user(), std::string("cat"));
  }

  // Issue 24 polish: editing is inline. A refused edit keeps edit mode, its text and the reason.
  void ARefusedEditKeepsEditMode() {
    StoreHistory({{kRoom, {Message(kRoom, 1, 1, "helo")}}});
    Start();
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 1);
    TheComposer()->setPlainText(QStringLiteral("my draft"));
    window_->EditMessage(1);
    QCOMPARE(window_->editing_seq(), uint64_t{1});
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("helo"));
    TheComposer()->setPlainText(QStringLiteral("hello, with a fix"));
    QTest::keyClick(TheComposer(), Qt::Key_Return);
    QCOMPARE(Edits().size(), size_t{1});
    QCOMPARE(Sends().size(), size_t{0});
    Serve(Result(Edits()[0].request_id(), grpc::StatusCode::INVALID_ARGUMENT,
                 "message text must not contain control characters"));
    QCOMPARE(window_->editing_seq(), uint64_t{1});
    QVERIFY(EditBarShown());
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("hello, with a fix"));
    QVERIFY2(Hint().contains(QStringLiteral("control characters")), qPrintable(Hint()));
    QVERIFY(!TheComposer()->isReadOnly());
    // Fixed and saved again: the draft comes back once the server has it.
    QTest::keyClick(TheComposer(), Qt::Key_Return);
    QCOMPARE(Edits().size(), size_t{2});
    Serve(Result(Edits()[1].request_id()));
    QCOMPARE(window_->editing_seq(), uint64_t{0});
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("my draft"));
  }

  // Issue 24 bug 8: at the window's minimum width the chat list was cut: a room's name gave way to
  // its time, the tabs scrolled, rows could scroll sideways.
  void AtTheMinimumWidthTheChatListFits() {
    Start();
    Serve(Entry(Message(kRoom, 1, 2, "a message with a time beside its room's name")));
    window_->resize(window_->minimumSizeHint().width(), 600);
    window_->findChild<QSplitter*>()->setSizes({1, 10000});  // the sidebar as narrow as it goes
    QCoreApplication::processEvents();
    auto* list = window_->findChild<QListView*>(QStringLiteral("conversationList"));
    QTRY_VERIFY(list->isVisible());
    QCOMPARE(list->horizontalScrollBar()->maximum(), 0);
    for (int row = 0; row < list->model()->rowCount(); ++row) {
      QVERIFY(list->visualRect(list->model()->index(row, 0)).right() < list->viewport()->width());
    }
    // Room for the avatar (36 px and padding), a date and ten characters of a name.
    const QFontMetrics fm(list->font());
    const int needed =
        36 + 4 * 8 + fm.horizontalAdvance(QStringLiteral("88.88.88")) + 10 * fm.averageCharWidth();
    QVERIFY2(
        list->viewport()->width() >= needed,
        qPrintable(
            QStringLiteral("%1 px wide, needs %2").arg(list->viewport()->width()).arg(needed)));
    auto* tabs = window_->findChild<QTabWidget*>();
    QVERIFY(tabs->tabBar()->width() >= tabs->tabBar()->sizeHint().width());  // no scroll arrows
  }

  // Issue 24 bug 9, each small: Esc leaves the search; Enter sets a room's topic; a room's header
  // counts who is online as members join; the view stays on the newest message through a resize;
  // the title names the application once.
  void EscLeavesTheSearch() {
    Start();
    auto* search = window_->findChild<QLineEdit*>(QStringLiteral("search"));
    window_->activateWindow();
    search->setFocus();
    QTest::keyClicks(search, QStringLiteral("de"));
    QCOMPARE(window_->conversations().rowCount(), 2);
    QTest::keyClick(search, Qt::Key_Escape);
    QCOMPARE(search->text(), QString());
    QVERIFY(!search->hasFocus());
    QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(TheComposer()));
  }

  void EnterInTheTopicFieldSetsTheTopic() {
    Start();
    gateway_->OnRoomMembers([](const v1::RoomRequest&, v1::RoomMembersResponse* response) {
      response->mutable_room()->set_owner_id(1);
      response->mutable_room()->set_name("dev");
      auto* me = response->add_members();
      me->set_user_id(1);
      me->set_username("me");
      me->set_role("owner");
      return grpc::Status::OK;
    });
    auto topic = std::make_shared<std::string>("(not set)");
    gateway_->OnUpdateRoom([topic](const v1::UpdateRoomRequest& request, v1::RoomResponse*) {
      *topic = request.topic();
      return grpc::Status::OK;
    });
    MembersDialog dialog(window_->api(), QStringLiteral("dev"), 1);
    dialog.show();
    QLineEdit* field = nullptr;
    for (auto* edit : dialog.findChildren<QLineEdit*>()) {
      if (edit->placeholderText() == QStringLiteral("Topic")) field = edit;
    }
    QVERIFY(field);
    QTRY_VERIFY(field->isVisible());
    field->setText(QStringLiteral("build talk"));
    QTest::keyClick(field, Qt::Key_Return);
    QTRY_COMPARE(*topic, std::string("build talk"));
  }

  void ARoomsHeaderCountsMembersWhoJoin() {
    auto online = std::make_shared<std::atomic<int>>(1);
    if (!gateway_) gateway_ = std::make_unique<FakeGateway>();
    gateway_->OnListOnline(
        [online](const v1::ClientListOnlineRequest&, v1::ClientListOnlineResponse* response) {
          response->set_count(static_cast<uint64_t>(online->load()));
          return grpc::Status::OK;
        });
    Start();
    window_->OpenConversation(kRoom);
    auto* subtitle = window_->findChild<QLabel*>(QStringLiteral("conversationSubtitle"));
    QTRY_COMPARE(subtitle->text(), QStringLiteral("1 online"));
    // Ben joins the new room (he was online already: no presence notice comes, only the entry).
    online->store(2);
    v1::ChatMessage joined = Message(kRoom, 1, 2, "");
    joined.set_type("member_joined");
    Serve(Entry(joined));
    QTRY_COMPARE(subtitle->text(), QStringLiteral("2 online"));
  }

  void TheNewestMessageStaysInViewThroughAResize() {
    std::vector<v1::ChatMessage> stored;
    for (uint64_t seq = 1; seq <= 40; ++seq) {
      stored.push_back(Message(kRoom, seq, 2,
                               "a message long enough to wrap onto more lines when the window "
                               "gets narrower, number " +
                                   std::to_string(seq)));
    }
    StoreHistory({{kRoom, stored}});
    Start();
    window_->resize(1100, 700);
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 40);
    QScrollBar* bar = MessageList()->verticalScrollBar();
    QTRY_VERIFY(bar->maximum() > 0 && bar->value() == bar->maximum());
    window_->resize(700, 500);
    QTRY_VERIFY2(bar->value() == bar->maximum(),
                 qPrintable(QStringLiteral("%1 of %2").arg(bar->value()).arg(bar->maximum())));
    QTest::qWait(50);
    QCOMPARE(bar->value(), bar->maximum());
    // Scrolled up to read, the view stays where it was.
    bar->setValue(bar->maximum() / 2);
    const int reading = bar->value();
    window_->resize(800, 500);
    QTest::qWait(50);
    QVERIFY(bar->value() != bar->maximum() || bar->maximum() <= reading);
  }

  // Issue 24 audit: every message that came in scrolled the view to the newest, also while the
  // user read back. The view follows new messages only from the newest, or to one's own.
  void ANewMessageLeavesTheReaderWhereTheyRead() {
    std::vector<v1::ChatMessage> stored;
    for (uint64_t seq = 1; seq <= 40; ++seq) {
      stored.push_back(Message(kRoom, seq, 2, "message " + std::to_string(seq)));
    }
    StoreHistory({{kRoom, stored}});
    Start(40);
    window_->resize(900, 600);
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 40);
    QScrollBar* bar = MessageList()->verticalScrollBar();
    QTRY_VERIFY(bar->maximum() > 0 && bar->value() == bar->maximum());
    auto shown = [this](int row) {
      const QRect at = MessageList()->visualRect(window_->messages().index(row));
      return at.bottom() > 0 && at.top() < MessageList()->viewport()->height();
    };
    // At the newest, the next message is shown.
    Serve(Entry(Message(kRoom, 41, 2, "message 41")));
    QCOMPARE(window_->messages().rowCount(), 41);
    QTRY_VERIFY(shown(40) && bar->value() == bar->maximum());

    // Scrolled up to read, the view stays there.
    QTest::qWait(50);  // the window is done following it
    bar->setValue(bar->maximum() / 2);
    const int reading = bar->value();
    Serve(Entry(Message(kRoom, 42, 2, "message 42")));
    Serve(Entry(Message(kRoom, 43, 2, "message 43")));
    QCOMPARE(window_->messages().rowCount(), 43);
    QTest::qWait(100);
    QCOMPARE(bar->value(), reading);
    QVERIFY(!shown(42));

    // One's own message brings the view down to it.
    Serve(Entry(Message(kRoom, 44, 1, "mine")));
    QTRY_VERIFY(shown(43) && bar->value() == bar->maximum());
  }

  // The same for a conversation opened at its first unread message: what comes in meanwhile
  // does not take the view away from it.
  void ANewMessageLeavesAChatOpenedAtItsFirstUnreadThere() {
    std::vector<v1::ChatMessage> stored;
    for (uint64_t seq = 1; seq <= 150; ++seq) {
      stored.push_back(Message(kRoom, seq, 2, "message " + std::to_string(seq)));
    }
    StoreHistory({{kRoom, stored}});
    Start(150);
    window_->resize(900, 600);
    v1::Conversation room = *window_->conversations().Find(kRoom);
    room.set_latest_seq(150);
    room.set_last_read_seq(120);
    room.set_unread(30);
    window_->conversations().Upsert(room);
    window_->OpenConversation(kRoom);
    QTRY_VERIFY(window_->messages().RowOfSeq(121) >= 0);
    MessageModel& messages = window_->messages();
    auto top_of_first_unread = [&] {
      return MessageList()->visualRect(messages.index(messages.RowOfSeq(121))).top();
    };
    QTRY_VERIFY(top_of_first_unread() >= 0 &&
                top_of_first_unread() < MessageList()->viewport()->height() / 2);
    const int at = top_of_first_unread();
    Serve(Entry(Message(kRoom, 151, 2, "message 151")));
    QCOMPARE(messages.RowOfSeq(151), messages.rowCount() - 1);
    QTest::qWait(100);
    QCOMPARE(top_of_first_unread(), at);
  }

  void TheTitleNamesTheApplicationOnce() {
    Start();
    // The platform adds the application's display name to every window title.
    QCOMPARE(QGuiApplication::applicationDisplayName(), QStringLiteral("Natter"));
    QVERIFY2(!window_->windowTitle().contains(QStringLiteral("Natter")),
             qPrintable(window_->windowTitle()));
    QVERIFY(window_->windowTitle().contains(QStringLiteral("me")));
  }

  // Issue 24 bug 10: the banner showed gRPC's own words; a message written while offline showed
  // no pending state and took the time it was delivered.
  void TheReconnectBannerSpeaksPlainly() {
    Start();
    BreakStream();
    auto* banner = window_->findChild<QLabel*>(QStringLiteral("connectionState"));
    QVERIFY(banner->isVisible());
    QVERIFY2(!banner->text().contains(QStringLiteral("ipv4")) &&
                 !banner->text().contains(QStringLiteral("UNKNOWN")),
             qPrintable(banner->text()));
    QVERIFY2(banner->text().contains(QStringLiteral("cannot be reached")),
             qPrintable(banner->text()));
  }

  void AMessageWrittenOfflineWaitsVisiblyAndKeepsItsTime() {
    Start();
    window_->OpenConversation(kRoom);
    BreakStream();
    Composer* composer = TheComposer();
    QTest::keyClicks(composer, QStringLiteral("written on the train"));
    const int64_t before = QDateTime::currentMSecsSinceEpoch();
    QTest::keyClick(composer, Qt::Key_Return);
    const int64_t after = QDateTime::currentMSecsSinceEpoch();
    QVERIFY2(Hint().contains(QStringLiteral("waiting for the connection"), Qt::CaseInsensitive),
             qPrintable(Hint()));
    QCOMPARE(composer->toPlainText(), QStringLiteral("written on the train"));

    // Back online ten minutes later: it goes, and is shown at the time it was written.
    Reconnect();
    QCOMPARE(Sends().size(), size_t{1});
    const v1::ClientFrame sent = Sends()[0];
    v1::ChatMessage stored = Message(kRoom, 1, 1, "written on the train");
    stored.set_client_msg_id(sent.send().client_msg_id());
    stored.set_sent_at_ms(after + 10 * 60 * 1000);
    Serve(Entry(stored));
    Serve(Result(sent.request_id()));
    QCOMPARE(composer->toPlainText(), QString());
    QCOMPARE(window_->messages().rowCount(), 1);
    const int64_t shown = window_->messages()
                              .index(0)
                              .data(MessageModel::kSentAtRole)
                              .toDateTime()
                              .toMSecsSinceEpoch();
    QVERIFY2(shown >= before && shown <= after,
             qPrintable(QStringLiteral("shown at %1, written between %2 and %3")
                            .arg(shown)
                            .arg(before)
                            .arg(after)));
  }

  // Issue 24 bug 11: changing the password showed no busy state, kept the last error while trying
  // again, and said nothing when it worked.
  void APasswordChangeShowsProgressAndSaysWhenDone() {
    Start();
    auto answer = std::make_shared<std::promise<grpc::Status>>();
    auto calls = std::make_shared<std::atomic<int>>(0);
    gateway_->OnChangePassword(
        [answer, calls](const v1::ChangePasswordRequest&, v1::ChangePasswordResponse* response) {
          if (calls->fetch_add(1) == 0) {
            return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "the password is wrong");
          }
          response->set_sessions_ended(2);
          // Held until the test answers (never for ever: a failed test must still end).
          std::future<grpc::Status> later = answer->get_future();
          if (later.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
            return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "the test did not answer");
          }
          return later.get();
        });
    PasswordDialog dialog(window_->api());
    dialog.show();
    const QList<QLineEdit*> fields = dialog.findChildren<QLineEdit*>();
    QCOMPARE(fields.size(), 3);  // current, new, new again
    fields[0]->setText(QStringLiteral("not-the-password"));
    fields[1]->setText(QStringLiteral("correct-horse-2"));
    fields[2]->setText(QStringLiteral("correct-horse-2"));
    QPushButton* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    auto shown = [&dialog] {
      QStringList texts;
      for (auto* label : dialog.findChildren<QLabel*>()) {
        if (label->isVisible() && !label->text().isEmpty()) texts << label->text();
      }
      return texts.join(QLatin1Char('|'));
    };
    ok->click();
    QTRY_VERIFY2(shown().contains(QStringLiteral("The password is wrong")), qPrintable(shown()));
    QVERIFY(ok->isEnabled());

    fields[0]->setText(QStringLiteral("correct-horse-1"));
    ok->click();
    // On its way: the old error is gone and the dialog is busy.
    QVERIFY2(!shown().contains(QStringLiteral("The password is wrong")), qPrintable(shown()));
    QVERIFY(!ok->isEnabled());
    QTest::qWait(50);
    QVERIFY(!ok->isEnabled());
    answer->set_value(grpc::Status::OK);
    QTRY_VERIFY2(shown().contains(QStringLiteral("Your password was changed")),
                 qPrintable(shown()));
    QVERIFY(dialog.isVisible());  // until read and closed
    QCOMPARE(calls->load(), 2);
  }

  // Issue 24 bug 12: display names appeared only in Contacts; everywhere else, usernames.
  void DisplayNamesAreShownWhereverSomeoneIsNamed() {
    v1::ChatMessage joined = Message(kRoom, 2, 3, "");
    joined.set_type("member_joined");
    joined.set_sender("cat");
    v1::ChatMessage meow = Message(kRoom, 3, 3, "meow");
    meow.set_sender("cat");
    StoreHistory({{kRoom, {Message(kRoom, 1, 2, "hello from ben"), joined, meow}}});
    // Cat is no friend: the window asks for her profile.
    gateway_->OnGetProfile([](const v1::GetProfileRequest& request, v1::Profile* profile) {
      if (request.user_id() != 3) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such user");
      profile->set_user_id(3);
      profile->set_username("cat");
      profile->set_display_name("Cat Power");
      return grpc::Status::OK;
    });
    Start();  // the direct conversation with ben is open
    auto* title = window_->findChild<QLabel*>(QStringLiteral("conversationTitle"));
    QCOMPARE(title->text(), QStringLiteral("Ben Adams"));
    const QModelIndex direct =
        window_->conversations().index(window_->conversations().RowOf(kDirect));
    QCOMPARE(direct.data(Qt::DisplayRole).toString(), QStringLiteral("Ben Adams"));

    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 3);
    MessageModel& messages = window_->messages();
    QCOMPARE(messages.index(0).data(MessageModel::kSenderRole).toString(),
             QStringLiteral("Ben Adams"));
    QTRY_COMPARE(messages.index(1).data(MessageModel::kTextRole).toString(),
                 QStringLiteral("Cat Power joined"));
    QCOMPARE(messages.index(2).data(MessageModel::kSenderRole).toString(),
             QStringLiteral("Cat Power"));

    Serve(Entry(Message(kRoom, 1, 2, "live from ben")));  // the bridge's first of this room
    const QModelIndex room = window_->conversations().index(window_->conversations().RowOf(kRoom));
    QCOMPARE(room.data(ConversationModel::kPreviewRole).toString(),
             QStringLiteral("Ben Adams: live from ben"));
    v1::ServerEvent typing;
    typing.mutable_typing()->set_conversation_id(kRoom);
    typing.mutable_typing()->set_user_id(2);
    typing.mutable_typing()->set_username("ben");
    Serve(typing);
    QCOMPARE(window_->findChild<QLabel*>(QStringLiteral("typingLabel"))->text(),
             QStringLiteral("Ben Adams is typing…"));
    // Searching still finds him by username.
    auto* search = window_->findChild<QLineEdit*>(QStringLiteral("search"));
    search->setText(QStringLiteral("ben"));
    auto* list = window_->findChild<QListView*>(QStringLiteral("conversationList"));
    QCOMPARE(list->model()->rowCount(), 1);
    search->setText(QStringLiteral("adams"));
    QCOMPARE(list->model()->rowCount(), 1);
  }

  // Left over from bug 3: a message on its way when the window closed came back as a draft, and
  // sending it again gave it a new client_msg_id, so the server could store it twice.
  void ADraftLeftMidSendIsResentWithItsClientMsgId() {
    Start();
    window_->OpenConversation(kRoom);
    QTest::keyClicks(TheComposer(), QStringLiteral("sent as the window closed"));
    QTest::keyClick(TheComposer(), Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{1});
    const std::string first_id = Sends()[0].send().client_msg_id();
    window_.reset();  // no answer came

    Start();
    window_->OpenConversation(kRoom);
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("sent as the window closed"));
    QTest::keyClick(TheComposer(), Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{1});
    QCOMPARE(Sends()[0].send().client_msg_id(), first_id);  // the server stores it once
    Serve(Result(Sends()[0].request_id()));
    QCOMPARE(TheComposer()->toPlainText(), QString());

    // A new message after it gets a new id; so does a changed draft.
    QTest::keyClicks(TheComposer(), QStringLiteral("and then this"));
    QTest::keyClick(TheComposer(), Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{2});
    QVERIFY(Sends()[1].send().client_msg_id() != first_id);
    const std::string second_id = Sends()[1].send().client_msg_id();
    window_.reset();
    Start();
    window_->OpenConversation(kRoom);
    QTest::keyClicks(TheComposer(), QStringLiteral(", changed"));
    QTest::keyClick(TheComposer(), Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{1});
    QCOMPARE(Sends()[0].send().text(), std::string("and then this, changed"));
    QVERIFY(Sends()[0].send().client_msg_id() != second_id);
  }

  // Polish: Reply, React and Copy in a message's menu (anyone's), Edit and Delete for one's own.
  void AnyMessageCanBeCopied() {
    StoreHistory(
        {{kRoom,
          {Message(kRoom, 1, 2, "ben's line\nwith two lines"), Message(kRoom, 2, 1, "mine")}}});
    Start();
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 2);
    QMenu theirs;
    window_->FillMessageMenu(window_->messages().index(0), &theirs);
    QCOMPARE(theirs.actions().size(), 3);  // Reply, React, Copy
    theirs.findChild<QAction*>(QStringLiteral("copyMessage"))->trigger();
    QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("ben's line\nwith two lines"));
    QMenu mine;
    window_->FillMessageMenu(window_->messages().index(1), &mine);
    QCOMPARE(mine.actions().size(), 5);  // Reply, React, Copy, Edit, Delete
  }

  QWidget* ReplyBar() { return window_->findChild<QWidget*>(QStringLiteral("replyBar")); }
  QString ReplyBarText() {
    return window_->findChild<QLabel*>(QStringLiteral("replyTitle"))->text() + QLatin1Char('|') +
           window_->findChild<QLabel*>(QStringLiteral("replySnippet"))->text();
  }

  // Issue 23 item 2: Reply in a message's menu opens the reply bar; the message sent with it open
  // is a reply, and the bar closes once the server has it. A refusal keeps it.
  void ReplyOpensTheBarAndSendsAReply() {
    StoreHistory(
        {{kRoom, {Message(kRoom, 1, 2, "shall we ship it?"), Message(kRoom, 2, 1, "mine")}}});
    Start();
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 2);
    QVERIFY(!ReplyBar()->isVisible());
    QMenu menu;
    window_->FillMessageMenu(window_->messages().index(0), &menu);
    auto* reply = menu.findChild<QAction*>(QStringLiteral("replyMessage"));
    QVERIFY(reply);
    reply->trigger();
    QVERIFY(ReplyBar()->isVisible());
    // Named as elsewhere: by display name.
    QCOMPARE(ReplyBarText(), QStringLiteral("Replying to Ben Adams|shall we ship it?"));

    Composer* composer = TheComposer();
    QTest::keyClicks(composer, QStringLiteral("yes"));
    QTest::keyClick(composer, Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{1});
    QCOMPARE(Sends()[0].send().reply_to_seq(), uint64_t{1});
    QCOMPARE(Sends()[0].send().text(), std::string("yes"));
    Serve(Result(Sends()[0].request_id(), grpc::StatusCode::FAILED_PRECONDITION,
                 "message 1 was deleted; it cannot be replied to"));
    // Refused: the text and the bar stay, the reason beside them.
    QVERIFY(ReplyBar()->isVisible());
    QCOMPARE(composer->toPlainText(), QStringLiteral("yes"));
    QVERIFY2(Hint().contains(QStringLiteral("cannot be replied to")), qPrintable(Hint()));

    QTest::keyClick(composer, Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{2});
    QCOMPARE(Sends()[1].send().reply_to_seq(), uint64_t{1});
    Serve(Result(Sends()[1].request_id()));
    QVERIFY(!ReplyBar()->isVisible());
    QCOMPARE(composer->toPlainText(), QString());
    // The next message is no reply.
    QTest::keyClicks(composer, QStringLiteral("and another"));
    QTest::keyClick(composer, Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{3});
    QCOMPARE(Sends()[2].send().reply_to_seq(), uint64_t{0});
  }

  // Issue 23 item 3: React in a message's menu sends the emoji chosen; the entry that comes back
  // shows as chips under the bubble; a click on one's own chip takes it back.
  void ReactFromTheMenuAndTakeItBackWithAClickOnTheChip() {
    v1::ChatMessage asked = Message(kRoom, 1, 2, "lunch?");
    v1::Reaction* up = asked.add_reactions();
    up->set_emoji("👍");
    up->set_count(1);
    up->add_user_ids(2);
    up->add_users("ben");
    StoreHistory({{kRoom, {asked}}});
    Start();
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 1);
    auto chips = [this] {
      return window_->messages()
          .index(0)
          .data(MessageModel::kReactionsRole)
          .value<QList<MessageModel::Reaction>>();
    };
    QCOMPARE(chips().size(), 1);
    QCOMPARE(chips()[0].users, QStringList{QStringLiteral("Ben Adams")});

    QMenu menu;
    window_->FillMessageMenu(window_->messages().index(0), &menu);
    auto* react = menu.findChild<QMenu*>(QStringLiteral("reactMenu"));
    QVERIFY(react);
    QAction* party = nullptr;
    for (QAction* a : react->actions()) {
      if (a->text() == QStringLiteral("🎉")) party = a;
    }
    QVERIFY(party);
    QVERIFY(!party->isChecked());
    party->trigger();
    QCOMPARE(Reacts().size(), size_t{1});
    QCOMPARE(Reacts()[0].react().conversation().id(), kRoom);
    QCOMPARE(Reacts()[0].react().seq(), uint64_t{1});
    QCOMPARE(Reacts()[0].react().emoji(), std::string("🎉"));
    QVERIFY(!Reacts()[0].react().remove());
    QVERIFY(!Reacts()[0].react().client_msg_id().empty());

    // The entry as the server delivers it: the message's reactions after it.
    v1::ChatMessage added = Message(kRoom, 2, 1, "🎉");
    added.set_type("reaction_added");
    added.set_target_seq(1);
    *added.add_reactions() = *up;
    v1::Reaction* mine = added.add_reactions();
    mine->set_emoji("🎉");
    mine->set_count(1);
    mine->add_user_ids(1);
    mine->add_users("me");
    Serve(Entry(asked));  // the stream's cursor is then at 1, so 2 is delivered at once
    Serve(Entry(added));
    QCOMPARE(window_->messages().rowCount(), 1);  // a reaction is no row
    QCOMPARE(chips().size(), 2);
    QVERIFY(!chips()[0].mine);
    QVERIFY(chips()[1].mine);
    QMenu again;
    window_->FillMessageMenu(window_->messages().index(0), &again);
    for (QAction* a : again.findChild<QMenu*>(QStringLiteral("reactMenu"))->actions()) {
      QCOMPARE(a->isChecked(), a->text() == QStringLiteral("🎉"));
    }

    // A click on the chips, right to left: the first hit is the last chip, one's own.
    QListView* list = MessageList();
    QTRY_VERIFY(list->visualRect(window_->messages().index(0)).height() > 0);
    const QRect row = list->visualRect(window_->messages().index(0));
    for (int y = row.top(); y <= row.bottom() && Reacts().size() < 2; y += 2) {
      for (int x = row.right(); x >= row.left() && Reacts().size() < 2; x -= 4) {
        QTest::mouseClick(list->viewport(), Qt::LeftButton, Qt::NoModifier, QPoint(x, y));
      }
    }
    QCOMPARE(Reacts().size(), size_t{2});
    QCOMPARE(Reacts()[1].react().emoji(), std::string("🎉"));
    QVERIFY(Reacts()[1].react().remove());
    QCOMPARE(Reacts()[1].react().seq(), uint64_t{1});
  }

  // Esc (or the bar's ✕) cancels a reply; Ctrl+R replies to the selected message. Each
  // conversation keeps its own pending reply, as its draft.
  void EscCancelsAReplyAndEachConversationKeepsItsOwn() {
    StoreHistory({{kRoom, {Message(kRoom, 1, 2, "first"), Message(kRoom, 2, 2, "second")}}});
    Start();
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 2);
    window_->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(window_.get()));
    MessageList()->setCurrentIndex(window_->messages().index(0));
    QTest::keyClick(MessageList(), Qt::Key_R, Qt::ControlModifier);
    QVERIFY(ReplyBar()->isVisible());
    QCOMPARE(ReplyBarText(), QStringLiteral("Replying to Ben Adams|first"));
    QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(TheComposer()));

    window_->OpenConversation(kDirect);
    QVERIFY(!ReplyBar()->isVisible());
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 2);
    QVERIFY(ReplyBar()->isVisible());
    QCOMPARE(ReplyBarText(), QStringLiteral("Replying to Ben Adams|first"));

    QTest::keyClick(TheComposer(), Qt::Key_Escape);
    QVERIFY(!ReplyBar()->isVisible());
    QTest::keyClicks(TheComposer(), QStringLiteral("no reply"));
    QTest::keyClick(TheComposer(), Qt::Key_Return);
    QCOMPARE(Sends().size(), size_t{1});
    QCOMPARE(Sends()[0].send().reply_to_seq(), uint64_t{0});

    // The ✕ cancels too.
    window_->ReplyTo(2);
    QVERIFY(ReplyBar()->isVisible());
    window_->findChild<QToolButton*>(QStringLiteral("cancelReply"))->click();
    QVERIFY(!ReplyBar()->isVisible());
  }

  // A click on a reply's quote shows the quoted message: at once when it is loaded, else once the
  // older pages that hold it are.
  void AQuoteShowsTheQuotedMessageLoadingOlderPages() {
    std::vector<v1::ChatMessage> stored;
    for (uint64_t seq = 1; seq <= 120; ++seq) {
      stored.push_back(Message(kRoom, seq, 2, "message " + std::to_string(seq)));
    }
    v1::ChatMessage reply = Message(kRoom, 121, 1, "about that first one");
    reply.set_reply_to_seq(1);
    reply.mutable_reply()->set_sender_id(2);
    reply.mutable_reply()->set_sender("ben");
    reply.mutable_reply()->set_snippet("message 1");
    stored.push_back(reply);
    StoreHistory({{kRoom, stored}});
    Start();
    window_->resize(900, 600);
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 50);
    window_->ShowMessage(1);
    QTRY_COMPARE(window_->messages().oldest_seq(), uint64_t{1});
    QTRY_COMPARE(MessageList()->currentIndex().row(), 0);
    QVERIFY(MessageList()->selectionModel()->isSelected(window_->messages().index(0)));
    // Loaded: shown at once.
    window_->ShowMessage(100);
    QCOMPARE(MessageList()->currentIndex().row(), 99);
  }

  // Issue 24 polish: Up in the empty composer edits one's last message inline: the bar above the
  // composer shows it, the composer holds its text, Enter saves it (an edit frame, no dialog), and
  // the draft comes back once the server has the edit.
  void UpInTheEmptyComposerEditsTheLastOwnMessageInline() {
    StoreHistory({{kRoom,
                   {Message(kRoom, 1, 1, "my older one"), Message(kRoom, 2, 1, "my last"),
                    Message(kRoom, 3, 2, "ben after")}}});
    Start();
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 3);
    QCOMPARE(SendButtonText(), QStringLiteral("Send"));
    QTest::keyClick(TheComposer(), Qt::Key_Up);
    QCOMPARE(window_->editing_seq(), uint64_t{2});
    QVERIFY(EditBarShown());
    QCOMPARE(ReplyBarText(), QStringLiteral("Editing message|my last"));
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("my last"));
    QCOMPARE(TheComposer()->textCursor().position(), QStringLiteral("my last").size());
    QCOMPARE(SendButtonText(), QStringLiteral("Save"));
    QVERIFY(QApplication::activeModalWidget() == nullptr);

    QTest::keyClicks(TheComposer(), QStringLiteral(", edited"));
    QTest::keyClick(TheComposer(), Qt::Key_Return);
    QCOMPARE(Edits().size(), size_t{1});
    QCOMPARE(Edits()[0].edit().seq(), uint64_t{2});
    QCOMPARE(Edits()[0].edit().text(), std::string("my last, edited"));
    QCOMPARE(Edits()[0].edit().conversation().id(), kRoom);
    QCOMPARE(Sends().size(), size_t{0});
    // Until the server answers, edit mode stays (and Enter again saves nothing more).
    QCOMPARE(window_->editing_seq(), uint64_t{2});
    QTest::keyClick(TheComposer(), Qt::Key_Return);
    QCOMPARE(Edits().size(), size_t{1});
    Serve(Result(Edits()[0].request_id()));
    QCOMPARE(window_->editing_seq(), uint64_t{0});
    QVERIFY(!ReplyBar()->isVisible());
    QCOMPARE(TheComposer()->toPlainText(), QString());
    QCOMPARE(SendButtonText(), QStringLiteral("Send"));
  }

  // The menu's Edit too; the draft is put aside while editing, and Esc (or the ✕) gives it back,
  // with a pending reply. Unchanged text leaves edit mode; emptied text is not saved.
  void EscCancelsAnEditAndRestoresTheDraftAndTheReply() {
    StoreHistory({{kRoom, {Message(kRoom, 1, 2, "ben's"), Message(kRoom, 2, 1, "mine")}}});
    Start();
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 2);
    window_->ReplyTo(1);
    QTest::keyClicks(TheComposer(), QStringLiteral("half a thought"));
    QMenu menu;
    window_->FillMessageMenu(window_->messages().index(1), &menu);
    menu.findChild<QAction*>(QStringLiteral("editMessage"))->trigger();
    QVERIFY(EditBarShown());
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("mine"));
    QTest::keyClick(TheComposer(), Qt::Key_Escape);
    QCOMPARE(window_->editing_seq(), uint64_t{0});
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("half a thought"));
    QCOMPARE(ReplyBarText(), QStringLiteral("Replying to Ben Adams|ben's"));

    // The ✕ cancels too (the reply stays: it was only put aside).
    window_->EditMessage(2);
    window_->findChild<QToolButton*>(QStringLiteral("cancelReply"))->click();
    QCOMPARE(window_->editing_seq(), uint64_t{0});
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("half a thought"));
    QCOMPARE(ReplyBarText(), QStringLiteral("Replying to Ben Adams|ben's"));

    // Unchanged: Enter just leaves edit mode.
    window_->EditMessage(2);
    QTest::keyClick(TheComposer(), Qt::Key_Return);
    QCOMPARE(window_->editing_seq(), uint64_t{0});
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("half a thought"));
    // Emptied: nothing is sent, edit mode stays, the status line says to use Delete.
    window_->EditMessage(2);
    TheComposer()->clear();
    QTest::keyClick(TheComposer(), Qt::Key_Return);
    QCOMPARE(window_->editing_seq(), uint64_t{2});
    QVERIFY2(window_->statusBar()->currentMessage().contains(QStringLiteral("Delete")),
             qPrintable(window_->statusBar()->currentMessage()));
    QCOMPARE(Edits().size(), size_t{0});
    QCOMPARE(Sends().size(), size_t{0});

    // Switching conversation cancels edit mode; the room's draft is the one kept.
    window_->OpenConversation(kDirect);
    QCOMPARE(window_->editing_seq(), uint64_t{0});
    QVERIFY(!ReplyBar()->isVisible());
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 2);
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("half a thought"));
    QCOMPARE(ReplyBarText(), QStringLiteral("Replying to Ben Adams|ben's"));
  }

  // The message being edited is deleted elsewhere: edit mode ends, the draft comes back. Edited
  // elsewhere: the bar shows its new text, the composer keeps what is being written.
  void AMessageDeletedOrEditedElsewhereWhileEditing() {
    StoreHistory({{kRoom, {Message(kRoom, 1, 1, "first"), Message(kRoom, 2, 1, "second")}}});
    Start();
    window_->OpenConversation(kRoom);
    QTRY_COMPARE(window_->messages().rowCount(), 2);
    TheComposer()->setPlainText(QStringLiteral("draft"));
    window_->EditMessage(1);
    QTest::keyClicks(TheComposer(), QStringLiteral(" and more"));
    // The stream's entries follow the Welcome's (no latest_seq here): they start at 1.
    v1::ChatMessage edited = Message(kRoom, 1, 1, "first, from the phone");
    edited.set_type("message_edited");
    edited.set_target_seq(1);
    Serve(Entry(edited));
    QCOMPARE(window_->editing_seq(), uint64_t{1});
    QCOMPARE(ReplyBarText(), QStringLiteral("Editing message|first, from the phone"));
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("first and more"));

    v1::ChatMessage deleted = Message(kRoom, 2, 1, "");
    deleted.set_type("message_deleted");
    deleted.set_target_seq(1);
    Serve(Entry(deleted));
    QCOMPARE(window_->editing_seq(), uint64_t{0});
    QVERIFY(!ReplyBar()->isVisible());
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("draft"));
    QVERIFY(window_->statusBar()->currentMessage().contains(QStringLiteral("deleted")));
  }

  // Polish: the status menu marks the current status (once the server has taken it).
  void TheStatusMenuMarksTheCurrentStatus() {
    Start();
    auto refuse = std::make_shared<std::atomic<bool>>(false);
    gateway_->OnSetStatus([refuse](const v1::ClientSetStatusRequest&, v1::SetStatusResponse*) {
      return *refuse ? grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too often")
                     : grpc::Status::OK;
    });
    auto* button = window_->findChild<QToolButton*>(QStringLiteral("statusButton"));
    auto action = [button](const char* status) {
      return button->menu()->findChild<QAction*>(QStringLiteral("status-") + QLatin1String(status));
    };
    QVERIFY(action("online")->isChecked());
    action("away")->trigger();
    QTRY_COMPARE(button->text(), QStringLiteral("Away"));
    QVERIFY(action("away")->isChecked());
    QVERIFY(!action("online")->isChecked());
    // Refused: the mark stays on the status the server has.
    *refuse = true;
    action("invisible")->trigger();
    QVERIFY(action("away")->isChecked());
    QTest::qWait(200);
    QVERIFY(action("away")->isChecked());
    QCOMPARE(button->text(), QStringLiteral("Away"));
  }

  // Polish: the password fields have a show-password toggle.
  void PasswordFieldsCanBeShown() {
    Start();
    PasswordDialog dialog(window_->api());
    for (QLineEdit* field : dialog.findChildren<QLineEdit*>()) {
      QCOMPARE(field->echoMode(), QLineEdit::Password);
      auto* show = field->findChild<QAction*>(QStringLiteral("showPassword"));
      QVERIFY(show);
      show->trigger();
      QCOMPARE(field->echoMode(), QLineEdit::Normal);
      show->trigger();
      QCOMPARE(field->echoMode(), QLineEdit::Password);
    }
  }

  // Polish: friend requests waiting for an answer are counted on the Contacts tab.
  void WaitingFriendRequestsAreCountedOnTheContactsTab() {
    Start();
    auto* tabs = window_->findChild<QTabWidget*>();
    QCOMPARE(tabs->tabText(1), QStringLiteral("Contacts"));
    v1::ServerEvent request;
    request.mutable_user_event()->set_seq(1);
    auto* f = request.mutable_user_event()->mutable_friend_();
    f->set_type("friend_request");
    f->set_user_id(4);
    f->set_username("dana");
    Serve(request);
    QCOMPARE(tabs->tabText(1), QStringLiteral("Contacts (1)"));
    f->set_type("friend_request_cancelled");
    request.mutable_user_event()->set_seq(2);
    Serve(request);
    QCOMPARE(tabs->tabText(1), QStringLiteral("Contacts"));
  }

  // Issue 24 bug 12 (audit): someone asking to be a friend was named by their username in
  // Contacts and in the request's tooltip; now by their display name, as everywhere else: asked
  // while signed in, and waiting at sign-in.
  void AFriendRequestNamesWhoAsksByTheirDisplayName() {
    struct Recording : Notifier {
      std::shared_ptr<QStringList> shown = std::make_shared<QStringList>();
      void Show(const QString& title, const QString& body, std::function<void()>) override {
        *shown << title + QStringLiteral(": ") + body;
      }
    };
    if (!gateway_) gateway_ = std::make_unique<FakeGateway>();
    gateway_->OnGetProfile([](const v1::GetProfileRequest& request, v1::Profile* profile) {
      profile->set_user_id(request.user_id());
      if (request.user_id() == 4) profile->set_display_name("Dana Scully");
      if (request.user_id() == 6) profile->set_display_name("Fox Mulder");
      if (request.user_id() == 7) profile->set_display_name("Walter Skinner");
      return grpc::Status::OK;
    });
    auto recording = std::make_unique<Recording>();
    auto shown = recording->shown;
    Start();
    window_->SetNotifier(std::move(recording));
    window_->showMinimized();  // not watching: notified
    QTRY_VERIFY(window_->isMinimized());
    v1::ServerEvent request;
    request.mutable_user_event()->set_seq(1);
    auto* f = request.mutable_user_event()->mutable_friend_();
    f->set_type("friend_request");
    f->set_user_id(4);
    f->set_username("dana");
    f->set_message("hi");
    Serve(request);
    ContactModel& contacts = window_->contacts();
    const auto row = [&](uint64_t user_id) { return contacts.index(contacts.RowOf(user_id)); };
    QTRY_COMPARE(row(4).data(Qt::DisplayRole).toString(), QStringLiteral("Dana Scully"));
    QCOMPARE(row(4).data(Qt::ToolTipRole).toString(),
             QStringLiteral("Dana Scully wants to be your friend: hi"));
    QTRY_COMPARE(
        *shown,
        QStringList{QStringLiteral("Friend request: Dana Scully wants to be your friend: hi")});
    // Accepted: a friend now, by the same name.
    f->set_type("friend_added");
    request.mutable_user_event()->set_seq(2);
    Serve(request);
    QTRY_COMPARE(window_->statusBar()->currentMessage(),
                 QStringLiteral("You and Dana Scully are friends now."));
    QCOMPARE(row(4).data(Qt::DisplayRole).toString(), QStringLiteral("Dana Scully"));
    // An invitation names who sent it so too.
    v1::ServerEvent invited;
    invited.mutable_user_event()->set_seq(3);
    auto* invitation = invited.mutable_user_event()->mutable_invitation();
    invitation->set_type("invited");
    invitation->set_conversation_id(71);
    invitation->set_room("x-files");
    invitation->set_inviter_id(7);
    invitation->set_inviter("skinner");
    invitation->set_invitee_id(1);
    invitation->set_invitee("me");
    Serve(invited);
    QTRY_COMPARE(shown->size(), 2);
    QCOMPARE(shown->last(), QStringLiteral("Invitation: Walter Skinner invited you to #x-files"));
    QTRY_VERIFY(window_->statusBar()->currentMessage().startsWith(
        QStringLiteral("Walter Skinner invited you to #x-files")));

    // A request waiting at sign-in (here: in the Welcome of a new stream), and its refusal.
    BreakStream();
    QTRY_VERIFY_WITH_TIMEOUT(
        [this] {
          std::lock_guard lock(server_->mu);
          return server_->opens > 1;
        }(),
        5000);
    v1::ServerEvent welcome = Welcome();
    welcome.mutable_welcome()->set_events_latest_seq(3);
    auto* waiting = welcome.mutable_welcome()->add_requests();
    waiting->set_incoming(false);
    waiting->set_user_id(6);
    waiting->set_username("fox");
    auto* asking = welcome.mutable_welcome()->add_requests();
    asking->set_incoming(true);
    asking->set_user_id(8);
    asking->set_username("cancer_man");
    asking->set_message("the truth is out there");
    gateway_->OnGetProfile([](const v1::GetProfileRequest& asked, v1::Profile* profile) {
      profile->set_user_id(asked.user_id());
      profile->set_display_name(asked.user_id() == 8 ? "C. G. B. Spender" : "Fox Mulder");
      return grpc::Status::OK;
    });
    Serve(welcome);
    QTRY_COMPARE(row(8).data(Qt::DisplayRole).toString(), QStringLiteral("C. G. B. Spender"));
    QCOMPARE(row(8).data(Qt::ToolTipRole).toString(),
             QStringLiteral("C. G. B. Spender wants to be your friend: the truth is out there"));
    QTRY_COMPARE(row(6).data(Qt::DisplayRole).toString(), QStringLiteral("Fox Mulder"));
    v1::ServerEvent declined;
    declined.mutable_user_event()->set_seq(4);
    auto* no = declined.mutable_user_event()->mutable_friend_();
    no->set_type("friend_request_rejected");
    no->set_user_id(6);
    no->set_username("fox");
    no->set_outgoing(true);
    Serve(declined);
    QTRY_COMPARE(window_->statusBar()->currentMessage(),
                 QStringLiteral("Fox Mulder declined your friend request."));
  }

  // Issue 24 bug 8 (audit): in Contacts a request's note was cut to "wants to b…"; its row is now
  // as tall as the note needs at the list's width, and follows the width.
  void AFriendRequestsRowGrowsToShowItsNote() {
    Start();
    auto* tabs = window_->findChild<QTabWidget*>();
    tabs->setCurrentIndex(1);
    v1::ServerEvent request;
    request.mutable_user_event()->set_seq(1);
    auto* f = request.mutable_user_event()->mutable_friend_();
    f->set_type("friend_request");
    f->set_user_id(4);
    f->set_username("dana");
    f->set_message("hi, it's Dana from the climbing gym, we met on Saturday at the wall");
    Serve(request);
    auto* list = window_->findChild<QListView*>(QStringLiteral("contactList"));
    const QModelIndex dana = list->model()->index(0, 0);
    QCOMPARE(dana.data(ContactModel::kUsernameRole).toString(), QStringLiteral("dana"));
    const QModelIndex ben = list->model()->index(1, 0);
    QTRY_VERIFY(list->visualRect(ben).height() > 0);
    const int ordinary = list->visualRect(ben).height();
    const int tall = list->visualRect(dana).height();
    QVERIFY2(tall > ordinary + QFontMetrics(list->font()).height(),
             qPrintable(QStringLiteral("%1 px, a friend's %2 px").arg(tall).arg(ordinary)));
    // Wider, the note takes fewer lines.
    auto* splitter = window_->findChild<QSplitter*>();
    splitter->setSizes({700, 400});
    QTRY_VERIFY(list->visualRect(dana).height() < tall);
  }

  // Polish: a conversation with many unread messages opens at the first of them, under a "New
  // messages" divider.
  void ManyUnreadOpenAtTheFirstOfThem() {
    std::vector<v1::ChatMessage> stored;
    for (uint64_t seq = 1; seq <= 150; ++seq) {
      stored.push_back(Message(kRoom, seq, 2, "message " + std::to_string(seq)));
    }
    StoreHistory({{kRoom, stored}});
    Start();
    window_->resize(900, 600);
    v1::Conversation room = *window_->conversations().Find(kRoom);
    room.set_latest_seq(150);
    room.set_last_read_seq(40);
    room.set_unread(110);
    window_->conversations().Upsert(room);
    window_->OpenConversation(kRoom);
    QTRY_VERIFY(window_->messages().rowCount() > 0);
    MessageModel& messages = window_->messages();
    QVERIFY2(messages.oldest_seq() <= 41, qPrintable(QString::number(messages.oldest_seq())));
    const int first_unread = messages.RowOfSeq(41);
    for (int row = 0; row < messages.rowCount(); ++row) {
      QCOMPARE(messages.index(row).data(MessageModel::kFirstUnreadRole).toBool(),
               row == first_unread);
    }
    // The view starts there, not at the newest message.
    QTRY_VERIFY(MessageList()->visualRect(messages.index(first_unread)).top() >= 0);
    const QRect at = MessageList()->visualRect(messages.index(first_unread));
    QVERIFY2(at.top() < MessageList()->viewport()->height() / 2,
             qPrintable(QStringLiteral("the first unread message is at y = %1").arg(at.top())));
    // Read now (the marker goes a moment after opening); opened again: no divider.
    QTRY_COMPARE(window_->conversations().Find(kRoom)->unread(), uint64_t{0});
    window_->OpenConversation(kDirect);
    window_->OpenConversation(kRoom);
    QTRY_VERIFY(window_->messages().rowCount() > 0);
    QCOMPARE(messages.FirstUnreadRow(), -1);
  }

  // Polish: notifications for direct and room messages, also with no tray icon (they go to the
  // desktop's notification service then).
  void DirectMessagesAndMentionsNotify() {
    struct Recording : Notifier {
      std::shared_ptr<QStringList> shown = std::make_shared<QStringList>();
      void Show(const QString& title, const QString& body, std::function<void()>) override {
        *shown << title + QStringLiteral(": ") + body;
      }
    };
    auto recording = std::make_unique<Recording>();
    auto shown = recording->shown;
    Start();
    window_->SetNotifier(std::move(recording));
    window_->OpenConversation(kRoom);
    window_->showMinimized();  // not watching
    QTRY_VERIFY(window_->isMinimized());
    Serve(Entry(Message(kDirect, 1, 2, "are you there?")));
    Serve(Entry(Message(kRoom, 1, 2, "lunch, anyone?")));
    Serve(Entry(Message(kRoom, 2, 2, "@meg is not you")));
    Serve(Entry(Message(kRoom, 3, 2, "@me: the build is green")));
    QCOMPARE(*shown, (QStringList{QStringLiteral("Ben Adams: are you there?"),
                                  QStringLiteral("Ben Adams in #dev: lunch, anyone?"),
                                  QStringLiteral("Ben Adams in #dev: @meg is not you"),
                                  QStringLiteral("Ben Adams in #dev: @me: the build is green")}));
  }

  // Issue 24 (audit): an ordinary room message never notified, and "All messages" meant "messages
  // that name me" in a room. A room notifies as a direct conversation does: at "all" every
  // message from others, at "mentions" those that mention you, at "none" nothing; muted, only
  // mentions.
  void RoomMessagesNotifyByTheirLevel() {
    struct Recording : Notifier {
      std::shared_ptr<QStringList> shown = std::make_shared<QStringList>();
      void Show(const QString&, const QString& body, std::function<void()>) override {
        *shown << body;
      }
    };
    auto recording = std::make_unique<Recording>();
    auto shown = recording->shown;
    Start();
    window_->SetNotifier(std::move(recording));
    window_->OpenConversation(kRoom);
    auto* button = window_->findChild<QToolButton*>(QStringLiteral("muteButton"));
    QStringList levels;
    for (QAction* a : button->menu()->actions()) {
      if (a->isCheckable()) levels << a->text();
    }
    QCOMPARE(levels, (QStringList{QStringLiteral("All messages"), QStringLiteral("Only @mentions"),
                                  QStringLiteral("Nothing")}));
    window_->OpenConversation(kDirect);
    window_->showMinimized();  // not watching
    QTRY_VERIFY(window_->isMinimized());
    uint64_t seq = 0;
    auto says = [&](const std::string& text, bool mentions_me) {
      v1::ChatMessage m = Message(kRoom, ++seq, 2, text);
      if (mentions_me) {
        auto* mention = m.add_mentions();
        mention->set_user_id(1);
        mention->set_username("me");
        mention->set_added(true);
      }
      Serve(Entry(m));
    };
    auto set = [&](v1::NotifyLevel level, int64_t muted_until_ms) {
      v1::ServerEvent e;
      e.mutable_notifications()->set_conversation_id(kRoom);
      e.mutable_notifications()->set_level(level);
      e.mutable_notifications()->set_muted_until_ms(muted_until_ms);
      Serve(e);
    };
    says("lunch, anyone?", false);
    QCOMPARE(*shown, QStringList{QStringLiteral("lunch, anyone?")});
    set(v1::NOTIFY_LEVEL_MENTIONS, 0);
    says("pizza it is", false);
    says("@me are you in?", true);
    QCOMPARE(*shown,
             (QStringList{QStringLiteral("lunch, anyone?"), QStringLiteral("@me are you in?")}));
    set(v1::NOTIFY_LEVEL_NONE, 0);
    says("@me? hello?", true);
    QCOMPARE(shown->size(), 2);
    set(v1::NOTIFY_LEVEL_ALL, kMutedForeverMs);
    says("leaving now", false);
    QCOMPARE(shown->size(), 2);
    says("@me we left", true);
    QCOMPARE(shown->last(), QStringLiteral("@me we left"));
    set(v1::NOTIFY_LEVEL_ALL, 0);
    says("back", false);
    QCOMPARE(shown->size(), 4);
    QCOMPARE(shown->last(), QStringLiteral("back"));
  }

  // A click on a message's notification brings the window up with its conversation open.
  void ClickingAMessageNotificationOpensItsConversation() {
    struct Recording : Notifier {
      std::shared_ptr<std::vector<std::function<void()>>> clicks =
          std::make_shared<std::vector<std::function<void()>>>();
      void Show(const QString&, const QString&, std::function<void()> clicked) override {
        clicks->push_back(std::move(clicked));
      }
    };
    auto recording = std::make_unique<Recording>();
    auto clicks = recording->clicks;
    Start();
    window_->SetNotifier(std::move(recording));
    window_->OpenConversation(kRoom);
    window_->showMinimized();  // not watching
    QTRY_VERIFY(window_->isMinimized());
    Serve(Entry(Message(kDirect, 1, 2, "are you there?")));
    QCOMPARE(clicks->size(), size_t{1});
    QVERIFY(clicks->front());
    clicks->front()();
    QTRY_VERIFY(!window_->isMinimized());
    QCOMPARE(window_->open_conversation(), kDirect);
  }

  // Issue 24 (audit): the notification service reads a body as markup, so a message's "<b>",
  // "&" or link was rendered (or cut). The body goes escaped; the summary is plain text already.
  void ANotificationsBodyShowsAsWritten() {
    const QDBusMessage call = DesktopNotifier::NotifyCall(
        QStringLiteral("Ben <3 in #dev"),
        QStringLiteral("<b>hi</b> & <a href=\"https://example.com\">look</a> <img src=x>"), true);
    QCOMPARE(call.member(), QStringLiteral("Notify"));
    const QList<QVariant> args = call.arguments();
    QCOMPARE(args.size(), 8);
    QCOMPARE(args[3].toString(), QStringLiteral("Ben <3 in #dev"));
    QCOMPARE(args[4].toString(),
             QStringLiteral("&lt;b&gt;hi&lt;/b&gt; &amp; &lt;a href=&quot;https://example.com&quot;"
                            "&gt;look&lt;/a&gt; &lt;img src=x&gt;"));
    QCOMPARE(args[5].toStringList(),
             (QStringList{QStringLiteral("default"), QStringLiteral("Open")}));
    QCOMPARE(DesktopNotifier::NotifyCall(QStringLiteral("Ben"), QStringLiteral("plain"), false)
                 .arguments()[4]
                 .toString(),
             QStringLiteral("plain"));
  }

  // Issue 23 item 8: the header's mute menu sends the settings asked for; a muted conversation (set
  // here or on another device) shows no notification, is marked in the chat list, and still
  // takes its messages in.
  void AMutedChatShowsNoNotificationAndTheMenuSendsTheMute() {
    struct Recording : Notifier {
      std::shared_ptr<QStringList> shown = std::make_shared<QStringList>();
      void Show(const QString& title, const QString& body, std::function<void()>) override {
        *shown << title + QStringLiteral(": ") + body;
      }
    };
    auto recording = std::make_unique<Recording>();
    auto shown = recording->shown;
    Start();
    window_->SetNotifier(std::move(recording));
    window_->OpenConversation(kDirect);
    auto* button = window_->findChild<QToolButton*>(QStringLiteral("muteButton"));
    QVERIFY(button && button->menu());
    QCOMPARE(button->text(), QStringLiteral("Mute"));
    auto action = [&](const QString& text) -> QAction* {
      for (QAction* a : button->menu()->actions()) {
        if (a->text() == text) return a;
      }
      return nullptr;
    };
    QVERIFY(action(QStringLiteral("Mute for 1 hour")));
    QVERIFY(!action(QStringLiteral("Unmute"))->isVisible());
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    action(QStringLiteral("Mute for 8 hours"))->trigger();
    QTRY_COMPARE(NotificationFrames().size(), size_t{1});
    const v1::SetNotifications sent = NotificationFrames()[0].notifications();
    QCOMPARE(sent.conversation().id(), kDirect);
    QCOMPARE(sent.level(), v1::NOTIFY_LEVEL_UNSPECIFIED);
    QVERIFY(sent.has_muted_until_ms());
    QVERIFY(sent.muted_until_ms() >= before + 8 * 3600 * 1000);
    QVERIFY(sent.muted_until_ms() <= QDateTime::currentMSecsSinceEpoch() + 8 * 3600 * 1000);
    action(QStringLiteral("Mute until I unmute"))->trigger();
    QTRY_COMPARE(NotificationFrames().size(), size_t{2});
    QCOMPARE(NotificationFrames()[1].notifications().muted_until_ms(), kMutedForeverMs);

    // The server's answer comes as an event (as it does on the user's other devices).
    v1::ServerEvent muted;
    muted.mutable_notifications()->set_conversation_id(kDirect);
    muted.mutable_notifications()->set_level(v1::NOTIFY_LEVEL_ALL);
    muted.mutable_notifications()->set_muted_until_ms(kMutedForeverMs);
    Serve(muted);
    QTRY_COMPARE(button->text(), QStringLiteral("Muted"));
    QVERIFY(action(QStringLiteral("Unmute"))->isVisible());
    const QModelIndex row = window_->conversations().index(window_->conversations().RowOf(kDirect));
    QVERIFY(row.data(ConversationModel::kQuietRole).toBool());

    window_->OpenConversation(kRoom);
    window_->showMinimized();  // not watching
    QTRY_VERIFY(window_->isMinimized());
    Serve(Entry(Message(kDirect, 1, 2, "are you there?")));
    Serve(Entry(Message(kRoom, 1, 2, "@me: the build is green")));
    QCOMPARE(*shown, (QStringList{QStringLiteral("Ben Adams in #dev: @me: the build is green")}));
    QCOMPARE(row.data(ConversationModel::kUnreadRole).toInt(), 1);  // delivered all the same

    action(QStringLiteral("Unmute"))->trigger();  // the menu acts on the open conversation
    QTRY_COMPARE(NotificationFrames().size(), size_t{3});
    QCOMPARE(NotificationFrames()[2].notifications().conversation().id(), kRoom);
    QVERIFY(NotificationFrames()[2].notifications().has_muted_until_ms());
    QCOMPARE(NotificationFrames()[2].notifications().muted_until_ms(), int64_t{0});
    action(QStringLiteral("Nothing"))->trigger();
    QTRY_COMPARE(NotificationFrames().size(), size_t{4});
    QCOMPARE(NotificationFrames()[3].notifications().level(), v1::NOTIFY_LEVEL_NONE);
    QVERIFY(!NotificationFrames()[3].notifications().has_muted_until_ms());
    v1::ServerEvent none;
    none.mutable_notifications()->set_conversation_id(kRoom);
    none.mutable_notifications()->set_level(v1::NOTIFY_LEVEL_NONE);
    Serve(none);
    Serve(Entry(Message(kRoom, 2, 2, "@me: still there?")));
    QCOMPARE(shown->size(), 1);  // level "none": nothing either
  }

  // Polish: an emoji picker beside the composer puts the emoji in at the cursor.
  void TheEmojiPickerPutsEmojiInTheComposer() {
    Start();
    window_->OpenConversation(kRoom);
    QTest::keyClicks(TheComposer(), QStringLiteral("nice "));
    auto* button = window_->findChild<QToolButton*>(QStringLiteral("emojiButton"));
    QVERIFY(button && button->menu());
    QToolButton* thumbs = nullptr;
    for (auto* face : button->menu()->findChildren<QToolButton*>()) {
      if (face->text() == QStringLiteral("👍")) thumbs = face;
    }
    QVERIFY(thumbs);
    thumbs->click();
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("nice 👍"));
  }

  // Polish: the member list shows avatars, display names and friends' presence.
  void TheMemberListShowsAvatarsNamesAndPresence() {
    Start();
    gateway_->OnRoomMembers([](const v1::RoomRequest&, v1::RoomMembersResponse* response) {
      response->mutable_room()->set_owner_id(1);
      for (auto [id, name, role] : {std::tuple{1, "me", "owner"}, std::tuple{2, "ben", "member"},
                                    std::tuple{3, "cat", "member"}}) {
        auto* m = response->add_members();
        m->set_user_id(static_cast<uint64_t>(id));
        m->set_username(name);
        m->set_role(role);
      }
      return grpc::Status::OK;
    });
    window_->OpenConversation(kRoom);
    MembersDialog dialog(window_->api(), QStringLiteral("dev"), 1, window_.get(),
                         &window_->avatars(), [](uint64_t id, const QString& username) {
                           return id == 2 ? MembersDialog::Person{QStringLiteral("Ben Adams"),
                                                                  QStringLiteral("online")}
                                          : MembersDialog::Person{username, QString()};
                         });
    auto* list = dialog.findChild<QListWidget*>(QStringLiteral("memberList"));
    QTRY_COMPARE(list->count(), 3);
    QCOMPARE(list->item(1)->text(), QStringLiteral("Ben Adams · online"));
    QCOMPARE(list->item(2)->text(), QStringLiteral("cat"));
    for (int i = 0; i < list->count(); ++i) QVERIFY(!list->item(i)->icon().isNull());
  }
};

}  // namespace natter::client

QTEST_MAIN(natter::client::MainWindowTest)
#include "main_window_test.moc"
