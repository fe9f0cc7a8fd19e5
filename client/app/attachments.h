// Pictures and files in the window (docs/PROTOCOL.md, "Files"): the thumbnails drawn in bubbles
// (fetched once each, kept in memory up to a bound), the viewer a click on a picture opens, "Save
// as…" of a message's file, and sending files: chosen (📎), dropped on the chat or pasted, confirmed
// with their names and sizes, checked against the size limit, uploaded in chunks with progress and
// Cancel above the composer, then sent as messages with their file ids. Nothing here waits on the
// network on the GUI thread.
#pragma once

#include <QCache>
#include <QDialog>
#include <QImage>
#include <QLabel>
#include <QList>
#include <QObject>
#include <QProgressBar>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QToolButton>
#include <deque>
#include <functional>

#include "api_client.h"
#include "file_transfer.h"
#include "message_model.h"

namespace natter::client {

// Thumbnails by file id: a miss starts one fetch (DownloadFile with thumbnail) and answers null
// until `ready` says it is in. Kept up to kBudget bytes of decoded pixels, least recently used out.
class Thumbnails : public QObject {
  Q_OBJECT

 public:
  static constexpr int kBudgetKb = 48 * 1024;
  static constexpr qint64 kMaxThumbnailBytes = 4 * 1000 * 1000;

  explicit Thumbnails(FileTransfers& transfers, QObject* parent = nullptr);
  // The thumbnail, or null while it is fetched (or when it cannot be had).
  const QImage* Get(const QString& file_id) const;
  // How many fetches were started (tests: each thumbnail is fetched once).
  int fetches() const { return fetches_; }

 signals:
  void ready(const QString& file_id);

 private:
  FileTransfers& transfers_;
  mutable QCache<QString, QImage> cache_;
  mutable QSet<QString> fetching_;
  mutable QSet<QString> failed_;
  mutable int fetches_ = 0;
};

// The full picture in a window of its own, scaled to fit the screen; its thumbnail meanwhile.
class ImageViewer : public QDialog {
  Q_OBJECT

 public:
  ImageViewer(FileTransfers& transfers, const Thumbnails& thumbnails,
              const MessageModel::Attachment& attachment, QWidget* parent = nullptr);

 private:
  void Show(const QImage& image);
  QLabel* picture_;
  QLabel* status_;
};

// One file about to be sent: a file on disk, or a pasted picture's PNG bytes.
struct OutgoingFile {
  QString path;  // empty: `bytes`
  QByteArray bytes;
  QString name;
  QString content_type;
  qint64 size = 0;
};

// Where files go: a conversation, or a friend by username before any conversation with them
// exists (the message carrying the file then starts it, as a first text message does).
struct SendTarget {
  uint64_t conversation_id = 0;
  QString with_user;  // only when conversation_id is 0
  bool empty() const { return conversation_id == 0 && with_user.isEmpty(); }
  bool operator==(const SendTarget& other) const {
    return conversation_id == other.conversation_id && with_user == other.with_user;
  }
};

// Above the composer while files upload: which, how far, and Cancel.
class UploadBar : public QWidget {
  Q_OBJECT

 public:
  explicit UploadBar(QWidget* parent = nullptr);
  void Show(const QString& name, int queued, qint64 done, qint64 total);

 signals:
  void cancelRequested();

 private:
  QLabel* label_;
  QProgressBar* progress_;
  QToolButton* cancel_;
};

// The confirmation before sending: each file's name and size, and the caption (the composer's
// text) that goes with the first.
class SendFilesDialog : public QDialog {
  Q_OBJECT

 public:
  SendFilesDialog(const QList<OutgoingFile>& files, const QString& caption,
                  QWidget* parent = nullptr);
};

class Attachments : public QObject {
  Q_OBJECT

 public:
  Attachments(ApiClient& api, QWidget* window);

  FileTransfers& transfers() { return transfers_; }
  Thumbnails& thumbnails() { return thumbnails_; }
  // The bar to place above the composer (hidden while nothing uploads).
  UploadBar* upload_bar() { return bar_; }

  // Sending to `to`: files from disk (the 📎 dialog, a drop, pasted file names) or a pasted
  // picture. Too large or empty files are refused at once, the rest confirmed with `caption`, then
  // uploaded one after another; each uploaded one is handed on through `uploaded`.
  void SendPaths(const SendTarget& to, const QStringList& paths, const QString& caption);
  void SendImage(const SendTarget& to, const QImage& image, const QString& caption);
  // The 📎 button: a file dialog, then SendPaths.
  void ChooseAndSend(const SendTarget& to, const QString& caption);
  void CancelUploads();
  bool uploading() const { return busy_; }
  // A caption taken with files (see captionTaken) and not yet handed on with its file.
  struct HeldCaption {
    SendTarget to;
    QString text;
  };
  // Those still queued or uploading (the window keeps them as drafts when it closes meanwhile).
  QList<HeldCaption> held_captions() const;

  // "Save as…" / a file card's Download: where to (a file dialog), then the download with progress.
  void Save(const MessageModel::Attachment& attachment);
  // A click on a picture: the viewer.
  void Open(const MessageModel::Attachment& attachment);

  // Replaceable for tests: asks where to save (empty: cancelled), and whether to send.
  std::function<QString(const QString& suggested)> ask_save_path;
  std::function<bool(const QList<OutgoingFile>& files, const QString& caption)> confirm_send;

 signals:
  // A file is uploaded: send the message carrying it (with the caption for the first of a batch).
  void uploaded(const natter::client::SendTarget& to, const QString& caption,
                const QString& file_id);
  // The files were confirmed with `caption` (not empty): it now goes with the first of them, so
  // it leaves the composer (else Enter would send it a second time, as a text message).
  void captionTaken(const natter::client::SendTarget& to, const QString& caption);
  // The file carrying `caption` failed or was cancelled: the caption goes back to the composer.
  void captionReturned(const natter::client::SendTarget& to, const QString& caption);
  // Something to tell the user (a refusal, a finished or failed download), in words.
  void notice(const QString& text);

 private:
  struct Queued {
    SendTarget to;
    OutgoingFile file;
    QString caption;
  };
  void Enqueue(const SendTarget& to, QList<OutgoingFile> files, const QString& caption);
  void StartNext();

  QWidget* window_;
  FileTransfers transfers_;
  Thumbnails thumbnails_;
  UploadBar* bar_;
  std::deque<Queued> queue_;
  bool busy_ = false;            // an upload runs (its result will start the next)
  uint64_t current_ = 0;         // its transfer id
  HeldCaption current_caption_;  // the caption its file carries (empty: none)
};

// Drops of files from outside (a file manager) on a widget: taken as files to send, rather than
// as text (which the composer would make of them).
class FileDropFilter : public QObject {
  Q_OBJECT

 public:
  using QObject::QObject;
  bool eventFilter(QObject* watched, QEvent* event) override;

 signals:
  void filesDropped(const QStringList& paths);
};

}  // namespace natter::client

Q_DECLARE_METATYPE(natter::client::SendTarget)
