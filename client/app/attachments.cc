#include "attachments.h"

#include <QBuffer>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDir>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QMimeData>
#include <QMimeDatabase>
#include <QPointer>
#include <QProgressDialog>
#include <QScreen>
#include <QStandardPaths>
#include <QUrl>
#include <QVBoxLayout>

namespace natter::client {
namespace {

// A picture opened in the viewer is held whole in memory: it is at most the server's file limit.
constexpr qint64 kMaxViewedBytes = 64 * 1000 * 1000;

QStringList LocalFiles(const QMimeData* mime) {
  QStringList paths;
  if (!mime || !mime->hasUrls()) return paths;
  for (const QUrl& url : mime->urls()) {
    if (url.isLocalFile()) paths << url.toLocalFile();
  }
  return paths;
}

}  // namespace

// ---- thumbnails ----

Thumbnails::Thumbnails(FileTransfers& transfers, QObject* parent)
    : QObject(parent), transfers_(transfers) {
  cache_.setMaxCost(kBudgetKb);
}

const QImage* Thumbnails::Get(const QString& file_id) const {
  if (const QImage* image = cache_.object(file_id)) return image;
  if (file_id.isEmpty() || fetching_.contains(file_id) || failed_.contains(file_id)) return nullptr;
  fetching_.insert(file_id);
  ++fetches_;
  // Painting asks; the answer comes later, on this thread, through `ready`.
  auto* self = const_cast<Thumbnails*>(this);
  transfers_.Fetch(
      file_id.toStdString(), /*thumbnail=*/true, kMaxThumbnailBytes,
      [self, file_id](const grpc::Status& status, const v1::FileInfo&, const QByteArray& data) {
        self->fetching_.remove(file_id);
        QImage image;
        if (!status.ok() || !image.loadFromData(data)) {
          // A refusal or a broken picture is not asked again in this session (a placeholder
          // stays); after an outage or a busy server it is, at the next paint.
          const auto code = status.error_code();
          if (code != grpc::StatusCode::UNAVAILABLE &&
              code != grpc::StatusCode::DEADLINE_EXCEEDED &&
              code != grpc::StatusCode::RESOURCE_EXHAUSTED) {
            self->failed_.insert(file_id);
          }
          return;
        }
        const int cost = std::max(1, static_cast<int>(image.sizeInBytes() / 1024));
        self->cache_.insert(file_id, new QImage(std::move(image)), cost);
        emit self->ready(file_id);
      });
  return nullptr;
}

// ---- the viewer ----

ImageViewer::ImageViewer(FileTransfers& transfers, const Thumbnails& thumbnails,
                         const MessageModel::Attachment& attachment, QWidget* parent)
    : QDialog(parent) {
  setObjectName(QStringLiteral("imageViewer"));
  setWindowTitle(attachment.name);
  auto* layout = new QVBoxLayout(this);
  picture_ = new QLabel(this);
  picture_->setObjectName(QStringLiteral("picture"));
  picture_->setAlignment(Qt::AlignCenter);
  status_ = new QLabel(tr("Loading…"), this);
  status_->setObjectName(QStringLiteral("viewerStatus"));
  layout->addWidget(picture_, 1);
  layout->addWidget(status_);
  if (const QImage* thumb = thumbnails.Get(attachment.file_id)) {
    // The thumbnail, at the picture's size, until the picture is in.
    Show(thumb->scaled(attachment.width, attachment.height, Qt::KeepAspectRatio,
                       Qt::SmoothTransformation));
  }
  QPointer<ImageViewer> self(this);
  transfers.Fetch(attachment.file_id.toStdString(), /*thumbnail=*/false, kMaxViewedBytes,
                  [self](const grpc::Status& status, const v1::FileInfo&, const QByteArray& data) {
                    if (!self) return;
                    QImage image;
                    if (!status.ok()) {
                      self->status_->setText(FileTransfers::ErrorText(status));
                    } else if (!image.loadFromData(data)) {
                      self->status_->setText(tr("This picture cannot be shown."));
                    } else {
                      self->status_->hide();
                      self->Show(image);
                    }
                  });
}

void ImageViewer::Show(const QImage& image) {
  // Scaled down to fit the screen (never up).
  const QScreen* screen = QGuiApplication::primaryScreen();
  QSize room = screen ? screen->availableGeometry().size() * 9 / 10 : QSize(1200, 800);
  room -= QSize(40, 80);
  QImage shown = image;
  if (image.width() > room.width() || image.height() > room.height()) {
    shown = image.scaled(room, Qt::KeepAspectRatio, Qt::SmoothTransformation);
  }
  picture_->setPixmap(QPixmap::fromImage(shown));
  adjustSize();
}

// ---- the upload bar ----

UploadBar::UploadBar(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("uploadBar"));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  label_ = new QLabel(this);
  label_->setObjectName(QStringLiteral("uploadLabel"));
  label_->setTextFormat(Qt::PlainText);
  progress_ = new QProgressBar(this);
  progress_->setObjectName(QStringLiteral("uploadProgress"));
  progress_->setRange(0, 1000);
  progress_->setTextVisible(false);
  cancel_ = new QToolButton(this);
  cancel_->setObjectName(QStringLiteral("cancelUpload"));
  cancel_->setText(tr("Cancel"));
  connect(cancel_, &QToolButton::clicked, this, &UploadBar::cancelRequested);
  layout->addWidget(label_, 1);
  layout->addWidget(progress_, 1);
  layout->addWidget(cancel_);
  hide();
}

