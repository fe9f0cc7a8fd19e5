// Pictures and files in the desktop client, the server played by the fake gateway (UploadFile,
// DownloadFile) and the fake transport (the stream): bubbles laid out at the picture's size, file
// cards, a download from a card's click, an upload in chunks followed by the message carrying it,
// a too large file refused before any upload, and what the chat list and notifications say of a
// message that is only a file.
#include <QApplication>
#include <QBuffer>
#include <QClipboard>
#include <QDragEnterEvent>
#include <QHelpEvent>
#include <QMimeData>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QToolButton>
#include <QToolTip>
#include <QtTest>
#include <future>
#include <memory>

#include "client/fake_gateway.h"
#include "client/fake_transport.h"
#include "composer.h"
#include "conversation_model.h"
#include "delegates.h"
#include "file_transfer.h"
#include "main_window.h"
#include "message_model.h"

namespace natter::client {
namespace {

constexpr uint64_t kRoom = 9;
constexpr uint64_t kDirect = 5;  // with ben
const std::string kFileId = "0123456789abcdef0123456789abcdef";

v1::FileInfo Picture(int width, int height) {
  v1::FileInfo f;
  f.set_file_id(kFileId);
  f.set_name("beach.jpg");
  f.set_content_type("image/jpeg");
  f.set_size(480'000);
  f.set_width(static_cast<uint32_t>(width));
  f.set_height(static_cast<uint32_t>(height));
  f.set_has_thumbnail(true);
  return f;
}

v1::FileInfo Document() {
  v1::FileInfo f;
  f.set_file_id(kFileId);
  f.set_name("quarterly report.pdf");
  f.set_content_type("application/pdf");
  f.set_size(1'520'000);
  return f;
}

v1::ChatMessage WithFile(uint64_t seq, uint64_t sender, const v1::FileInfo& file,
                         const std::string& text = "") {
  v1::ChatMessage m;
  m.set_conversation_id(kRoom);
  m.set_seq(seq);
  m.set_type("message");
  m.set_sender_id(sender);
  m.set_sender(sender == 1 ? "me" : "ben");
  m.set_room("dev");
  m.set_text(text);
  m.set_sent_at_ms(1'700'000'000'000 + static_cast<int64_t>(seq) * 1000);
  *m.mutable_attachment() = file;
  return m;
}

v1::ServerFrame Frame(const v1::ServerEvent& event) {
  v1::ServerFrame frame;
  *frame.add_events() = event;
  return frame;
}

QStyleOptionViewItem Option(const QFont& font = QApplication::font()) {
  QStyleOptionViewItem option;
  option.rect = QRect(0, 0, 600, 0);
  option.font = font;
  option.palette = QApplication::palette();
  return option;
}

// Records notifications instead of showing them.
class RecordingNotifier : public Notifier {
 public:
  explicit RecordingNotifier(std::vector<std::pair<QString, QString>>* shown) : shown_(shown) {}
  void Show(const QString& title, const QString& body, std::function<void()>) override {
    shown_->emplace_back(title, body);
  }

 private:
  std::vector<std::pair<QString, QString>>* shown_;
};

}  // namespace

class AttachmentsTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  std::unique_ptr<FakeGateway> gateway_;
  std::shared_ptr<FakeTransport::State> server_;
  std::unique_ptr<MainWindow> window_;
  std::vector<std::pair<QString, QString>> notified_;

