package io.tunnel.agent.sidecar;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A node's interfaces and iptables chains in memory, answering the {@code ip} and {@code iptables} commands the
 * sidecar runs the way the real tools do (exit codes, {@code ip -j} JSON, one copy deleted by {@code -D}). Records
 * every command; a failure can be injected for the commands a predicate picks.
 */
final class FakeNode implements CommandRunner {
    private final ObjectMapper json = new ObjectMapper();
    /** device -> addresses as "address/prefix" (address in canonical form). */
    final Map<String, List<String>> addresses = new LinkedHashMap<>();
    /** "program table chain" -> rules as their match strings, head first. */
    final Map<String, List<String>> chains = new LinkedHashMap<>();
    final List<List<String>> commands = new ArrayList<>();
    private Predicate<List<String>> failing = c -> false;
    private Result failure;

    FakeNode withDevice(String device) {
        addresses.put(device, new ArrayList<>());
        return this;
    }

    /** From now on, commands matching {@code which} fail with {@code result}. */
    synchronized void fail(Predicate<List<String>> which, Result result) {
        this.failing = which;
        this.failure = result;
    }

    synchronized void heal() {
        this.failing = c -> false;
    }

    List<String> chain(String program, String table, String chain) {
        return chains.computeIfAbsent(program + " " + table + " " + chain, k -> new ArrayList<>());
    }

    /** The commands that changed something ({@code ip addr add/del}, {@code iptables -I/-A/-D}). */
    synchronized List<List<String>> changes() {
        return commands.stream().filter(FakeNode::isChange).toList();
    }

    private static boolean isChange(List<String> c) {
        return c.get(0).equals("ip") ? List.of("add", "del").contains(c.get(2))
                : c.size() > 5 && List.of("-I", "-A", "-D").contains(c.get(5));
    }

    /** Runs {@code change} on the node's state with the lock the sidecar's commands take. */
    synchronized void edit(Runnable change) {
        change.run();
    }

    synchronized <T> T read(java.util.function.Supplier<T> view) {
        return view.get();
    }

    @Override
    public synchronized Result run(List<String> command) {
        commands.add(List.copyOf(command));
        if (failing.test(command)) {
            return failure;
        }
        return switch (command.get(0)) {
            case "ip" -> ip(command);
            case "iptables", "ip6tables" -> iptables(command);
            default -> new Result(127, "", command.get(0) + ": command not found\n");
        };
    }

    private Result ip(List<String> c) {
        if (c.equals(List.of("ip", "-j", "addr", "show", "dev", c.get(5)))) {
            List<String> list = addresses.get(c.get(5));
            if (list == null) {
                return new Result(1, "", "Device \"" + c.get(5) + "\" does not exist.\n");
            }
            return new Result(0, showJson(c.get(5), list), "");
        }
        if (c.size() == 6 && c.get(1).equals("addr") && c.get(4).equals("dev")) {
            List<String> list = addresses.get(c.get(5));
            if (list == null) {
                return new Result(1, "", "Cannot find device \"" + c.get(5) + "\"\n");
            }
            String cidr = canonical(c.get(3));
            if (c.get(2).equals("add")) {
                if (list.contains(cidr)) {
                    return new Result(2, "", "RTNETLINK answers: File exists\n");
                }
                list.add(cidr);
                return new Result(0, "", "");
            }
            if (c.get(2).equals("del")) {
                return list.remove(cidr) ? new Result(0, "", "")
                        : new Result(2, "", "RTNETLINK answers: Cannot assign requested address\n");
            }
        }
        return new Result(255, "", "fake ip does not know " + c + "\n");
    }

    private String showJson(String device, List<String> list) {
        ArrayNode links = json.createArrayNode();
        ObjectNode link = links.addObject().put("ifindex", 1).put("ifname", device);
        ArrayNode info = link.putArray("addr_info");
        for (String cidr : list) {
            String[] parts = cidr.split("/");
            info.addObject().put("family", parts[0].contains(":") ? "inet6" : "inet").put("local", parts[0])
                    .put("prefixlen", Integer.parseInt(parts[1])).put("scope", "global");
        }
        return links.toString();
    }

    private static String canonical(String cidr) {
        String[] parts = cidr.split("/");
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(parts[0]);
        return NetUtil.toAddressString(address) + "/" + parts[1];
    }

    private Result iptables(List<String> c) {
        // program -w 5 -t TABLE OP CHAIN match...
        if (c.size() < 8 || !c.get(1).equals("-w") || !c.get(3).equals("-t")) {
            return new Result(2, "", "fake iptables does not know " + c + "\n");
        }
        List<String> chain = chain(c.get(0), c.get(4), c.get(6));
        String match = String.join(" ", c.subList(7, c.size()));
        return switch (c.get(5)) {
            case "-C" -> chain.contains(match) ? new Result(0, "", "")
                    : new Result(1, "", "iptables: Bad rule (does a matching rule exist in that chain?).\n");
            case "-I" -> {
                chain.add(0, match);
                yield new Result(0, "", "");
            }
            case "-A" -> {
                chain.add(match);
                yield new Result(0, "", "");
            }
            case "-D" -> chain.remove(match) ? new Result(0, "", "")
                    : new Result(1, "", "iptables: Bad rule (does a matching rule exist in that chain?).\n");
            default -> new Result(2, "", "fake iptables does not know " + c.get(5) + "\n");
        };
    }
}
