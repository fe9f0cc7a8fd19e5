// The message bubbles as the delegate measures and paints them: each line break of a message is a
// new line in the bubble, in its size hint and in what is painted, so the two agree.
#include <QApplication>
#include <QImage>
#include <QMouseEvent>
#include <QPainter>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

#include "api_client.h"
#include "avatar_cache.h"
#include "contact_model.h"
#include "conversation_model.h"
#include "delegates.h"
#include "message_model.h"

namespace natter::client {
namespace {

constexpr uint64_t kMe = 1;
constexpr int kWidth = 600;

// A model holding one message of the signed-in user: drawn on the right, dark text on light blue,
// with no avatar and no sender name.
std::unique_ptr<MessageModel> OwnMessage(const std::string& text) {
  auto model = std::make_unique<MessageModel>();
  model->Reset(7, kMe);
  v1::ChatMessage m;
  m.set_conversation_id(7);
  m.set_seq(1);
  m.set_sender_id(kMe);
  m.set_sender("me");
  m.set_type("message");
  m.set_text(text);
  m.set_sent_at_ms(1'700'000'000'000);
  model->Apply(m);
  return model;
}

// A model holding one message of someone else (with their name above it).
std::unique_ptr<MessageModel> TheirMessage(const std::string& text) {
  auto model = std::make_unique<MessageModel>();
  model->Reset(7, kMe);
  v1::ChatMessage m;
  m.set_conversation_id(7);
  m.set_seq(1);
  m.set_sender_id(2);
  m.set_sender("ben");
  m.set_type("message");
  m.set_text(text);
  m.set_sent_at_ms(1'700'000'000'000);
  model->Apply(m);
  return model;
}

QStyleOptionViewItem Option() {
  QStyleOptionViewItem option;
  option.rect = QRect(0, 0, kWidth, 0);
  option.font = QApplication::font();
  option.palette = QApplication::palette();
  return option;
}

// How many lines of message text the delegate paints: bands of pixel rows holding the text colour
// (#102a43 on the own bubble; the footer and day separator are lighter and not counted).
int PaintedLines(const MessageDelegate& delegate, const QModelIndex& index) {
  QStyleOptionViewItem option = Option();
  option.rect.setHeight(delegate.sizeHint(option, index).height());
  QImage image(option.rect.size(), QImage::Format_RGB32);
  image.fill(Qt::white);
  {
    QPainter painter(&image);
    delegate.paint(&painter, option, index);
  }
  int lines = 0;
  bool in_line = false;
  for (int y = 0; y < image.height(); ++y) {
    bool ink = false;
    for (int x = 0; x < image.width() && !ink; ++x) {
      QRgb p = image.pixel(x, y);
      ink = qRed(p) < 60 && qGreen(p) < 80 && qBlue(p) < 110;
    }
    if (ink && !in_line) ++lines;
    in_line = ink;
  }
  return lines;
}

}  // namespace

class MessageDelegateTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir cache_;
  ApiClient api_{QStringLiteral("127.0.0.1:1"), nullptr};
  AvatarCache avatars_{api_, cache_.path()};
  MessageDelegate delegate_{avatars_};

  int HeightOf(const MessageModel& model) {
    return delegate_.sizeHint(Option(), model.index(0)).height();
  }

 private slots:
  void LineBreaksMakeTheBubbleTaller() {
    auto three = OwnMessage("Line one\nLine two\nLine three");
    auto one = OwnMessage("Line one Line two Line three");
    const int line = QFontMetrics(QApplication::font()).height();
    QVERIFY2(HeightOf(*three) - HeightOf(*one) >= 2 * line - 2,
             qPrintable(QStringLiteral("three lines: %1 px, one line: %2 px, a line: %3 px")
                            .arg(HeightOf(*three))
                            .arg(HeightOf(*one))
                            .arg(line)));
    // Text written on Windows breaks the same way.
    QCOMPARE(HeightOf(*OwnMessage("Line one\r\nLine two\r\nLine three")), HeightOf(*three));
  }

  void EachLineIsPaintedOnItsOwn() {
    auto three = OwnMessage("Line one\nLine two\nLine three");
    auto one = OwnMessage("Line one Line two Line three");
    QCOMPARE(PaintedLines(delegate_, one->index(0)), 1);
    QCOMPARE(PaintedLines(delegate_, three->index(0)), 3);
  }

