#include "core/etcd/curl_api.h"

#include <dlfcn.h>

#include <mutex>

namespace berth::etcd {
namespace {

constexpr const char* kLibrary = "libcurl.so.4";

template <typename F>
bool resolve(void* lib, const char* name, F& out) {
  out = reinterpret_cast<F>(dlsym(lib, name));
  return out != nullptr;
}

Result<const CurlApi*> load() {
  void* lib = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* why = dlerror();
    return fail(Code::kIo, std::string("cannot load ") + kLibrary,
                std::string(why ? why : "dlopen failed") + " (Debian package libcurl4)");
  }
  static CurlApi api;
  bool ok = resolve(lib, "curl_easy_init", api.easy_init) &&
            resolve(lib, "curl_easy_setopt", api.easy_setopt) &&
            resolve(lib, "curl_easy_perform", api.easy_perform) &&
            resolve(lib, "curl_easy_getinfo", api.easy_getinfo) &&
            resolve(lib, "curl_easy_cleanup", api.easy_cleanup) &&
            resolve(lib, "curl_easy_strerror", api.easy_strerror) &&
            resolve(lib, "curl_slist_append", api.slist_append) &&
            resolve(lib, "curl_slist_free_all", api.slist_free_all);
  CURLcode (*global_init)(long) = nullptr;
  if (!ok || !resolve(lib, "curl_global_init", global_init))
    return fail(Code::kIo, std::string(kLibrary) + " lacks a libcurl function", dlerror());
  // Once, before any handle and while no other thread uses libcurl (std::call_once).
  if (CURLcode rc = global_init(CURL_GLOBAL_ALL); rc != CURLE_OK)
    return fail(Code::kIo, "curl_global_init failed", api.easy_strerror(rc));
  return &api;
}

}  // namespace

Result<const CurlApi*> curl_api() {
  static std::once_flag once;
  static Result<const CurlApi*> loaded = fail(Code::kInternal, "libcurl not loaded");
  std::call_once(once, [] { loaded = load(); });
  return loaded;
}

}  // namespace berth::etcd
