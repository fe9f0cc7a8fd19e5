#include "delegates.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QRegularExpression>
#include <QStyle>
#include <QTextLayout>
#include <QToolTip>
#include <QUrl>
#include <algorithm>
#include <cmath>
#include <vector>

#include "attachments.h"
#include "contact_model.h"
#include "conversation_model.h"
#include "file_transfer.h"
#include "group_dialogs.h"
#include "message_model.h"

namespace natter::client {
namespace {

constexpr int kPad = 8;
constexpr int kAvatar = 36;
constexpr int kMessageAvatar = 32;
constexpr int kMaxColumn = 880;  // the widest the column of messages gets
// A message that @mentions the user: the bar beside its bubble, and its name's highlight.
constexpr const char* kMentionMarker = "#f9a825";
constexpr const char* kMentionMeBackground = "#ffe08a";

qreal Dpr(const QStyleOptionViewItem& option) {
  return option.widget ? option.widget->devicePixelRatioF() : qApp->devicePixelRatio();
}

QString ShortTime(const QDateTime& t) {
  if (!t.isValid()) return {};
  QDateTime local = t.toLocalTime();
  if (local.date() == QDate::currentDate()) return local.toString(QStringLiteral("HH:mm"));
  if (local.date().daysTo(QDate::currentDate()) < 7) return local.toString(QStringLiteral("ddd"));
  return local.toString(QStringLiteral("dd.MM.yy"));
}

QColor StatusColor(const QString& status) {
  if (status == QLatin1String("online")) return QColor("#43a047");
  if (status == QLatin1String("away")) return QColor("#fb8c00");
  return QColor("#9e9e9e");
}

void PaintBackground(QPainter* painter, const QStyleOptionViewItem& option) {
  QStyleOptionViewItem plain = option;
  plain.text.clear();
  plain.icon = QIcon();
  const QWidget* widget = option.widget;
  QStyle* style = widget ? widget->style() : QApplication::style();
  style->drawPrimitive(QStyle::PE_PanelItemViewItem, &plain, painter, widget);
}

// The row the keyboard is on, in a list that has the focus: a ring in the accent colour, so that
// moving through the list with the arrow keys can be followed (the style draws none on these rows).
void PaintFocus(QPainter* painter, const QStyleOptionViewItem& option) {
  if (!(option.state & QStyle::State_HasFocus)) return;
  painter->save();
  painter->setRenderHint(QPainter::Antialiasing);
  painter->setPen(QPen(QColor("#1e88e5"), 2));
  painter->setBrush(Qt::NoBrush);
  painter->drawRoundedRect(QRectF(option.rect).adjusted(1.5, 1.5, -1.5, -1.5), 4, 4);
  painter->restore();
}

// A message of one to three emoji and nothing else is drawn large, as a reaction is meant to be
// seen (emoji and their joiners, variation selectors and skin tones; no letters, digits or spaces).
bool OnlyEmoji(const QString& text) {
  const QVector<uint> codes = text.trimmed().toUcs4();
  int emoji = 0;
  for (uint c : codes) {
    if (c == 0x200D || (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0x1F3FB && c <= 0x1F3FF)) continue;
    const bool pictograph = (c >= 0x1F000 && c <= 0x1FAFF) || (c >= 0x2600 && c <= 0x27BF) ||
                            (c >= 0x2B00 && c <= 0x2BFF) || (c >= 0x2190 && c <= 0x21FF);
    if (!pictograph) return false;
    ++emoji;
  }
  return emoji >= 1 && emoji <= 3;
}

// The font a message's text is drawn in.
QFont BodyFont(const QFont& base, const QString& text, bool deleted) {
  QFont font = base;
  font.setItalic(deleted);
  if (!deleted && OnlyEmoji(text)) font.setPointSizeF(font.pointSizeF() * 2.5);
  return font;
}

// QTextLayout lays out one paragraph: it never breaks at '\n' (the newline is dropped, and the
// lines run together), but it does at a line separator.
QString WithLineSeparators(QString text) {
  text.replace(QLatin1String("\r\n"), QLatin1String("\n"));
  text.replace(QLatin1Char('\n'), QChar::LineSeparator);
  return text;
}

// A web address in a message's text (as laid out), and where it leads.
struct Link {
  int start = 0;
  int length = 0;
  QUrl url;
};

// Addresses starting "http://", "https://" or "www.", up to white space; punctuation that ends a
// sentence after one ("see https://x.org.") is not part of it.
std::vector<Link> FindLinks(const QString& text) {
  static const QRegularExpression address(QStringLiteral(R"((?:https?://|www\.)[^\s<>"]+)"),
                                          QRegularExpression::CaseInsensitiveOption);
  std::vector<Link> links;
  for (auto it = address.globalMatch(text); it.hasNext();) {
    QRegularExpressionMatch match = it.next();
    QString found = match.captured();
    while (!found.isEmpty() && QStringLiteral(".,;:!?)]}'").contains(found.back())) found.chop(1);
    QUrl url = QUrl::fromUserInput(found);
    if (!url.isValid() || found.size() < 5) continue;
    links.push_back({static_cast<int>(match.capturedStart()), static_cast<int>(found.size()), url});
  }
  return links;
}

// Plain text wrapped at word boundaries (anywhere inside words longer than the line), with a new
// line at each '\n'; with `links`, web addresses are underlined in a link colour and can be found
// by position. sizeHint and paint both measure through this, so their heights agree.
struct TextBlock {
  QTextLayout layout;
  QSizeF size;
  std::vector<Link> links;

