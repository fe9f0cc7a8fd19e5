// A list model whose rows stay in the order Before() defines. A row whose sort key changed is moved
// to its place with beginMoveRows, so views keep their selection and scroll position.
#pragma once

#include <QAbstractListModel>
#include <algorithm>
#include <vector>

namespace natter::client {

template <class Row>
class SortedListModel : public QAbstractListModel {
 public:
  using QAbstractListModel::QAbstractListModel;

  int rowCount(const QModelIndex& parent = QModelIndex()) const override {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
  }

 protected:
  virtual bool Before(const Row& a, const Row& b) const = 0;

  void SortAll() {
    std::stable_sort(rows_.begin(), rows_.end(),
                     [this](const Row& a, const Row& b) { return Before(a, b); });
  }

  void InsertSorted(Row row) {
    auto it = std::lower_bound(rows_.begin(), rows_.end(), row,
                               [this](const Row& a, const Row& b) { return Before(a, b); });
    int at = static_cast<int>(it - rows_.begin());
    beginInsertRows(QModelIndex(), at, at);
    rows_.insert(it, std::move(row));
    endInsertRows();
  }

  void RemoveAt(int row) {
    beginRemoveRows(QModelIndex(), row, row);
    rows_.erase(rows_.begin() + row);
    endRemoveRows();
  }

  // Moves `row` to where Before() puts it now.
  void Reorder(int row) {
    const Row& moved = rows_[static_cast<size_t>(row)];
    int target = 0;
    for (int i = 0; i < static_cast<int>(rows_.size()); ++i) {
      if (i != row && Before(rows_[static_cast<size_t>(i)], moved)) ++target;
    }
    if (target == row) return;
    // beginMoveRows wants the destination as an index in the list before the move.
    beginMoveRows(QModelIndex(), row, row, QModelIndex(), target > row ? target + 1 : target);
    Row taken = std::move(rows_[static_cast<size_t>(row)]);
    rows_.erase(rows_.begin() + row);
    rows_.insert(rows_.begin() + target, std::move(taken));
    endMoveRows();
  }

  std::vector<Row> rows_;
};

}  // namespace natter::client
