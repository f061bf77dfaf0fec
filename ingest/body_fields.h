// BodyFields: header fields found inside a message body that carries its own structure
// (a JSON object, key=value pairs), before they are put into the event. The views point
// either into the line itself or into the parser that found them; they are valid until
// that parser is used again.
//
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <string_view>

namespace wardsoc {

struct BodyFields {
  std::string_view host;
  std::string_view app;
  std::string_view procid;
  std::string_view message;  // what rules match; empty: the body stays the message
  bool has_timestamp = false;
  bool timestamp_has_zone = false;
  int64_t timestamp_us = 0;
};

}  // namespace wardsoc
