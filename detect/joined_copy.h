// Copying a message into the matcher's joined text (see Matcher): the copy is the first read
// of each message and a tenth or more of the matching time, so it is done with the widest
// vectors the CPU has, and it says in the same pass whether the message holds a '\n' (such
// a message would end a line in the middle and is scanned alone instead).
#pragma once

#include <string_view>

namespace wardsoc {

// Copies text to dst (exactly text.size() bytes are written); true if text holds a '\n'.
// Picks the variant below that the CPU runs.
bool copy_message(char* dst, std::string_view text);

namespace joined_copy_detail {
// 16 bytes at a time (SSE2; plain memcpy and memchr elsewhere).
bool copy_sse2(char* dst, std::string_view text);
// 64-byte blocks, then one masked load and store for the rest: reads nothing past the text.
// Only where avx512_available().
bool copy_avx512(char* dst, std::string_view text);
bool avx512_available();
}  // namespace joined_copy_detail

}  // namespace wardsoc
