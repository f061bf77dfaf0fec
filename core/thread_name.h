// Names the calling thread as `top -H`, `ps -L`, perf and gdb show it ("in:lan-syslog",
// "detect-0", "fwd:soc-kafka"), so an operator can tell which stage is busy.
#pragma once

#include <string_view>

namespace wardsoc {

// Linux keeps 15 bytes of a thread's name; a longer one is cut there.
void set_thread_name(std::string_view name);

}  // namespace wardsoc
