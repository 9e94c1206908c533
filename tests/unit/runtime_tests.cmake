# The container side of the runtime (berth_runtime): option parsers, IDs and names, image
# references, the state record and store, the tar reader, text and JSON output. None
# needs root. Left out of builds that skip the runtime (BERTH_SKIP_PARTS=runtime).
if(TARGET berth_runtime)
  list(APPEND BERTH_UNIT_SOURCES
    runtime_parse_test.cpp
    runtime_id_test.cpp
    runtime_state_test.cpp
    runtime_tar_test.cpp
    runtime_output_test.cpp
    runtime_volume_test.cpp
  )
  list(APPEND BERTH_UNIT_LIBS berth_runtime)
endif()
