// Desktop notifications: through the tray icon where there is one, else straight to the desktop's
// notification service (freedesktop notifications over D-Bus), so that they show on desktops
// without a tray too. A click on one runs what it was shown with (the window opens what it is
// about). Tests put a recording one in its place.
#pragma once

#include <QDBusMessage>
#include <QObject>
#include <QString>
#include <QSystemTrayIcon>
#include <functional>
#include <map>

namespace natter::client {

class Notifier {
 public:
  virtual ~Notifier() = default;
  // `clicked` runs (on the GUI thread) when the user clicks the notification, if the desktop says.
  virtual void Show(const QString& title, const QString& body, std::function<void()> clicked) = 0;
};

class DesktopNotifier : public QObject, public Notifier {
  Q_OBJECT

 public:
  // `tray` may be null (no tray on this desktop); it is not owned.
  explicit DesktopNotifier(QSystemTrayIcon* tray, QObject* parent = nullptr);
  void Show(const QString& title, const QString& body, std::function<void()> clicked) override;
  // The Notify call to the notification service for a notification (with an action to click when
  // `clickable`): the body escaped, as the service reads it as markup.
  static QDBusMessage NotifyCall(const QString& title, const QString& body, bool clickable);

 private slots:
  // org.freedesktop.Notifications' signals (sent to every client: ids not ours are ignored).
  void OnActionInvoked(uint id, const QString& action);
  void OnClosed(uint id, uint reason);

 private:
  // The most notifications remembered for a click: older ones are long gone from the screen.
  static constexpr size_t kRemembered = 64;

  QSystemTrayIcon* tray_;
  // The tray shows one message at a time, and says only that it was clicked: the last one's.
  std::function<void()> tray_clicked_;
  // Shown through the notification service, by the id it gave them.
  std::map<uint, std::function<void()>> shown_;
  bool listening_ = false;  // connected to the service's signals
};

}  // namespace natter::client