  // `mentions`, `me`: the message's @mentions, drawn as MessageDelegate::MentionFormats says.
  TextBlock(const QString& text, const QFont& font, qreal width, bool with_links = false,
            const QStringList& mentions = {}, const QString& me = {})
      : layout(WithLineSeparators(text), font) {
    QVector<QTextLayout::FormatRange> formats =
        MessageDelegate::MentionFormats(layout.text(), mentions, me);
    if (with_links) {
      links = FindLinks(layout.text());
      for (const Link& link : links) {
        QTextLayout::FormatRange range;
        range.start = link.start;
        range.length = link.length;
        range.format.setForeground(QColor("#1565c0"));
        range.format.setFontUnderline(true);
        formats.push_back(range);
      }
    }
    if (!formats.isEmpty()) layout.setFormats(formats);
    QTextOption wrap;
    wrap.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    layout.setTextOption(wrap);
    layout.beginLayout();
    qreal height = 0;
    qreal widest = 0;
    for (;;) {
      QTextLine line = layout.createLine();
      if (!line.isValid()) break;
      line.setLineWidth(width);
      line.setPosition(QPointF(0, height));
      height += line.height();
      widest = std::max(widest, line.naturalTextWidth());
    }
    layout.endLayout();
    size = QSizeF(widest, height);
  }
};

// The quote above a reply's text: a coloured bar, the quoted sender's name, and the start of the
// quoted text on one or two lines (the second elided), or "Deleted message" once it is deleted.
constexpr int kQuoteBar = 3;

struct Quote {
  QString name;
  QStringList lines;
  bool deleted = false;
  QSize size;  // with its padding and bar
};

Quote MakeQuote(const QModelIndex& index, const QFont& font, int max_width) {
  Quote q;
  q.name = index.data(MessageModel::kReplySenderRole).toString();
  q.deleted = index.data(MessageModel::kReplyDeletedRole).toBool();
  QFont bold = font;
  bold.setBold(true);
  QFont italic = font;
  italic.setItalic(true);
  const int inner = max_width - kQuoteBar - 2 * (kPad / 2) - kPad / 2;
  int widest = std::min(inner, QFontMetrics(bold).horizontalAdvance(q.name));
  if (q.deleted) {
    q.lines << MessageDelegate::tr("Deleted message");
    widest = std::max(widest, QFontMetrics(italic).horizontalAdvance(q.lines.front()));
  } else {
    QString snippet = index.data(MessageModel::kReplySnippetRole).toString().simplified();
    const QFontMetrics fm(font);
    TextBlock block(snippet, font, inner);
    for (int i = 0; i < std::min(block.layout.lineCount(), 2); ++i) {
      const QTextLine line = block.layout.lineAt(i);
      QString text = snippet.mid(line.textStart(), i == 1 ? -1 : line.textLength()).trimmed();
      if (i == 1) text = fm.elidedText(text, Qt::ElideRight, inner);
      q.lines << text;
      widest = std::max(widest, fm.horizontalAdvance(text));
    }
    if (q.lines.isEmpty()) q.lines << QString();
  }
  const int line = QFontMetrics(font).height();
  // (+2: advances are rounded, and a text a fraction wider than its room is elided.)
  q.size = QSize(std::min(widest + 2, inner) + kQuoteBar + 2 * (kPad / 2),
                 line * (1 + static_cast<int>(q.lines.size())) + kPad / 2);
  return q;
}

void PaintQuote(QPainter* painter, const Quote& q, const QRect& rect, const QFont& font,
                const QColor& background, const QColor& text, const QColor& muted) {
  painter->save();
  painter->setPen(Qt::NoPen);
  painter->setBrush(background);
  painter->drawRoundedRect(rect, 4, 4);
  const QColor accent("#1e88e5");
  painter->setBrush(accent);
  painter->drawRect(QRect(rect.left(), rect.top(), kQuoteBar, rect.height()));
  const int line = QFontMetrics(font).height();
  const int left = rect.left() + kQuoteBar + kPad / 2;
  const int width = rect.left() + rect.width() - left - kPad / 2;
  int y = rect.top() + kPad / 4;
  QFont bold = font;
  bold.setBold(true);
  painter->setFont(bold);
  painter->setPen(accent);
  painter->drawText(QRect(left, y, width, line), Qt::AlignLeft | Qt::AlignVCenter,
                    QFontMetrics(bold).elidedText(q.name, Qt::ElideRight, width));
  QFont body = font;
  body.setItalic(q.deleted);
  painter->setFont(body);
  painter->setPen(q.deleted ? muted : text);
  for (const QString& l : q.lines) {
    y += line;
    painter->drawText(QRect(left, y, width, line), Qt::AlignLeft | Qt::AlignVCenter,
                      QFontMetrics(body).elidedText(l, Qt::ElideRight, width));
  }
  painter->restore();
}

// A picture in a bubble: at its own size, scaled down to fit kMaxImage (the thumbnail's bound) and
// the column, so the row has its final height before the thumbnail arrives.
constexpr int kMaxImage = 320;
constexpr int kMinImage = 24;

QSize ImageBox(const MessageModel::Attachment& a, int max_width) {
  const int box = std::min(kMaxImage, max_width);
  QSize size(a.width, a.height);
  if (size.width() > box || size.height() > box) size.scale(box, box, Qt::KeepAspectRatio);
  return size.expandedTo(QSize(kMinImage, kMinImage));
}

// A file other than a picture: a card with an icon, the name (elided), the size and a Download
// button.
constexpr int kCardWidth = 300;
constexpr int kFileIcon = 32;

int CardHeight(const QFont& font) {
  return std::max(kFileIcon + kPad, 2 * QFontMetrics(font).height() + kPad);
}

QRect CardButton(const QRect& card, const QFont& font) {
  const int w = QFontMetrics(font).horizontalAdvance(MessageDelegate::tr("Download")) + 2 * kPad;
  const int h = QFontMetrics(font).height() + kPad / 2;
  return QRect(card.right() - w - kPad / 2, card.center().y() - h / 2, w, h);
}

void PaintCard(QPainter* painter, const QRect& card, const MessageModel::Attachment& a,
               const QStyleOptionViewItem& option, const QColor& fill, const QColor& text,
               const QColor& muted) {
  painter->save();
  painter->setPen(Qt::NoPen);
  painter->setBrush(fill);
  painter->drawRoundedRect(card, 6, 6);
  const QStyle* style = option.widget ? option.widget->style() : QApplication::style();
  const QRect icon(card.left() + kPad / 2, card.center().y() - kFileIcon / 2, kFileIcon, kFileIcon);
  style->standardIcon(QStyle::SP_FileIcon).paint(painter, icon);
  const QRect button = CardButton(card, option.font);
  const QRect words(icon.right() + kPad, card.top() + kPad / 2,
                    button.left() - icon.right() - 2 * kPad, card.height() - kPad);
  QFont bold = option.font;
  bold.setBold(true);
  painter->setFont(bold);
  painter->setPen(text);
  painter->drawText(words, Qt::AlignLeft | Qt::AlignTop,
                    QFontMetrics(bold).elidedText(a.name, Qt::ElideMiddle, words.width()));
  painter->setFont(option.font);
  painter->setPen(muted);
  painter->drawText(words, Qt::AlignLeft | Qt::AlignBottom, HumanSize(a.size));
  painter->setPen(Qt::NoPen);
  painter->setBrush(QColor("#1e88e5"));
  painter->drawRoundedRect(button, 6, 6);
  painter->setPen(Qt::white);
  painter->drawText(button, Qt::AlignCenter, MessageDelegate::tr("Download"));
  painter->restore();
}

}  // namespace

