#!/usr/bin/env bash
# A public and a private network in Linux network namespaces, joined by a router that lets the private side dial
# out (NAT) and drops everything the public side starts towards the private side. Shared by scripts/netns-demo
# (which sources it) and the io.tunnel.it.netns integration tests (which run it: `netns.sh up|down|...`).
#
#        tun-public                    tun-router                      tun-private
#   +------------------+      +---------------------------+      +------------------------+
#   | pub0             |      | rt-pub         rt-priv    |      |                  priv0 |
#   | 198.51.100.10/24 +------+ 198.51.100.1   192.0.2.1  +------+ 192.0.2.10/24 (agent)  |
#   | tunnel-server    | veth | FORWARD: private->public  | veth | 192.0.2.20 (services)  |
#   | default via .1   |      |   + replies; else DROP    |      | 192.0.2.53 (dnsmasq)   |
#   +------------------+      | NAT: private -> .1        |      | default via 192.0.2.1  |
#                             +---------------------------+      +------------------------+
#
# Only TEST-NET addresses (RFC 5737), and only inside the namespaces; interfaces are created directly in their
# namespaces, so nothing is left in the root namespace. /etc/netns/<ns>/resolv.conf gives each side its own
# resolver (`ip netns exec` bind-mounts it over /etc/resolv.conf): the private side asks its dnsmasq, which knows
# the private-only name local-server.svc; the public side asks the router, where no DNS server answers.
#
# NETNS_PREFIX (default "tun") names the namespaces <prefix>-public, <prefix>-private, <prefix>-router, so
# several topologies can coexist (the tests use one prefix per test class). Everything here needs root.
#
# `up-second` adds a second private network to a built topology, behind the same router and alike in every way:
# <prefix>-private2, 203.0.113.0/24 (TEST-NET-3) with its agent host .10, services .20 and its own dnsmasq .53,
# which knows only other-server.svc. The two private networks reach the public one (NAT), never each other.
#
#   tun-private2: priv2-0 203.0.113.10 (agent) .20 (services) .53 (dnsmasq) --veth-- rt-priv2 203.0.113.1 (router)

NETNS_PREFIX=${NETNS_PREFIX:-tun}
# This file's directory: the CONNECT client the *_via_proxy commands run (tunnel_connect.py) lives beside it.
NETNS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS_PUBLIC=$NETNS_PREFIX-public
NS_PRIVATE=$NETNS_PREFIX-private
NS_ROUTER=$NETNS_PREFIX-router

PUBLIC_NET=198.51.100.0/24
ROUTER_PUBLIC_IP=198.51.100.1
SERVER_IP=198.51.100.10
PRIVATE_NET=192.0.2.0/24
ROUTER_PRIVATE_IP=192.0.2.1
AGENT_IP=192.0.2.10
SERVICE_IP=192.0.2.20
DNS_IP=192.0.2.53
PRIVATE_NAME=local-server.svc
NS_PRIVATE2=$NETNS_PREFIX-private2
PRIVATE2_NET=203.0.113.0/24
ROUTER_PRIVATE2_IP=203.0.113.1
AGENT2_IP=203.0.113.10
SERVICE2_IP=203.0.113.20
DNS2_IP=203.0.113.53
PRIVATE2_NAME=other-server.svc

# The namespaces `up` makes, in the order they are torn down.
netns_names() { echo "$NS_PUBLIC $NS_PRIVATE $NS_ROUTER"; }

# Every namespace of the topology that exists, the second private network's too, in teardown order.
netns_existing() {
  local ns
  for ns in "$NS_PRIVATE2" $(netns_names); do
    if netns_exists "$ns"; then echo "$ns"; fi
  done
}

netns_exists() { [ -e "/run/netns/$1" ]; }

