// How rows are painted: conversations (avatar, name, preview, time, unread badge), contacts
// (avatar, status dot, last seen; accept/reject buttons on incoming requests) and messages (bubbles
// grouped by sender, day separators, edited and read marks, the quote above a reply's text,
// reaction chips under a bubble, room changes as centred notes). Text is
// always drawn as plain text: markup in a message is shown, never rendered; web addresses in it
// are underlined and open when clicked.
#pragma once

#include <QStyledItemDelegate>
#include <QTextLayout>
#include <QUrl>

#include "avatar_cache.h"
#include "message_model.h"

namespace natter::client {

class Thumbnails;

class ConversationDelegate : public QStyledItemDelegate {
  Q_OBJECT

 public:
  ConversationDelegate(AvatarCache& avatars, QObject* parent = nullptr);
  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override;
  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

 private:
  AvatarCache& avatars_;
};

class ContactDelegate : public QStyledItemDelegate {
  Q_OBJECT

 public:
  ContactDelegate(AvatarCache& avatars, QObject* parent = nullptr);
  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override;
  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
  bool editorEvent(QEvent* event, QAbstractItemModel* model, const QStyleOptionViewItem& option,
                   const QModelIndex& index) override;
  // An incoming request's words ("wants to be your friend: " and the note), as its row wraps them
  // at the option's width: beside the buttons, then under them.
  static QStringList RequestLines(const QStyleOptionViewItem& option, const QModelIndex& index);

 signals:
  void accepted(const QString& username);
  void rejected(const QString& username);

 private:
  // Where the Accept and Reject buttons of an incoming request are drawn.
  static QRect AcceptRect(const QRect& row);
  static QRect RejectRect(const QRect& row);
  // Lays out an incoming request's words (set in `layout`, with its font) for a row at `row`.
  static void LayOutRequest(QTextLayout& layout, const QRect& row);

  AvatarCache& avatars_;
};

class MessageDelegate : public QStyledItemDelegate {
  Q_OBJECT

 public:
  MessageDelegate(AvatarCache& avatars, QObject* parent = nullptr);
  // Where pictures' thumbnails come from (not owned; null: placeholders only).
  void SetThumbnails(const Thumbnails* thumbnails) { thumbnails_ = thumbnails; }
  // Where a message's picture or file card is drawn, relative to its row (empty: it has none).
  QRect AttachmentRect(const QStyleOptionViewItem& option, const QModelIndex& index) const;
  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override;
  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
  // A click on a web address in a message, on the quote of a reply, or on a reaction chip.
  bool editorEvent(QEvent* event, QAbstractItemModel* model, const QStyleOptionViewItem& option,
                   const QModelIndex& index) override;
  // A reaction chip's tooltip: who reacted.
  bool helpEvent(QHelpEvent* event, QAbstractItemView* view, const QStyleOptionViewItem& option,
                 const QModelIndex& index) override;

 public:
  // Who reacted with a chip's emoji, for its tooltip.
  static QString ReactionTooltip(const MessageModel::Reaction& reaction);
  // The @mention spans of `text` (as laid out): each "@name" or "＠name" of `mentions` (ignoring
  // case and width), bold
  // in the link colour; those naming the signed-in user (`me`) on a highlight, as Slack draws them.
  static QVector<QTextLayout::FormatRange> MentionFormats(const QString& text,
                                                          const QStringList& mentions,
                                                          const QString& me);

 signals:
  void linkActivated(const QUrl& url);
  // The quote in a reply was clicked: show the message `seq` it quotes.
  void quoteActivated(quint64 seq);
  // A reaction chip under message `seq` was clicked: `mine` says whether the user's reaction is
  // among those it shows (so the click takes it back) or not (so it adds it).
  void reactionClicked(quint64 seq, const QString& emoji, bool mine);
  // A picture was clicked (open it), or a file card (download it).
  void imageActivated(const natter::client::MessageModel::Attachment& attachment);
  void fileActivated(const natter::client::MessageModel::Attachment& attachment);

 private:
  struct Layout;
  Layout Measure(const QStyleOptionViewItem& option, const QModelIndex& index) const;
  void PaintChips(QPainter* painter, const Layout& l, const QStyleOptionViewItem& option) const;
  // The reaction chip at `pos` (in the view's coordinates), or -1.
  int ChipAt(const Layout& l, const QStyleOptionViewItem& option, const QPoint& pos) const;

  AvatarCache& avatars_;
  const Thumbnails* thumbnails_ = nullptr;
};

}  // namespace natter::client
