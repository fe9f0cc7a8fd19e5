// The message input: Enter asks to send, Shift+Enter starts a new line, Up in an empty composer
// asks to edit one's last message; while the user types it
// asks for a typing notice at most every few seconds. The text stays until the window clears it: a
// message the server refuses is still there to fix.
#pragma once

#include <QElapsedTimer>
#include <QImage>
#include <QPlainTextEdit>
#include <QStringList>

namespace natter::client {

class Composer : public QPlainTextEdit {
  Q_OBJECT

 public:
  explicit Composer(QWidget* parent = nullptr);

 signals:
  void sendRequested(const QString& text);
  void editLastRequested();
  void typing();
  // Pasted: files copied in a file manager, or a picture (and no text): to send, not to type.
  void filesPasted(const QStringList& paths);
  void imagePasted(const QImage& image);

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  bool canInsertFromMimeData(const QMimeData* source) const override;
  void insertFromMimeData(const QMimeData* source) override;

 private:
  QElapsedTimer since_typing_;
};

}  // namespace natter::client
