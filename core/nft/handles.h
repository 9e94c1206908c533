// Owning pointers for the libmnl/libnftnl objects berth uses: one alias per type, each
// freed by its own release function (style rule 6). Objects handed over to a parent
// (an expression added to a rule, an element added to a set) must be release()d, since
// the parent frees them from then on.
#pragma once

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include <memory>

namespace berth::nft {

namespace detail {
template <typename T, auto Free>
struct Deleter {
  void operator()(T* p) const {
    if (p) Free(p);
  }
};
}  // namespace detail

using UniqueMnlSocket = std::unique_ptr<mnl_socket, detail::Deleter<mnl_socket, mnl_socket_close>>;
using UniqueTable = std::unique_ptr<nftnl_table, detail::Deleter<nftnl_table, nftnl_table_free>>;
using UniqueChain = std::unique_ptr<nftnl_chain, detail::Deleter<nftnl_chain, nftnl_chain_free>>;
using UniqueSet = std::unique_ptr<nftnl_set, detail::Deleter<nftnl_set, nftnl_set_free>>;
using UniqueSetElem =
    std::unique_ptr<nftnl_set_elem, detail::Deleter<nftnl_set_elem, nftnl_set_elem_free>>;
using UniqueRule = std::unique_ptr<nftnl_rule, detail::Deleter<nftnl_rule, nftnl_rule_free>>;
using UniqueExpr = std::unique_ptr<nftnl_expr, detail::Deleter<nftnl_expr, nftnl_expr_free>>;
using UniqueUdataBuf =
    std::unique_ptr<nftnl_udata_buf, detail::Deleter<nftnl_udata_buf, nftnl_udata_buf_free>>;

}  // namespace berth::nft
