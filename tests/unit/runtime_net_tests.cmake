# The runtime's network side: -p parsing, conflist generation, subnet pools, plugin stdin
# (runtimeConfig), the engine over a fake exec, the result cache. None needs root.
if(TARGET berth_runtime_net)
  list(APPEND BERTH_UNIT_SOURCES
    runtime_net_publish_test.cpp
    runtime_net_config_test.cpp
    runtime_net_engine_test.cpp
  )
  list(APPEND BERTH_UNIT_LIBS berth_runtime_net)
endif()
