// The one error type and the one Result<T> used across wardsoc.
// Functions that can fail return Result<T> (or Status for no value); nothing on the
// hot path throws. An Error carries a code for programs and a message for people that
// already says where and why ("rules/ssh.yaml:12:5: ssh.bruteforce: window: ...").
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace wardsoc {

enum class Errc {
  kInvalidArgument,  // the caller's input is wrong (config, rule, CLI argument)
  kNotFound,
  kConflict,      // the thing changed meanwhile (a stale expected status)
  kIo,            // the operating system refused (open, bind, write, fsync)
  kCorruption,    // stored data does not decode
  kBusy,          // a lock is held by someone else (a second instance on one data dir)
  kUnavailable,   // a peer is down; retrying later may work
  kRejected,      // a peer refused this item for good; retrying will not help
  kIncompatible,  // on-disk data from another schema version
  kInternal,
};

// The code as programs read it, in snake_case ("invalid_argument", "conflict"): the
// "code" of the HTTP API's JSON errors (docs/api.md).
std::string_view errc_name(Errc code);

struct Error {
  Errc code = Errc::kInternal;
  std::string message;

  Error() = default;
  Error(Errc c, std::string m) : code(c), message(std::move(m)) {}

  // Prefixes the message with where it happened: "context: message".
  Error with_context(std::string_view context) const&;
  Error with_context(std::string_view context) &&;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& {
    assert(!ok_);
    return error_;
  }
  Error&& error() && {
    assert(!ok_);
    return std::move(error_);
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status ok_status() { return Status(); }

}  // namespace wardsoc
