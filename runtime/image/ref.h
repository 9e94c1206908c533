// Image references: "busybox", "busybox:latest", "my/app:1.0". Nothing is ever pulled, so
// there is no registry part and no digest.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace berth::runtime {

struct ImageRef {
  std::string name;  // lower-case components [a-z0-9] joined by . _ - and '/'
  std::string tag = "latest";

  [[nodiscard]] std::string str() const { return name + ":" + tag; }
  // The directory name under <root>/images: '/' and ':' are encoded, so every reference
  // gets its own directory and "busybox:latest" is simply "busybox".
  [[nodiscard]] std::string dir_name() const;
  friend bool operator==(const ImageRef&, const ImageRef&) = default;
};

// Code 7 with the rule that was broken.
[[nodiscard]] Result<ImageRef> parse_image_ref(std::string_view text);

}  // namespace berth::runtime
