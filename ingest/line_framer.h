// LineFramer: cuts a byte stream (a TCP connection, a file) into lines at LF, whatever
// the chunk boundaries, and keeps at most max_line_bytes of any one line, so a sender
// that never sends a newline costs a bounded buffer, not unbounded memory.
//
// A line longer than the cap is delivered cut to max_line_bytes with kEventTruncated
// once its LF arrives (or at finish()); the bytes in between are discarded. A trailing
// CR is stripped. Each line comes with the stream offset just past its LF, which is
// what a file input checkpoints.
//
// Framing is decided at the first byte of each frame, in feed(); that is where RFC 6587
// octet counting ("123 <34>1 ...", recognised by a leading digit) will plug in.
//
// Thread safety: none; one framer per stream, used by the thread that reads it.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/event.h"

namespace wardsoc {

class LineFramer {
 public:
  // `start_offset`: the stream offset of the first byte that will be fed.
  explicit LineFramer(size_t max_line_bytes, uint64_t start_offset = 0)
      : max_(max_line_bytes == 0 ? 1 : max_line_bytes), offset_(start_offset) {}

  // Calls on_line(std::string_view line, uint32_t flags, uint64_t end_offset) for each
  // line completed by `data`. `line` is only valid during the call; it points into
  // `data` when the whole line was in this chunk, otherwise into the framer.
  template <class OnLine>
  void feed(std::string_view data, OnLine&& on_line) {
    size_t pos = 0;
    const size_t n = data.size();
    while (pos < n) {
      const void* hit = std::memchr(data.data() + pos, '\n', n - pos);
      if (hit == nullptr) {
        keep(data.substr(pos));
        offset_ += n - pos;
        return;
      }
      const size_t end = static_cast<size_t>(static_cast<const char*>(hit) - data.data());
      offset_ += end - pos + 1;
      if (partial_.empty() && !overflow_) {
        emit(data.substr(pos, end - pos), false, on_line);
      } else {
        keep(data.substr(pos, end - pos));
        emit(partial_, overflow_, on_line);
        partial_.clear();
        overflow_ = false;
      }
      pos = end + 1;
    }
  }

  // The stream ended (peer closed, end of file): delivers a last line that had no LF.
  template <class OnLine>
  void finish(OnLine&& on_line) {
    if (partial_.empty() && !overflow_) return;
    emit(partial_, overflow_, on_line);
    partial_.clear();
    overflow_ = false;
  }

  // Offset just past the last byte fed.
  uint64_t offset() const { return offset_; }
  // Bytes of an unfinished line held back.
  size_t buffered() const { return partial_.size(); }

 private:
  // One byte beyond the cap is kept so that a line of exactly max_ bytes followed by
  // CR LF is not reported as truncated.
  void keep(std::string_view bytes) {
    const size_t room = max_ + 1 - partial_.size();
    if (bytes.size() > room) {
      partial_.append(bytes.data(), room);
      overflow_ = true;
    } else {
      partial_.append(bytes);
    }
  }

  template <class OnLine>
  void emit(std::string_view line, bool overflow, OnLine& on_line) {
    if (!overflow && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    uint32_t flags = 0;
    if (overflow || line.size() > max_) {
      line = line.substr(0, max_);
      flags = kEventTruncated;
    }
    on_line(line, flags, offset_);
  }

  const size_t max_;
  uint64_t offset_;
  std::string partial_;
  bool overflow_ = false;
};

}  // namespace wardsoc