  // Issue 23 item 2: a reply shows a quote above its text (the quoted sender and the start of
  // the text, at most two lines; "Deleted message" once deleted), and its bubble is taller for
  // it; a click on the quote asks to show the quoted message.
  void AReplyShowsItsQuote() {
    auto plain = OwnMessage("sure");
    auto reply = OwnMessage("sure");
    v1::ChatMessage m;
    m.set_conversation_id(7);
    m.set_seq(2);
    m.set_sender_id(kMe);
    m.set_sender("me");
    m.set_type("message");
    m.set_text("sure");
    m.set_sent_at_ms(1'700'000'000'000);
    m.set_reply_to_seq(1);
    m.mutable_reply()->set_sender_id(2);
    m.mutable_reply()->set_sender("ben");
    m.mutable_reply()->set_snippet("shall we?");
    reply->Reset(7, kMe);
    reply->Apply(m);
    const int line = QFontMetrics(QApplication::font()).height();
    QVERIFY2(HeightOf(*reply) - HeightOf(*plain) >= 2 * line,
             qPrintable(QStringLiteral("reply %1 px, plain %2 px")
                            .arg(HeightOf(*reply))
                            .arg(HeightOf(*plain))));
    // A long quoted text takes two lines, no more.
    auto long_reply = std::make_unique<MessageModel>();
    long_reply->Reset(7, kMe);
    m.mutable_reply()->set_snippet(
        "a very long quote that goes on and on and on and on and on and on and on and on and on "
        "and on and on and on and on and on and on and on and on and on and on and on and on");
    long_reply->Apply(m);
    const int two = HeightOf(*long_reply) - HeightOf(*reply);
    QVERIFY2(two >= line - 2 && two <= line + 2, qPrintable(QString::number(two)));
    // Deleted: one line again.
    auto deleted = std::make_unique<MessageModel>();
    deleted->Reset(7, kMe);
    m.mutable_reply()->set_snippet("");
    m.mutable_reply()->set_deleted(true);
    deleted->Apply(m);
    QCOMPARE(HeightOf(*deleted), HeightOf(*reply));

    // The whole bubble is still painted as the size hint says; the quote's text is there.
    QCOMPARE(PaintedLines(delegate_, plain->index(0)), 1);
    QVERIFY(PaintedLines(delegate_, reply->index(0)) >= 2);

    // A click on the quote.
    QSignalSpy shown(&delegate_, &MessageDelegate::quoteActivated);
    QStyleOptionViewItem option = Option();
    option.rect.setHeight(delegate_.sizeHint(option, reply->index(0)).height());
    for (int y = 0; y < option.rect.height() && shown.isEmpty(); y += 2) {
      QMouseEvent click(QEvent::MouseButtonRelease, QPointF(kWidth - 40, y), Qt::LeftButton,
                        Qt::LeftButton, Qt::NoModifier);
      delegate_.editorEvent(&click, reply.get(), option, reply->index(0));
    }
    QCOMPARE(shown.count(), 1);
    QCOMPARE(shown.at(0).at(0).toULongLong(), 1ULL);
    // None on a plain message.
    QSignalSpy none(&delegate_, &MessageDelegate::quoteActivated);
    for (int y = 0; y < option.rect.height(); y += 2) {
      QMouseEvent click(QEvent::MouseButtonRelease, QPointF(kWidth - 40, y), Qt::LeftButton,
                        Qt::LeftButton, Qt::NoModifier);
      delegate_.editorEvent(&click, plain.get(), option, plain->index(0));
    }
    QCOMPARE(none.count(), 0);
  }

