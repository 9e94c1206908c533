// ScopeExit: runs a function when the scope ends unless dismissed. ADD arms one
// after each resource it creates so that any later failure undoes it.
#pragma once

#include <utility>

namespace berth {

template <typename F>
class ScopeExit {
 public:
  explicit ScopeExit(F f) : f_(std::move(f)) {}
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ~ScopeExit() {
    if (armed_) f_();
  }
  void dismiss() { armed_ = false; }

 private:
  F f_;
  bool armed_ = true;
};

}  // namespace berth