void UploadBar::Show(const QString& name, int queued, qint64 done, qint64 total) {
  QString text = tr("Sending %1 (%2 of %3)").arg(name, HumanSize(done), HumanSize(total));
  if (queued > 0) text += ' ' + tr("and %1 more").arg(queued);
  label_->setText(fontMetrics().elidedText(text, Qt::ElideMiddle, std::max(80, label_->width())));
  label_->setToolTip(text);
  progress_->setValue(total > 0 ? static_cast<int>(done * 1000 / total) : 0);
  show();
}

// ---- the confirmation ----

SendFilesDialog::SendFilesDialog(const QList<OutgoingFile>& files, const QString& caption,
                                 QWidget* parent)
    : QDialog(parent) {
  setObjectName(QStringLiteral("sendFilesDialog"));
  setWindowTitle(files.size() == 1 ? tr("Send this file?")
                                   : tr("Send %1 files?").arg(files.size()));
  auto* layout = new QVBoxLayout(this);
  constexpr int kListed = 10;
  for (int i = 0; i < std::min<int>(kListed, static_cast<int>(files.size())); ++i) {
    auto* line =
        new QLabel(QStringLiteral("%1 — %2").arg(files[i].name, HumanSize(files[i].size)), this);
    line->setTextFormat(Qt::PlainText);
    layout->addWidget(line);
  }
  if (files.size() > kListed) {
    layout->addWidget(new QLabel(tr("and %1 more").arg(files.size() - kListed), this));
  }
  if (!caption.trimmed().isEmpty()) {
    auto* with = new QLabel(tr("With the text: %1").arg(caption.trimmed().left(200)), this);
    with->setObjectName(QStringLiteral("caption"));
    with->setTextFormat(Qt::PlainText);
    with->setWordWrap(true);
    layout->addWidget(with);
  }
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
  buttons->addButton(tr("Send"), QDialogButtonBox::AcceptRole);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
}

// ---- sending and saving ----

Attachments::Attachments(ApiClient& api, QWidget* window)
    : QObject(window),
      window_(window),
      transfers_(api, this),
      thumbnails_(transfers_, this),
      bar_(new UploadBar(window)) {
  connect(bar_, &UploadBar::cancelRequested, this, &Attachments::CancelUploads);
  ask_save_path = [this](const QString& suggested) {
    QString dir = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    if (dir.isEmpty()) dir = QDir::homePath();
    return QFileDialog::getSaveFileName(window_, tr("Save as"), QDir(dir).filePath(suggested));
  };
  confirm_send = [this](const QList<OutgoingFile>& files, const QString& caption) {
    SendFilesDialog dialog(files, caption, window_);
    return dialog.exec() == QDialog::Accepted;
  };
}

void Attachments::ChooseAndSend(const SendTarget& to, const QString& caption) {
  const QStringList paths = QFileDialog::getOpenFileNames(window_, tr("Send files"));
  if (!paths.isEmpty()) SendPaths(to, paths, caption);
}

void Attachments::SendPaths(const SendTarget& to, const QStringList& paths,
                            const QString& caption) {
  QList<OutgoingFile> files;
  QStringList refused;
  const QMimeDatabase types;
  for (const QString& path : paths) {
    const QFileInfo info(path);
    const QString name = info.fileName();
    if (!info.isFile()) {
      refused << tr("%1 is not a file (a folder cannot be sent).").arg(name);
    } else if (info.size() == 0) {
      refused << tr("%1 is empty.").arg(name);
    } else if (info.size() > kMaxFileBytes) {
      refused << tr("%1 is too large to send: %2, at most %3 allowed.")
                     .arg(name, HumanSize(info.size()), HumanSize(kMaxFileBytes));
    } else {
      files << OutgoingFile{path, {}, name, types.mimeTypeForFile(info).name(), info.size()};
    }
  }
  if (!refused.isEmpty()) emit notice(refused.join(' '));
  if (!files.isEmpty()) Enqueue(to, std::move(files), caption);
}

void Attachments::SendImage(const SendTarget& to, const QImage& image, const QString& caption) {
  QByteArray png;
  QBuffer buffer(&png);
  buffer.open(QIODevice::WriteOnly);
  if (image.isNull() || !image.save(&buffer, "PNG")) {
    emit notice(tr("The pasted picture cannot be sent."));
    return;
  }
  if (png.size() > kMaxFileBytes) {
    emit notice(tr("The pasted picture is too large to send: %1, at most %2 allowed.")
                    .arg(HumanSize(png.size()), HumanSize(kMaxFileBytes)));
    return;
  }
  const QString name =
      QStringLiteral("pasted-%1.png")
          .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
  const qint64 size = png.size();
  Enqueue(to, {OutgoingFile{{}, std::move(png), name, QStringLiteral("image/png"), size}}, caption);
}

