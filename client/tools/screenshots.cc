// natter-desktop-screenshots: signs in to a running Natter, opens the main screens and saves each
// as a PNG (QWidget::grab), for docs/screenshots/ (scripts/screenshots runs it under Xvfb).
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QLineEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTimer>
#include <functional>

#include "dialogs.h"
#include "main_window.h"
#include "sign_in_window.h"

namespace {

using natter::client::MainWindow;
using natter::client::SignedIn;
using natter::client::SignInWindow;

// Runs `step` once `ready` holds (polled on the event loop), or gives up after `ms`.
void When(std::function<bool()> ready, std::function<void()> step, int ms = 15000) {
  auto* timer = new QTimer;
  auto waited = std::make_shared<int>(0);
  QObject::connect(timer, &QTimer::timeout, [=] {
    *waited += 100;
    if (ready() || *waited >= ms) {
      timer->stop();
      timer->deleteLater();
      step();
    }
  });
  timer->start(100);
}

void Save(QWidget* widget, const QString& dir, const QString& name) {
  widget->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("Natter"));
  QApplication::setApplicationName(QStringLiteral("natter-desktop-screenshots"));
  QCommandLineParser parser;
  QCommandLineOption server(QStringLiteral("server"), QStringLiteral("Gateway"),
                            QStringLiteral("address"), QStringLiteral("127.0.0.1:2019"));
  QCommandLineOption user(QStringLiteral("user"), QStringLiteral("Username"),
                          QStringLiteral("name"));
  QCommandLineOption password(QStringLiteral("password"), QStringLiteral("Password"),
                              QStringLiteral("password"));
  QCommandLineOption out(QStringLiteral("out"), QStringLiteral("Folder for the PNGs"),
                         QStringLiteral("dir"), QStringLiteral("docs/screenshots"));
  QCommandLineOption direct(QStringLiteral("direct-with"),
                            QStringLiteral("Open the direct conversation with this user"),
                            QStringLiteral("name"));
  QCommandLineOption ca(QStringLiteral("ca"), QStringLiteral("TLS, trusting this CA"),
                        QStringLiteral("file"));
  parser.addOptions({server, user, password, out, direct, ca});
  parser.addHelpOption();
  parser.process(app);
  const QString dir = parser.value(out);
  QDir().mkpath(dir);

  auto* sign_in = new SignInWindow;
  sign_in->resize(460, 420);
  sign_in->SetAddress(parser.value(server));
  sign_in->SetUsername(parser.value(user));
  if (parser.isSet(ca)) sign_in->SetTls(true, parser.value(ca));
  sign_in->show();
  auto* field = sign_in->findChild<QLineEdit*>(QStringLiteral("password"));
  field->setText(parser.value(password));
  MainWindow* window = nullptr;
  QObject::connect(sign_in, &SignInWindow::signedIn, [&](const SignedIn& session) {
    sign_in->hide();
    window = new MainWindow(session);
    window->resize(1100, 700);
    window->show();
    When(
        [&] {
          return window->bridge().state() == natter::client::StreamBridge::State::kConnected &&
                 window->conversations().rowCount() > 0;
        },
        [&, session] {
          QString peer = parser.value(direct);
          if (!peer.isEmpty()) window->OpenDirect(peer);
          When([&] { return window->messages().rowCount() > 2; },
               [&] {
                 QTimer::singleShot(800, [&] {
                   Save(window, dir, QStringLiteral("main-window"));
                   window->findChild<QTabWidget*>()->setCurrentIndex(1);
                   QTimer::singleShot(500, [&] {
                     Save(window, dir, QStringLiteral("contacts"));
                     app.quit();
                   });
                 });
               });
        });
  });
  QTimer::singleShot(500, [&] {
    Save(sign_in, dir, QStringLiteral("sign-in"));
    sign_in->findChild<QPushButton*>(QStringLiteral("submit"))->click();
  });
  QTimer::singleShot(60000, &app, &QApplication::quit);
  return app.exec();
}