  // Issue 23 item 3: reactions show as chips under the bubble ("👍 2"), one's own highlighted; a
  // click on a chip says which and whether it is one's own; its tooltip says who.
  void ReactionsShowAsChipsUnderTheBubble() {
    auto plain = TheirMessage("lunch?");
    auto reacted = TheirMessage("lunch?");
    v1::ChatMessage entry;
    entry.set_conversation_id(7);
    entry.set_seq(2);
    entry.set_type("reaction_added");
    entry.set_target_seq(1);
    entry.set_sender_id(kMe);
    v1::Reaction* up = entry.add_reactions();
    up->set_emoji("👍");
    up->set_count(2);
    up->add_user_ids(2);
    up->add_users("ben");
    up->add_user_ids(kMe);
    up->add_users("me");
    v1::Reaction* wow = entry.add_reactions();
    wow->set_emoji("😮");
    wow->set_count(1);
    wow->add_user_ids(2);
    wow->add_users("ben");
    reacted->Apply(entry);
    const int line = QFontMetrics(QApplication::font()).height();
    QVERIFY2(HeightOf(*reacted) - HeightOf(*plain) >= line,
             qPrintable(QStringLiteral("%1 px with chips, %2 px without")
                            .arg(HeightOf(*reacted))
                            .arg(HeightOf(*plain))));

    // One's own chip is highlighted (light blue, as one's own bubble), the others are not.
    auto highlighted = [&](const MessageModel& model) {
      QStyleOptionViewItem option = Option();
      option.rect.setHeight(delegate_.sizeHint(option, model.index(0)).height());
      QImage image(option.rect.size(), QImage::Format_RGB32);
      image.fill(Qt::white);
      {
        QPainter painter(&image);
        delegate_.paint(&painter, option, model.index(0));
      }
      int count = 0;
      for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
          count += image.pixel(x, y) == QColor("#d7ecff").rgb();
        }
      }
      return count;
    };
    QCOMPARE(highlighted(*plain), 0);
    QVERIFY2(highlighted(*reacted) > 100, qPrintable(QString::number(highlighted(*reacted))));

    // Clicks across the row: each chip once, first 👍 (one's own) then 😮.
    QSignalSpy clicked(&delegate_, &MessageDelegate::reactionClicked);
    QStyleOptionViewItem option = Option();
    option.rect.setHeight(delegate_.sizeHint(option, reacted->index(0)).height());
    QString last;
    for (int y = 0; y < option.rect.height(); y += 2) {
      for (int x = 0; x < kWidth; x += 3) {
        QMouseEvent click(QEvent::MouseButtonRelease, QPointF(x, y), Qt::LeftButton, Qt::LeftButton,
                          Qt::NoModifier);
        const int before = clicked.count();
        delegate_.editorEvent(&click, reacted.get(), option, reacted->index(0));
        if (clicked.count() > before) {
          const QString emoji = clicked.last().at(1).toString();
          if (emoji == last) clicked.removeLast();
          last = emoji;
        }
      }
    }
    QVERIFY(clicked.count() >= 2);
    QCOMPARE(clicked.at(0).at(0).toULongLong(), 1ULL);
    QCOMPARE(clicked.at(0).at(1).toString(), QStringLiteral("👍"));
    QCOMPARE(clicked.at(0).at(2).toBool(), true);
    QCOMPARE(clicked.at(1).at(1).toString(), QStringLiteral("😮"));
    QCOMPARE(clicked.at(1).at(2).toBool(), false);

    const auto chips =
        reacted->index(0).data(MessageModel::kReactionsRole).value<QList<MessageModel::Reaction>>();
    const QLocale before;
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    const QString tooltip = MessageDelegate::ReactionTooltip(chips[0]);
    QLocale::setDefault(before);
    QCOMPARE(tooltip, QStringLiteral("ben and me reacted with 👍"));
  }

  // Polish: in a run of messages only the last shows its time, so the others are shorter.
  void OnlyTheLastOfARunShowsItsTime() {
    auto model = TheirMessage("first");
    v1::ChatMessage next;
    next.set_conversation_id(7);
    next.set_seq(2);
    next.set_sender_id(2);
    next.set_sender("ben");
    next.set_type("message");
    next.set_text("second");
    next.set_sent_at_ms(1'700'000'001'000);
    model->Apply(next);
    const int first = delegate_.sizeHint(Option(), model->index(0)).height();
    const int line = QFontMetrics(QApplication::font()).height();
    // Alone, the same message ends its run: it is a line taller, for its time.
    auto alone = TheirMessage("first");
    const int on_its_own = delegate_.sizeHint(Option(), alone->index(0)).height();
    QVERIFY2(on_its_own - first >= line - 2,
             qPrintable(QStringLiteral("%1 px in a run, %2 px alone").arg(first).arg(on_its_own)));
  }

  // Polish: visible keyboard focus: the chat list's current row, when the list has the focus, is
  // ringed, so moving with the arrow keys can be followed.
  void TheFocusedChatRowIsRinged() {
    ConversationModel conversations;
    v1::Conversation room;
    room.set_id(1);
    room.set_kind("room");
    room.set_name("lobby");
    conversations.Reset({room}, kMe);
    ConversationDelegate delegate(avatars_);
    auto ring_pixels = [&](bool focused) {
      QStyleOptionViewItem option = Option();
      option.rect = QRect(0, 0, 300, delegate.sizeHint(option, conversations.index(0)).height());
      if (focused) option.state |= QStyle::State_HasFocus;
      QImage image(option.rect.size(), QImage::Format_RGB32);
      image.fill(Qt::white);
      {
        QPainter painter(&image);
        delegate.paint(&painter, option, conversations.index(0));
      }
      int count = 0;
      for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
          const QColor c(image.pixel(x, y));
          count += c.blue() > 180 && c.red() < 120 && c.green() > 100 && c.green() < 170;
        }
      }
      return count;
    };
    QCOMPARE(ring_pixels(false), 0);
    QVERIFY2(ring_pixels(true) > 300, qPrintable(QString::number(ring_pixels(true))));
  }

  // Issue 24 bug 8 (audit): a friend request's note was cut to "wants to b…" beside the buttons at
  // the sidebar's default width. Its row now wraps the words, beside the buttons and under them,
  // and is as tall as they need.
  void AFriendRequestsNoteIsShownWhole() {
    const QString note = QStringLiteral("hi, it's Iris from the climbing gym, we met on Saturday");
    v1::PendingRequest request;
    request.set_incoming(true);
    request.set_user_id(3);
    request.set_username("iris");
    request.set_message(note.toStdString());
    v1::Friend theo;
    theo.set_user_id(4);
    theo.set_username("theo");
    theo.set_status("offline");
    ContactModel contacts;
    contacts.Reset({theo}, {request});
    const QModelIndex asking = contacts.index(contacts.RowOf(3));
    const QModelIndex friend_row = contacts.index(contacts.RowOf(4));
    ContactDelegate delegate(avatars_);
    QStyleOptionViewItem option = Option();
    option.rect = QRect(0, 0, 320, 0);  // the sidebar's default width
    const int ordinary = delegate.sizeHint(option, friend_row).height();

    const QStringList lines = ContactDelegate::RequestLines(option, asking);
    QVERIFY2(lines.size() >= 2, qPrintable(lines.join(QLatin1Char('|'))));
    QCOMPARE(lines.join(QString()).simplified(),
             QStringLiteral("wants to be your friend: ") + note);
    const int line = QFontMetrics(option.font).height();
    const int height = delegate.sizeHint(option, asking).height();
    QVERIFY2(height >= ordinary + (lines.size() - 1) * line,
             qPrintable(QStringLiteral("%1 px for %2 lines").arg(height).arg(lines.size())));

    // Painted: text under the buttons, in the row's grown part, down to its last line.
    option.rect.setHeight(height);
    QImage image(option.rect.size(), QImage::Format_RGB32);
    image.fill(Qt::white);
    {
      QPainter painter(&image);
      delegate.paint(&painter, option, asking);
    }
    auto ink_in = [&image](int top, int bottom) {
      for (int y = std::max(top, 0); y < std::min(bottom, image.height()); ++y) {
        for (int x = 0; x < image.width(); ++x) {
          if (qGray(image.pixel(x, y)) < 200) return true;
        }
      }
      return false;
    };
    QVERIFY(ink_in(ordinary, ordinary + line));
    QVERIFY(ink_in(height - line - 4, height));
  }

  // Polish: a message of only an emoji or three is drawn at a readable (large) size.
  void AFewEmojiAloneAreDrawnLarge() {
    const int line = QFontMetrics(QApplication::font()).height();
    const int word = HeightOf(*OwnMessage("ok"));
    QVERIFY(HeightOf(*OwnMessage("👍")) >= word + line);
    QVERIFY(HeightOf(*OwnMessage("❤️🔥")) >= word + line);
    QCOMPARE(HeightOf(*OwnMessage("ok 👍")), word);  // with words: as text
  }

  // Polish: emoji are drawn in colour (the colour emoji font scripts/install-deps installs; without
  // it they are empty boxes) and large enough to tell apart: alone in a message, and in a reaction
  // chip.
  void EmojiArePaintedInColourAtAReadableSize() {
    // The rows of the painted row holding strongly coloured pixels (no bubble, chip or text colour
    // of the delegate is), as the bounding boxes of each band of rows.
    auto colour_bands = [&](const MessageModel& model) {
      QStyleOptionViewItem option = Option();
      option.rect.setHeight(delegate_.sizeHint(option, model.index(0)).height());
      QImage image(option.rect.size(), QImage::Format_RGB32);
      image.fill(Qt::white);
      {
        QPainter painter(&image);
        delegate_.paint(&painter, option, model.index(0));
      }
      std::vector<QRect> bands;
      QRect band;
      for (int y = 0; y < image.height(); ++y) {
        QRect row;
        for (int x = 0; x < image.width(); ++x) {
          const QRgb p = image.pixel(x, y);
          const int lo = std::min({qRed(p), qGreen(p), qBlue(p)});
          const int hi = std::max({qRed(p), qGreen(p), qBlue(p)});
          if (hi - lo > 90) row |= QRect(x, y, 1, 1);
        }
        if (!row.isNull()) {
          band |= row;
        } else if (!band.isNull()) {
          bands.push_back(band);
          band = QRect();
        }
      }
      if (!band.isNull()) bands.push_back(band);
      return bands;
    };
    const int line = QFontMetrics(QApplication::font()).height();

    const auto alone = colour_bands(*OwnMessage("🎉"));
    QVERIFY2(alone.size() == 1, qPrintable(QString::number(alone.size())));
    QVERIFY2(
        alone[0].height() >= 2 * line,
        qPrintable(QStringLiteral("%1 px tall, a line is %2").arg(alone[0].height()).arg(line)));

    auto reacted = TheirMessage("lunch?");
    v1::ChatMessage entry;
    entry.set_conversation_id(7);
    entry.set_seq(2);
    entry.set_type("reaction_added");
    entry.set_target_seq(1);
    entry.set_sender_id(2);
    v1::Reaction* up = entry.add_reactions();
    up->set_emoji("👍");
    up->set_count(1);
    up->add_user_ids(2);
    up->add_users("ben");
    reacted->Apply(entry);
    const auto chip = colour_bands(*reacted);
    QVERIFY2(!chip.empty(), "the chip's emoji is not in colour");
    const QRect glyph = chip.back();
    QVERIFY2(glyph.height() >= line * 9 / 10 && glyph.width() >= line * 9 / 10,
             qPrintable(QStringLiteral("%1×%2 px, a line is %3")
                            .arg(glyph.width())
                            .arg(glyph.height())
                            .arg(line)));
  }

  // Polish: on a wide window one's own message is not pushed to the far right edge: messages keep
  // to a column of readable width in the middle.
  void OnAWideWindowMessagesKeepToAColumn() {
    auto mine = OwnMessage("short");
    QStyleOptionViewItem option = Option();
    option.rect = QRect(0, 0, 2000, delegate_.sizeHint(option, mine->index(0)).height());
    QImage image(option.rect.size(), QImage::Format_RGB32);
    image.fill(Qt::white);
    {
      QPainter painter(&image);
      delegate_.paint(&painter, option, mine->index(0));
    }
    int right = -1;  // the own bubble's (#d7ecff) right edge
    for (int y = 0; y < image.height(); ++y) {
      for (int x = 0; x < image.width(); ++x) {
        if (image.pixel(x, y) == QColor("#d7ecff").rgb()) right = std::max(right, x);
      }
    }
    QVERIFY(right > 0);
    QVERIFY2(right < 1500, qPrintable(QStringLiteral("the bubble ends at x = %1").arg(right)));
    QVERIFY(right > 1000);  // still on the right of the column
  }

  // Polish: web addresses in a message open when clicked (and only they do).
  void AClickOnAWebAddressOpensIt() {
    auto message = TheirMessage("see https://example.org/a?b=1, then www.natter.dev.");
    QStyleOptionViewItem option = Option();
    option.rect.setHeight(delegate_.sizeHint(option, message->index(0)).height());
    QSignalSpy opened(&delegate_, &MessageDelegate::linkActivated);
    // Clicks all over the row.
    QSet<QString> urls;
    int clicks_on_links = 0;
    for (int y = 0; y < option.rect.height(); y += 2) {
      for (int x = 0; x < option.rect.width(); x += 3) {
        QMouseEvent click(QEvent::MouseButtonRelease, QPointF(x, y), Qt::LeftButton, Qt::LeftButton,
                          Qt::NoModifier);
        const int before = opened.count();
        delegate_.editorEvent(&click, message.get(), option, message->index(0));
        if (opened.count() > before) {
          ++clicks_on_links;
          urls.insert(opened.last().at(0).toUrl().toString());
        }
      }
    }
    QCOMPARE(urls, (QSet<QString>{QStringLiteral("https://example.org/a?b=1"),
                                  QStringLiteral("http://www.natter.dev")}));
    QVERIFY(clicks_on_links > 10);
    // A message without one opens nothing.
    auto plain = TheirMessage("no address here, just text");
    for (int x = 0; x < option.rect.width(); x += 3) {
      for (int y = 0; y < option.rect.height(); y += 2) {
        QMouseEvent click(QEvent::MouseButtonRelease, QPointF(x, y), Qt::LeftButton, Qt::LeftButton,
                          Qt::NoModifier);
        delegate_.editorEvent(&click, plain.get(), option, plain->index(0));
      }
    }
    QCOMPARE(opened.count(), clicks_on_links);
  }
};

}  // namespace natter::client

QTEST_MAIN(natter::client::MessageDelegateTest)
#include "message_delegate_test.moc"