// ---- conversations ----

ConversationDelegate::ConversationDelegate(AvatarCache& avatars, QObject* parent)
    : QStyledItemDelegate(parent), avatars_(avatars) {}

// Rows are as wide as the list, whatever it is (a width of their own made the list scroll
// sideways when it narrowed).
QSize ConversationDelegate::sizeHint(const QStyleOptionViewItem&, const QModelIndex&) const {
  return QSize(0, kAvatar + 2 * kPad + 4);
}

void ConversationDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                                 const QModelIndex& index) const {
  painter->save();
  PaintBackground(painter, option);
  const QRect r = option.rect.adjusted(kPad, kPad, -kPad, -kPad);
  const QString name = index.data(ConversationModel::kTitleRole).toString();
  const QString kind = index.data(ConversationModel::kKindRole).toString();
  const bool room = kind == QLatin1String("room");
  QPixmap avatar = room ? AvatarCache::Placeholder(QStringLiteral("#"), kAvatar, Dpr(option))
                   : kind == QLatin1String("group")
                       ? GroupIcon(kAvatar, Dpr(option))
                       : avatars_.AvatarOf(index.data(ConversationModel::kPeerIdRole).toULongLong(),
                                           name, kAvatar, Dpr(option));
  painter->drawPixmap(r.left(), r.top() + (r.height() - kAvatar) / 2, avatar);

  const bool selected = option.state & QStyle::State_Selected;
  const QColor text = option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
  QColor muted = text;
  muted.setAlphaF(0.6);
  QRect body = r.adjusted(kAvatar + kPad, 0, 0, 0);
  QFont bold = option.font;
  bold.setBold(true);
  const int unread = index.data(ConversationModel::kUnreadRole).toInt();
  // Muted (or notifications off): a muted-speaker icon before the time, and a grey count.
  const bool quiet = index.data(ConversationModel::kQuietRole).toBool();
  const QString time = ShortTime(index.data(ConversationModel::kTimeRole).toDateTime());
  QFontMetrics fm(option.font);
  painter->setFont(option.font);
  painter->setPen(muted);
  painter->drawText(body, Qt::AlignRight | Qt::AlignTop, time);
  int time_width = fm.horizontalAdvance(time);
  if (quiet) {
    const int icon = fm.height();
    const QWidget* widget = option.widget;
    const QStyle* style = widget ? widget->style() : QApplication::style();
    time_width += (time.isEmpty() ? 0 : kPad / 2) + icon;
    style->standardIcon(QStyle::SP_MediaVolumeMuted)
        .paint(painter, QRect(body.right() - time_width, body.top(), icon, icon));
  }
  painter->setFont(bold);
  painter->setPen(text);
  QRect name_rect = body.adjusted(0, 0, -time_width - kPad, 0);
  painter->drawText(name_rect, Qt::AlignLeft | Qt::AlignTop,
                    QFontMetrics(bold).elidedText(name, Qt::ElideRight, name_rect.width()));
  QString preview = index.data(ConversationModel::kPreviewRole).toString();
  if (preview.isEmpty()) preview = index.data(ConversationModel::kTopicRole).toString();
  int badge_width = 0;
  if (unread > 0) {
    QString count = unread > 999 ? QStringLiteral("999+") : QString::number(unread);
    badge_width = std::max(fm.height(), fm.horizontalAdvance(count) + fm.height() / 2);
    QRect badge(body.right() - badge_width, body.bottom() - fm.height(), badge_width, fm.height());
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(quiet ? QColor("#9e9e9e") : QColor("#1e88e5"));
    painter->drawRoundedRect(badge, fm.height() / 2.0, fm.height() / 2.0);
    painter->setPen(Qt::white);
    painter->setFont(option.font);
    painter->drawText(badge, Qt::AlignCenter, count);
  }
  painter->setFont(option.font);
  painter->setPen(muted);
  QRect preview_rect = body.adjusted(0, 0, -badge_width - (badge_width ? kPad : 0), 0);
  painter->drawText(preview_rect, Qt::AlignLeft | Qt::AlignBottom,
                    fm.elidedText(preview, Qt::ElideRight, preview_rect.width()));
  PaintFocus(painter, option);
  painter->restore();
}

// ---- contacts ----

ContactDelegate::ContactDelegate(AvatarCache& avatars, QObject* parent)
    : QStyledItemDelegate(parent), avatars_(avatars) {}

namespace {

// An ordinary contact row's height: the avatar with a margin. An incoming request's row grows
// below it by the lines its words wrap onto.
constexpr int kContactRow = kAvatar + 2 * kPad;

// The width rows are laid out in: the option's, else (asked for a size before a layout) the
// view's.
int RowWidth(const QStyleOptionViewItem& option) {
  if (option.rect.width() > 0) return option.rect.width();
  if (auto* view = qobject_cast<const QAbstractItemView*>(option.widget)) {
    return view->viewport()->width();
  }
  return 320;
}

// What an incoming request says: that they want to be your friend, and their note.
QString RequestText(const QModelIndex& index) {
  // A note is laid out as one paragraph: its own line breaks are spaces.
  const QString note = index.data(ContactModel::kMessageRole).toString().simplified();
  return note.isEmpty() ? ContactDelegate::tr("wants to be your friend")
                        : ContactDelegate::tr("wants to be your friend: %1").arg(note);
}

}  // namespace

