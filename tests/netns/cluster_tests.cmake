# The cluster store (issue 15) against a real etcd started inside the test's throwaway
# host namespace: block claims, allocation with etcd down, races between nodes, TLS.
list(APPEND BERTH_NETNS_SOURCES etcd_server.cpp cluster_ipam_test.cpp cluster_node_test.cpp cluster_vxlan_test.cpp)
# Faults of the cluster store: etcd stopped and restarted under load, a member of three
# killed, parallel ADD/DEL rounds, bad configs.
list(APPEND BERTH_NETNS_SOURCES cluster_faults_helpers.cpp cluster_faults_test.cpp)
# Kubernetes' node path (issue 15): node1's pods created over CRI by a private containerd
# (Debian's 1.6 package) with berth's plugins; the CRI client is tests/netns/cri/. It
# links berth_runtime for the busybox rootfs its sandbox image is made of.
if(TARGET berth_runtime)
  list(APPEND BERTH_NETNS_SOURCES cluster_cri_test.cpp)
  list(APPEND BERTH_NETNS_LIBS berth_runtime)
  set_source_files_properties(cluster_cri_test.cpp PROPERTIES
    COMPILE_DEFINITIONS BERTH_CRI_DIR="${CMAKE_CURRENT_SOURCE_DIR}/cri")
endif()
