// NATTER_CHECK: an invariant that cannot fail unless the code is wrong. When it does, the process
// says where and why on stderr and aborts, rather than going on in a state no one designed for.
#pragma once

#include <cstdio>
#include <cstdlib>

#define NATTER_CHECK(condition, message)                                                    \
  do {                                                                                      \
    if (!(condition)) {                                                                     \
      std::fprintf(stderr, "%s:%d: check failed: %s: %s\n", __FILE__, __LINE__, #condition, \
                   (message));                                                              \
      std::abort();                                                                         \
    }                                                                                       \
  } while (false)