void ContactDelegate::LayOutRequest(QTextLayout& layout, const QRect& row) {
  const QRect r = row.adjusted(kPad, kPad / 2, -kPad, -kPad / 2);
  const int left = r.left() + kAvatar + kPad;
  const int beside = std::max(AcceptRect(row).left() - kPad - left, 1);
  const int under = std::max(r.right() - left, 1);
  // The first line where an ordinary row has its second (beside the buttons), the next ones
  // under the buttons, across the row: the whole note shows, however narrow the list.
  QTextOption wrap;
  wrap.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
  layout.setTextOption(wrap);
  layout.beginLayout();
  const int first_top = r.top() + kAvatar + kPad - QFontMetrics(layout.font()).height();
  qreal y = first_top;
  for (QTextLine line = layout.createLine(); line.isValid(); line = layout.createLine()) {
    line.setLineWidth(layout.lineCount() == 1 ? beside : under);
    line.setPosition(QPointF(left, y));
    y += line.height();
  }
  layout.endLayout();
}

QStringList ContactDelegate::RequestLines(const QStyleOptionViewItem& option,
                                          const QModelIndex& index) {
  const QString text = RequestText(index);
  QTextLayout layout(text, option.font);
  LayOutRequest(layout, QRect(0, 0, RowWidth(option), kContactRow));
  QStringList lines;
  for (int i = 0; i < layout.lineCount(); ++i) {
    const QTextLine line = layout.lineAt(i);
    lines << text.mid(line.textStart(), line.textLength());
  }
  return lines;
}

QSize ContactDelegate::sizeHint(const QStyleOptionViewItem& option,
                                const QModelIndex& index) const {
  if (index.data(ContactModel::kKindRole).toInt() != ContactModel::kIncoming) {
    return QSize(0, kContactRow);
  }
  QTextLayout layout(RequestText(index), option.font);
  LayOutRequest(layout, QRect(0, 0, RowWidth(option), kContactRow));
  const int lines = std::max(layout.lineCount(), 1);
  const qreal below = layout.lineAt(lines - 1).rect().bottom() - layout.lineAt(0).rect().bottom();
  return QSize(0, kContactRow + static_cast<int>(std::ceil(below)));
}

// The buttons are on the row's first band (beside the name), also when its words make it taller.
QRect ContactDelegate::AcceptRect(const QRect& row) {
  return QRect(row.right() - 2 * 72 - kPad, row.top() + kContactRow / 2 - 13, 72, 26);
}

QRect ContactDelegate::RejectRect(const QRect& row) {
  return QRect(row.right() - 72 - kPad / 2, row.top() + kContactRow / 2 - 13, 72, 26);
}

void ContactDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                            const QModelIndex& index) const {
  painter->save();
  PaintBackground(painter, option);
  const QRect r = option.rect.adjusted(kPad, kPad / 2, -kPad, -kPad / 2);
  const QString name = index.data(ContactModel::kDisplayNameRole).toString();
  const QString username = index.data(ContactModel::kUsernameRole).toString();
  const auto kind = static_cast<ContactModel::Kind>(index.data(ContactModel::kKindRole).toInt());
  QPixmap avatar = avatars_.Avatar(index.data(ContactModel::kUserIdRole).toULongLong(),
                                   index.data(ContactModel::kAvatarVersionRole).toUInt(), name,
                                   kAvatar, Dpr(option));
  const int top = r.top() + (kContactRow - kPad - kAvatar) / 2;  // on the first band
  // Offline friends are greyed out, as in the seed's friend list.
  const bool offline = kind == ContactModel::kFriend &&
                       index.data(ContactModel::kStatusRole).toString() == QLatin1String("offline");
  painter->setOpacity(offline ? 0.5 : 1.0);
  painter->drawPixmap(r.left(), top, avatar);
  painter->setOpacity(1.0);
  painter->setRenderHint(QPainter::Antialiasing);
  if (kind == ContactModel::kFriend) {
    const QString status = index.data(ContactModel::kStatusRole).toString();
    painter->setPen(QPen(option.palette.color(QPalette::Base), 2));
    painter->setBrush(StatusColor(status));
    painter->drawEllipse(QRect(r.left() + kAvatar - 11, top + kAvatar - 11, 11, 11));
  }
  const bool selected = option.state & QStyle::State_Selected;
  const QColor text = option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
  QColor muted = text;
  muted.setAlphaF(0.6);
  QColor name_color = text;
  if (offline && !selected) name_color.setAlphaF(0.6);
  QRect body = r.adjusted(kAvatar + kPad, 0, 0, 0);
  if (kind == ContactModel::kIncoming) body.setRight(AcceptRect(option.rect).left() - kPad);
  QFont bold = option.font;
  bold.setBold(true);
  painter->setFont(bold);
  painter->setPen(name_color);
  painter->drawText(body, Qt::AlignLeft | Qt::AlignTop,
                    QFontMetrics(bold).elidedText(name, Qt::ElideRight, body.width()));
  QString detail;
  switch (kind) {
    case ContactModel::kIncoming: {
      // Wrapped, whole (no tooltip needed to read the note).
      QTextLayout layout(RequestText(index), option.font);
      LayOutRequest(layout, option.rect);
      painter->setFont(option.font);
      painter->setPen(muted);
      layout.draw(painter, QPointF());
      break;
    }
    case ContactModel::kOutgoing:
      detail = tr("request sent");
      break;
    case ContactModel::kFriend: {
      const QString status = index.data(ContactModel::kStatusRole).toString();
      if (status == QLatin1String("online")) {
        detail = tr("online");
      } else if (status == QLatin1String("away")) {
        detail = tr("away");
      } else {
        QDateTime seen = index.data(ContactModel::kLastSeenRole).toDateTime();
        detail = seen.isValid() ? tr("last seen %1").arg(ShortTime(seen)) : tr("offline");
      }
      if (username != name) detail = QStringLiteral("@%1 · %2").arg(username, detail);
      break;
    }
  }
  painter->setFont(option.font);
  painter->setPen(muted);
  if (!detail.isEmpty()) {
    painter->drawText(body, Qt::AlignLeft | Qt::AlignBottom,
                      QFontMetrics(option.font).elidedText(detail, Qt::ElideRight, body.width()));
  }
  if (kind == ContactModel::kIncoming) {
    for (auto [rect, label, color] :
         {std::tuple{AcceptRect(option.rect), tr("Accept"), QColor("#43a047")},
          std::tuple{RejectRect(option.rect), tr("Reject"), QColor("#757575")}}) {
      painter->setPen(Qt::NoPen);
      painter->setBrush(color);
      painter->drawRoundedRect(rect, 6, 6);
      painter->setPen(Qt::white);
      painter->drawText(rect, Qt::AlignCenter, label);
    }
  }
  PaintFocus(painter, option);
  painter->restore();
}

