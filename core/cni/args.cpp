#include "core/cni/args.h"

#include <strings.h>

#include <algorithm>

namespace berth::cni {

Result<CniArgs> parse_cni_args(std::string_view text) {
  CniArgs out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    auto piece = text.substr(pos, end - pos);
    pos = end + 1;
    if (piece.empty()) continue;  // tolerate "a=b;" (the Go parser is stricter; harmless)
    auto eq = piece.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return fail(Code::kInvalidEnv, "invalid CNI_ARGS", "pair `" + std::string(piece) + "` is not KEY=VALUE");
    out[std::string(piece.substr(0, eq))] = std::string(piece.substr(eq + 1));
  }
  bool ignore_unknown = false;
  if (auto it = out.find("IgnoreUnknown"); it != out.end()) {
    const auto& v = it->second;
    ignore_unknown = v == "1" || strcasecmp(v.c_str(), "true") == 0;
  }
  if (!ignore_unknown) {
    for (const auto& [k, v] : out) {
      if (std::find(std::begin(kCommonArgKeys), std::end(kCommonArgKeys), k) == std::end(kCommonArgKeys))
        return fail(Code::kInvalidEnv, "invalid CNI_ARGS",
                    "unknown key `" + k + "` (set IgnoreUnknown=1 to allow it)");
    }
  }
  return out;
}

}  // namespace berth::cni
