#include "notifier.h"

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCall>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QVariantMap>

namespace natter::client {
namespace {

const char kService[] = "org.freedesktop.Notifications";
const char kPath[] = "/org/freedesktop/Notifications";
const char kInterface[] = "org.freedesktop.Notifications";
// The action a click on the notification's body invokes (the specification's "default").
const char kDefaultAction[] = "default";

}  // namespace

DesktopNotifier::DesktopNotifier(QSystemTrayIcon* tray, QObject* parent)
    : QObject(parent), tray_(tray) {
  if (tray_) {
    connect(tray_, &QSystemTrayIcon::messageClicked, this, [this] {
      if (tray_clicked_) tray_clicked_();
    });
  }
}

void DesktopNotifier::Show(const QString& title, const QString& body,
                           std::function<void()> clicked) {
  if (tray_) {
    tray_clicked_ = std::move(clicked);
    tray_->showMessage(title, body, QSystemTrayIcon::Information, 5000);
    return;
  }
  // org.freedesktop.Notifications.Notify(app_name, replaces_id, app_icon, summary, body, actions,
  // hints, expire_timeout); its answer (the notification's id) comes later, and ActionInvoked
  // with that id says it was clicked. With no session bus, or no notification service on it,
  // nothing is shown and nothing else happens.
  QDBusConnection bus = QDBusConnection::sessionBus();
  if (!bus.isConnected()) return;
  if (!listening_) {
    listening_ = true;
    bus.connect(QLatin1String(kService), QLatin1String(kPath), QLatin1String(kInterface),
                QStringLiteral("ActionInvoked"), this, SLOT(OnActionInvoked(uint, QString)));
    bus.connect(QLatin1String(kService), QLatin1String(kPath), QLatin1String(kInterface),
                QStringLiteral("NotificationClosed"), this, SLOT(OnClosed(uint, uint)));
  }
  auto* watcher =
      new QDBusPendingCallWatcher(bus.asyncCall(NotifyCall(title, body, bool(clicked))), this);
  connect(watcher, &QDBusPendingCallWatcher::finished, this,
          [this, clicked = std::move(clicked)](QDBusPendingCallWatcher* call) {
            call->deleteLater();
            const QDBusPendingReply<uint> reply = *call;
            if (reply.isError() || !clicked) return;
            if (shown_.size() >= kRemembered) shown_.erase(shown_.begin());
            shown_[reply.value()] = clicked;
          });
}

QDBusMessage DesktopNotifier::NotifyCall(const QString& title, const QString& body,
                                         bool clickable) {
  QDBusMessage notify =
      QDBusMessage::createMethodCall(QLatin1String(kService), QLatin1String(kPath),
                                     QLatin1String(kInterface), QStringLiteral("Notify"));
  const QStringList actions =
      clickable ? QStringList{QLatin1String(kDefaultAction), tr("Open")} : QStringList();
  // The body is markup to the notification service (the specification's "body-markup": <b>,
  // <i>, <a href>, <img>, and entities), the summary plain text: a message's "<" or "&" is
  // escaped so it shows as written, and no one's message can put a link or a picture there.
  notify << QStringLiteral("Natter") << 0u << QStringLiteral("natter-desktop") << title
         << body.toHtmlEscaped() << actions << QVariantMap() << 5000;
  return notify;
}

void DesktopNotifier::OnActionInvoked(uint id, const QString& action) {
  auto it = shown_.find(id);
  if (it == shown_.end() || action != QLatin1String(kDefaultAction)) return;
  const std::function<void()> clicked = it->second;
  shown_.erase(it);
  clicked();
}

void DesktopNotifier::OnClosed(uint id, uint) { shown_.erase(id); }

}  // namespace natter::client
