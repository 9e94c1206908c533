// Owner tags in set element userdata.
#include <catch2/catch.hpp>
#include <string>

#include "core/nft/element.h"

using berth::nft::Bytes;
using berth::nft::decode_tag;
using berth::nft::encode_tag;

TEST_CASE("nft: a tag is stored as the element comment record nft reads") {
  auto b = encode_tag("net1 abc");
  REQUIRE(b);
  Bytes want = {0, 9, 'n', 'e', 't', '1', ' ', 'a', 'b', 'c', 0};
  REQUIRE(*b == want);
  REQUIRE(decode_tag(*b) == "net1 abc");
}

TEST_CASE("nft: tags round-trip up to the maximum length") {
  for (size_t len : {1, 17, 128, 200}) {
    std::string tag(len, 'x');
    tag[0] = 'a';
    auto b = encode_tag(tag);
    REQUIRE(b);
    REQUIRE(b->size() == len + 3);
    REQUIRE(decode_tag(*b) == tag);
  }
}

TEST_CASE("nft: bad tags are refused with code 7") {
  for (std::string tag : {std::string(), std::string(201, 'x'), std::string("a\0b", 3)}) {
    auto b = encode_tag(tag);
    REQUIRE_FALSE(b);
    REQUIRE(b.error().code == berth::Code::kInvalidConfig);
  }
}

TEST_CASE("nft: decode_tag skips other records and rejects malformed userdata") {
  Bytes other_then_tag = {1, 4, 0, 0, 0, 1, 0, 3, 'a', 'b', 0};
  REQUIRE(decode_tag(other_then_tag) == "ab");
  REQUIRE_FALSE(decode_tag(Bytes{}));
  REQUIRE_FALSE(decode_tag(Bytes{0, 9, 'a', 'b', 0}));  // length runs past the end
  REQUIRE_FALSE(decode_tag(Bytes{0, 2, 'a', 'b'}));     // no NUL
  REQUIRE_FALSE(decode_tag(Bytes{0, 1, 0}));            // empty tag
  REQUIRE_FALSE(decode_tag(Bytes{1, 2, 'a', 0}));       // no comment record at all
  REQUIRE_FALSE(decode_tag(Bytes{0}));                  // truncated header
}
