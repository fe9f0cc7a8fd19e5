// Desktop notifications: through the tray icon where there is one, else straight to the desktop's
// notification service (freedesktop notifications over D-Bus), so that they show on desktops
// without a tray too. Tests put a recording one in its place.
#pragma once

#include <QString>
#include <QSystemTrayIcon>

namespace natter::client {

class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual void Show(const QString& title, const QString& body) = 0;
};

class DesktopNotifier : public Notifier {
 public:
  // `tray` may be null (no tray on this desktop); it is not owned.
  explicit DesktopNotifier(QSystemTrayIcon* tray) : tray_(tray) {}
  void Show(const QString& title, const QString& body) override;

 private:
  QSystemTrayIcon* tray_;
};

}  // namespace natter::client
