package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Every YAML document under a directory (multi-document files), with the few views of Kubernetes objects that
 * {@link KubernetesManifestsIT} checks: workloads' pod templates, their containers, volumes and ports.
 */
public final class KubeManifests {
    private static final YAMLMapper YAML = new YAMLMapper();

    /** One YAML document of {@code file}. */
    public record Doc(Path file, JsonNode node) {
        public String kind() {
            return node.path("kind").asText();
        }

        public String name() {
            return node.path("metadata").path("name").asText();
        }

        public String namespace() {
            return node.path("metadata").path("namespace").asText(null);
        }

        @Override
        public String toString() {
            return kind() + " " + name() + " (" + file.getFileName() + ")";
        }
    }

    /** The pod template of a workload ({@code spec.template}) and its replica count. */
    public record Pod(Doc owner, JsonNode template) {
        public JsonNode spec() {
            return template.path("spec");
        }

        public JsonNode labels() {
            return template.path("metadata").path("labels");
        }

        public int replicas() {
            return owner.node().path("spec").path("replicas").asInt(1);
        }

        public List<Container> containers() {
            List<Container> all = new ArrayList<>();
            spec().path("containers").forEach(c -> all.add(new Container(this, c)));
            return all;
        }

        public Optional<JsonNode> volume(String name) {
            return stream(spec().path("volumes")).filter(v -> v.path("name").asText().equals(name)).findFirst();
        }

        @Override
        public String toString() {
            return owner.toString();
        }
    }

    /** One container of a pod template. */
    public record Container(Pod pod, JsonNode node) {
        public String name() {
            return node.path("name").asText();
        }

        public String image() {
            return node.path("image").asText();
        }

        /** The image's name without registry, path and tag: {@code r.example.com/t/tunnel-agent:1} → tunnel-agent. */
        public String imageName() {
            String image = image();
            String last = image.substring(image.lastIndexOf('/') + 1);
            int tag = last.indexOf(':');
            return tag < 0 ? last : last.substring(0, tag);
        }

        /** The args, each of which must be a YAML string (Kubernetes takes no numbers there). */
        public List<String> args() {
            List<String> args = new ArrayList<>();
            node.path("args").forEach(a -> {
                assertThat(a.isTextual()).as("%s: arg %s must be a string (quote it)", this, a).isTrue();
                args.add(a.asText());
            });
            return args;
        }

        public Optional<JsonNode> env(String name) {
            return stream(node.path("env")).filter(e -> e.path("name").asText().equals(name)).findFirst();
        }

        public List<JsonNode> mounts() {
            return stream(node.path("volumeMounts")).toList();
        }

        /** The mount whose mountPath is exactly {@code dir}. */
        public Optional<JsonNode> mountAt(String dir) {
            return mounts().stream().filter(m -> m.path("mountPath").asText().equals(dir)).findFirst();
        }

        /** The containerPort named or numbered {@code port} (a probe's or a Service's targetPort). */
        public Optional<JsonNode> port(JsonNode port) {
            return stream(node.path("ports")).filter(p -> port.isInt()
                    ? p.path("containerPort").asInt() == port.asInt()
                    : p.path("name").asText().equals(port.asText())).findFirst();
        }

        /** A field of the container's security context, or else of its pod's. */
        public JsonNode security(String field) {
            JsonNode own = node.path("securityContext").path(field);
            return own.isMissingNode() ? pod.spec().path("securityContext").path(field) : own;
        }

        @Override
        public String toString() {
            return "container " + name() + " of " + pod;
        }
    }

    private final List<Doc> docs;

    private KubeManifests(List<Doc> docs) {
        this.docs = docs;
    }

    /** Reads every {@code *.yaml} under {@code dir}. */
    public static KubeManifests load(Path dir) {
        List<Doc> docs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                docs.addAll(read(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new KubeManifests(docs);
    }

    /** The documents of one multi-document YAML file. */
    public static List<Doc> read(Path file) {
        List<Doc> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode node = it.next();
                if (node != null && !node.isMissingNode() && !node.isNull()) {
                    docs.add(new Doc(file, node));
                }
            }
        } catch (IOException e) {
            throw new AssertionError(file + " is not valid YAML", e);
        }
        return docs;
    }

    public List<Doc> all() {
        return docs;
    }

    public List<Doc> ofKind(String kind) {
        return docs.stream().filter(d -> d.kind().equals(kind)).toList();
    }

    public Doc get(String kind, String name) {
        return docs.stream().filter(d -> d.kind().equals(kind) && d.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in the manifests"));
    }

    /** The pod templates of every Deployment, StatefulSet and DaemonSet. */
    public List<Pod> pods() {
        return docs.stream().filter(d -> List.of("Deployment", "StatefulSet", "DaemonSet").contains(d.kind()))
                .map(d -> new Pod(d, d.node().path("spec").path("template"))).toList();
    }

    public static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> all = new ArrayList<>();
        array.forEach(all::add);
        return all.stream();
    }
}