bool ContactDelegate::editorEvent(QEvent* event, QAbstractItemModel* model,
                                  const QStyleOptionViewItem& option, const QModelIndex& index) {
  if (event->type() == QEvent::MouseButtonRelease &&
      index.data(ContactModel::kKindRole).toInt() == ContactModel::kIncoming) {
    auto* mouse = static_cast<QMouseEvent*>(event);
    const QString username = index.data(ContactModel::kUsernameRole).toString();
    if (AcceptRect(option.rect).contains(mouse->pos())) {
      emit accepted(username);
      return true;
    }
    if (RejectRect(option.rect).contains(mouse->pos())) {
      emit rejected(username);
      return true;
    }
  }
  return QStyledItemDelegate::editorEvent(event, model, option, index);
}

// A reaction chip's text: the emoji and how many gave it.
QString ChipLabel(const MessageModel::Reaction& r) {
  return r.emoji + QLatin1Char(' ') + QString::number(r.count);
}

// A chip's font: a size up from the text's, so its emoji is as tall as a line and can be told apart
// (at the text's size a colour emoji is a 14 px smudge).
QFont ChipFont(const QFont& base) {
  QFont font = base;
  font.setPointSizeF(font.pointSizeF() * 1.3);
  return font;
}

// ---- messages ----

QVector<QTextLayout::FormatRange> MessageDelegate::MentionFormats(const QString& text,
                                                                  const QStringList& mentions,
                                                                  const QString& me) {
  QVector<QTextLayout::FormatRange> formats;
  if (mentions.isEmpty()) return formats;
  // Read as the server reads mentions (services/chat/mentions.cc), so that what its Mention list
  // names is found where it is written: "@" or the fullwidth "＠" with no cased letter or digit
  // before it (not an address: "x@ben"), then the name's characters (letters, digits, marks,
  // '_', '.', '-'), without a trailing '.' or '-'. A name the list has, ignoring case, as written
  // or in its compatibility form ("＠ＢＥＮ" is ben, as the server also finds), is drawn.
  auto code_at = [&text](int i, int* units) -> uint {
    if (text[i].isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate()) {
      *units = 2;
      return QChar::surrogateToUcs4(text[i], text[i + 1]);
    }
    *units = 1;
    return text[i].unicode();
  };
  auto word_code = [](uint cp) {
    switch (QChar::category(cp)) {
      case QChar::Letter_Uppercase:
      case QChar::Letter_Lowercase:
      case QChar::Letter_Titlecase:
      case QChar::Number_DecimalDigit:
        return true;
      default:
        return false;
    }
  };
  auto name_code = [](uint cp) {
    if (cp == '_' || cp == '.' || cp == '-') return true;
    switch (QChar::category(cp)) {
      case QChar::Letter_Uppercase:
      case QChar::Letter_Lowercase:
      case QChar::Letter_Titlecase:
      case QChar::Letter_Modifier:
      case QChar::Letter_Other:
      case QChar::Number_DecimalDigit:
      case QChar::Mark_NonSpacing:
      case QChar::Mark_SpacingCombining:
        return true;
      default:
        return false;
    }
  };
  constexpr uint kFullwidthAt = 0xFF20;
  bool after_word = false;
  for (int i = 0; i < text.size();) {
    int units = 1;
    const uint cp = code_at(i, &units);
    const int at = i;
    i += units;
    const bool sign = (cp == '@' || cp == kFullwidthAt) && !after_word;
    after_word = word_code(cp);
    if (!sign) continue;
    while (i < text.size()) {
      const uint next = code_at(i, &units);
      if (!name_code(next)) break;
      after_word = word_code(next);
      i += units;
    }
    int end = i;
    while (end > at + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) --end;
    if (end == at + 1) continue;
    const QString written = text.mid(at + 1, end - at - 1);
    const QString compatible = written.normalized(QString::NormalizationForm_KC);
    for (const QString& name : mentions) {
      if (name.isEmpty() || (written.compare(name, Qt::CaseInsensitive) != 0 &&
                             compatible.compare(name, Qt::CaseInsensitive) != 0)) {
        continue;
      }
      QTextLayout::FormatRange range;
      range.start = at;
      range.length = end - at;
      range.format.setFontWeight(QFont::Bold);
      if (name.compare(me, Qt::CaseInsensitive) == 0) {
        range.format.setForeground(QColor("#7a4100"));
        range.format.setBackground(QColor(kMentionMeBackground));
      } else {
        range.format.setForeground(QColor("#1565c0"));
      }
      formats.push_back(range);
      break;
    }
  }
  return formats;
}

struct MessageDelegate::Layout {
  bool system = false;
  bool own = false;
  bool group_start = false;
  bool day_start = false;
  int day_height = 0;
  int unread_height = 0;  // the "New messages" divider above the first unread message
  bool footer = true;     // time (and edited, read marks): on the last message of a run
  int name_height = 0;
  int quote_height = 0;  // a reply's quote, and the space under it
  QRect quote;           // relative to the row's top left
  int quote_max = 0;     // the widest the quote may be (its lines are broken for this width)
  QRect bubble;          // relative to the row's top left
  // A picture or file card above the text (the caption), relative to the row's top left.
  MessageModel::Attachment attachment;
  QRect media;
  int media_height = 0;  // with the space under it
  int text_height = 0;   // none for a file without a caption
  // Reaction chips under the bubble ("👍 2"), relative to the row's top left, in the order of
  // `reactions`.
  QList<MessageModel::Reaction> reactions;
  std::vector<QRect> chips;
  int column_left = 0;  // where the column of messages starts (it is centred on wide windows)
  qreal text_width = 0;
  int height = 0;
};

MessageDelegate::MessageDelegate(AvatarCache& avatars, QObject* parent)
    : QStyledItemDelegate(parent), avatars_(avatars) {}

