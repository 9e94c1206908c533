// How containers are shown: Docker-shaped `inspect` JSON, and the text columns of `ps`
// and the lines of `port`.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runtime/cgroup/cgroup.h"
#include "runtime/container/state.h"

namespace berth::runtime {

// One element of `inspect`'s array. `usage` (running containers) adds berth's "Usage".
nlohmann::json inspect_json(const Container& c, const std::optional<Usage>& usage);

// The host side of the container's published ports (resolved ports while running, the
// requested ones otherwise).
std::vector<net::PortMapping> published_ports(const Container& c);
// `ps` STATUS: "Up 5 minutes", "Exited (0) 2 seconds ago", "Created", ...
std::string status_text(const Container& c, double now);
// `ps` PORTS: "0.0.0.0:8080->80/tcp, 0.0.0.0:8443->443/tcp".
std::string ports_text(const Container& c);
// `ps` COMMAND: the quoted command line, cut to `width` characters with an ellipsis.
std::string command_text(const Container& c, size_t width = 20);
// `port` lines, "80/tcp -> 0.0.0.0:8080", optionally only for `filter` ("80" or "80/udp").
std::vector<std::string> port_lines(const Container& c, const std::string& filter);

// A tiny subset of Go templates for --format: "{{.State.Status}}", "{{json .NetworkSettings}}",
// text around them kept. Code 7 for a malformed template.
[[nodiscard]] Result<std::string> render_format(const std::string& format, const nlohmann::json& j);

}  // namespace berth::runtime
