#include "notifier.h"

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCall>
#include <QVariantMap>

namespace natter::client {

void DesktopNotifier::Show(const QString& title, const QString& body) {
  if (tray_) {
    tray_->showMessage(title, body, QSystemTrayIcon::Information, 5000);
    return;
  }
  // org.freedesktop.Notifications.Notify(app_name, replaces_id, app_icon, summary, body, actions,
  // hints, expire_timeout); sent without waiting for the answer. With no session bus, or no
  // notification service on it, nothing is shown and nothing else happens.
  QDBusConnection bus = QDBusConnection::sessionBus();
  if (!bus.isConnected()) return;
  QDBusMessage notify = QDBusMessage::createMethodCall(
      QStringLiteral("org.freedesktop.Notifications"),
      QStringLiteral("/org/freedesktop/Notifications"),
      QStringLiteral("org.freedesktop.Notifications"), QStringLiteral("Notify"));
  notify << QStringLiteral("Natter") << 0u << QStringLiteral("natter-desktop") << title << body
         << QStringList() << QVariantMap() << 5000;
  bus.asyncCall(notify);
}

}  // namespace natter::client
