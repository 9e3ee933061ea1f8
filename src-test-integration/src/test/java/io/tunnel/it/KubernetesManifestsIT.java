package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunnel.core.cli.DurationConverter;
import io.tunnel.it.KubeManifests.Container;
import io.tunnel.it.KubeManifests.Doc;
import io.tunnel.it.KubeManifests.Pod;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code deploy/} true to the jars: every manifest parses; every flag given to a container of ours is one its
 * jar's {@code --help} lists; flags that take files name keys of the Secrets mounted there, which are the Secrets
 * {@code pki-tool export --kubernetes} writes; ports agree between flags, containers, probes and Services; the
 * fleet's and the drain's numbers fit together; the security contexts and resources hold what the README promises;
 * the kube-apiserver egress configurations point at the servers; {@code yamllint} passes. And the manifests' own
 * arguments, with the exported Secrets as files, start a server and an agent that link and carry a CONNECT made with
 * the egress configuration's client certificate.
 */
class KubernetesManifestsIT {
    private static final Path DEPLOY = Jars.ROOT.resolve("deploy");
    private static final Path KUBERNETES = DEPLOY.resolve("kubernetes");
    /** Images of this project; every one is a target of deploy/Dockerfile. */
    private static final String OUR_REGISTRY = "registry.example.com/tunnel/";
    /** Names the test certificates carry: the manifests' addresses, and loopback for the run. */
    private static final String SERVER_HOSTS =
            "localhost,127.0.0.1,tunnel.example.com,tunnel-server-clients.tunnel.svc";
    /** Flag → the name of the containerPort it opens. */
    private static final Map<String, String> PORT_FLAGS = Map.of("--server-port", "connect", "--agent-port", "agent",
            "--health-port", "health", "--health-server-port", "health");
    /** Resident size at 10,000 open mTLS streams in the benchmark (docs/benchmark.md), per jar, in MiB. */
    private static final Map<Path, Long> BENCHMARK_RSS_MIB = Map.of(Jars.SERVER, 258L, Jars.AGENT, 146L);
    /** What a JVM takes beside heap and direct memory (about 100 MiB in the benchmark), with room to spare. */
    private static final long JVM_OTHER_MIB = 192;
    /** A line of the TCP egress configuration's comment: which Secret is mounted at a directory. */
    private static final Pattern EGRESS_MOUNT_COMMENT = Pattern.compile("^#\\s+(/\\S+)\\s+the Secret (\\S+)",
            Pattern.MULTILINE);
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    private static final Pattern SERVER_PORTS = Pattern.compile(
            "frontend (\\d+|off) \\((PLAINTEXT|mTLS|Unix socket only)\\), agent port (\\d+), health port (\\d+)");

    /** A Secret as pki-tool export wrote it. */
    record Secret(String type, Map<String, byte[]> data) {
    }

    /** A container running one of our jars, with that jar's flags. */
    record Tunnel(Container container, JarHelp help) {
        /** The args as flag → value (null for a switch), each checked against the jar's --help. */
        Map<String, String> flags() {
            List<String> args = container.args();
            Map<String, String> flags = new LinkedHashMap<>();
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                JarHelp.Flag flag = help.flag(arg).orElseThrow(() -> new AssertionError(container + ": '" + arg
                        + "' is not a flag of " + help.jar().getFileName() + " (see its --help)"));
                assertThat(flags).as("%s: %s given twice", container, arg).doesNotContainKey(arg);
                String value = null;
                if (flag.takesValue()) {
                    assertThat(i + 1).as("%s: %s needs a value", container, arg).isLessThan(args.size());
                    value = args.get(++i);
                    assertThat(value).as("%s: the value of %s", container, arg).doesNotStartWith("--");
                }
                flags.put(arg, value);
            }
            return flags;
        }

        /** The value given, or else the default its --help shows. */
        Optional<String> value(String flag) {
            Map<String, String> flags = flags();
            if (flags.containsKey(flag)) {
                return Optional.ofNullable(flags.get(flag));
            }
            return help.flag(flag).flatMap(JarHelp.Flag::defaultValue);
        }

        boolean isServer() {
            return help.jar().equals(Jars.SERVER);
        }

        boolean isAgent() {
            return help.jar().equals(Jars.AGENT);
        }

