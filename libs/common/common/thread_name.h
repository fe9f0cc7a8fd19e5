// Names the calling thread, so that `top -H`, `perf` and core dumps tell a gateway's fan-out thread
// from its Redis subscriber. Linux keeps at most 15 bytes; the rest is cut.
#pragma once

#include <pthread.h>

#include <string>
#include <string_view>

namespace natter {

inline void NameThisThread(std::string_view name) {
  std::string cut(name.substr(0, 15));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace natter
