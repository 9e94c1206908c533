// Isolation between berth bridges, internal networks and icc=false.
#include <catch2/catch.hpp>

#include "tests/netns/portmap_helpers.h"

using namespace berth::test;
