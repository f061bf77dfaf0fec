// libFuzzer target: key=value bodies. Every key and value is a view inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/kv_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const char* begin = text.data();
  const char* end = begin + size;
  wardsoc::for_each_kv(text, [&](std::string_view k, std::string_view v) {
    if (k.empty() || k.data() < begin || k.data() + k.size() > end) std::abort();
    if (v.size() > 0 && (v.data() < begin || v.data() + v.size() > end)) std::abort();
  });
  wardsoc::BodyFields f;
  wardsoc::kv_fields(text, wardsoc::SyslogParseOptions{nullptr, 1'714'532'400'000'000}, &f);
  if (!f.host.empty() && (f.host.data() < begin || f.host.data() + f.host.size() > end)) {
    std::abort();
  }
  return 0;
}
