list(APPEND BERTH_NETNS_SOURCES bridge_test.cpp bridge_errors_test.cpp bridge_masq_test.cpp
  bridge_macspoof_test.cpp)