MessageDelegate::Layout MessageDelegate::Measure(const QStyleOptionViewItem& option,
                                                 const QModelIndex& index) const {
  Layout l;
  const QString type = index.data(MessageModel::kTypeRole).toString();
  l.system = type != QLatin1String("message");
  l.own = index.data(MessageModel::kOwnRole).toBool();
  l.group_start = index.data(MessageModel::kGroupStartRole).toBool();
  l.day_start = index.data(MessageModel::kDayStartRole).toBool();
  QFontMetrics fm(option.font);
  l.day_height = l.day_start ? fm.height() + 2 * kPad : 0;
  l.unread_height = index.data(MessageModel::kFirstUnreadRole).toBool() ? fm.height() + kPad : 0;
  const int header = l.day_height + l.unread_height;
  // On a wide window the messages keep to a column of readable width in the middle, rather than
  // one's own at the far right and the others' at the far left.
  const int full = option.rect.width() > 0 ? option.rect.width() : 600;
  const int width = std::min(full, kMaxColumn);
  l.column_left = (full - width) / 2;
  const QString text = index.data(MessageModel::kTextRole).toString();
  if (l.system) {
    TextBlock block(text, option.font, width - 8 * kPad);
    l.bubble = QRect(0, header + kPad / 2, static_cast<int>(block.size.width()) + 2 * kPad,
                     static_cast<int>(block.size.height()) + kPad);
    l.bubble.moveLeft(l.column_left + (width - l.bubble.width()) / 2);
    l.height = l.bubble.bottom() + kPad / 2;
    return l;
  }
  const int max_text = std::min(560, width * 7 / 10);
  TextBlock block(text,
                  BodyFont(option.font, text, index.data(MessageModel::kDeletedRole).toBool()),
                  max_text, false, index.data(MessageModel::kMentionsRole).toStringList(),
                  index.data(MessageModel::kMentionsMeRole).toString());
  QFontMetrics small(option.font);
  // Denser: a run of messages by one sender shows its time once, on its last message (each
  // message's time is in its tooltip); an edited message keeps its mark.
  l.footer = index.data(MessageModel::kGroupEndRole).toBool() ||
             (index.data(MessageModel::kEditedRole).toBool() &&
              !index.data(MessageModel::kDeletedRole).toBool());
  const int footer = l.footer ? small.height() : 0;
  l.name_height = (l.group_start && !l.own) ? fm.height() : 0;
  l.text_width = l.footer ? std::max<qreal>(
                                block.size.width(),
                                small.horizontalAdvance(tr("edited") + QStringLiteral(" 00:00 ✓✓")))
                          : block.size.width();
  QSize quote;
  if (index.data(MessageModel::kReplyToSeqRole).toULongLong() != 0 &&
      !index.data(MessageModel::kDeletedRole).toBool()) {
    l.quote_max = max_text;
    quote = MakeQuote(index, option.font, max_text).size;
    l.quote_height = quote.height() + kPad / 2;
    l.text_width = std::max<qreal>(l.text_width, quote.width());
  }
  l.text_height = static_cast<int>(block.size.height());
  QSize media;
  if (const QVariant file = index.data(MessageModel::kAttachmentRole); file.isValid()) {
    l.attachment = file.value<MessageModel::Attachment>();
    media = l.attachment.image() ? ImageBox(l.attachment, max_text)
                                 : QSize(std::min(max_text, kCardWidth), CardHeight(option.font));
    l.media_height = media.height() + (text.isEmpty() ? 0 : kPad / 2);
    l.text_width = std::max<qreal>(l.text_width, media.width());
    if (text.isEmpty()) l.text_height = 0;
  }
  int bubble_w = static_cast<int>(l.text_width) + 2 * kPad;
  int bubble_h =
      l.name_height + l.quote_height + l.media_height + l.text_height + footer + kPad + kPad / 2;
  int left = l.column_left + (l.own ? width - bubble_w - kPad : kPad + kMessageAvatar + kPad);
  l.bubble = QRect(left, header + (l.group_start ? kPad : 2), bubble_w, bubble_h);
  if (l.quote_height > 0) {
    l.quote = QRect(left + kPad, l.bubble.top() + kPad / 2 + l.name_height, bubble_w - 2 * kPad,
                    quote.height());
  }
  if (l.media_height > 0) {
    l.media = QRect(QPoint(left + kPad, l.bubble.top() + kPad / 2 + l.name_height + l.quote_height),
                    media);
  }
  l.height = l.bubble.bottom() + 2;
  if (!index.data(MessageModel::kDeletedRole).toBool()) {
    l.reactions = index.data(MessageModel::kReactionsRole).value<QList<MessageModel::Reaction>>();
  }
  if (!l.reactions.isEmpty()) {
    // Chips in rows under the bubble, from its side: the left for others, the right for one's own.
    const QFontMetrics chip_fm(ChipFont(option.font));
    const int chip_h = chip_fm.height() + kPad / 2;
    const int row_width = std::max(l.bubble.width(), max_text);
    int x = 0;
    int y = l.bubble.bottom() + kPad / 2;
    for (const MessageModel::Reaction& r : l.reactions) {
      const int w = chip_fm.horizontalAdvance(ChipLabel(r)) + kPad + kPad / 2;
      if (x > 0 && x + w > row_width) {
        x = 0;
        y += chip_h + kPad / 2;
      }
      l.chips.emplace_back(x, y, w, chip_h);
      x += w + kPad / 2;
    }
    // Lay each line out from the bubble's side.
    for (size_t i = 0; i < l.chips.size();) {
      size_t end = i;
      int line_width = 0;
      while (end < l.chips.size() && l.chips[end].top() == l.chips[i].top()) {
        line_width = l.chips[end].right() + 1;
        ++end;
      }
      const int shift = l.own ? l.bubble.right() + 1 - line_width : l.bubble.left();
      for (size_t k = i; k < end; ++k) l.chips[k].translate(shift, 0);
      i = end;
    }
    l.height = l.chips.back().bottom() + kPad / 2;
  }
  return l;
}

