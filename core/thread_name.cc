#include "core/thread_name.h"

#include <pthread.h>

#include <string>

namespace wardsoc {

void set_thread_name(std::string_view name) {
  constexpr size_t kMax = 15;
  const std::string cut(name.substr(0, kMax));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace wardsoc
