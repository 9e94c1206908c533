# The cluster store (issue 15): block math, claim records, the etcd and cluster config
# parsers, berth-node's plan. Against a real etcd: tests/netns/cluster_*_test.cpp.
list(APPEND BERTH_UNIT_SOURCES cluster_blocks_test.cpp cluster_config_test.cpp node_plan_test.cpp node_lease_mirror_test.cpp)
list(APPEND BERTH_UNIT_LIBS berth_node berth_ipam_logic berth_ipam_blocks berth_etcd)
