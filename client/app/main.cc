// natter-desktop: the sign-in window, then the main window; "remember me" keeps the server address
// and the session token in the user's settings (file mode 0600). The language is the system's, or
// the one picked with --language, NATTER_LANGUAGE or in the window (language.h).
#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QSettings>
#include <memory>

#include "app_icon.h"
#include "language.h"
#include "main_window.h"
#include "sign_in_window.h"

namespace {

using natter::client::MainWindow;
using natter::client::SignedIn;
using natter::client::SignInWindow;

// Settings hold a session token: only the user may read them.
void ProtectSettings() {
  QSettings settings;
  settings.sync();
  QFile::setPermissions(settings.fileName(), QFile::ReadOwner | QFile::WriteOwner);
}

class App : public QObject {
 public:
  App(const QString& address_override, const QString& ca_file)
      : address_override_(address_override), ca_file_(ca_file) {}

  void Start() {
    QSettings settings;
    SignedIn remembered;
    remembered.address = settings.value(QStringLiteral("server")).toString();
    remembered.token = settings.value(QStringLiteral("session/token")).toString();
    remembered.user_id = settings.value(QStringLiteral("session/user_id")).toULongLong();
    remembered.username = settings.value(QStringLiteral("session/username")).toString();
    remembered.tls = settings.value(QStringLiteral("tls"), false).toBool() || !ca_file_.isEmpty();
    remembered.ca_file = ca_file_;
    if (!address_override_.isEmpty()) remembered.address = address_override_;
    if (!remembered.token.isEmpty() && remembered.user_id != 0 && !remembered.address.isEmpty()) {
      ShowMain(remembered);
    } else {
      ShowSignIn(remembered, QString());
    }
  }

 private:
  void ShowSignIn(const SignedIn& last, const QString& notice) {
    main_.reset();
    sign_in_ = std::make_unique<SignInWindow>();
    sign_in_->SetAddress(last.address.isEmpty() ? QStringLiteral("127.0.0.1:2019") : last.address);
    sign_in_->SetUsername(last.username);
    sign_in_->SetTls(last.tls, last.ca_file);
    sign_in_->SetNotice(notice);
    connect(sign_in_.get(), &SignInWindow::signedIn, this, [this](const SignedIn& session) {
      QSettings settings;
      settings.setValue(QStringLiteral("server"), session.address);
      settings.setValue(QStringLiteral("session/username"), session.username);
      settings.setValue(QStringLiteral("tls"), session.tls);
      if (session.remember) {
        settings.setValue(QStringLiteral("session/token"), session.token);
        settings.setValue(QStringLiteral("session/user_id"),
                          QVariant::fromValue<qulonglong>(session.user_id));
      } else {
        settings.remove(QStringLiteral("session/token"));
      }
      ProtectSettings();
      ShowMain(session);
    });
    sign_in_->show();
  }

  void ShowMain(const SignedIn& session) {
    if (sign_in_) sign_in_->hide();
    main_ = std::make_unique<MainWindow>(session);
    connect(main_.get(), &MainWindow::signedOut, this, [this, session](const QString& reason) {
      QSettings settings;
      settings.remove(QStringLiteral("session/token"));
      settings.remove(QStringLiteral("session/user_id"));
      // Deleted once back in the event loop: the signal came from inside the window.
      main_.release()->deleteLater();
      ShowSignIn(session, reason);
    });
    main_->show();
    sign_in_.reset();
  }

  QString address_override_;
  QString ca_file_;
  std::unique_ptr<SignInWindow> sign_in_;
  std::unique_ptr<MainWindow> main_;
};

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("Natter"));
  QApplication::setApplicationName(QStringLiteral("natter-desktop"));
  QApplication::setApplicationDisplayName(QStringLiteral("Natter"));
  QApplication::setQuitOnLastWindowClosed(true);
  QApplication::setWindowIcon(natter::client::AppIcon());
  qRegisterMetaType<SignedIn>();
  // The help below is in the language of NATTER_LANGUAGE, the setting or the system; --language
  // applies to the windows.
  const QString language = natter::client::ChosenLanguage(QString());
  natter::client::InstallTranslators(language);

  QCommandLineParser parser;
  parser.setApplicationDescription(QCoreApplication::translate("main", "Natter desktop client"));
  parser.addHelpOption();
  QCommandLineOption server(
      QStringLiteral("server"),
      QCoreApplication::translate("main", "Gateway address HOST:PORT (default: the last one used)"),
      QCoreApplication::translate("main", "address"));
  QCommandLineOption ca(
      QStringLiteral("ca"),
      QCoreApplication::translate("main", "Trust this CA certificate (PEM) for TLS; implies TLS"),
      QCoreApplication::translate("main", "file"));
  QCommandLineOption language_option(
      QStringLiteral("language"),
      QCoreApplication::translate("main",
                                  "Language of the window: %1, or system (default: the one picked "
                                  "in the window, else the system's)")
          .arg(natter::client::AvailableLanguages().join(QStringLiteral(", "))),
      QCoreApplication::translate("main", "language"));
  parser.addOption(server);
  parser.addOption(ca);
  parser.addOption(language_option);
  parser.process(app);
  if (parser.isSet(language_option) && parser.value(language_option) != language) {
    natter::client::InstallTranslators(parser.value(language_option));
  }

  App natter(parser.value(server), parser.value(ca));
  natter.Start();
  return app.exec();
}