int MessageDelegate::ChipAt(const Layout& l, const QStyleOptionViewItem& option,
                            const QPoint& pos) const {
  for (size_t i = 0; i < l.chips.size(); ++i) {
    if (l.chips[i].translated(option.rect.topLeft()).contains(pos)) return static_cast<int>(i);
  }
  return -1;
}

QRect MessageDelegate::AttachmentRect(const QStyleOptionViewItem& option,
                                      const QModelIndex& index) const {
  return Measure(option, index).media;
}

QSize MessageDelegate::sizeHint(const QStyleOptionViewItem& option,
                                const QModelIndex& index) const {
  Layout l = Measure(option, index);
  return QSize(option.rect.width(), l.height + 1);
}

void MessageDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                            const QModelIndex& index) const {
  Layout l = Measure(option, index);
  painter->save();
  painter->setRenderHint(QPainter::Antialiasing);
  painter->translate(option.rect.topLeft());
  const QPalette& pal = option.palette;
  QColor muted = pal.color(QPalette::Text);
  muted.setAlphaF(0.55);
  QFontMetrics fm(option.font);
  const QDateTime sent = index.data(MessageModel::kSentAtRole).toDateTime();
  if (l.day_start) {
    QString day = sent.date() == QDate::currentDate()
                      ? tr("Today")
                      : (sent.date().daysTo(QDate::currentDate()) == 1
                             ? tr("Yesterday")
                             : QLocale().toString(sent.date(), QLocale::LongFormat));
    painter->setPen(muted);
    painter->drawText(QRect(0, 0, option.rect.width(), l.day_height), Qt::AlignCenter, day);
  }
  if (l.unread_height > 0) {
    // A line across with "New messages" on it.
    const QRect band(0, l.day_height, option.rect.width(), l.unread_height);
    const QString label = tr("New messages");
    const int label_width = fm.horizontalAdvance(label) + 2 * kPad;
    const QColor accent("#e53935");
    painter->setPen(QPen(accent, 1));
    const int mid = band.center().y();
    painter->drawLine(kPad, mid, (band.width() - label_width) / 2, mid);
    painter->drawLine((band.width() + label_width) / 2, mid, band.width() - kPad, mid);
    painter->drawText(band, Qt::AlignCenter, label);
  }
  const QString text = index.data(MessageModel::kTextRole).toString();
  if (l.system) {
    painter->setPen(Qt::NoPen);
    painter->setBrush(pal.color(QPalette::AlternateBase));
    painter->drawRoundedRect(l.bubble, 8, 8);
    painter->setPen(muted);
    TextBlock block(text, option.font, l.bubble.width() - 2 * kPad + 1);
    block.layout.draw(painter, QPointF(l.bubble.left() + kPad, l.bubble.top() + kPad / 2));
    painter->restore();
    return;
  }
  const QString sender = index.data(MessageModel::kSenderRole).toString();
  if (!l.own && l.group_start) {
    uint64_t sender_id = index.data(MessageModel::kSenderIdRole).toULongLong();
    QPixmap avatar = avatars_.AvatarOf(sender_id, sender, kMessageAvatar, Dpr(option));
    painter->drawPixmap(l.column_left + kPad, l.bubble.top(), avatar);
  }
  const bool deleted = index.data(MessageModel::kDeletedRole).toBool();
  if (option.state & QStyle::State_Selected) {
    // The selected message (the one Ctrl+R replies to, or a quoted one just shown).
    QColor band("#1e88e5");
    band.setAlphaF(0.15);
    painter->fillRect(QRect(0, 0, option.rect.width(), l.height), band);
  }
  QColor bubble = l.own ? QColor("#d7ecff") : pal.color(QPalette::AlternateBase);
  if (!l.own && bubble == pal.color(QPalette::Base)) bubble = bubble.darker(108);
  // A message that @mentions the user stands out, as in Slack: a warm bubble with a bar beside it.
  const bool mentions_me = !index.data(MessageModel::kMentionsMeRole).toString().isEmpty();
  if (mentions_me && !l.own) bubble = QColor("#fff4d6");
  painter->setPen(Qt::NoPen);
  painter->setBrush(bubble);
  painter->drawRoundedRect(l.bubble, 10, 10);
  if (mentions_me) {
    painter->fillRect(QRect(l.bubble.left(), l.bubble.top() + 6, 3, l.bubble.height() - 12),
                      QColor(kMentionMarker));
  }
  int y = l.bubble.top() + kPad / 2;
  if (l.name_height > 0) {
    QFont bold = option.font;
    bold.setBold(true);
    painter->setFont(bold);
    painter->setPen(QColor("#1e88e5"));
    painter->drawText(QRect(l.bubble.left() + kPad, y, l.bubble.width() - 2 * kPad, l.name_height),
                      Qt::AlignLeft | Qt::AlignVCenter, sender);
    y += l.name_height;
    painter->setFont(option.font);
  }
  if (l.quote_height > 0) {
    const Quote quote = MakeQuote(index, option.font, l.quote_max);
    PaintQuote(painter, quote, l.quote, option.font, bubble.darker(108),
               l.own ? QColor("#102a43") : pal.color(QPalette::Text), muted);
    y += l.quote_height;
  }
  if (l.media_height > 0) {
    const QColor ink = l.own ? QColor("#102a43") : pal.color(QPalette::Text);
    if (!l.attachment.image()) {
      PaintCard(painter, l.media, l.attachment, option, bubble.darker(106), ink, muted);
    } else if (const QImage* thumb =
                   thumbnails_ ? thumbnails_->Get(l.attachment.file_id) : nullptr) {
      painter->save();
      QPainterPath clip;
      clip.addRoundedRect(QRectF(l.media), 6, 6);
      painter->setClipPath(clip);
      painter->setRenderHint(QPainter::SmoothPixmapTransform);
      painter->drawImage(l.media, *thumb);
      painter->restore();
    } else {
      // Until the thumbnail is in: a grey box of the picture's size.
      painter->setPen(Qt::NoPen);
      painter->setBrush(bubble.darker(115));
      painter->drawRoundedRect(l.media, 6, 6);
      painter->setPen(muted);
      painter->drawText(l.media, Qt::AlignCenter, QStringLiteral("🖼"));
    }
    y += l.media_height;
  }
  const QFont body = BodyFont(option.font, text, deleted);
  TextBlock block(text, body, l.bubble.width() - 2 * kPad + 1, /*with_links=*/!deleted,
                  index.data(MessageModel::kMentionsRole).toStringList(),
                  index.data(MessageModel::kMentionsMeRole).toString());
  painter->setPen(l.own ? QColor("#102a43") : (deleted ? muted : pal.color(QPalette::Text)));
  block.layout.draw(painter, QPointF(l.bubble.left() + kPad, y));
  if (!l.footer) {
    PaintChips(painter, l, option);
    painter->restore();
    return;
  }
  QString footer = sent.toString(QStringLiteral("HH:mm"));
  if (index.data(MessageModel::kEditedRole).toBool() && !deleted) {
    footer = tr("edited") + QLatin1Char(' ') + footer;
  }
  if (l.own) {
    footer += index.data(MessageModel::kReadByPeerRole).toBool() ? QStringLiteral(" ✓✓")
                                                                 : QStringLiteral(" ✓");
  }
  QColor footer_color = l.own ? QColor("#486581") : muted;
  painter->setPen(footer_color);
  painter->drawText(l.bubble.adjusted(kPad, 0, -kPad, -kPad / 2), Qt::AlignRight | Qt::AlignBottom,
                    footer);
  PaintChips(painter, l, option);
  painter->restore();
}

