// The main window's composer, with the server played on a fake transport: a message stays in the
// composer until the server takes it (a refused or too long one is there to fix), and each
// conversation keeps its own draft, also across a restart.
#include "main_window.h"

#include <grpcpp/support/status.h>

#include <QLabel>
#include <QSettings>
#include <QStandardPaths>
#include <QtTest>
#include <memory>

#include "client/fake_transport.h"
#include "composer.h"

namespace natter::client {
namespace {

constexpr uint64_t kDirect = 5;
constexpr uint64_t kRoom = 9;

v1::ServerFrame Frame(const v1::ServerEvent& event) {
  v1::ServerFrame frame;
  *frame.add_events() = event;
  return frame;
}

// A direct conversation with ben (opened first, as the first of the Welcome) and the room "dev".
v1::ServerEvent Welcome() {
  v1::ServerEvent e;
  e.mutable_welcome()->set_user_id(1);
  e.mutable_welcome()->set_username("me");
  auto* direct = e.mutable_welcome()->add_conversations();
  direct->set_id(kDirect);
  direct->set_kind("direct");
  direct->set_name("ben");
  direct->set_peer_id(2);
  auto* room = e.mutable_welcome()->add_conversations();
  room->set_id(kRoom);
  room->set_kind("room");
  room->set_name("dev");
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

}  // namespace

class MainWindowTest : public QObject {
  Q_OBJECT

 private:
  std::shared_ptr<FakeTransport::State> server_;
  std::unique_ptr<MainWindow> window_;

  // A window signed in to a gateway that is never reached; the stream is the fake's.
  void Start() {
    SignedIn session;
    session.address = QStringLiteral("127.0.0.1:1");
    session.token = QStringLiteral("token");
    session.user_id = 1;
    session.username = QStringLiteral("me");
    server_ = std::make_shared<FakeTransport::State>();
    window_ = std::make_unique<MainWindow>(session, std::make_unique<FakeTransport>(server_));
    window_->show();
    Serve(Welcome());
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
  Composer* TheComposer() { return window_->findChild<Composer*>(QStringLiteral("composer")); }
  QString Hint() {
    auto* hint = window_->findChild<QLabel*>(QStringLiteral("composerHint"));
    return hint ? hint->text() : QStringLiteral("(no composer hint)");
  }

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
  void init() { QSettings().remove(QStringLiteral("drafts")); }
  void cleanup() { window_.reset(); }

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
};

}  // namespace natter::client

QTEST_MAIN(natter::client::MainWindowTest)
#include "main_window_test.moc"
