# The cluster store (issue 15) against a real etcd started inside the test's throwaway
# host namespace: block claims, allocation with etcd down, races between nodes, TLS.
list(APPEND BERTH_NETNS_SOURCES etcd_server.cpp cluster_ipam_test.cpp cluster_node_test.cpp cluster_vxlan_test.cpp)
# Faults of the cluster store: etcd stopped and restarted under load, a member of three
# killed, parallel ADD/DEL rounds, bad configs.
list(APPEND BERTH_NETNS_SOURCES cluster_faults_helpers.cpp cluster_faults_test.cpp)
