#include "ingest/input_common.h"

#include <iterator>

namespace wardsoc {

namespace {
constexpr std::string_view kFormatNames[] = {"auto", "syslog", "json", "kv"};
}  // namespace

std::string_view body_format_name(BodyFormat f) { return kFormatNames[static_cast<size_t>(f)]; }

bool parse_body_format(std::string_view name, BodyFormat* out) {
  for (size_t i = 0; i < std::size(kFormatNames); ++i) {
    if (kFormatNames[i] == name) {
      *out = static_cast<BodyFormat>(i);
      return true;
    }
  }
  return false;
}

}  // namespace wardsoc
