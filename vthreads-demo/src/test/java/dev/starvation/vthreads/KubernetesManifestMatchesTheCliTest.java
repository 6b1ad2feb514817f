package dev.starvation.vthreads;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.common.Cli;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * k8s/vthreads-demo.yaml's container arguments parsed by the server's own command line (walkthrough-app checks the
 * rest of the manifest, but runs on Java 17 and cannot load these classes).
 */
class KubernetesManifestMatchesTheCliTest {

    @Test
    @SuppressWarnings("unchecked")
    void manifestArgumentsAreAServerCommandLineTheJarAccepts() throws IOException {
        Map<String, Object> deployment = null;
        try (Reader in = Files.newBufferedReader(Path.of("..", "k8s", "vthreads-demo.yaml"))) {
            for (Object doc : new Yaml().loadAll(in)) {
                if (doc instanceof Map<?, ?> m && "Deployment".equals(m.get("kind"))) {
                    deployment = (Map<String, Object>) m;
                }
            }
        }
        assertThat(deployment).as("a Deployment in k8s/vthreads-demo.yaml").isNotNull();
        Map<String, Object> spec = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) deployment
                .get("spec")).get("template")).get("spec");
        Map<String, Object> container = ((List<Map<String, Object>>) spec.get("containers")).get(0);
        List<String> args = (List<String>) container.get("args");

        CommandLine.ParseResult parsed = Cli.commandLine(new VthreadsDemo()).parseArgs(args.toArray(String[]::new));
        assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("server");
        assertThat(parsed.subcommand().matchedOptionValue("--host", "")).isEqualTo("0.0.0.0");
    }
}
