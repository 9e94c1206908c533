// gocni_client: a pod sandbox's network as containerd's CRI plugin sets it up, through
// containerd's own go-cni library (Debian's golang-github-containerd-go-cni-dev):
//
//	gocni_client setup|check|remove <sandbox-id> <netns-path>
//
// Like the CRI plugin it loads the `cni-loopback` network (type `loopback`, 0.3.1, ifname
// lo) plus the first conflist of the config dir (ifname eth0), and passes the pod's
// K8S_* labels and port mappings (go-cni marshals those with capitalised keys). Conflists
// from NETCONFPATH, plugins from CNI_PATH. setup prints {"lo": [...], "eth0": [...]}.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	gocni "github.com/containerd/go-cni"
)

func run() error {
	if len(os.Args) != 4 {
		return fmt.Errorf("usage: %s setup|check|remove <sandbox-id> <netns>", os.Args[0])
	}
	id, netns := os.Args[2], os.Args[3]
	l, err := gocni.New(gocni.WithMinNetworkCount(2), gocni.WithPluginConfDir(os.Getenv("NETCONFPATH")),
		gocni.WithPluginDir(filepath.SplitList(os.Getenv("CNI_PATH"))), gocni.WithInterfacePrefix("eth"))
	if err != nil {
		return err
	}
	if err := l.Load(gocni.WithLoNetwork, gocni.WithDefaultConf); err != nil {
		return err
	}
	opts := []gocni.NamespaceOpts{
		gocni.WithLabels(map[string]string{"K8S_POD_NAMESPACE": "default", "K8S_POD_NAME": "web-0",
			"K8S_POD_INFRA_CONTAINER_ID": id, "IgnoreUnknown": "1"}),
		gocni.WithCapabilityPortMap([]gocni.PortMapping{{HostPort: 18080, ContainerPort: 80, Protocol: "tcp"}}),
		gocni.WithCapability("io.kubernetes.cri.pod-annotations", map[string]string{"team": "net"}),
	}
	ctx := context.Background()
	switch os.Args[1] {
	case "setup":
		res, err := l.Setup(ctx, id, netns, opts...)
		if err != nil {
			return err
		}
		out := map[string][]string{}
		for name, cfg := range res.Interfaces {
			for _, ip := range cfg.IPConfigs {
				out[name] = append(out[name], ip.IP.String())
			}
		}
		return json.NewEncoder(os.Stdout).Encode(out)
	case "check":
		return l.Check(ctx, id, netns, opts...)
	case "remove":
		return l.Remove(ctx, id, netns, opts...)
	}
	return fmt.Errorf("unknown command %q", os.Args[1])
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