void Attachments::Enqueue(const SendTarget& to, QList<OutgoingFile> files, const QString& caption) {
  if (to.empty()) {
    emit notice(tr("Open a conversation first, then send the file there."));
    return;
  }
  if (!confirm_send(files, caption)) return;
  // Only a caption with something in it is sent (as a text message would be).
  const QString sent_caption = caption.trimmed().isEmpty() ? QString() : caption;
  for (int i = 0; i < files.size(); ++i) {
    queue_.push_back(Queued{to, std::move(files[i]), i == 0 ? sent_caption : QString()});
  }
  if (!sent_caption.isEmpty()) emit captionTaken(to, sent_caption);
  if (!busy_) StartNext();
}

QList<Attachments::HeldCaption> Attachments::held_captions() const {
  QList<HeldCaption> held;
  if (!current_caption_.text.isEmpty()) held << current_caption_;
  for (const Queued& queued : queue_) {
    if (!queued.caption.isEmpty()) held << HeldCaption{queued.to, queued.caption};
  }
  return held;
}

void Attachments::StartNext() {
  if (queue_.empty()) {
    busy_ = false;
    current_ = 0;
    current_caption_ = {};
    bar_->hide();
    return;
  }
  busy_ = true;
  Queued next = std::move(queue_.front());
  queue_.pop_front();
  current_caption_ = HeldCaption{next.to, next.caption};
  const QString name = next.file.name;
  const int queued = static_cast<int>(queue_.size());
  bar_->Show(name, queued, 0, next.file.size);
  auto progress = [this, name](qint64 done, qint64 total) {
    bar_->Show(name, static_cast<int>(queue_.size()), done, total);
  };
  auto done = [this, to = next.to, caption = next.caption, name](const grpc::Status& status,
                                                                 const v1::FileInfo& info) {
    current_ = 0;
    current_caption_ = {};
    if (status.ok()) {
      emit uploaded(to, caption, QString::fromStdString(info.file_id()));
    } else {
      emit notice(tr("%1 was not sent: %2").arg(name, FileTransfers::ErrorText(status)));
      if (!caption.isEmpty()) emit captionReturned(to, caption);
    }
    StartNext();
  };
  current_ =
      next.file.path.isEmpty()
          ? transfers_.UploadBytes(std::move(next.file.bytes), name, next.file.content_type,
                                   progress, done)
          : transfers_.UploadFile(next.file.path, name, next.file.content_type, progress, done);
}

void Attachments::CancelUploads() {
  // The captions of files never started go back now; the current one's with its cancellation.
  std::deque<Queued> dropped;
  dropped.swap(queue_);
  for (const Queued& queued : dropped) {
    if (!queued.caption.isEmpty()) emit captionReturned(queued.to, queued.caption);
  }
  if (current_ != 0) transfers_.Cancel(current_);
}

void Attachments::Save(const MessageModel::Attachment& attachment) {
  const QString path = ask_save_path(attachment.name);
  if (path.isEmpty()) return;
  auto* dialog = new QProgressDialog(tr("Downloading %1…").arg(attachment.name), tr("Cancel"), 0,
                                     1000, window_);
  dialog->setObjectName(QStringLiteral("downloadProgress"));
  dialog->setWindowTitle(tr("Download"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setMinimumDuration(500);
  QPointer<QProgressDialog> shown(dialog);
  const QString name = attachment.name;
  const uint64_t id = transfers_.DownloadToFile(
      attachment.file_id.toStdString(), path,
      [shown](qint64 done, qint64 total) {
        if (shown && total > 0) shown->setValue(static_cast<int>(done * 1000 / total));
      },
      [this, shown, name, path](const grpc::Status& status, const v1::FileInfo&) {
        if (shown) shown->close();
        emit notice(status.ok()
                        ? tr("Saved %1.").arg(QDir::toNativeSeparators(path))
                        : tr("%1 was not saved: %2").arg(name, FileTransfers::ErrorText(status)));
      });
  connect(dialog, &QProgressDialog::canceled, this, [this, id] { transfers_.Cancel(id); });
}

void Attachments::Open(const MessageModel::Attachment& attachment) {
  auto* viewer = new ImageViewer(transfers_, thumbnails_, attachment, window_);
  viewer->setAttribute(Qt::WA_DeleteOnClose);
  viewer->show();
}

// ---- drops ----

bool FileDropFilter::eventFilter(QObject* watched, QEvent* event) {
  switch (event->type()) {
    case QEvent::DragEnter:
    case QEvent::DragMove: {
      auto* drag = static_cast<QDropEvent*>(event);
      if (LocalFiles(drag->mimeData()).isEmpty()) break;
      drag->acceptProposedAction();
      return true;
    }
    case QEvent::Drop: {
      auto* drop = static_cast<QDropEvent*>(event);
      const QStringList paths = LocalFiles(drop->mimeData());
      if (paths.isEmpty()) break;
      drop->acceptProposedAction();
      emit filesDropped(paths);
      return true;
    }
    default:
      break;
  }
  return QObject::eventFilter(watched, event);
}

}  // namespace natter::client
