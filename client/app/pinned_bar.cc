#include "pinned_bar.h"

#include <QFrame>
#include <QHBoxLayout>
#include <QMenu>
#include <QMouseEvent>
#include <QVBoxLayout>
#include <algorithm>

namespace natter::client {
namespace {

using Async = ApiClient::Async;
constexpr int kSnippetChars = 120;

}  // namespace

PinnedBar::PinnedBar(ApiClient& api, Names names, QWidget* parent)
    : QWidget(parent), api_(api), names_(std::move(names)) {
  setObjectName(QStringLiteral("pinnedBar"));
  setCursor(Qt::PointingHandCursor);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* accent = new QFrame(this);
  accent->setFixedWidth(3);
  accent->setStyleSheet(QStringLiteral("background: #1e88e5;"));
  auto* texts = new QVBoxLayout;
  texts->setSpacing(0);
  title_ = new QLabel(this);
  title_->setObjectName(QStringLiteral("pinnedTitle"));
  title_->setTextFormat(Qt::PlainText);
  title_->setStyleSheet(QStringLiteral("color: #1e88e5; font-weight: bold;"));
  snippet_ = new QLabel(this);
  snippet_->setObjectName(QStringLiteral("pinnedSnippet"));
  snippet_->setTextFormat(Qt::PlainText);
  snippet_->setMinimumWidth(0);
  snippet_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  texts->addWidget(title_);
  texts->addWidget(snippet_);
  list_ = new QToolButton(this);
  list_->setObjectName(QStringLiteral("pinnedList"));
  list_->setText(QStringLiteral("☰"));
  list_->setToolTip(tr("All pinned messages"));
  list_->setAutoRaise(true);
  list_->setPopupMode(QToolButton::InstantPopup);
  list_->setMenu(new QMenu(list_));
  layout->addWidget(accent);
  layout->addLayout(texts, 1);
  layout->addWidget(list_);
  hide();
}

void PinnedBar::Load(uint64_t conversation_id) {
  ++generation_;
  if (conversation_id != conversation_id_) {
    pins_.clear();
    current_ = 0;
    conversation_id_ = conversation_id;
    Refresh();
  }
  if (conversation_id == 0) return;
  v1::ListPinsRequest request;
  request.mutable_conversation()->set_id(conversation_id);
  api_.Call(&Async::ListPins, request,
            std::function<void(const grpc::Status&, const v1::ListPinsResponse&)>(
                [this, generation = generation_](const grpc::Status& status,
                                                 const v1::ListPinsResponse& response) {
                  // A failure keeps what is shown: the next pin entry asks again.
                  if (generation != generation_ || !status.ok()) return;
                  // The pin shown stays shown if it is still pinned; a new pin shows first.
                  const uint64_t shown = current_ < static_cast<int>(pins_.size())
                                             ? pins_[static_cast<size_t>(current_)].message().seq()
                                             : 0;
                  const bool grew = static_cast<size_t>(response.pins_size()) > pins_.size();
                  pins_.assign(response.pins().begin(), response.pins().end());
                  current_ = 0;
                  if (!grew) {
                    for (size_t i = 0; i < pins_.size(); ++i) {
                      if (pins_[i].message().seq() == shown) current_ = static_cast<int>(i);
                    }
                  }
                  Refresh();
                }));
}

void PinnedBar::OnEntry(const v1::ChatMessage& entry) {
  if (conversation_id_ == 0 || entry.conversation_id() != conversation_id_) return;
  const bool pin_change = entry.type() == "message_pinned" || entry.type() == "message_unpinned";
  const bool pinned_changed =
      (entry.type() == "message_edited" || entry.type() == "message_deleted") &&
      IsPinned(entry.target_seq());
  if (pin_change || pinned_changed) Load(conversation_id_);
}

bool PinnedBar::IsPinned(uint64_t seq) const {
  return std::any_of(pins_.begin(), pins_.end(),
                     [seq](const v1::Pin& p) { return p.message().seq() == seq; });
}

QString PinnedBar::Snippet(const v1::Pin& pin) const {
  const v1::ChatMessage& m = pin.message();
  const QString sender = names_ ? names_(m.sender_id(), QString::fromStdString(m.sender()))
                                : QString::fromStdString(m.sender());
  QString text = QString::fromStdString(m.text()).simplified();
  if (text.size() > kSnippetChars) text = text.left(kSnippetChars) + QStringLiteral("…");
  return tr("%1: %2").arg(sender, text);
}

void PinnedBar::Refresh() {
  setVisible(!pins_.empty());
  QMenu* menu = list_->menu();
  menu->clear();
  if (pins_.empty()) return;
  const int count = static_cast<int>(pins_.size());
  current_ = std::clamp(current_, 0, count - 1);
  title_->setText(count == 1 ? tr("Pinned message")
                             : tr("Pinned message %1 of %2").arg(current_ + 1).arg(count));
  const QString snippet = Snippet(pins_[static_cast<size_t>(current_)]);
  snippet_->setText(snippet);
  setToolTip(tr("Show this message; the next click shows the next pinned one"));
  for (int i = 0; i < count; ++i) {
    const v1::Pin& pin = pins_[static_cast<size_t>(i)];
    QString label = Snippet(pin);
    if (label.size() > 60) label = label.left(60) + QStringLiteral("…");
    QAction* action = menu->addAction(label, this, [this, i, seq = pin.message().seq()] {
      current_ = i;
      Refresh();
      emit jumpRequested(seq);
    });
    action->setCheckable(true);
    action->setChecked(i == current_);
  }
}

void PinnedBar::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton || pins_.empty()) {
    QWidget::mouseReleaseEvent(event);
    return;
  }
  // Like Telegram: show the pin the bar names, and move on to the next older one for next time.
  const uint64_t seq = pins_[static_cast<size_t>(current_)].message().seq();
  current_ = (current_ + 1) % static_cast<int>(pins_.size());
  Refresh();
  emit jumpRequested(seq);
}

}  // namespace natter::client
