// libcurl, loaded with dlopen() on first use. Linking it would make every plugin start
// pay for the dynamic loader mapping and relocating libcurl and its ~30 dependencies
// (TLS, HTTP/2, IDN...): an empty C program linked with -lcurl took 9.3 ms a run against
// 1.0 ms unlinked (hyperfine, 300 runs, Debian bookworm's libcurl 7.88), while only the
// cluster path that actually talks to etcd needs it.
#pragma once

#include <curl/curl.h>

#include "core/error.h"

namespace berth::etcd {

struct CurlApi {
  CURL* (*easy_init)();
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  void (*easy_cleanup)(CURL*);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
};

// The loaded library (once per process, thread-safe). Code 5 naming the library when
// it cannot be loaded (package libcurl4 missing).
[[nodiscard]] Result<const CurlApi*> curl_api();

}  // namespace berth::etcd