# Removes the topology and whatever a previous run left in it: processes still inside our namespaces (stopped by
# PID: TERM, then KILL), the namespaces (their veths go with them) and the resolv.conf files. Safe to repeat.
netns_down() {
  local ns pids
  for ns in $(netns_existing); do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    if [ -n "$pids" ]; then
      # shellcheck disable=SC2086
      kill $pids 2>/dev/null || true
      for _ in $(seq 1 50); do
        [ -z "$(ip netns pids "$ns" 2>/dev/null || true)" ] && break
        sleep 0.1
      done
      pids=$(ip netns pids "$ns" 2>/dev/null || true)
      # shellcheck disable=SC2086
      [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    fi
    ip netns del "$ns" 2>/dev/null || true
  done
  for ns in "$NS_PRIVATE2" $(netns_names); do
    rm -rf "/etc/netns/$ns"
  done
  rmdir /etc/netns 2>/dev/null || true
}

# Builds the topology (after removing leftovers), then prints it as KEY=VALUE lines (see netns_describe). Runs in
# a subshell that stops at the first failing command, whatever the caller's options.
netns_up() (
  set -euo pipefail
  netns_down
  local ns
  for ns in $(netns_names); do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done

  # Each veth pair is created with its ends directly in their namespaces.
  ip link add pub0 netns "$NS_PUBLIC" type veth peer name rt-pub netns "$NS_ROUTER"
  ip link add priv0 netns "$NS_PRIVATE" type veth peer name rt-priv netns "$NS_ROUTER"

  ip -n "$NS_ROUTER" addr add "$ROUTER_PUBLIC_IP/24" dev rt-pub
  ip -n "$NS_ROUTER" addr add "$ROUTER_PRIVATE_IP/24" dev rt-priv
  ip -n "$NS_ROUTER" link set rt-pub up
  ip -n "$NS_ROUTER" link set rt-priv up

  ip -n "$NS_PUBLIC" addr add "$SERVER_IP/24" dev pub0
  ip -n "$NS_PUBLIC" link set pub0 up
  # Like a host on the internet: a default route (to the router), and no address plan of anyone's private network.
  ip -n "$NS_PUBLIC" route add default via "$ROUTER_PUBLIC_IP"

  ip -n "$NS_PRIVATE" addr add "$AGENT_IP/24" dev priv0
  ip -n "$NS_PRIVATE" addr add "$SERVICE_IP/24" dev priv0
  ip -n "$NS_PRIVATE" addr add "$DNS_IP/24" dev priv0
  ip -n "$NS_PRIVATE" link set priv0 up
  ip -n "$NS_PRIVATE" route add default via "$ROUTER_PRIVATE_IP"

  # The router: forwards private -> public and the replies, drops what public starts, and hides the private
  # addresses behind its public one, as a home or office NAT gateway does.
  ip netns exec "$NS_ROUTER" sysctl -q -w net.ipv4.ip_forward=1
  ip netns exec "$NS_ROUTER" iptables -P FORWARD DROP
  ip netns exec "$NS_ROUTER" iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  ip netns exec "$NS_ROUTER" iptables -A FORWARD -i rt-priv -o rt-pub -s "$PRIVATE_NET" -j ACCEPT
  ip netns exec "$NS_ROUTER" iptables -t nat -A POSTROUTING -o rt-pub -s "$PRIVATE_NET" -j MASQUERADE

  netns_await_link "$NS_PUBLIC" pub0
  netns_await_link "$NS_PRIVATE" priv0
  netns_await_link "$NS_ROUTER" rt-pub
  netns_await_link "$NS_ROUTER" rt-priv

  mkdir -p "/etc/netns/$NS_PRIVATE" "/etc/netns/$NS_PUBLIC"
  printf 'nameserver %s\noptions timeout:1 attempts:2\n' "$DNS_IP" > "/etc/netns/$NS_PRIVATE/resolv.conf"
  printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$ROUTER_PUBLIC_IP" > "/etc/netns/$NS_PUBLIC/resolv.conf"
  netns_describe
)

# Waits (bounded) until the veth end LINK in namespace NS reports state UP: carrier comes up asynchronously.
netns_await_link() { # ns link
  for _ in $(seq 1 50); do
    ip -n "$1" -o link show "$2" | grep -q 'state UP' && return 0
    sleep 0.1
  done
}

# Adds the second private network to a topology `up` built, then prints it as KEY=VALUE lines. Removes an earlier
# second network first; fails if the topology is not there.
netns_up_second() (
  set -euo pipefail
  netns_exists "$NS_ROUTER" || { echo "netns.sh: no topology $NETNS_PREFIX to add to: run up first" >&2; exit 1; }
  if netns_exists "$NS_PRIVATE2"; then
    ip netns pids "$NS_PRIVATE2" | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$NS_PRIVATE2"
    ip netns exec "$NS_ROUTER" iptables -D FORWARD -i rt-priv2 -o rt-pub -s "$PRIVATE2_NET" -j ACCEPT 2>/dev/null       || true
    ip netns exec "$NS_ROUTER" iptables -t nat -D POSTROUTING -o rt-pub -s "$PRIVATE2_NET" -j MASQUERADE       2>/dev/null || true
  fi
  ip netns add "$NS_PRIVATE2"
  ip -n "$NS_PRIVATE2" link set lo up
  ip link add priv2-0 netns "$NS_PRIVATE2" type veth peer name rt-priv2 netns "$NS_ROUTER"
  ip -n "$NS_ROUTER" addr add "$ROUTER_PRIVATE2_IP/24" dev rt-priv2
  ip -n "$NS_ROUTER" link set rt-priv2 up
  ip -n "$NS_PRIVATE2" addr add "$AGENT2_IP/24" dev priv2-0
  ip -n "$NS_PRIVATE2" addr add "$SERVICE2_IP/24" dev priv2-0
  ip -n "$NS_PRIVATE2" addr add "$DNS2_IP/24" dev priv2-0
  ip -n "$NS_PRIVATE2" link set priv2-0 up
  ip -n "$NS_PRIVATE2" route add default via "$ROUTER_PRIVATE2_IP"
  # Out to the public network only, behind the router's public address; the FORWARD policy drops the rest,
  # between the two private networks too.
  ip netns exec "$NS_ROUTER" iptables -A FORWARD -i rt-priv2 -o rt-pub -s "$PRIVATE2_NET" -j ACCEPT
  ip netns exec "$NS_ROUTER" iptables -t nat -A POSTROUTING -o rt-pub -s "$PRIVATE2_NET" -j MASQUERADE
  netns_await_link "$NS_PRIVATE2" priv2-0
  netns_await_link "$NS_ROUTER" rt-priv2
  mkdir -p "/etc/netns/$NS_PRIVATE2"
  printf 'nameserver %s
options timeout:1 attempts:2
' "$DNS2_IP" > "/etc/netns/$NS_PRIVATE2/resolv.conf"
  netns_describe_second
)

netns_describe_second() {
  cat <<EOF
NS_PRIVATE2=$NS_PRIVATE2
PRIVATE2_NET=$PRIVATE2_NET
ROUTER_PRIVATE2_IP=$ROUTER_PRIVATE2_IP
AGENT2_IP=$AGENT2_IP
SERVICE2_IP=$SERVICE2_IP
DNS2_IP=$DNS2_IP
PRIVATE2_NAME=$PRIVATE2_NAME
EOF
}

netns_describe() {
  cat <<EOF
NS_PUBLIC=$NS_PUBLIC
NS_PRIVATE=$NS_PRIVATE
NS_ROUTER=$NS_ROUTER
PUBLIC_NET=$PUBLIC_NET
ROUTER_PUBLIC_IP=$ROUTER_PUBLIC_IP
SERVER_IP=$SERVER_IP
PRIVATE_NET=$PRIVATE_NET
ROUTER_PRIVATE_IP=$ROUTER_PRIVATE_IP
AGENT_IP=$AGENT_IP
SERVICE_IP=$SERVICE_IP
DNS_IP=$DNS_IP
PRIVATE_NAME=$PRIVATE_NAME
EOF
}

# The long-running services below exec into their program, so the caller's PID is the service's PID.

# dnsmasq in the private namespace: knows only PRIVATE_NAME -> SERVICE_IP (a host record, so AAAA queries get an
# empty answer rather than REFUSED); no upstream servers, no /etc/hosts.
netns_serve_dns() {
  exec ip netns exec "$NS_PRIVATE" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --listen-address="$DNS_IP" --bind-interfaces --host-record="$PRIVATE_NAME,$SERVICE_IP" --filter-AAAA \
    --pid-file= --user=nobody --log-queries --log-facility=-
}

# The same in the second private network: its dnsmasq knows only PRIVATE2_NAME -> SERVICE2_IP.
netns_serve_dns2() {
  exec ip netns exec "$NS_PRIVATE2" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts     --listen-address="$DNS2_IP" --bind-interfaces --host-record="$PRIVATE2_NAME,$SERVICE2_IP" --filter-AAAA     --pid-file= --user=nobody --log-queries --log-facility=-
}

# python3 -m http.server serving DIR on ADDR:PORT inside NS.
netns_serve_http() { # ns addr port dir
  exec ip netns exec "$1" python3 -m http.server "$3" --bind "$2" --directory "$4"
}

# A threaded TCP echo service on ADDR:PORT inside NS.
netns_serve_echo() { # ns addr port
  exec ip netns exec "$1" python3 -u -c '
import socketserver, sys
class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            self.request.sendall(data)
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.daemon_threads = True
server = socketserver.ThreadingTCPServer((sys.argv[1], int(sys.argv[2])), Echo)
print("echo listening on %s:%s" % (sys.argv[1], sys.argv[2]), flush=True)
server.serve_forever()
' "$2" "$3"
}

# From inside NS: opens a tunnel with CONNECT TARGET at PROXY_HOST:PROXY_PORT, sends MESSAGE, half-closes and
# prints what comes back. Exit 0 only if the proxy answered 200 and the echo equals MESSAGE.
netns_echo_via_proxy() { # ns proxy-host proxy-port target message
  ip netns exec "$1" python3 "$NETNS_LIB_DIR/tunnel_connect.py" echo "$2" "$3" "$4" "$5"
}

# From inside NS: a long transfer through the tunnel to an echo service at TARGET. One thread sends 16 KiB every
# 20 ms, another reads the echo as fast as it comes, so little data waits in buffers and the end of the stream is
# seen as soon as it happens. Prints "receiving" once echoed bytes arrive and "closed after N bytes (...)" when the
# tunnel ends, then exits 0; exits 1 if the proxy refuses the CONNECT. Execs: the caller's PID is the client's.
netns_stream_via_proxy() { # ns proxy-host proxy-port target
  exec ip netns exec "$1" python3 -u "$NETNS_LIB_DIR/tunnel_connect.py" stream "$2" "$3" "$4"
}

# From inside NS: exit 0 if a TCP connection to HOST:PORT opens within SECONDS.
netns_tcp_connect() { # ns host port seconds
  ip netns exec "$1" timeout "$4" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$2" "$3" 2>/dev/null
}

netns_usage() {
  cat >&2 <<EOF
usage: [NETNS_PREFIX=tun] $0 COMMAND
  up                                   build the topology (removing leftovers first); print it as KEY=VALUE
  up-second                            add the second private network to it; print that as KEY=VALUE
  down                                 remove it, with any process still inside its namespaces
  describe                             print the topology as KEY=VALUE
  serve-dns                            run dnsmasq in the private namespace (foreground)
  serve-dns2                           run dnsmasq in the second private namespace (foreground)
  serve-http NS ADDR PORT DIR          run python3 -m http.server in NS (foreground)
  serve-echo NS ADDR PORT              run a TCP echo service in NS (foreground)
  echo-via-proxy NS HOST PORT TARGET MESSAGE
                                       CONNECT TARGET through the proxy from NS and check the echo
  stream-via-proxy NS HOST PORT TARGET stream to an echo TARGET through the proxy until the tunnel ends
  tcp-connect NS HOST PORT SECONDS     exit 0 if HOST:PORT accepts a connection from NS
EOF
  exit 2
}

netns_main() {
  set -euo pipefail
  [ "$(id -u)" = 0 ] || { echo "$0: network namespaces need root" >&2; exit 1; }
  local command=${1:-}
  [ $# -gt 0 ] && shift
  case "$command" in
    up) netns_up ;;
    up-second) netns_up_second ;;
    down) netns_down ;;
    describe) netns_describe ;;
    serve-dns) netns_serve_dns ;;
    serve-dns2) netns_serve_dns2 ;;
    serve-http) [ $# = 4 ] || netns_usage; netns_serve_http "$@" ;;
    serve-echo) [ $# = 3 ] || netns_usage; netns_serve_echo "$@" ;;
    echo-via-proxy) [ $# = 5 ] || netns_usage; netns_echo_via_proxy "$@" ;;
    stream-via-proxy) [ $# = 4 ] || netns_usage; netns_stream_via_proxy "$@" ;;
    tcp-connect) [ $# = 4 ] || netns_usage; netns_tcp_connect "$@" ;;
    *) netns_usage ;;
  esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  netns_main "$@"
fi
