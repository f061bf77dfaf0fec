#include "detect/joined_copy.h"

#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define WARDSOC_X86_64 1
#endif

namespace wardsoc {
namespace joined_copy_detail {

bool copy_sse2(char* dst, std::string_view text) {
  const char* s = text.data();
  const size_t n = text.size();
#if defined(__SSE2__)
  if (n >= 16) {
    const __m128i nl = _mm_set1_epi8('\n');
    __m128i seen = _mm_setzero_si128();
    for (size_t i = 0; i + 16 <= n; i += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), v);
      seen = _mm_or_si128(seen, _mm_cmpeq_epi8(v, nl));
    }
    // The last 16 bytes again, overlapping what the loop did: no byte-by-byte tail.
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + n - 16));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + n - 16), v);
    seen = _mm_or_si128(seen, _mm_cmpeq_epi8(v, nl));
    return _mm_movemask_epi8(seen) != 0;
  }
#endif
  if (n == 0) return false;
  std::memcpy(dst, s, n);
  return std::memchr(s, '\n', n) != nullptr;
}

#if defined(WARDSOC_X86_64)
// A typical message is one or two blocks and no loop. The 16-byte loop costs about twice as
// much per line on such messages, mostly in its exit branch, whose trip count changes from
// one line to the next (bench/RESULTS.md).
__attribute__((target("avx512f,avx512bw,bmi2"))) bool copy_avx512(char* dst,
                                                                  std::string_view text) {
  const char* s = text.data();
  const size_t n = text.size();
  const __m512i nl = _mm512_set1_epi8('\n');
  if (n <= 128) {
    // Two masked blocks whatever the length (the second may be empty): no branch that
    // depends on it. A masked-off byte is neither read nor written.
    const size_t n1 = n < 64 ? n : 64;
    const __mmask64 m1 = _bzhi_u64(~0ULL, static_cast<unsigned>(n1));
    const __mmask64 m2 = _bzhi_u64(~0ULL, static_cast<unsigned>(n - n1));
    const __m512i v1 = _mm512_maskz_loadu_epi8(m1, s);
    const __m512i v2 = _mm512_maskz_loadu_epi8(m2, s + 64);
    _mm512_mask_storeu_epi8(dst, m1, v1);
    _mm512_mask_storeu_epi8(dst + 64, m2, v2);
    return (_mm512_mask_cmpeq_epi8_mask(m1, v1, nl) | _mm512_mask_cmpeq_epi8_mask(m2, v2, nl)) != 0;
  }
  __mmask64 seen = 0;
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i v = _mm512_loadu_si512(s + i);
    _mm512_storeu_si512(dst + i, v);
    seen |= _mm512_cmpeq_epi8_mask(v, nl);
  }
  if (i < n) {
    const __mmask64 m = _bzhi_u64(~0ULL, static_cast<unsigned>(n - i));
    const __m512i v = _mm512_maskz_loadu_epi8(m, s + i);
    _mm512_mask_storeu_epi8(dst + i, m, v);
    seen |= _mm512_mask_cmpeq_epi8_mask(m, v, nl);
  }
  return seen != 0;
}

bool avx512_available() {
  // Also asks whether the kernel saves the AVX-512 registers.
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("bmi2");
}
#else
bool copy_avx512(char* dst, std::string_view text) { return copy_sse2(dst, text); }
bool avx512_available() { return false; }
#endif

}  // namespace joined_copy_detail

bool copy_message(char* dst, std::string_view text) {
  static const bool wide = joined_copy_detail::avx512_available();  // asked once
  return wide ? joined_copy_detail::copy_avx512(dst, text)
              : joined_copy_detail::copy_sse2(dst, text);
}

}  // namespace wardsoc
