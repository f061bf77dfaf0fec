#include "core/result.h"

namespace wardsoc {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument:
      return "invalid_argument";
    case Errc::kNotFound:
      return "not_found";
    case Errc::kConflict:
      return "conflict";
    case Errc::kIo:
      return "io_error";
    case Errc::kCorruption:
      return "corruption";
    case Errc::kBusy:
      return "busy";
    case Errc::kUnavailable:
      return "unavailable";
    case Errc::kRejected:
      return "rejected";
    case Errc::kIncompatible:
      return "incompatible";
    case Errc::kInternal:
      return "internal";
  }
  return "unknown";
}

Error Error::with_context(std::string_view context) const& {
  return Error(code, std::string(context) + ": " + message);
}

Error Error::with_context(std::string_view context) && {
  message.insert(0, std::string(context) + ": ");
  return std::move(*this);
}

}  // namespace wardsoc
