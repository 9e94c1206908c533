// The kernel's netfilter constants (NFPROTO_*, NF_INET_*, NF_ACCEPT). <linux/netfilter.h>
// pulls in linux/in.h, which clashes with glibc's <netinet/in.h> unless glibc's comes
// first; this header fixes that order once, out of reach of include sorting.
#pragma once

// clang-format off
#include <netinet/in.h>
#include <linux/netfilter.h>
// clang-format on
