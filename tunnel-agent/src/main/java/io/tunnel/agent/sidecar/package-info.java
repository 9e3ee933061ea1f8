/**
 * {@code tunnel-agent sidecar}: keeps a local address for the apiserver proxy on a node, the way Gardener's
 * {@code apiserver-proxy-sidecar} does.
 *
 * <p>It adds {@code --ip-address} (and {@code --kubernetes-service-ip-address}) to an interface and, with
 * {@code --setup-iptables}, five rules that let TCP to and from that address and {@code --port} through without
 * connection tracking; every {@code --sync-interval} it checks each of them and adds back whatever is missing. On
 * SIGTERM with {@code --cleanup} it removes what it added itself and nothing else.
 *
 * <p>Flow: {@link io.tunnel.agent.sidecar.SidecarMain} parses {@link io.tunnel.agent.sidecar.SidecarFlags} into a
 * {@link io.tunnel.agent.sidecar.SidecarConfig}, which a {@link io.tunnel.agent.sidecar.Sidecar} keeps in place.
 * Each thing it keeps is a {@link io.tunnel.agent.sidecar.NetworkItem} ({@link
 * io.tunnel.agent.sidecar.InterfaceAddress}, {@link io.tunnel.agent.sidecar.IptablesRule}) that checks, adds and
 * removes itself with {@code ip} and {@code iptables} through a {@link io.tunnel.agent.sidecar.CommandRunner}, so
 * tests can put a fake node underneath. Nothing here uses Netty's event loops: the commands block, on the sidecar's
 * own thread.
 */
package io.tunnel.agent.sidecar;
