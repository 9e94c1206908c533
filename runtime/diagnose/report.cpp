#include "runtime/diagnose/report.h"

#include <algorithm>

namespace berth::runtime::diagnose {

void Report::ok(std::string name, std::string detail) {
  hops.push_back({std::move(name), Verdict::kOk, std::move(detail), {}});
}

void Report::unknown(std::string name, std::string detail) {
  hops.push_back({std::move(name), Verdict::kUnknown, std::move(detail), {}});
}

void Report::problem(std::string name, std::string detail, std::string cause) {
  hops.push_back({std::move(name), Verdict::kProblem, std::move(detail), std::move(cause)});
}

bool Report::failed() const {
  return std::ranges::any_of(hops, [](const Hop& h) { return h.verdict == Verdict::kProblem; });
}

std::string Report::cause() const {
  for (const auto& h : hops)
    if (h.verdict == Verdict::kProblem) return h.cause;
  return "the path from " + from + " to " + to + " is open";
}

std::string to_string(Verdict v) {
  switch (v) {
    case Verdict::kOk:
      return "ok";
    case Verdict::kProblem:
      return "problem";
    case Verdict::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::string render_text(const Report& r) {
  size_t width = 0;
  for (const auto& h : r.hops) width = std::max(width, h.name.size());
  std::string out = "path: " + r.from + " -> " + r.to + "\n";
  for (const auto& h : r.hops) {
    std::string verdict = to_string(h.verdict);
    out += "  " + h.name + std::string(width - h.name.size() + 2, ' ') + verdict +
           std::string(9 - verdict.size(), ' ') + h.detail + "\n";
  }
  out += (r.failed() ? "cause: " : "ok: ") + r.cause() + "\n";
  return out;
}

nlohmann::json render_json(const Report& r) {
  auto hops = nlohmann::json::array();
  for (const auto& h : r.hops) {
    nlohmann::json j = {{"hop", h.name}, {"verdict", to_string(h.verdict)}, {"detail", h.detail}};
    if (h.verdict == Verdict::kProblem) j["cause"] = h.cause;
    hops.push_back(std::move(j));
  }
  return {{"from", r.from},
          {"to", r.to},
          {"hops", std::move(hops)},
          {"ok", !r.failed()},
          {"cause", r.cause()}};
}

}  // namespace berth::runtime::diagnose