        @Override
        public String toString() {
            return container.toString();
        }
    }

    static KubeManifests manifests;
    static ContainerRecipe recipe;
    static List<Tunnel> tunnels;
    static String namespace;
    static Map<String, Secret> secrets;
    static Path work;

    @BeforeAll
    static void load() throws IOException {
        Jars.requireBuilt();
        manifests = KubeManifests.load(KUBERNETES);
        recipe = ContainerRecipe.read(DEPLOY.resolve("Dockerfile"));
        List<Doc> namespaces = manifests.ofKind("Namespace");
        assertThat(namespaces).as("one Namespace in deploy/kubernetes").hasSize(1);
        namespace = namespaces.get(0).name();

        Map<Path, JarHelp> helps = new HashMap<>();
        tunnels = new ArrayList<>();
        for (Pod pod : manifests.pods()) {
            for (Container c : pod.containers()) {
                if (c.image().startsWith(OUR_REGISTRY)) {
                    Path jar = jarOf(c);
                    tunnels.add(new Tunnel(c, helps.computeIfAbsent(jar, JarHelp::of)));
                }
            }
        }
        assertThat(tunnels.stream().filter(Tunnel::isServer)).as("tunnel-server containers").hasSizeGreaterThan(1);
        assertThat(tunnels.stream().filter(Tunnel::isAgent)).as("tunnel-agent containers").isNotEmpty();

        work = TestDirs.fresh(Path.of("target", "it-kubernetes").toAbsolutePath());
        TestPki pki = TestPki.init(work.resolve("pki"), SERVER_HOSTS);
        Path exported = work.resolve("secrets.yaml");
        Commands.Result r = Commands.java(Duration.ofSeconds(60), Jars.PKI, "export", "--dir", pki.dir().toString(),
                "--kubernetes", "--namespace", namespace, "--out", exported.toString());
        assertThat(r.exitCode()).as("pki-tool export: %s", r).isZero();
        secrets = new LinkedHashMap<>();
        for (Doc doc : KubeManifests.read(exported)) {
            assertThat(doc.kind()).isEqualTo("Secret");
            assertThat(doc.namespace()).isEqualTo(namespace);
            Map<String, byte[]> data = new LinkedHashMap<>();
            doc.node().path("data").properties().forEach(
                    e -> data.put(e.getKey(), Base64.getDecoder().decode(e.getValue().asText())));
            secrets.put(doc.name(), new Secret(doc.node().path("type").asText(), data));
        }
    }

    /** The jar a container of ours runs: its image is a Dockerfile target, whose ENTRYPOINT runs a jar it copied. */
    private static Path jarOf(Container c) {
        ContainerRecipe.Target target = recipe.targets().get(c.imageName());
        assertThat(target).as("%s: image %s is not a target of deploy/Dockerfile %s", c, c.image(),
                recipe.targets().keySet()).isNotNull();
        assertThat(c.node().has("command")).as("%s: no command, the image's ENTRYPOINT picks the jar", c).isFalse();
        String jarInImage = target.entrypointJar();
        assertThat(jarInImage).as("target %s: ENTRYPOINT java -jar <jar>", target.name()).isNotNull();
        String source = target.sourceOf(jarInImage);
        assertThat(source).as("target %s copies %s", target.name(), jarInImage).isNotNull();
        Path jar = Jars.ROOT.resolve(source).normalize();
        assertThat(jar).as("target %s copies a jar mvn package makes", target.name())
                .isIn(Jars.SERVER, Jars.AGENT, Jars.CLIENT, Jars.PKI);
        return jar;
    }

    @Test
    void yamllintPassesOnDeploy() {
        Commands.Result r = Commands.run(Duration.ofSeconds(60), List.of("yamllint", "--strict", "--format",
                "parsable", "--config-file", DEPLOY.resolve(".yamllint").toString(), DEPLOY.toString()));
        assertThat(r.exitCode()).as("yamllint deploy: %s", r).isZero();
    }

    @Test
    void everyObjectIsInTheNamespaceTheSecretsAreExportedTo() {
        for (Doc doc : manifests.all()) {
            assertThat(doc.node().path("apiVersion").asText()).as("%s: apiVersion", doc).isNotEmpty();
            assertThat(doc.kind()).as("%s: kind", doc.file()).isNotEmpty();
            if (isKubernetesObject(doc) && !doc.kind().equals("Namespace")) {
                assertThat(doc.name()).as("%s: metadata.name", doc).isNotEmpty();
                assertThat(doc.namespace()).as("%s: metadata.namespace", doc).isEqualTo(namespace);
            }
        }
    }

    @Test
    void everyContainerOfOursRunsAsTheDockerfilesUser() {
        for (Tunnel t : tunnels) {
            Long uid = recipe.targets().get(t.container().imageName()).uid();
            assertThat(uid).as("deploy/Dockerfile: USER of target %s", t.container().imageName()).isNotNull()
                    .isNotZero();
            assertThat(t.container().security("runAsUser").asLong(-1)).as("%s: runAsUser", t).isEqualTo(uid);
        }
    }

    @Test
    void everyFlagIsAFlagTheJarAccepts() {
        for (Tunnel t : tunnels) {
            assertThat(t.flags()).as("%s: flags", t).isNotEmpty();
        }
    }

    @Test
    void flagsThatTakeFilesNameKeysOfTheSecretsMountedThere() {
        for (Tunnel t : tunnels) {
            Container c = t.container();
            Set<String> named = new HashSet<>();
            t.flags().forEach((flag, value) -> {
                if (!t.help().flag(flag).orElseThrow().takesFile()) {
                    return;
                }
                Path file = Path.of(value);
                String dir = file.getParent().toString();
                JsonNode mount = c.mountAt(dir).orElseThrow(() -> new AssertionError(c + ": " + flag + " " + value
                        + " is not in a directory a volume is mounted at"));
                JsonNode volume = c.pod().volume(mount.path("name").asText()).orElseThrow();
                if (volume.has("emptyDir")) {
                    return; // a file the process makes, such as --uds-name's socket
                }
                String secretName = volume.path("secret").path("secretName").asText(null);
                assertThat(secretName).as("%s: %s lies in a Secret volume", c, flag).isNotNull();
                Secret secret = secrets.get(secretName);
                assertThat(secret).as("%s: Secret %s of %s is one pki-tool export writes %s", c, secretName, flag,
                        secrets.keySet()).isNotNull();
                assertThat(secret.data()).as("%s: %s names a key of Secret %s", c, flag, secretName)
                        .containsKey(file.getFileName().toString());
                assertThat(file.getFileName().toString()).as("%s: the file %s names", c, flag)
                        .isEqualTo(flag.endsWith("-ca-cert") ? "ca.crt" : flag.endsWith("-key") ? "tls.key"
                                : flag.endsWith("-cert") ? "tls.crt" : file.getFileName().toString());
                named.add(mount.path("name").asText());
            });
            // A certificate and its key: one Secret.
            t.flags().keySet().stream().filter(f -> f.endsWith("-key")).forEach(key -> {
                String cert = key.substring(0, key.length() - "-key".length()) + "-cert";
                assertThat(Path.of(t.flags().get(key)).getParent()).as("%s: %s and %s in one Secret", t, key, cert)
                        .isEqualTo(Path.of(t.flags().get(cert)).getParent());
            });
            for (JsonNode mount : c.mounts()) {
                JsonNode volume = c.pod().volume(mount.path("name").asText()).orElseThrow();
                if (volume.has("secret")) {
                    assertThat(named).as("%s: Secret volume %s is named by a flag", c, mount.path("name").asText())
                            .contains(mount.path("name").asText());
                }
            }
        }
    }

    @Test
    void everyMountedSecretIsOnePkiToolExportsMountedReadOnlyAndWhole() {
        int mounted = 0;
        for (Pod pod : manifests.pods()) {
            for (Container c : pod.containers()) {
                for (JsonNode mount : c.mounts()) {
                    JsonNode volume = pod.volume(mount.path("name").asText()).orElseThrow(() -> new AssertionError(
                            c + ": no volume " + mount.path("name").asText()));
                    if (!volume.has("secret")) {
                        continue;
                    }
                    mounted++;
                    String name = volume.path("secret").path("secretName").asText();
                    assertThat(secrets).as("%s: Secret %s is one pki-tool export writes", c, name).containsKey(name);
                    assertThat(mount.path("readOnly").asBoolean()).as("%s: %s mounted read-only", c, name).isTrue();
                    // A subPath mount never sees the Secret updated (certificate rotation).
                    assertThat(mount.has("subPath")).as("%s: %s mounted whole, without subPath", c, name).isFalse();
                    KubeManifests.stream(volume.path("secret").path("items")).forEach(item -> assertThat(
                            secrets.get(name).data()).as("%s: item of %s", c, name)
                            .containsKey(item.path("key").asText()));
                    if (tunnels.stream().anyMatch(t -> t.isAgent() && t.container().pod().equals(pod))) {
                        assertThat(name).as("%s: the private cluster gets only the agent tree", c)
                                .startsWith("tunnel-agent-").isNotEqualTo("tunnel-agent-proxy-master");
                    }
                }
            }
        }
        assertThat(mounted).isGreaterThan(0);
    }

    @Test
    void portsAgreeBetweenFlagsContainersAndServices() {
        for (Tunnel t : tunnels) {
            Container c = t.container();
            Map<String, String> flags = t.flags();
            Map<String, Integer> declared = new HashMap<>();
            KubeManifests.stream(c.node().path("ports")).forEach(p -> declared.put(p.path("name").asText(),
                    p.path("containerPort").asInt()));
            Map<String, Integer> opened = new HashMap<>();
            PORT_FLAGS.forEach((flag, portName) -> {
                if (flags.containsKey(flag)) {
                    opened.put(portName, Integer.parseInt(flags.get(flag)));
                }
            });
            assertThat(declared).as("%s: containerPorts (name → port) are the ports its flags open", c)
                    .isEqualTo(opened);
            assertThat(declared).as("%s: a health port", c).containsKey("health");
            boolean tcpFrontend = flags.containsKey("--server-cert") || flags.containsKey("--allow-plaintext-frontend");
            if (t.isServer()) {
                assertThat(declared.containsKey("connect")).as("%s: the CONNECT port iff a TCP frontend", c)
                        .isEqualTo(tcpFrontend);
                assertThat(declared).as("%s: the agent port", c).containsKey("agent");
            }
        }
        for (Doc service : manifests.ofKind("Service")) {
            Pod pod = podSelectedBy(service);
            KubeManifests.stream(service.node().path("spec").path("ports")).forEach(port -> {
                JsonNode target = port.has("targetPort") ? port.path("targetPort") : port.path("port");
                assertThat(pod.containers().stream().map(c -> c.port(target)).flatMap(Optional::stream))
                        .as("%s: targetPort %s is a containerPort of %s", service, target, pod).hasSize(1);
            });
        }
    }

    /** The one workload whose pod labels a Service's selector matches. */
    private static Pod podSelectedBy(Doc service) {
        JsonNode selector = service.node().path("spec").path("selector");
        assertThat(selector.size()).as("%s: a selector", service).isPositive();
        List<Pod> pods = manifests.pods().stream().filter(p -> selector.properties().stream()
                .allMatch(e -> e.getValue().asText().equals(p.labels().path(e.getKey()).asText(null)))).toList();
        assertThat(pods).as("%s: selects one workload", service).hasSize(1);
        return pods.get(0);
    }

    @Test
    void agentsDialTheAgentServicesWhichReachNotReadyServers() {
        List<Doc> agentServices = manifests.ofKind("Service").stream()
                .filter(s -> servicePorts(s).stream().anyMatch(p -> podSelectedBy(s).containers().stream()
                        .anyMatch(c -> c.port(targetPort(p)).map(cp -> cp.path("name").asText().equals("agent"))
                                .orElse(false)))).toList();
        assertThat(agentServices).as("Services of the servers' agent ports").hasSizeGreaterThan(1);
        for (Doc s : agentServices) {
            JsonNode spec = s.node().path("spec");
            assertThat(spec.path("publishNotReadyAddresses").asBoolean()).as("%s: publishNotReadyAddresses", s)
                    .isTrue();
            assertThat(spec.path("sessionAffinity").asText("None")).as("%s: sessionAffinity", s).isEqualTo("None");
            for (Tunnel agent : tunnels.stream().filter(Tunnel::isAgent).toList()) {
                assertThat(servicePorts(s).stream().map(p -> p.path("port").asInt()))
                        .as("%s: %s --proxy-server-port", s, agent)
                        .contains(Integer.parseInt(agent.value("--proxy-server-port").orElseThrow()));
            }
        }
    }

    private static List<JsonNode> servicePorts(Doc service) {
        return KubeManifests.stream(service.node().path("spec").path("ports")).toList();
    }

    private static JsonNode targetPort(JsonNode servicePort) {
        return servicePort.has("targetPort") ? servicePort.path("targetPort") : servicePort.path("port");
    }

    @Test
    void probesCheckHealthzAndReadyzOnTheHealthPort() {
        for (Tunnel t : tunnels) {
            Container c = t.container();
            assertProbe(c, "livenessProbe", "/healthz", true);
            assertProbe(c, "startupProbe", "/healthz", false);
            // A server beside a kube-apiserver has none: it would keep the kube-apiserver's pod unready.
            boolean alone = c.pod().containers().size() == 1;
            assertProbe(c, "readinessProbe", "/readyz", alone);
        }
    }

    private static void assertProbe(Container c, String probe, String path, boolean required) {
        JsonNode get = c.node().path(probe).path("httpGet");
        if (!required && !c.node().has(probe)) {
            return;
        }
        assertThat(get.path("path").asText()).as("%s: %s path", c, probe).isEqualTo(path);
        assertThat(c.port(get.path("port")).map(p -> p.path("name").asText())).as("%s: %s port", c, probe)
                .contains("health");
    }

    @Test
    void serverCountMatchesReplicasAndDrainFitsTheGracePeriod() {
        int agentReplicas = tunnels.stream().filter(Tunnel::isAgent).mapToInt(t -> t.container().pod().replicas())
                .max().orElse(1);
        for (Tunnel t : tunnels) {
            Pod pod = t.container().pod();
            Duration drain = duration(t.value("--graceful-shutdown-timeout").orElseThrow());
            if (t.isServer()) {
                assertThat(Integer.parseInt(t.value("--server-count").orElseThrow()))
                        .as("%s: --server-count is the replica count", t).isEqualTo(pod.replicas());
                String id = t.flags().get("--server-id");
                Matcher ref = ENV_REFERENCE.matcher(id == null ? "" : id);
                assertThat(ref.matches()).as("%s: --server-id $(VAR)", t).isTrue();
                assertThat(t.container().env(ref.group(1)).map(e -> e.at("/valueFrom/fieldRef/fieldPath").asText()))
                        .as("%s: %s from the downward API", t, ref.group(1)).contains("metadata.name");
                drain = drain.plus(duration(t.value("--shutdown-delay-duration").orElseThrow()));
                if (agentReplicas > 1) {
                    assertThat(t.flags()).as("%s: agents run %d replicas of one id", t, agentReplicas)
                            .containsKey("--agent-replicas");
                }
            }
            assertThat(Duration.ofSeconds(pod.spec().path("terminationGracePeriodSeconds").asLong(30)))
                    .as("%s: terminationGracePeriodSeconds above the drain", t).isGreaterThan(drain);
        }
    }

    private static Duration duration(String text) {
        return text.matches("0+[a-z]+") ? Duration.ZERO : new DurationConverter().convert(text);
    }

    @Test
    void everyContainerIsNonRootReadOnlyWithoutCapabilities() {
        for (Pod pod : manifests.pods()) {
            JsonNode podSecurity = pod.spec().path("securityContext");
            assertThat(podSecurity.path("runAsNonRoot").asBoolean()).as("%s: runAsNonRoot", pod).isTrue();
            assertThat(podSecurity.at("/seccompProfile/type").asText()).as("%s: seccomp", pod)
                    .isEqualTo("RuntimeDefault");
            assertThat(pod.spec().path("automountServiceAccountToken").asBoolean(true))
                    .as("%s: no service account token", pod).isFalse();
            for (Container c : pod.containers()) {
                JsonNode sc = c.node().path("securityContext");
                assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).as("%s: no privilege escalation", c)
                        .isFalse();
                assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).as("%s: read-only root", c).isTrue();
                assertThat(KubeManifests.stream(sc.at("/capabilities/drop")).map(JsonNode::asText))
                        .as("%s: drops every capability", c).containsExactly("ALL");
                assertThat(sc.at("/capabilities/add").isMissingNode()).as("%s: adds none", c).isTrue();
                assertThat(c.security("runAsUser").asLong(-1)).as("%s: runAsUser", c).isPositive();
            }
        }
        for (Tunnel t : tunnels) {
            // Netty unpacks its native libraries into java.io.tmpdir.
            JsonNode tmp = t.container().mountAt("/tmp").orElseThrow(() -> new AssertionError(t + ": /tmp mounted"));
            assertThat(t.container().pod().volume(tmp.path("name").asText()).orElseThrow().has("emptyDir"))
                    .as("%s: /tmp an emptyDir", t).isTrue();
            assertThat(tmp.path("readOnly").asBoolean()).as("%s: /tmp writable", t).isFalse();
        }
    }

    @Test
    void resourcesCoverTheBenchmarkAndTheJvmOptions() {
        for (Tunnel t : tunnels) {
            JsonNode resources = t.container().node().path("resources");
            for (String kind : List.of("requests", "limits")) {
                for (String resource : List.of("cpu", "memory")) {
                    assertThat(resources.path(kind).path(resource).isTextual())
                            .as("%s: resources.%s.%s as a quoted quantity", t, kind, resource).isTrue();
                }
            }
            String options = t.container().env("JAVA_TOOL_OPTIONS").map(e -> e.path("value").asText())
                    .orElseThrow(() -> new AssertionError(t + ": JAVA_TOOL_OPTIONS"));
            assertThat(options).as("%s: the README's JVM options", t).contains("-XX:+ExitOnOutOfMemoryError");
            long heap = jvmOptionMib(options, "-Xmx").orElseThrow(() -> new AssertionError(t + ": -Xmx"));
            long direct = jvmOptionMib(options, "-XX:MaxDirectMemorySize=").orElse(heap);
            long limit = quantityMib(resources.at("/limits/memory").asText());
            long request = quantityMib(resources.at("/requests/memory").asText());
            assertThat(limit).as("%s: memory limit ≥ heap %d + direct %d + %d MiB (JVM options %s)", t, heap, direct,
                    JVM_OTHER_MIB, options).isGreaterThanOrEqualTo(heap + direct + JVM_OTHER_MIB);
            assertThat(request).as("%s: memory request ≥ the benchmark's RSS at 10,000 streams", t)
                    .isGreaterThanOrEqualTo(BENCHMARK_RSS_MIB.get(t.help().jar())).isLessThanOrEqualTo(limit);
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString()));
            command.addAll(List.of(options.trim().split("\\s+")));
            command.addAll(List.of("-jar", t.help().jar().toString(), "--version"));
            Commands.Result r = Commands.run(Duration.ofSeconds(30), command);
            assertThat(r.exitCode()).as("%s: java accepts %s: %s", t, options, r).isZero();
        }
    }

    private static Optional<Long> jvmOptionMib(String options, String prefix) {
        Matcher m = Pattern.compile("(?:^|\\s)" + Pattern.quote(prefix) + "(\\d+)([kKmMgG]?)(?:\\s|$)")
                .matcher(options);
        if (!m.find()) {
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        return Optional.of(switch (m.group(2).toLowerCase()) {
            case "g" -> n * 1024;
            case "m" -> n;
            case "k" -> n / 1024;
            default -> n / (1024 * 1024);
        });
    }

    private static long quantityMib(String quantity) {
        Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi|k|M|G)?").matcher(quantity);
        assertThat(m.matches()).as("memory quantity %s", quantity).isTrue();
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2);
        return switch (unit) {
            case "Gi" -> n * 1024;
            case "Mi" -> n;
            case "Ki" -> n / 1024;
            case "G" -> n * 1_000_000_000L / (1024 * 1024);
            case "M" -> n * 1_000_000L / (1024 * 1024);
            case "k" -> n * 1_000L / (1024 * 1024);
            default -> n / (1024 * 1024);
        };
    }

    @Test
    void theTcpEgressConfigurationDialsTheClientsServiceWithTheMasterTree() throws IOException {
        Path file = KUBERNETES.resolve("egress-selector").resolve("tcp-mtls.yaml");
        JsonNode tcp = clusterSelection(file).at("/connection/transport/tcp");
        URI url = URI.create(tcp.path("url").asText());
        assertThat(url.getScheme()).as("%s: the frontend has mTLS", file).isEqualTo("https");
        Doc service = manifests.ofKind("Service").stream()
                .filter(s -> url.getHost().equals(s.name() + "." + s.namespace() + ".svc")).findFirst()
                .orElseThrow(() -> new AssertionError(file + ": " + url.getHost() + " is no Service here"));
        JsonNode port = servicePorts(service).stream().filter(p -> p.path("port").asInt() == url.getPort())
                .findFirst().orElseThrow(() -> new AssertionError(file + ": port " + url.getPort() + " of " + service));
        Container target = podSelectedBy(service).containers().stream().filter(c -> c.port(targetPort(port))
                .isPresent()).findFirst().orElseThrow();
        assertThat(target.port(targetPort(port)).orElseThrow().path("name").asText()).as("%s: port", service)
                .isEqualTo("connect");
        Map<String, Path> files = egressTlsFiles(file, tcp.path("tlsConfig"));
        assertThat(files).containsOnlyKeys("caBundle", "clientCert", "clientKey");
    }

    /**
     * The tlsConfig files of the TCP egress configuration, materialized under {@code work} from the Secrets its
     * comment says are mounted at their directories; each must be a key of that Secret.
     */
    private static Map<String, Path> egressTlsFiles(Path file, JsonNode tlsConfig) throws IOException {
        Map<String, String> secretAt = new HashMap<>();
        Matcher m = EGRESS_MOUNT_COMMENT.matcher(Files.readString(file, StandardCharsets.UTF_8));
        while (m.find()) {
            secretAt.put(m.group(1), m.group(2));
        }
        Map<String, Path> files = new LinkedHashMap<>();
        for (String field : List.of("caBundle", "clientCert", "clientKey")) {
            Path path = Path.of(tlsConfig.path(field).asText());
            String secretName = secretAt.get(path.getParent().toString());
            assertThat(secretName).as("%s: %s lies in a directory the comment gives a Secret for", file, field)
                    .isNotNull();
            assertThat(secretName).as("%s: %s from the master tree", file, field).startsWith("tunnel-master-");
            Secret secret = secrets.get(secretName);
            assertThat(secret).as("%s: Secret %s is one pki-tool export writes", file, secretName).isNotNull();
            byte[] content = secret.data().get(path.getFileName().toString());
            assertThat(content).as("%s: %s names a key of Secret %s", file, field, secretName).isNotNull();
            Path materialized = work.resolve("kube-apiserver").resolve(Path.of("/").relativize(path));
            Files.createDirectories(materialized.getParent());
            Files.write(materialized, content);
            files.put(field, materialized);
        }
        return files;
    }

    private static JsonNode clusterSelection(Path file) {
        List<Doc> docs = KubeManifests.read(file);
        assertThat(docs).as("%s: one document", file).hasSize(1);
        JsonNode config = docs.get(0).node();
        assertThat(config.path("apiVersion").asText()).isEqualTo("apiserver.k8s.io/v1beta1");
        assertThat(config.path("kind").asText()).isEqualTo("EgressSelectorConfiguration");
        JsonNode cluster = KubeManifests.stream(config.path("egressSelections"))
                .filter(s -> s.path("name").asText().equals("cluster")).findFirst()
                .orElseThrow(() -> new AssertionError(file + ": the 'cluster' egress selection"));
        assertThat(cluster.at("/connection/proxyProtocol").asText()).isEqualTo("HTTPConnect");
        return cluster;
    }

    @Test
    void theUdsEgressConfigurationDialsTheSocketOfTheServerInTheSamePod() {
        Path file = KUBERNETES.resolve("egress-selector").resolve("uds.yaml");
        String socket = clusterSelection(file).at("/connection/transport/uds/udsName").asText();
        assertThat(socket).as("%s: udsName", file).startsWith("/");
        List<Tunnel> sidecars = tunnels.stream().filter(t -> socket.equals(t.flags().get("--uds-name"))).toList();
        assertThat(sidecars).as("a tunnel-server with --uds-name %s", socket).hasSize(1);
        Tunnel server = sidecars.get(0);
        Pod pod = server.container().pod();
        String dir = Path.of(socket).getParent().toString();
        JsonNode serverMount = server.container().mountAt(dir).orElseThrow(() -> new AssertionError(server
                + ": the socket's directory " + dir + " mounted"));
        assertThat(pod.volume(serverMount.path("name").asText()).orElseThrow().has("emptyDir"))
                .as("%s: the socket in an emptyDir", server).isTrue();
        Container apiserver = pod.containers().stream().filter(c -> c.args().stream()
                .anyMatch(a -> a.startsWith("--egress-selector-config-file="))).findFirst()
                .orElseThrow(() -> new AssertionError(pod + ": a kube-apiserver with --egress-selector-config-file"));
        assertThat(apiserver.mountAt(dir).map(m -> m.path("name").asText())).as("%s: mounts the socket's volume at %s",
                apiserver, dir).contains(serverMount.path("name").asText());
        String config = apiserver.args().stream().filter(a -> a.startsWith("--egress-selector-config-file="))
                .findFirst().orElseThrow().substring("--egress-selector-config-file=".length());
        JsonNode configMount = apiserver.mountAt(Path.of(config).getParent().toString()).orElseThrow(
                () -> new AssertionError(apiserver + ": " + config + " in a mounted volume"));
        assertThat(pod.volume(configMount.path("name").asText()).orElseThrow().has("configMap"))
                .as("%s: the egress configuration from a ConfigMap", apiserver).isTrue();
        String mode = server.value("--uds-mode").orElseThrow();
        boolean sameUser = apiserver.security("runAsUser").asLong() == server.container().security("runAsUser")
                .asLong();
        boolean sameGroup = apiserver.security("runAsGroup").asLong(-1) == server.container().security("runAsGroup")
                .asLong(-2);
        assertThat(sameUser || (sameGroup && (Integer.parseInt(mode, 8) & 0020) != 0))
                .as("%s may connect to the socket (mode %s)", apiserver, mode).isTrue();
    }

    @Test
    void theServersArgumentsStartAServerThatCarriesTheKubeApiserversConnectOverMtls() throws IOException {
        Tunnel serverSpec = tunnels.stream().filter(t -> t.isServer() && t.flags().containsKey("--server-cert"))
                .findFirst().orElseThrow(() -> new AssertionError("a tunnel-server with a TCP mTLS frontend"));
        try (RunningPair pair = RunningPair.start(serverSpec, work.resolve("run-tcp"))) {
            assertThat(pair.ports().group(2)).isEqualTo("mTLS");
            Path egress = KUBERNETES.resolve("egress-selector").resolve("tcp-mtls.yaml");
            Map<String, Path> tls = egressTlsFiles(egress, clusterSelection(egress).at(
                    "/connection/transport/tcp/tlsConfig"));
            Commands.Result r = Commands.run(Duration.ofSeconds(30), List.of("curl", "-sS", "-p", "-o", "/dev/null",
                    "-w", "%{http_code}", "--max-time", "20",
                    "--proxy-cacert", tls.get("caBundle").toString(),
                    "--proxy-cert", tls.get("clientCert").toString(),
                    "--proxy-key", tls.get("clientKey").toString(),
                    "-x", "https://localhost:" + pair.ports().group(1),
                    "http://127.0.0.1:" + pair.health() + "/healthz"));
            assertThat(r.stdout()).as("a CONNECT with the kube-apiserver's files: %s", r).isEqualTo("200");
        }
    }

    @Test
    void theSidecarsArgumentsStartAServerThatCarriesTheKubeApiserversConnectOverItsSocket() throws IOException {
        Tunnel serverSpec = tunnels.stream().filter(t -> t.isServer() && t.flags().containsKey("--uds-name"))
                .findFirst().orElseThrow(() -> new AssertionError("a tunnel-server with --uds-name"));
        // A short root: a Unix socket's path holds at most 107 bytes.
        Path root = Files.createTempDirectory("tunnel-k8s-");
        try (RunningPair pair = RunningPair.start(serverSpec, root)) {
            assertThat(pair.ports().group(1)).as("no TCP frontend").isEqualTo("off");
            Path socket = Path.of(pair.serverArgs().get(pair.serverArgs().indexOf("--uds-name") + 1));
            String mode = serverSpec.value("--uds-mode").orElseThrow();
            assertThat(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)).as("--uds-mode %s", mode)
                    .isEqualTo(permissions(mode));
            try (UnixSocketClient client = UnixSocketClient.connect(socket)) {
                assertThat(client.connectLikeKubeApiserver("127.0.0.1:" + pair.health()))
                        .startsWith("HTTP/1.1 200 ");
            }
        } finally {
            TestDirs.fresh(root);
            Files.delete(root);
        }
    }

    private static Set<PosixFilePermission> permissions(String octal) {
        int mode = Integer.parseInt(octal, 8);
        Set<PosixFilePermission> set = new HashSet<>();
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ … OTHERS_EXECUTE, high bit first
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << (bits.length - 1 - i))) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }

    /** A server started with a manifest's args and the agent manifest's agent linked to it. */
    private record RunningPair(JavaProcess server, JavaProcess agent, Matcher ports, List<String> serverArgs)
            implements AutoCloseable {
        /** Pod files under {@code root}, logs under {@code work} (kept after the run). */
        static RunningPair start(Tunnel serverSpec, Path root) throws IOException {
            Tunnel agentSpec = tunnels.stream().filter(Tunnel::isAgent).findFirst().orElseThrow();
            List<String> serverArgs = runnableArgs(serverSpec, root, Map.of("--server-port", "0", "--agent-port", "0",
                    "--health-port", "0"));
            serverArgs.addAll(List.of("--server-bind-address", "127.0.0.1", "--agent-bind-address", "127.0.0.1",
                    "--health-bind-address", "127.0.0.1"));
            Path logs = work.resolve("logs-" + serverSpec.container().pod().owner().name());
            JavaProcess server = JavaProcess.start("server", Jars.SERVER, logs, serverArgs);
            try {
                Matcher ports = server.awaitLog(SERVER_PORTS.pattern(), TunnelFixture.START_TIMEOUT);
                List<String> agentArgs = runnableArgs(agentSpec, root, Map.of("--proxy-server-host", "localhost",
                        "--proxy-server-port", ports.group(3), "--health-server-port", "0"));
                agentArgs.addAll(List.of("--health-server-bind-address", "127.0.0.1"));
                JavaProcess agent = JavaProcess.start("agent", Jars.AGENT, logs, agentArgs);
                RunningPair pair = new RunningPair(server, agent, ports, serverArgs);
                try {
                    Await.until("the server ready: the agent linked", TunnelFixture.START_TIMEOUT,
                            () -> HealthPages.status(pair.health(), "/readyz") == 200);
                } catch (RuntimeException | Error e) {
                    pair.close();
                    throw e;
                }
                return pair;
            } catch (RuntimeException | Error e) {
                server.close();
                throw e;
            }
        }

        int health() {
            return Integer.parseInt(ports.group(4));
        }

        @Override
        public void close() {
            try {
                agent.close();
            } finally {
                server.close();
            }
        }
    }

    /**
     * A container's args as the process would get them in its pod: its pod's volumes as directories under {@code pods}
     * (and the paths into them rewritten), the Secret volumes filled from the exported Secrets, {@code $(VAR)}
     * expanded, and the values of {@code overrides} (ports, the server's address) replaced.
     */
    private static List<String> runnableArgs(Tunnel t, Path pods, Map<String, String> overrides) throws IOException {
        Container c = t.container();
        Map<String, Path> mounted = new LinkedHashMap<>();
        for (JsonNode mount : c.mounts()) {
            JsonNode volume = c.pod().volume(mount.path("name").asText()).orElseThrow();
            String mountPath = mount.path("mountPath").asText();
            Path dir = pods.resolve(c.pod().owner().name()).resolve(volume.path("name").asText());
            Files.createDirectories(dir);
            if (volume.has("secret")) {
                for (var e : secrets.get(volume.path("secret").path("secretName").asText()).data().entrySet()) {
                    Files.write(dir.resolve(e.getKey()), e.getValue());
                }
            }
            mounted.put(mountPath, dir);
        }
        Map<String, String> env = new HashMap<>();
        KubeManifests.stream(c.node().path("env")).forEach(e -> env.put(e.path("name").asText(),
                e.at("/valueFrom/fieldRef/fieldPath").asText().equals("metadata.name")
                        ? c.pod().owner().name() + "-test" : e.path("value").asText()));
        List<String> args = new ArrayList<>();
        t.flags().forEach((flag, value) -> {
            args.add(flag);
            if (value == null) {
                return;
            }
            String v = overrides.getOrDefault(flag, value);
            v = ENV_REFERENCE.matcher(v).replaceAll(r -> Matcher.quoteReplacement(env.getOrDefault(r.group(1), "")));
            for (var m : mounted.entrySet()) {
                if (v.startsWith(m.getKey() + "/")) {
                    v = m.getValue() + v.substring(m.getKey().length());
                    break;
                }
            }
            args.add(v);
        });
        return args;
    }

    private static boolean isKubernetesObject(Doc doc) {
        return !doc.node().path("apiVersion").asText().startsWith("apiserver.k8s.io/");
    }
}
