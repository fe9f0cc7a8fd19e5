#include "search_dialog.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QLocale>
#include <QScrollBar>
#include <QVBoxLayout>

#include "conversation_model.h"

namespace natter::client {
namespace {

using Async = ApiClient::Async;
constexpr uint32_t kPage = 20;

QString Escaped(const std::string& utf8, size_t from, size_t to) {
  return QString::fromStdString(utf8.substr(from, to - from)).toHtmlEscaped();
}

}  // namespace

SearchDialog::SearchDialog(ApiClient& api, Names names, QWidget* parent)
    : QDialog(parent), api_(api), names_(std::move(names)) {
  setWindowTitle(tr("Search messages"));
  resize(560, 520);
  auto* layout = new QVBoxLayout(this);
  query_ = new QLineEdit(this);
  query_->setObjectName(QStringLiteral("searchQuery"));
  query_->setPlaceholderText(tr("Words, \"a phrase\", from:user, in:room, after:2026-01-31"));
  query_->setClearButtonEnabled(true);
  query_->setToolTip(
      tr("Every word must be in a message. \"quotes\" find words side by side; from:USER, "
         "in:ROOM or in:@USER narrow it down, and before:/after: take a date as YYYY-MM-DD."));
  connect(query_, &QLineEdit::returnPressed, this, [this] { Search(query_->text()); });
  layout->addWidget(query_);
  status_ = new QLabel(this);
  status_->setObjectName(QStringLiteral("searchStatus"));
  status_->setTextFormat(Qt::PlainText);
  status_->setWordWrap(true);
  layout->addWidget(status_);
  results_ = new QListWidget(this);
  results_->setObjectName(QStringLiteral("searchResults"));
  results_->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
  results_->setWordWrap(true);
  layout->addWidget(results_, 1);
  auto activate = [this](QListWidgetItem* item) {
    emit hitActivated(item->data(kConversationRole).toULongLong(),
                      item->data(kSeqRole).toULongLong());
  };
  connect(results_, &QListWidget::itemActivated, this, activate);
  connect(results_, &QListWidget::itemClicked, this, activate);
  // Scrolling to the end asks for the next page, as "More results" does.
  connect(results_->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
    if (value > 0 && value == results_->verticalScrollBar()->maximum()) More();
  });
  more_ = new QPushButton(tr("More results"), this);
  more_->setObjectName(QStringLiteral("searchMore"));
  more_->hide();
  connect(more_, &QPushButton::clicked, this, &SearchDialog::More);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(more_);
  buttons->addStretch(1);
  layout->addLayout(buttons);
}

QString SearchDialog::SnippetHtml(const v1::SearchHit& hit) {
  const std::string& snippet = hit.snippet();
  QString html;
  size_t at = 0;
  for (const v1::TextRange& mark : hit.marks()) {
    // From the network: a range that does not fit is not drawn rather than trusted.
    if (mark.begin() < at || mark.end() <= mark.begin() || mark.end() > snippet.size()) continue;
    html += Escaped(snippet, at, mark.begin());
    html +=
        QStringLiteral("<b>") + Escaped(snippet, mark.begin(), mark.end()) + QStringLiteral("</b>");
    at = mark.end();
  }
  html += Escaped(snippet, at, snippet.size());
  return html;
}

void SearchDialog::Search(const QString& query) {
  query_->setText(query);
  ++generation_;
  busy_ = false;
  results_->clear();
  more_->hide();
  next_page_.clear();
  searched_ = query.trimmed();
  if (searched_.isEmpty()) {
    status_->setText(tr("Type something to search for."));
    return;
  }
  Fetch({});
}

void SearchDialog::More() {
  if (busy_ || next_page_.empty()) return;
  Fetch(next_page_);
}

void SearchDialog::Fetch(const std::string& page_token) {
  busy_ = true;
  status_->setText(tr("Searching…"));
  v1::SearchRequest request;
  request.set_query(searched_.toStdString());
  request.set_page_token(page_token);
  request.set_limit(kPage);
  api_.Call(&Async::Search, request,
            std::function<void(const grpc::Status&, const v1::SearchResponse&)>(
                [this, generation = generation_](const grpc::Status& status,
                                                 const v1::SearchResponse& response) {
                  if (generation != generation_) return;  // a newer search is shown
                  busy_ = false;
                  if (!status.ok()) {
                    // The server's refusal says what to change (a bad date, too fast...).
                    status_->setText(ErrorText(status));
                    return;
                  }
                  for (const v1::SearchHit& hit : response.hits()) AddHit(hit);
                  next_page_ = response.next_page_token();
                  more_->setVisible(!next_page_.empty());
                  const int shown = results_->count();
                  status_->setText(shown == 0 ? tr("No messages found.")
                                   : next_page_.empty()
                                       ? tr("%n message(s) found.", nullptr, shown)
                                       : tr("The first %n messages found.", nullptr, shown));
                }));
}

void SearchDialog::AddHit(const v1::SearchHit& hit) {
  v1::Conversation group;  // a group's hit names its title, which may be empty
  group.set_kind("group");
  group.set_name(hit.conversation_name());
  const QString where = hit.conversation_kind() == "room"
                            ? QStringLiteral("#") + QString::fromStdString(hit.conversation_name())
                        : hit.conversation_kind() == "group"
                            ? ConversationModel::GroupTitle(group)
                            : QString::fromStdString(hit.conversation_name());
  const QString sender = names_ ? names_(hit.sender_id(), QString::fromStdString(hit.sender()))
                                : QString::fromStdString(hit.sender());
  const QString when = QLocale().toString(
      QDateTime::fromMSecsSinceEpoch(hit.sent_at_ms()).toLocalTime(), QLocale::ShortFormat);
  auto* item = new QListWidgetItem(results_);
  item->setData(kConversationRole, QVariant::fromValue<quint64>(hit.conversation_id()));
  item->setData(kSeqRole, QVariant::fromValue<quint64>(hit.seq()));
  item->setToolTip(tr("Open in %1").arg(where));
  auto* label = new QLabel(results_);
  label->setObjectName(QStringLiteral("searchHit"));
  label->setTextFormat(Qt::RichText);
  label->setWordWrap(true);
  label->setContentsMargins(6, 4, 6, 4);
  label->setAttribute(Qt::WA_TransparentForMouseEvents);
  label->setText(QStringLiteral("<span style=\"color: #607d8b;\">%1 · %2 · %3</span><br>%4")
                     .arg(where.toHtmlEscaped(), sender.toHtmlEscaped(), when.toHtmlEscaped(),
                          SnippetHtml(hit)));
  const int width = results_->viewport()->width() > 0 ? results_->viewport()->width() : 520;
  item->setSizeHint(QSize(width, label->heightForWidth(width) + 2));
  results_->setItemWidget(item, label);
}

}  // namespace natter::client
