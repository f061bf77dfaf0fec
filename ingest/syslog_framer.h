// SyslogFramer: cuts a syslog TCP or TLS stream into messages, RFC 6587 both ways: octet
// counting ("MSG-LEN SP SYSLOG-MSG", what RFC 5425 prescribes for TLS and rsyslog and
// syslog-ng send when asked) and LF-terminated lines (what most devices send). The kind
// is recognised at the start of every frame, so a sender may switch, and a line that
// merely starts with a digit is not taken for a count: a count is 1-9 digits without a
// leading zero, one space, then the message's '<'.
//
// Bounded whatever the sender does: a frame or line longer than max_line_bytes is kept
// cut to the cap and flagged kEventTruncated, the rest is discarded as it streams by, and
// a count larger than kMaxOctetCount is not believed (the frame is read as a line).
//
// Counts that lie are survived, not repaired: a count too short leaves the rest of the
// message as the start of the next frame, which then is read as a line; a count too long
// swallows what follows up to the count (cut at the cap). Both show up in
// framing_errors() — a frame after an octet-counted one that starts with neither a digit
// nor a line break, a stream that ends inside a counted frame, an unbelievable count.
//
// Thread safety: none; one framer per connection, used by the thread that reads it.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/event.h"

namespace wardsoc {

class SyslogFramer {
 public:
  // Counts above this are not believed, whatever max_line_bytes is.
  static constexpr uint64_t kMaxOctetCount = 256u << 20;

  explicit SyslogFramer(size_t max_line_bytes) : max_(max_line_bytes == 0 ? 1 : max_line_bytes) {}

  // Calls on_frame(std::string_view message, uint32_t flags) for each message completed
  // by `data`; the view is valid during the call only.
  template <class OnFrame>
  void feed(std::string_view data, OnFrame&& on_frame) {
    size_t pos = 0;
    const size_t n = data.size();
    while (pos < n) {
      switch (state_) {
        case State::kFrameStart: {
          const char c = data[pos];
          if (c >= '1' && c <= '9') {
            state_ = State::kCount;
            count_ = 0;
            head_.clear();
          } else {
            if (after_octet_frame_ && c != '\n' && c != '\r') ++framing_errors_;
            state_ = State::kLine;
          }
          after_octet_frame_ = false;
          break;
        }
        case State::kCount: {
          const char c = data[pos++];
          head_.push_back(c);
          if (c >= '0' && c <= '9' && head_.size() <= 10) {
            count_ = count_ * 10 + static_cast<uint64_t>(c - '0');
          } else if (c == ' ' && head_.size() >= 2) {
            state_ = State::kCountSpace;
          } else {
            to_line_mode(on_frame);
          }
          break;
        }
        case State::kCountSpace: {
          if (data[pos] == '<' && count_ <= kMaxOctetCount) {
            state_ = State::kOctets;
            remaining_ = count_;
            partial_.clear();
            overflow_ = false;
          } else {
            if (count_ > kMaxOctetCount) ++framing_errors_;
            to_line_mode(on_frame);
          }
          break;
        }
        case State::kOctets: {
          const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, n - pos));
          if (take == remaining_ && partial_.empty() && !overflow_) {
            emit(data.substr(pos, take), false, on_frame);  // the whole frame is in this chunk
          } else {
            keep(data.substr(pos, take));
            if (take == remaining_) {
              emit(partial_, overflow_, on_frame);
              partial_.clear();
              overflow_ = false;
            }
          }
          remaining_ -= take;
          pos += take;
          if (remaining_ == 0) {
            state_ = State::kFrameStart;
            after_octet_frame_ = true;
          }
          break;
        }
        case State::kLine: {
          const void* hit = std::memchr(data.data() + pos, '\n', n - pos);
          if (hit == nullptr) {
            keep(data.substr(pos));
            return;
          }
          const size_t end = static_cast<size_t>(static_cast<const char*>(hit) - data.data());
          if (partial_.empty() && !overflow_) {
            emit_line(data.substr(pos, end - pos), false, on_frame);
          } else {
            keep(data.substr(pos, end - pos));
            emit_line(partial_, overflow_, on_frame);
            partial_.clear();
            overflow_ = false;
          }
          pos = end + 1;
          state_ = State::kFrameStart;
          break;
        }
      }
    }
  }

  // The stream ended: delivers what is held. A counted frame cut short is delivered
  // flagged kEventTruncated and counted as a framing error.
  template <class OnFrame>
  void finish(OnFrame&& on_frame) {
    switch (state_) {
      case State::kCount:
      case State::kCountSpace:
        to_line_mode(on_frame);
        [[fallthrough]];
      case State::kLine:
        if (!partial_.empty() || overflow_) emit_line(partial_, overflow_, on_frame);
        break;
      case State::kOctets:
        ++framing_errors_;
        if (!partial_.empty()) emit(partial_, true, on_frame);
        break;
      case State::kFrameStart:
        break;
    }
    partial_.clear();
    overflow_ = false;
    state_ = State::kFrameStart;
  }

  uint64_t framing_errors() const { return framing_errors_; }
  // Bytes of an unfinished message held back.
  size_t buffered() const { return partial_.size() + head_.size(); }

 private:
  enum class State { kFrameStart, kCount, kCountSpace, kOctets, kLine };

  // What looked like the start of a count was text: it begins a line.
  template <class OnFrame>
  void to_line_mode(OnFrame& on_frame) {
    state_ = State::kLine;
    partial_.clear();
    overflow_ = false;
    const std::string head = std::move(head_);
    head_.clear();
    // The byte that ended the count may have been the line's LF.
    if (!head.empty() && head.back() == '\n') {
      keep(std::string_view(head).substr(0, head.size() - 1));
      emit_line(partial_, overflow_, on_frame);
      partial_.clear();
      overflow_ = false;
      state_ = State::kFrameStart;
      return;
    }
    keep(head);
  }

  // One byte beyond the cap is kept so that a message of exactly max_ bytes is not
  // reported as truncated.
  void keep(std::string_view bytes) {
    const size_t room = max_ + 1 - std::min(partial_.size(), max_ + 1);
    if (bytes.size() > room) {
      partial_.append(bytes.data(), room);
      overflow_ = true;
    } else {
      partial_.append(bytes);
    }
  }

  // Whether a message was delivered from the chunk or from partial_ must not change it:
  // anything longer than what partial_ holds (max_ + 1) counts as overflowing either way.
  template <class OnFrame>
  void emit_line(std::string_view line, bool overflow, OnFrame& on_frame) {
    overflow = overflow || line.size() > max_ + 1;
    if (!overflow && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    emit(line, overflow, on_frame);
  }

  template <class OnFrame>
  void emit(std::string_view msg, bool overflow, OnFrame& on_frame) {
    overflow = overflow || msg.size() > max_ + 1;
    // Some senders end a counted message with LF anyway; it is framing, not message.
    while (!overflow && !msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) {
      msg.remove_suffix(1);
    }
    if (msg.empty() && !overflow) return;  // a blank line between frames
    uint32_t flags = 0;
    if (overflow || msg.size() > max_) {
      msg = msg.substr(0, max_);
      flags = kEventTruncated;
    }
    on_frame(msg, flags);
  }

  const size_t max_;
  State state_ = State::kFrameStart;
  uint64_t count_ = 0;
  uint64_t remaining_ = 0;
  std::string head_;  // the bytes of a would-be count, until it is decided
  std::string partial_;
  bool overflow_ = false;
  bool after_octet_frame_ = false;
  uint64_t framing_errors_ = 0;
};

}  // namespace wardsoc
