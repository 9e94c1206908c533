// What `berth net diagnose` finds: the hops of the path in order, each with a verdict, and
// the one line naming the cause (the first hop with a problem, since a packet never gets
// past it). Rendering as text or JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace berth::runtime::diagnose {

enum class Verdict { kOk, kProblem, kUnknown };

struct Hop {
  std::string name;  // "eth0 in container web", "bridge berth0", "ip_forward", ...
  Verdict verdict = Verdict::kOk;
  std::string detail;  // what was seen
  std::string cause;   // for a problem: the sentence naming it, as the summary line says it
};

struct Report {
  std::string from, to;  // "container web", "10.88.0.3:80/tcp"
  std::vector<Hop> hops;

  void ok(std::string name, std::string detail);
  void unknown(std::string name, std::string detail);
  void problem(std::string name, std::string detail, std::string cause);

  // True when some hop has a problem.
  [[nodiscard]] bool failed() const;
  // The first problem's cause, or the sentence saying the path is open.
  [[nodiscard]] std::string cause() const;
};

[[nodiscard]] std::string to_string(Verdict v);
// One aligned line per hop, then "cause: ..." (or "ok: ...").
[[nodiscard]] std::string render_text(const Report& r);
// {"from","to","hops":[{"hop","verdict","detail","cause"?}],"ok","cause"}
[[nodiscard]] nlohmann::json render_json(const Report& r);

}  // namespace berth::runtime::diagnose
