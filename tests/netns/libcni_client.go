// libcni_client: a minimal libcni-driven runtime for the netns tests, the same calls
// cnitool makes (Debian's golang-github-appc-cni-dev ships libcni but not cnitool):
//
//	libcni_client add|check|del|validate <network> <netns-path>
//
// Conflists from NETCONFPATH, plugins from CNI_PATH, result cache under CNI_CACHE_DIR,
// container ID from CNI_CONTAINERID (default "libcni-test"), ifname from CNI_IFNAME
// (default eth0), capability args from CAP_ARGS (JSON). ADD prints the final result.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/containernetworking/cni/libcni"
)

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func run() error {
	if len(os.Args) != 4 {
		return fmt.Errorf("usage: %s add|check|del|validate <network> <netns>", os.Args[0])
	}
	list, err := libcni.LoadConfList(env("NETCONFPATH", "/etc/cni/net.d"), os.Args[2])
	if err != nil {
		return err
	}
	cni := libcni.NewCNIConfigWithCacheDir(filepath.SplitList(os.Getenv("CNI_PATH")), env("CNI_CACHE_DIR", "/var/lib/cni"), nil)
	rt := &libcni.RuntimeConf{
		ContainerID: env("CNI_CONTAINERID", "libcni-test"),
		NetNS:       os.Args[3],
		IfName:      env("CNI_IFNAME", "eth0"),
	}
	if caps := os.Getenv("CAP_ARGS"); caps != "" {
		if err := json.Unmarshal([]byte(caps), &rt.CapabilityArgs); err != nil {
			return fmt.Errorf("CAP_ARGS: %v", err)
		}
	}
	ctx := context.Background()
	switch os.Args[1] {
	case "add":
		res, err := cni.AddNetworkList(ctx, list, rt)
		if err != nil {
			return err
		}
		return res.Print()
	case "check":
		return cni.CheckNetworkList(ctx, list, rt)
	case "del":
		return cni.DelNetworkList(ctx, list, rt)
	case "validate":
		caps, err := cni.ValidateNetworkList(ctx, list)
		if err != nil {
			return err
		}
		fmt.Println(caps)
		return nil
	}
	return fmt.Errorf("unknown command %q", os.Args[1])
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
