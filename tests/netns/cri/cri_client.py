#!/usr/bin/python3
"""A minimal CRI client (what crictl does for pods, which Debian does not package).

Speaks runtime.v1 RuntimeService over containerd's gRPC socket, as the kubelet does, with
the messages of cri_subset.proto beside this file, compiled on first use into --gen with
Debian's protoc and grpc_python_plugin. Run by Debian's /usr/bin/python3, which has
python3-grpcio and python3-protobuf. Each command prints one JSON document on stdout;
errors go to stderr with exit status 1.

  cri_client.py --address unix:///x.sock --gen DIR version
  cri_client.py ... run NAME UID NAMESPACE CGROUP_PARENT LOG_DIR   -> {"id": ...}
  cri_client.py ... status ID    -> {"id", "state", "ip", "additional_ips", "netns"}
  cri_client.py ... stop ID | remove ID | list | cleanup
"""
import argparse
import json
import os
import subprocess
import sys


def load_stubs(gen):
    here = os.path.dirname(os.path.abspath(__file__))
    if not os.path.exists(os.path.join(gen, "cri_subset_pb2_grpc.py")):
        os.makedirs(gen, exist_ok=True)
        subprocess.run(
            ["protoc", "-I", here, "--python_out=" + gen, "--grpc_python_out=" + gen,
             "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
             os.path.join(here, "cri_subset.proto")],
            check=True)
    sys.path.insert(0, gen)
    import cri_subset_pb2 as pb  # noqa: E402
    import cri_subset_pb2_grpc as pb_grpc  # noqa: E402
    return pb, pb_grpc


def netns_of(info):
    """The sandbox's network namespace path from containerd's verbose "info" document."""
    try:
        doc = json.loads(info.get("info", "{}"))
        for ns in doc["runtimeSpec"]["linux"]["namespaces"]:
            if ns.get("type") == "network":
                return ns.get("path", "")
    except (KeyError, ValueError, TypeError):
        pass
    return ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("command")
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    pb, pb_grpc = load_stubs(a.gen)
    import grpc
    rt = pb_grpc.RuntimeServiceStub(grpc.insecure_channel(a.address))
    t = a.timeout

    if a.command == "version":
        r = rt.Version(pb.VersionRequest(version="v1"), timeout=t)
        out = {"runtime_name": r.runtime_name, "runtime_version": r.runtime_version,
               "runtime_api_version": r.runtime_api_version}
    elif a.command == "run":
        name, uid, namespace, cgroup_parent, log_dir = a.args
        cfg = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, uid=uid, namespace=namespace, attempt=0),
            hostname=name, log_directory=log_dir,
            dns_config=pb.DNSConfig(servers=["10.96.0.10"], searches=["default.svc.cluster.local"],
                                    options=["ndots:5"]),
            labels={"app": name, "berth.test/cri": "1"},
            annotations={"berth.test/uid": uid},
            linux=pb.LinuxPodSandboxConfig(
                cgroup_parent=cgroup_parent,
                security_context=pb.LinuxSandboxSecurityContext(
                    namespace_options=pb.NamespaceOption(network=pb.POD, pid=pb.POD, ipc=pb.POD))))
        r = rt.RunPodSandbox(pb.RunPodSandboxRequest(config=cfg), timeout=t)
        out = {"id": r.pod_sandbox_id}
    elif a.command == "status":
        r = rt.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=a.args[0], verbose=True), timeout=t)
        s = r.status
        out = {"id": s.id, "name": s.metadata.name, "state": pb.PodSandboxState.Name(s.state),
               "ip": s.network.ip, "additional_ips": [p.ip for p in s.network.additional_ips],
               "netns": netns_of(r.info)}
    elif a.command == "stop":
        rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=a.args[0]), timeout=t)
        out = {}
    elif a.command == "remove":
        rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=a.args[0]), timeout=t)
        out = {}
    elif a.command == "list":
        r = rt.ListPodSandbox(pb.ListPodSandboxRequest(), timeout=t)
        out = [{"id": p.id, "name": p.metadata.name, "state": pb.PodSandboxState.Name(p.state)} for p in r.items]
    elif a.command == "cleanup":
        # What a node drain does: every sandbox stopped, then removed. Best effort: the
        # test's guard calls it whatever state the test left.
        ids = [p.id for p in rt.ListPodSandbox(pb.ListPodSandboxRequest(), timeout=t).items]
        for i in ids:
            rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=i), timeout=t)
            rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=i), timeout=t)
        out = {"removed": ids}
    else:
        ap.error("unknown command " + a.command)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # grpc.RpcError included: its details are the runtime's message
        details = e.details() if hasattr(e, "details") else str(e)
        print("cri_client: %s: %s" % (type(e).__name__, details), file=sys.stderr)
        sys.exit(1)
