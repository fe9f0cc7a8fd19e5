// The message input: Enter asks to send, Shift+Enter starts a new line, Up in an empty composer
// asks to edit one's last message; while the user types it
// asks for a typing notice at most every few seconds. The text stays until the window clears it: a
// message the server refuses is still there to fix.
#pragma once

#include <QElapsedTimer>
#include <QPlainTextEdit>

namespace natter::client {

class Composer : public QPlainTextEdit {
  Q_OBJECT

 public:
  explicit Composer(QWidget* parent = nullptr);

 signals:
  void sendRequested(const QString& text);
  void editLastRequested();
  void typing();

 protected:
  void keyPressEvent(QKeyEvent* event) override;

 private:
  QElapsedTimer since_typing_;
};

}  // namespace natter::client
