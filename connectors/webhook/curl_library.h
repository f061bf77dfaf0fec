// libcurl, loaded on first use: only the webhook sink needs it, and linking it would make
// every wardsoc process (`--version`, `rules test`, `replay`) map its ~25 libraries at
// start. One table of the curl functions the sink calls, resolved with dlopen/dlsym.
//
// Thread safety: curl_library() may be called from any thread; the first call loads the
// library and runs curl_global_init once, later calls return the same table (or error).
// The table is never unloaded and its pointers stay valid until the process exits.
#pragma once

#include <curl/curl.h>

#include <string>

#include "core/result.h"

namespace wardsoc {

// The soname looked for: the ABI the curl.h in use was built for.
inline constexpr const char* kCurlLibraryName = "libcurl.so.4";

struct CurlLibrary {
  CURLcode (*global_init)(long flags) = nullptr;
  CURL* (*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL* curl) = nullptr;
  void (*easy_reset)(CURL* curl) = nullptr;
  CURLcode (*easy_setopt)(CURL* curl, CURLoption option, ...) = nullptr;
  CURLcode (*easy_perform)(CURL* curl) = nullptr;
  CURLcode (*easy_getinfo)(CURL* curl, CURLINFO info, ...) = nullptr;
  const char* (*easy_strerror)(CURLcode code) = nullptr;
  curl_slist* (*slist_append)(curl_slist* list, const char* header) = nullptr;
  void (*slist_free_all)(curl_slist* list) = nullptr;
};

// libcurl.so.4, loaded and initialised (curl_global_init) on the first call. The error
// names the library or the missing symbol and what to install.
Result<const CurlLibrary*> curl_library();

// Loads `soname` and resolves the table, without curl_global_init and without keeping
// the result: what curl_library() does once, exposed so tests can load a library that
// is missing or is not libcurl. A table that is returned stays loaded for good.
Result<CurlLibrary> load_curl_library(const std::string& soname);

}  // namespace wardsoc
