// The conformance matrix's subjects: every berth plugin, with a valid config in a given
// cniVersion, a config that is invalid for it (code 7), and the netns its ADD needs.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tests/netns/modes_helpers.h"

namespace berth::test {

struct Subject {
  std::string plugin;
  // A valid config; `ns` is the container netns the ADD will use.
  std::function<json(const std::string& version, const std::string& ns)> conf;
  json invalid_keys;          // merged into conf(): makes it invalid for this plugin
  bool host_netns = false;    // ADD runs in the host namespace (berth-host)
  bool interfaces = true;     // results list interfaces (IPAM results do not)
};

inline json base(const std::string& v, const std::string& name, const std::string& type) {
  return {{"cniVersion", v}, {"name", name}, {"type", type}};
}

inline std::vector<Subject> subjects() {
  std::vector<Subject> s;
  s.push_back({"berth-bridge",
               [](const std::string& v, const std::string&) {
                 json c = base(v, "conf-br", "berth-bridge");
                 c.update({{"bridge", "br-conf"}, {"isGateway", true},
                           {"ipam", {{"type", "berth-ipam"}, {"subnet", "10.110.0.0/24"}}}});
                 return c;
               },
               {{"mtu", "big"}}});
  s.push_back({"berth-ptp",
               [](const std::string& v, const std::string&) {
                 json c = base(v, "conf-ptp", "berth-ptp");
                 c["ipam"] = {{"type", "berth-ipam"}, {"subnet", "10.111.0.0/24"}};
                 return c;
               },
               {{"ipam", nullptr}}});
  s.push_back({"berth-none", [](const std::string& v, const std::string&) { return base(v, "conf-none", "berth-none"); },
               {{"name", "bad/name"}}});
  s.push_back({"berth-host",
               [](const std::string& v, const std::string&) {
                 json c = base(v, "conf-host", "berth-host");
                 c["hostNetns"] = host_netns_path();
                 return c;
               },
               {{"hostNetns", "not/absolute"}},
               true});
  s.push_back({"berth-container",
               [](const std::string& v, const std::string& ns) {
                 json c = base(v, "conf-ctr", "berth-container");
                 c.update({{"container", "target"}, {"targetNetns", ns}});
                 return c;
               },
               {{"container", "../etc"}}});
  s.push_back({"berth-ipam",
               [](const std::string& v, const std::string&) {
                 json c = base(v, "conf-ipam", "berth-ipam");
                 c["ipam"] = {{"type", "berth-ipam"}, {"subnet", "10.112.0.0/24"}};
                 return c;
               },
               {{"ipam", {{"type", "berth-ipam"}, {"subnet", "10.112.0.0/33"}}}},
               false,
               false});
  return s;
}

}  // namespace berth::test
