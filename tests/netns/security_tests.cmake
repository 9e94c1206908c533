# The security pass (issue 8), end to end: the built plugins and the `berth` runtime
# against hostile names, planted symlinks and non-namespace CNI_NETNS paths; the modes
# of what they create under umask 000; what a container may not do (load modules,
# change the host's network, see the host's processes) and its capabilities.
list(APPEND BERTH_NETNS_SOURCES security_plugins_test.cpp security_runtime_test.cpp)
