// UTF-8 repair for text formats: every byte sequence that is not valid UTF-8 becomes
// U+FFFD, as the JSON formats do, so a device that logs Latin-1 cannot make a CEF line
// that the SIEM's parser rejects.
#pragma once

#include <string>
#include <string_view>

namespace wardsoc {

std::string valid_utf8(std::string_view bytes);

}  // namespace wardsoc