void MessageDelegate::PaintChips(QPainter* painter, const Layout& l,
                                 const QStyleOptionViewItem& option) const {
  const QColor accent("#1e88e5");
  painter->setFont(ChipFont(option.font));
  for (size_t i = 0; i < l.chips.size(); ++i) {
    const MessageModel::Reaction& r = l.reactions[static_cast<int>(i)];
    const QRectF chip = QRectF(l.chips[i]).adjusted(0.5, 0.5, -0.5, -0.5);
    // One's own reaction is highlighted: a click on it takes it back.
    QColor fill = r.mine ? QColor("#d7ecff") : option.palette.color(QPalette::Base);
    painter->setPen(QPen(r.mine ? accent : option.palette.color(QPalette::Mid), 1));
    painter->setBrush(fill);
    painter->drawRoundedRect(chip, chip.height() / 2, chip.height() / 2);
    painter->setPen(r.mine ? QColor("#102a43") : option.palette.color(QPalette::Text));
    painter->drawText(chip, Qt::AlignCenter, ChipLabel(r));
  }
}

bool MessageDelegate::editorEvent(QEvent* event, QAbstractItemModel* model,
                                  const QStyleOptionViewItem& option, const QModelIndex& index) {
  if (event->type() != QEvent::MouseButtonRelease ||
      static_cast<QMouseEvent*>(event)->button() != Qt::LeftButton ||
      index.data(MessageModel::kDeletedRole).toBool()) {
    return QStyledItemDelegate::editorEvent(event, model, option, index);
  }
  const Layout l = Measure(option, index);
  if (l.system) return QStyledItemDelegate::editorEvent(event, model, option, index);
  if (const int chip = ChipAt(l, option, static_cast<QMouseEvent*>(event)->pos()); chip >= 0) {
    const MessageModel::Reaction& r = l.reactions[chip];
    emit reactionClicked(index.data(MessageModel::kSeqRole).toULongLong(), r.emoji, r.mine);
    return true;
  }
  if (l.media_height > 0 &&
      l.media.translated(option.rect.topLeft()).contains(static_cast<QMouseEvent*>(event)->pos())) {
    if (l.attachment.image()) {
      emit imageActivated(l.attachment);
    } else {
      emit fileActivated(l.attachment);
    }
    return true;
  }
  if (l.quote_height > 0 &&
      l.quote.translated(option.rect.topLeft()).contains(static_cast<QMouseEvent*>(event)->pos())) {
    emit quoteActivated(index.data(MessageModel::kReplyToSeqRole).toULongLong());
    return true;
  }
  // Where paint() draws the text.
  const QPoint origin = option.rect.topLeft() +
                        QPoint(l.bubble.left() + kPad, l.bubble.top() + kPad / 2 + l.name_height +
                                                           l.quote_height + l.media_height);
  const QString text = index.data(MessageModel::kTextRole).toString();
  const TextBlock block(text, BodyFont(option.font, text, false), l.bubble.width() - 2 * kPad + 1,
                        /*with_links=*/true, index.data(MessageModel::kMentionsRole).toStringList(),
                        index.data(MessageModel::kMentionsMeRole).toString());
  const QPointF at = static_cast<QMouseEvent*>(event)->pos() - origin;
  for (int i = 0; i < block.layout.lineCount(); ++i) {
    const QTextLine line = block.layout.lineAt(i);
    if (at.y() < line.y() || at.y() >= line.y() + line.height() || at.x() < 0 ||
        at.x() > line.naturalTextWidth()) {
      continue;
    }
    const int position = line.xToCursor(at.x(), QTextLine::CursorOnCharacter);
    for (const Link& link : block.links) {
      if (position >= link.start && position < link.start + link.length) {
        emit linkActivated(link.url);
        return true;
      }
    }
  }
  return QStyledItemDelegate::editorEvent(event, model, option, index);
}

bool MessageDelegate::helpEvent(QHelpEvent* event, QAbstractItemView* view,
                                const QStyleOptionViewItem& option, const QModelIndex& index) {
  if (event->type() == QEvent::ToolTip && index.isValid()) {
    const Layout l = Measure(option, index);
    if (const int chip = ChipAt(l, option, event->pos()); chip >= 0) {
      QToolTip::showText(event->globalPos(), ReactionTooltip(l.reactions[chip]), view);
      return true;
    }
    if (l.media_height > 0 && l.media.translated(option.rect.topLeft()).contains(event->pos())) {
      // The whole name (the card elides it) and the size.
      QToolTip::showText(
          event->globalPos(),
          QStringLiteral("%1 (%2)").arg(l.attachment.name, HumanSize(l.attachment.size)), view);
      return true;
    }
  }
  return QStyledItemDelegate::helpEvent(event, view, option, index);
}

QString MessageDelegate::ReactionTooltip(const MessageModel::Reaction& r) {
  return tr("%1 reacted with %2").arg(QLocale().createSeparatedList(r.users), r.emoji);
}

}  // namespace natter::client
