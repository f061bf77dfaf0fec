// MatchFields: the named captures of one match, held in the Match itself up to three (most
// rules take a few fields, and a heap block per match cost more than the rest of its
// bookkeeping); a fourth moves them all to the heap. A small vector of our own, so that
// every client of the Matcher does not compile a container library's headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

namespace wardsoc {

// A vector whose first N elements live inside it. Only what Match needs: append, reserve,
// clear, iteration and indexing, copy and move (a move steals a heap block, and moves the
// elements one by one while they are inline).
template <typename T, size_t N>
class InlineVector {
 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  InlineVector() = default;
  InlineVector(std::initializer_list<T> init) {
    reserve(init.size());
    for (const T& v : init) push_back(v);
  }
  InlineVector(const InlineVector& o) {
    reserve(o.size_);
    std::uninitialized_copy(o.begin(), o.end(), data_);
    size_ = o.size_;
  }
  InlineVector(InlineVector&& o) noexcept { take(std::move(o)); }
  InlineVector& operator=(const InlineVector& o) {
    if (this != &o) {
      clear();
      reserve(o.size_);
      std::uninitialized_copy(o.begin(), o.end(), data_);
      size_ = o.size_;
    }
    return *this;
  }
  InlineVector& operator=(InlineVector&& o) noexcept {
    if (this != &o) {
      release();
      take(std::move(o));
    }
    return *this;
  }
  ~InlineVector() { release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  // Whether the elements are still inside the object (no heap block).
  bool is_inline() const { return data_ == inline_data(); }

  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& back() { return data_[size_ - 1]; }

  void reserve(size_t n) {
    if (n <= capacity_) return;
    T* block = std::allocator<T>().allocate(n);
    std::uninitialized_move(begin(), end(), block);
    std::destroy(begin(), end());
    if (!is_inline()) std::allocator<T>().deallocate(data_, capacity_);
    data_ = block;
    capacity_ = static_cast<uint32_t>(n);
  }
  template <typename... Args>
  T& emplace_back(Args&&... args) {
    if (size_ == capacity_) reserve(capacity_ * 2);
    T* p = ::new (static_cast<void*>(data_ + size_)) T(std::forward<Args>(args)...);
    ++size_;
    return *p;
  }
  void push_back(const T& v) { emplace_back(v); }
  void push_back(T&& v) { emplace_back(std::move(v)); }
  void clear() {
    std::destroy(begin(), end());
    size_ = 0;
  }

 private:
  T* inline_data() { return reinterpret_cast<T*>(storage_); }
  const T* inline_data() const { return reinterpret_cast<const T*>(storage_); }
  // Destroys the elements and frees a heap block; leaves the object empty and inline.
  void release() {
    clear();
    if (!is_inline()) std::allocator<T>().deallocate(data_, capacity_);
    data_ = inline_data();
    capacity_ = N;
  }
  // Takes o's elements into this empty, inline object; leaves o empty and inline.
  void take(InlineVector&& o) noexcept {
    static_assert(std::is_nothrow_move_constructible_v<T>);
    if (o.is_inline()) {
      std::uninitialized_move(o.begin(), o.end(), data_);
      size_ = o.size_;
      o.clear();
      return;
    }
    data_ = o.data_;
    size_ = o.size_;
    capacity_ = o.capacity_;
    o.data_ = o.inline_data();
    o.size_ = 0;
    o.capacity_ = N;
  }

  alignas(T) unsigned char storage_[N * sizeof(T)];
  T* data_ = inline_data();
  uint32_t size_ = 0;
  uint32_t capacity_ = N;
};

// The named captures of one match, in group order.
using MatchFields = InlineVector<std::pair<std::string, std::string>, 3>;

}  // namespace wardsoc
