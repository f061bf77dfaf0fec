#include "connectors/webhook/curl_library.h"

#include <dlfcn.h>

#include <mutex>

namespace wardsoc {

namespace {

// dlerror() says why dlopen/dlsym failed; it is per thread and cleared by reading it.
std::string last_dl_error() {
  const char* e = dlerror();
  return e != nullptr ? e : "unknown error";
}

// Resolves `symbol` into `slot`; false (with `why` filled) if the library lacks it.
template <class Fn>
bool resolve(void* handle, const std::string& soname, const char* symbol, Fn* slot,
             std::string* why) {
  dlerror();
  void* p = dlsym(handle, symbol);
  if (p == nullptr) {
    *why = soname + " has no symbol " + symbol + " (" + last_dl_error() +
           "): it is not a libcurl this wardsoc can use";
    return false;
  }
  *slot = reinterpret_cast<Fn>(p);
  return true;
}

}  // namespace

Result<CurlLibrary> load_curl_library(const std::string& soname) {
  // RTLD_LOCAL: curl's own dependencies (gnutls, krb5, ...) stay out of the global
  // namespace, so they cannot interpose on the libraries wardsoc links (OpenSSL).
  void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return Error(Errc::kUnavailable, "cannot load " + soname + ", which the webhook sink needs (" +
                                         last_dl_error() +
                                         "): install libcurl4 (deploy/setup.sh installs it)");
  }
  CurlLibrary lib;
  std::string why;
  const bool ok = resolve(handle, soname, "curl_global_init", &lib.global_init, &why) &&
                  resolve(handle, soname, "curl_easy_init", &lib.easy_init, &why) &&
                  resolve(handle, soname, "curl_easy_cleanup", &lib.easy_cleanup, &why) &&
                  resolve(handle, soname, "curl_easy_reset", &lib.easy_reset, &why) &&
                  resolve(handle, soname, "curl_easy_setopt", &lib.easy_setopt, &why) &&
                  resolve(handle, soname, "curl_easy_perform", &lib.easy_perform, &why) &&
                  resolve(handle, soname, "curl_easy_getinfo", &lib.easy_getinfo, &why) &&
                  resolve(handle, soname, "curl_easy_strerror", &lib.easy_strerror, &why) &&
                  resolve(handle, soname, "curl_slist_append", &lib.slist_append, &why) &&
                  resolve(handle, soname, "curl_slist_free_all", &lib.slist_free_all, &why);
  if (!ok) {
    dlclose(handle);
    return Error(Errc::kUnavailable, why);
  }
  return lib;  // the handle is kept open: the table points into it
}

Result<const CurlLibrary*> curl_library() {
  static std::once_flag once;
  static CurlLibrary lib;
  static Error error;
  static bool loaded = false;
  std::call_once(once, [] {
    Result<CurlLibrary> r = load_curl_library(kCurlLibraryName);
    if (!r) {
      error = std::move(r).error();
      return;
    }
    const CURLcode rc = r->global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
      error = Error(Errc::kInternal,
                    std::string(kCurlLibraryName) + ": curl_global_init: " + r->easy_strerror(rc));
      return;
    }
    lib = *r;
    loaded = true;
  });
  if (!loaded) return error;
  return &lib;
}

}  // namespace wardsoc
