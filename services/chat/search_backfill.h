// Indexes, in the background, the messages the search index does not hold yet: those stored
// before migration 012, and any an older replica stores during a rolling update. Batch after
// batch (MessageStore::IndexOlderMessages, which keeps its progress in the database, so replicas
// share the work and a restart resumes), with a pause between batches to keep the load on MySQL
// low; once caught up, it looks again every few minutes. Until it is done, older messages are
// simply not found.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "message_store.h"

namespace natter::chat {

struct SearchBackfillOptions {
  size_t batch = 500;                                         // messages per transaction
  std::chrono::milliseconds pause{100};                       // between batches while behind
  std::chrono::milliseconds idle{std::chrono::minutes(5)};    // between looks once caught up
  std::chrono::milliseconds retry{std::chrono::seconds(30)};  // after a failed batch
};

class SearchBackfill {
 public:
  SearchBackfill(MessageStore& store, SearchBackfillOptions options)
      : store_(store), options_(options) {}
  ~SearchBackfill() { Stop(); }
  SearchBackfill(const SearchBackfill&) = delete;
  SearchBackfill& operator=(const SearchBackfill&) = delete;

  void Start();
  // Ends the thread after its current batch.
  void Stop();

 private:
  void Run();
  // Waits `d` or until Stop; false when stopping.
  bool Wait(std::chrono::milliseconds d);

  MessageStore& store_;
  const SearchBackfillOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace natter::chat