  // A window signed in as "me" (user 1) with the room "dev" open (and a direct conversation with
  // ben in the list).
  void Start() {
    if (!gateway_) gateway_ = std::make_unique<FakeGateway>();  // kept: a restart's drafts
    // Nothing older to load: no refusal of History reaches the status bar.
    gateway_->OnHistory(
        [](const v1::HistoryRequest&, v1::HistoryResponse*) { return grpc::Status::OK; });
    SignedIn session;
    session.address = QString::fromStdString(gateway_->address());
    session.token = QStringLiteral("token");
    session.user_id = 1;
    session.username = QStringLiteral("me");
    server_ = std::make_shared<FakeTransport::State>();
    window_ = std::make_unique<MainWindow>(session, std::make_unique<FakeTransport>(server_));
    notified_.clear();
    window_->SetNotifier(std::make_unique<RecordingNotifier>(&notified_));
    window_->show();
    v1::ServerEvent welcome;
    welcome.mutable_welcome()->set_user_id(1);
    welcome.mutable_welcome()->set_username("me");
    auto* room = welcome.mutable_welcome()->add_conversations();
    room->set_id(kRoom);
    room->set_kind("room");
    room->set_name("dev");
    auto* direct = welcome.mutable_welcome()->add_conversations();
    direct->set_id(kDirect);
    direct->set_kind("direct");
    direct->set_name("ben");
    direct->set_peer_id(2);
    Serve(welcome);
    QTRY_COMPARE(window_->bridge().state(), StreamBridge::State::kConnected);
    window_->OpenConversation(kRoom);
  }
  void Serve(const v1::ServerEvent& event) {
    Transport::Handler handler;
    {
      std::lock_guard lock(server_->mu);
      handler = server_->handler;
    }
    QVERIFY(handler.on_frame);
    handler.on_frame(Frame(event));
    QCoreApplication::processEvents();
  }
  void ServeEntry(const v1::ChatMessage& m) {
    v1::ServerEvent e;
    *e.mutable_message() = m;
    Serve(e);
  }
  // The request id of the last SendMessage written.
  uint64_t LastSendRequest() {
    std::lock_guard lock(server_->mu);
    for (auto it = server_->written.rbegin(); it != server_->written.rend(); ++it) {
      if (it->has_send()) return it->request_id();
    }
    return 0;
  }
  Composer* TheComposer() { return window_->findChild<Composer*>(QStringLiteral("composer")); }
  // Files dropped on the messages, as from a file manager.
  void Drop(const QStringList& paths) {
    QMimeData mime;
    QList<QUrl> urls;
    for (const QString& path : paths) urls << QUrl::fromLocalFile(path);
    mime.setUrls(urls);
    auto* viewport = window_->findChild<QListView*>(QStringLiteral("messageList"))->viewport();
    QDragEnterEvent enter(QPoint(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(viewport, &enter);
    QDropEvent drop(QPointF(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(viewport, &drop);
  }
  // Uploads wait for `released` (the server is slow), then store the file as kFileId.
  void SlowUploads(std::shared_future<void> released) {
    gateway_->OnUploadFile([released](const std::vector<v1::UploadChunk>&, v1::FileInfo* info) {
      released.wait_for(std::chrono::seconds(10));
      info->set_file_id(kFileId);
      return grpc::Status::OK;
    });
  }
  std::vector<v1::SendMessage> Sends() {
    std::lock_guard lock(server_->mu);
    std::vector<v1::SendMessage> sends;
    for (const auto& f : server_->written) {
      if (f.has_send()) sends.push_back(f.send());
    }
    return sends;
  }
  QString WriteFile(const QString& name, qint64 size) {
    QFile file(dir_.filePath(name));
    if (!file.open(QIODevice::WriteOnly)) return {};
    QByteArray block(64 * 1024, '\0');
    for (int i = 0; i < block.size(); ++i) block[i] = static_cast<char>(i * 7);
    for (qint64 left = size; left > 0; left -= block.size()) {
      file.write(block.constData(), std::min<qint64>(left, block.size()));
    }
    return file.fileName();
  }

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
  void init() { QSettings().remove(QStringLiteral("drafts")); }
  void cleanup() {
    window_.reset();
    gateway_.reset();
  }

  void APictureIsLaidOutAtItsSizeBeforeItsThumbnailArrives() {
    QTemporaryDir cache;
    ApiClient api(QStringLiteral("127.0.0.1:1"), nullptr);
    AvatarCache avatars(api, cache.path());
    MessageDelegate delegate(avatars);
    MessageModel model;
    model.Reset(kRoom, 1);
    model.Apply(WithFile(1, 2, Picture(640, 480)));
    model.Apply(WithFile(2, 2, Picture(120, 60), "the view"));
    // A large picture is scaled down to the thumbnail's bound, its shape kept.
    QCOMPARE(delegate.AttachmentRect(Option(), model.index(0)).size(), QSize(320, 240));
    QVERIFY(delegate.sizeHint(Option(), model.index(0)).height() > 240);
    // A small one keeps its size; its caption goes under it.
    const QRect small = delegate.AttachmentRect(Option(), model.index(1));
    QCOMPARE(small.size(), QSize(120, 60));
    MessageModel plain;  // the same two messages, the second without its picture
    plain.Reset(kRoom, 1);
    plain.Apply(WithFile(1, 2, Picture(640, 480)));
    v1::ChatMessage text = WithFile(2, 2, Picture(120, 60), "the view");
    text.clear_attachment();
    plain.Apply(text);
    QCOMPARE(delegate.sizeHint(Option(), model.index(1)).height(),
             delegate.sizeHint(Option(), plain.index(1)).height() + 60 + 4);
    // A deleted message shows no picture.
    v1::ChatMessage deletion;
    deletion.set_conversation_id(kRoom);
    deletion.set_seq(3);
    deletion.set_type("message_deleted");
    deletion.set_target_seq(1);
    model.Apply(deletion);
    QVERIFY(delegate.AttachmentRect(Option(), model.index(0)).isEmpty());
  }

  void AFileIsACardWithItsNameAndSize() {
    QTemporaryDir cache;
    ApiClient api(QStringLiteral("127.0.0.1:1"), nullptr);
    AvatarCache avatars(api, cache.path());
    MessageDelegate delegate(avatars);
    MessageModel model;
    model.Reset(kRoom, 1);
    model.Apply(WithFile(1, 2, Document()));
    const QRect card = delegate.AttachmentRect(Option(), model.index(0));
    QVERIFY(!card.isEmpty());
    QVERIFY(card.width() <= 300);
    QVERIFY(card.height() >= 2 * QFontMetrics(QApplication::font()).height());
    QCOMPARE(HumanSize(1'520'000), QStringLiteral("1.5 MB"));
    QCOMPARE(HumanSize(48'211), QStringLiteral("48 KB"));
    QCOMPARE(HumanSize(812), QStringLiteral("812 bytes"));
    // Its tooltip names the whole file and its size.
    QListView view;
    view.resize(600, 400);
    QStyleOptionViewItem option = Option();
    option.rect.setHeight(delegate.sizeHint(option, model.index(0)).height());
    QHelpEvent help(QEvent::ToolTip, card.center(), view.mapToGlobal(card.center()));
    QVERIFY(delegate.helpEvent(&help, &view, option, model.index(0)));
    QCOMPARE(QToolTip::text(), QStringLiteral("quarterly report.pdf (1.5 MB)"));
  }

  void AClickOnAFileCardDownloadsItWhereTheUserChose() {
    Start();
    const QByteArray content = QByteArray(300'000, 'x') + "end";
    gateway_->OnDownloadFile(
        [content](const v1::DownloadRequest& request, std::vector<v1::FileChunk>* chunks) {
          if (request.thumbnail()) return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "no");
          v1::FileChunk first;
          *first.mutable_info() = Document();
          first.set_total(static_cast<uint64_t>(content.size()));
          first.set_data(content.left(262'144).toStdString());
          chunks->push_back(first);
          v1::FileChunk rest;
          rest.set_data(content.mid(262'144).toStdString());
          chunks->push_back(rest);
          return grpc::Status::OK;
        });
    const QString target = dir_.filePath(QStringLiteral("report.pdf"));
    QString suggested;
    window_->attachments().ask_save_path = [&](const QString& name) {
      suggested = name;
      return target;
    };
    QSignalSpy notices(&window_->attachments(), &Attachments::notice);
    ServeEntry(WithFile(1, 2, Document()));
    auto* list = window_->findChild<QListView*>(QStringLiteral("messageList"));
    const QModelIndex index = window_->messages().index(0);
    QStyleOptionViewItem option = Option(list->font());
    option.rect = list->visualRect(index);
    option.widget = list;
    auto* delegate = qobject_cast<MessageDelegate*>(list->itemDelegate());
    const QRect card = delegate->AttachmentRect(option, index).translated(option.rect.topLeft());
    QVERIFY(!card.isEmpty());
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, card.center());
    QCOMPARE(suggested, QStringLiteral("quarterly report.pdf"));
    QTRY_VERIFY(QFile::exists(target));
    QFile saved(target);
    QVERIFY(saved.open(QIODevice::ReadOnly));
    QCOMPARE(saved.readAll(), content);
    QVERIFY(!QFile::exists(target + QStringLiteral(".part")));
    const auto requests = gateway_->download_requests();
    QVERIFY(std::any_of(requests.begin(), requests.end(), [](const v1::DownloadRequest& r) {
      return r.file_id() == kFileId && !r.thumbnail();
    }));
    QTRY_COMPARE(notices.size(), 1);
    QVERIFY(notices[0][0].toString().startsWith(QStringLiteral("Saved")));
  }

  void APicturesThumbnailIsFetchedOnceAndAClickOpensTheWholePicture() {
    Start();
    auto png = [](int w, int h) {
      QImage image(w, h, QImage::Format_RGB32);
      image.fill(QColor("#1565c0"));
      QByteArray bytes;
      QBuffer buffer(&bytes);
      buffer.open(QIODevice::WriteOnly);
      image.save(&buffer, "PNG");
      return bytes.toStdString();
    };
    const std::string thumbnail = png(32, 24);
    const std::string full = png(64, 48);
    gateway_->OnDownloadFile(
        [thumbnail, full](const v1::DownloadRequest& request, std::vector<v1::FileChunk>* chunks) {
          v1::FileChunk chunk;
          *chunk.mutable_info() = Picture(64, 48);
          const std::string& bytes = request.thumbnail() ? thumbnail : full;
          chunk.set_total(bytes.size());
          chunk.set_data(bytes);
          chunks->push_back(chunk);
          return grpc::Status::OK;
        });
    QSignalSpy ready(&window_->attachments().thumbnails(), &Thumbnails::ready);
    ServeEntry(WithFile(1, 2, Picture(64, 48)));
    auto* list = window_->findChild<QListView*>(QStringLiteral("messageList"));
    list->viewport()->repaint();
    QTRY_COMPARE(ready.size(), 1);
    const QImage* cached = window_->attachments().thumbnails().Get(QString::fromStdString(kFileId));
    QVERIFY(cached);
    QCOMPARE(cached->size(), QSize(32, 24));
    list->viewport()->repaint();
    QCOMPARE(window_->attachments().thumbnails().fetches(), 1);

    const QModelIndex index = window_->messages().index(0);
    QStyleOptionViewItem option = Option(list->font());
    option.rect = list->visualRect(index);
    option.widget = list;
    auto* delegate = qobject_cast<MessageDelegate*>(list->itemDelegate());
    const QRect picture = delegate->AttachmentRect(option, index).translated(option.rect.topLeft());
    QCOMPARE(picture.size(), QSize(64, 48));
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, picture.center());
    ImageViewer* viewer = nullptr;
    QTRY_VERIFY((viewer = window_->findChild<ImageViewer*>(QStringLiteral("imageViewer"))));
    auto* shown = viewer->findChild<QLabel*>(QStringLiteral("picture"));
    QTRY_VERIFY(viewer->findChild<QLabel*>(QStringLiteral("viewerStatus"))->isHidden());
    QCOMPARE(shown->pixmap(Qt::ReturnByValue).size(), QSize(64, 48));
    const auto requests = gateway_->download_requests();
    QCOMPARE(std::count_if(requests.begin(), requests.end(),
                           [](const v1::DownloadRequest& r) { return !r.thumbnail(); }),
             1);
    viewer->close();
  }

  void AFailedDownloadSaysWhyAndLeavesNoFile() {
    Start();
    gateway_->OnDownloadFile([](const v1::DownloadRequest&, std::vector<v1::FileChunk>*) {
      return grpc::Status(
          grpc::StatusCode::PERMISSION_DENIED,
          "you cannot open this file: it was not sent to a conversation you are in");
    });
    const QString target = dir_.filePath(QStringLiteral("denied.pdf"));
    window_->attachments().ask_save_path = [&](const QString&) { return target; };
    QSignalSpy notices(&window_->attachments(), &Attachments::notice);
    window_->attachments().Save(
        MessageModel::Attachment{QString::fromStdString(kFileId), QStringLiteral("denied.pdf"),
                                 QStringLiteral("application/pdf"), 10, 0, 0});
    QTRY_COMPARE(notices.size(), 1);
    QCOMPARE(notices[0][0].toString(),
             QStringLiteral("denied.pdf was not saved: You cannot open this file: it was not "
                            "sent to a conversation you are in."));
    QVERIFY(!QFile::exists(target));
    QVERIFY(!QFile::exists(target + QStringLiteral(".part")));
  }

  void AFileIsUploadedInChunksThenSentWithItsId() {
    Start();
    gateway_->OnUploadFile([](const std::vector<v1::UploadChunk>& chunks, v1::FileInfo* info) {
      uint64_t got = 0;
      for (const auto& c : chunks) got += c.data().size();
      if (chunks.empty() || got != chunks.front().start().size()) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "short");
      }
      info->set_file_id(kFileId);
      info->set_name(chunks.front().start().name());
      info->set_size(got);
      return grpc::Status::OK;
    });
    int asked = 0;
    window_->attachments().confirm_send = [&](const QList<OutgoingFile>& files,
                                              const QString& caption) {
      ++asked;
      return files.size() == 1 && files[0].name == QStringLiteral("notes.txt") &&
             caption == QStringLiteral("see these");
    };
    const QString path = WriteFile(QStringLiteral("notes.txt"), 600'000);
    window_->attachments().SendPaths(SendTarget{kRoom, {}}, {path}, QStringLiteral("see these"));
    QCOMPARE(asked, 1);
    QVERIFY(window_->attachments().uploading());
    QTRY_COMPARE(Sends().size(), size_t{1});
    const v1::SendMessage send = Sends().front();
    QCOMPARE(send.conversation_id(), kRoom);
    QCOMPARE(send.attachment_file_id(), kFileId);
    QCOMPARE(send.text(), std::string("see these"));
    const auto chunks = gateway_->upload_chunks();
    QCOMPARE(chunks.size(), size_t{3});
    QCOMPARE(chunks[0].start().name(), std::string("notes.txt"));
    QCOMPARE(chunks[0].start().size(), uint64_t{600'000});
    QCOMPARE(chunks[0].start().content_type(), std::string("text/plain"));
    QCOMPARE(chunks[0].data().size(), size_t{262'144});
    QCOMPARE(chunks[1].data().size(), size_t{262'144});
    QVERIFY(!chunks[1].has_start());
    QCOMPARE(chunks[2].data().size(), size_t{600'000 - 2 * 262'144});
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QByteArray::fromStdString(chunks[0].data() + chunks[1].data() + chunks[2].data()),
             file.readAll());
    QTRY_VERIFY(!window_->attachments().uploading());
    QVERIFY(window_->attachments().upload_bar()->isHidden());
  }

  void AServerRefusalIsShownInWordsAndNothingIsSent() {
    Start();
    gateway_->OnUploadFile([](const std::vector<v1::UploadChunk>&, v1::FileInfo*) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "you are uploading 3 files already; wait for one to finish");
    });
    window_->attachments().confirm_send = [](const QList<OutgoingFile>&, const QString&) {
      return true;
    };
    QSignalSpy notices(&window_->attachments(), &Attachments::notice);
    window_->attachments().SendPaths(SendTarget{kRoom, {}},
                                     {WriteFile(QStringLiteral("a.bin"), 1000)}, {});
    QTRY_COMPARE(notices.size(), 1);
    QCOMPARE(notices[0][0].toString(),
             QStringLiteral("a.bin was not sent: You are uploading 3 files already; wait for "
                            "one to finish."));
    QVERIFY(Sends().empty());
  }

  void APastedPictureIsSentAsAPng() {
    Start();
    gateway_->OnUploadFile([](const std::vector<v1::UploadChunk>& chunks, v1::FileInfo* info) {
      info->set_file_id(kFileId);
      info->set_name(chunks.front().start().name());
      return grpc::Status::OK;
    });
    QList<OutgoingFile> asked;
    window_->attachments().confirm_send = [&](const QList<OutgoingFile>& files, const QString&) {
      asked = files;
      return true;
    };
    QImage picture(64, 48, QImage::Format_RGB32);
    picture.fill(QColor("#2e7d32"));
    QGuiApplication::clipboard()->setImage(picture);
    auto* composer = window_->findChild<Composer*>(QStringLiteral("composer"));
    composer->paste();
    QCOMPARE(composer->toPlainText(), QString());  // not pasted as text
    QCOMPARE(asked.size(), 1);
    QVERIFY(asked[0].name.startsWith(QStringLiteral("pasted-")));
    QCOMPARE(asked[0].content_type, QStringLiteral("image/png"));
    QTRY_COMPARE(Sends().size(), size_t{1});
    QCOMPARE(Sends().front().attachment_file_id(), kFileId);
    QImage uploaded;
    const auto chunks = gateway_->upload_chunks();
    QVERIFY(uploaded.loadFromData(QByteArray::fromStdString(chunks.front().data()), "PNG"));
    QCOMPARE(uploaded.size(), QSize(64, 48));
  }

  void FilesDroppedOnTheChatAreConfirmedWithTheComposersText() {
    Start();
    QList<OutgoingFile> asked;
    QString caption;
    window_->attachments().confirm_send = [&](const QList<OutgoingFile>& files,
                                              const QString& text) {
      asked = files;
      caption = text;
      return false;  // the user says no: nothing is uploaded
    };
    auto* composer = window_->findChild<Composer*>(QStringLiteral("composer"));
    composer->setPlainText(QStringLiteral("for the trip"));
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(WriteFile(QStringLiteral("map.png.txt"), 10)),
                  QUrl::fromLocalFile(WriteFile(QStringLiteral("list.txt"), 20))});
    auto* viewport = window_->findChild<QListView*>(QStringLiteral("messageList"))->viewport();
    // As a drag from a file manager: it enters (taken: files), then drops.
    QDragEnterEvent enter(QPoint(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(viewport, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(viewport, &drop);
    QVERIFY(drop.isAccepted());
    QCOMPARE(asked.size(), 2);
    QCOMPARE(asked[1].name, QStringLiteral("list.txt"));
    QCOMPARE(asked[1].size, qint64{20});
    QCOMPARE(caption, QStringLiteral("for the trip"));
    QTest::qWait(50);
    QCOMPARE(gateway_->uploads(), 0);
  }

  void CancelStopsTheUploadAndSendsNothing() {
    Start();
    auto release = std::make_shared<std::promise<void>>();
    std::shared_future<void> released = release->get_future().share();
    gateway_->OnUploadFile([released](const std::vector<v1::UploadChunk>&, v1::FileInfo* info) {
      released.wait_for(std::chrono::seconds(10));  // the server is slow to answer
      info->set_file_id(kFileId);
      return grpc::Status::OK;
    });
    window_->attachments().confirm_send = [](const QList<OutgoingFile>&, const QString&) {
      return true;
    };
    QSignalSpy notices(&window_->attachments(), &Attachments::notice);
    window_->attachments().SendPaths(SendTarget{kRoom, {}},
                                     {WriteFile(QStringLiteral("slow.bin"), 1000)}, {});
    QTRY_COMPARE(gateway_->uploads(), 1);
    QVERIFY(window_->attachments().upload_bar()->isVisible());
    QTest::mouseClick(window_->findChild<QToolButton*>(QStringLiteral("cancelUpload")),
                      Qt::LeftButton);
    QTRY_COMPARE(notices.size(), 1);
    QCOMPARE(notices[0][0].toString(), QStringLiteral("slow.bin was not sent: Cancelled."));
    release->set_value();
    QTRY_VERIFY(!window_->attachments().uploading());
    QVERIFY(window_->attachments().upload_bar()->isHidden());
    QTest::qWait(50);
    QVERIFY(Sends().empty());
  }

  // Issue 23: the caption stayed in the composer while its file uploaded, so Enter sent it as a
  // text message and the file then carried it a second time.
  void TheCaptionLeavesTheComposerWhileItsFileUploads() {
    Start();
    auto release = std::make_shared<std::promise<void>>();
    SlowUploads(release->get_future().share());
    window_->attachments().confirm_send = [](const QList<OutgoingFile>&, const QString&) {
      return true;
    };
    TheComposer()->setPlainText(QStringLiteral("see these"));
    Drop({WriteFile(QStringLiteral("notes.txt"), 1000)});
    QCOMPARE(TheComposer()->toPlainText(), QString());
    QTRY_COMPARE(gateway_->uploads(), 1);
    QTest::keyClick(TheComposer(), Qt::Key_Return);  // nothing to send
    // Elsewhere and back: the conversation's draft is empty too.
    window_->OpenConversation(kDirect);
    window_->OpenConversation(kRoom);
    QCOMPARE(TheComposer()->toPlainText(), QString());
    release->set_value();
    QTRY_COMPARE(Sends().size(), size_t{1});
    QCOMPARE(Sends()[0].text(), std::string("see these"));
    QCOMPARE(Sends()[0].attachment_file_id(), kFileId);
    QTest::qWait(50);
    QCOMPARE(Sends().size(), size_t{1});
  }

  // The caption of a file that was not sent comes back to its conversation's composer: alone, or
  // before what was typed since (on a line of its own), or into its draft when another
  // conversation is shown.
  void TheCaptionOfAFileNotSentComesBack() {
    Start();
    auto release = std::make_shared<std::promise<void>>();
    SlowUploads(release->get_future().share());
    window_->attachments().confirm_send = [](const QList<OutgoingFile>&, const QString&) {
      return true;
    };
    TheComposer()->setPlainText(QStringLiteral("for the trip"));
    Drop({WriteFile(QStringLiteral("map.bin"), 1000)});
    QCOMPARE(TheComposer()->toPlainText(), QString());
    QTRY_COMPARE(gateway_->uploads(), 1);
    QTest::keyClicks(TheComposer(), QStringLiteral("and this"));
    QTest::mouseClick(window_->findChild<QToolButton*>(QStringLiteral("cancelUpload")),
                      Qt::LeftButton);
    QTRY_VERIFY(!window_->attachments().uploading());
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("for the trip\nand this"));

    // Cancelled while another conversation is shown: back in the draft of the one it was for.
    TheComposer()->setPlainText(QStringLiteral("the menu"));
    Drop({WriteFile(QStringLiteral("menu.bin"), 1000)});
    QTRY_COMPARE(gateway_->uploads(), 2);
    window_->OpenConversation(kDirect);
    window_->attachments().CancelUploads();
    QTRY_VERIFY(!window_->attachments().uploading());
    QCOMPARE(TheComposer()->toPlainText(), QString());
    window_->OpenConversation(kRoom);
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("the menu"));
    release->set_value();

    // Refused by the server: back as it was.
    gateway_->OnUploadFile([](const std::vector<v1::UploadChunk>&, v1::FileInfo*) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too many");
    });
    TheComposer()->setPlainText(QStringLiteral("one more"));
    Drop({WriteFile(QStringLiteral("more.bin"), 1000)});
    QCOMPARE(TheComposer()->toPlainText(), QString());
    QTRY_COMPARE(TheComposer()->toPlainText(), QStringLiteral("one more"));
    QVERIFY(Sends().empty());
  }

  // Closed while its file uploads, the caption is the conversation's draft at the next start.
  void ACaptionStillUploadingWhenTheWindowClosesIsKeptAsTheDraft() {
    Start();
    auto release = std::make_shared<std::promise<void>>();
    SlowUploads(release->get_future().share());
    window_->attachments().confirm_send = [](const QList<OutgoingFile>&, const QString&) {
      return true;
    };
    TheComposer()->setPlainText(QStringLiteral("see you there"));
    Drop({WriteFile(QStringLiteral("ticket.bin"), 1000)});
    QTRY_COMPARE(gateway_->uploads(), 1);
    window_.reset();
    release->set_value();
    Start();
    QCOMPARE(TheComposer()->toPlainText(), QStringLiteral("see you there"));
  }

  // Issue 23: with no conversation yet (a friend opened from Contacts), a file did nothing; it
  // starts the conversation as a first text message does, and the conversation then opens.
  void AFileStartsADirectConversation() {
    Start();
    gateway_->OnUploadFile([](const std::vector<v1::UploadChunk>&, v1::FileInfo* info) {
      info->set_file_id(kFileId);
      return grpc::Status::OK;
    });
    window_->attachments().confirm_send = [](const QList<OutgoingFile>&, const QString&) {
      return true;
    };
    window_->OpenDirect(QStringLiteral("cat"));
    QVERIFY(window_->findChild<QToolButton*>(QStringLiteral("attachButton"))->isEnabled());
    TheComposer()->setPlainText(QStringLiteral("hi cat, the map"));
    Drop({WriteFile(QStringLiteral("map.bin"), 1000)});
    QCOMPARE(TheComposer()->toPlainText(), QString());
    QTRY_COMPARE(Sends().size(), size_t{1});
    QCOMPARE(Sends()[0].to_user(), std::string("cat"));
    QCOMPARE(Sends()[0].attachment_file_id(), kFileId);
    QCOMPARE(Sends()[0].text(), std::string("hi cat, the map"));
    constexpr uint64_t kNew = 11;
    v1::ServerEvent ack;
    ack.mutable_result()->set_request_id(LastSendRequest());
    ack.mutable_result()->mutable_ack()->set_conversation_id(kNew);
    Serve(ack);
    v1::ChatMessage first = WithFile(1, 1, Document(), "hi cat, the map");
    first.set_conversation_id(kNew);
    first.clear_room();
    first.set_peer_id(3);
    first.set_peer("cat");
    ServeEntry(first);
    QCOMPARE(window_->open_conversation(), kNew);

    // Nowhere to send to: said, not silently nothing.
    bool asked = false;
    window_->attachments().confirm_send = [&](const QList<OutgoingFile>&, const QString&) {
      asked = true;
      return true;
    };
    QSignalSpy notices(&window_->attachments(), &Attachments::notice);
    window_->attachments().SendPaths(SendTarget{}, {WriteFile(QStringLiteral("x.bin"), 10)}, {});
    QVERIFY(!asked);
    QCOMPARE(notices.size(), 1);
  }

  void ATooLargeFileIsRefusedBeforeAnyUpload() {
    Start();
    bool asked = false;
    window_->attachments().confirm_send = [&](const QList<OutgoingFile>&, const QString&) {
      asked = true;
      return true;
    };
    QFile big(dir_.filePath(QStringLiteral("film.mkv")));
    QVERIFY(big.open(QIODevice::WriteOnly));
    QVERIFY(big.resize(kMaxFileBytes + 1));  // sparse: nothing is written
    big.close();
    window_->attachments().SendPaths(SendTarget{kRoom, {}}, {big.fileName()}, {});
    QVERIFY(!asked);
    QVERIFY(!window_->attachments().uploading());
    QCOMPARE(window_->statusBar()->currentMessage(),
             QStringLiteral("film.mkv is too large to send: 25 MB, at most 25 MB allowed."));
    QTest::qWait(50);
    QCOMPARE(gateway_->uploads(), 0);
    QVERIFY(Sends().empty());
  }

  void AFileOnlyMessageIsPreviewedAndNotifiedByWhatItCarries() {
    ConversationModel model;
    v1::Conversation room;
    room.set_id(kRoom);
    room.set_kind("room");
    room.set_name("dev");
    // A listing's latest message carries no attachment: without text it is a file.
    v1::ChatMessage listed = WithFile(4, 2, Document());
    listed.clear_attachment();
    *room.mutable_last_entry() = listed;
    model.Reset({room}, 1);
    QCOMPARE(model.index(0).data(ConversationModel::kPreviewRole).toString(),
             QStringLiteral("ben: 📎 File"));
    model.OnEntry(WithFile(5, 2, Picture(800, 600)), false);
    QCOMPARE(model.index(0).data(ConversationModel::kPreviewRole).toString(),
             QStringLiteral("ben: 🖼 Photo"));
    model.OnEntry(WithFile(6, 1, Document()), false);
    QCOMPARE(model.index(0).data(ConversationModel::kPreviewRole).toString(),
             QStringLiteral("You: 📎 quarterly report.pdf"));
    model.OnEntry(WithFile(7, 2, Picture(800, 600), "sunset"), false);
    QCOMPARE(model.index(0).data(ConversationModel::kPreviewRole).toString(),
             QStringLiteral("ben: 🖼 sunset"));

    // A direct message that is only a picture notifies as such.
    Start();
    window_->showMinimized();  // not watching
    QTRY_VERIFY(window_->isMinimized());
    v1::ChatMessage direct = WithFile(1, 2, Picture(800, 600));
    direct.set_conversation_id(77);
    direct.clear_room();
    direct.set_peer_id(2);
    direct.set_peer("ben");
    ServeEntry(direct);
    QTRY_COMPARE(notified_.size(), size_t{1});
    QCOMPARE(notified_[0].second, QStringLiteral("sent a photo"));
  }
};

}  // namespace natter::client

QTEST_MAIN(natter::client::AttachmentsTest)
#include "attachments_test.moc"
