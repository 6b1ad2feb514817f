package dev.starvation.http.server;

import dev.starvation.http.probe.HttpGetOnce;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The same verdicts with the server in a container built from this module's runnable jar, probed from the host through
 * the mapped port. Skipped where no Docker engine runs.
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerProbeVerdictIT extends ProbeVerdictScenarios {

    private static final ImageFromDockerfile IMAGE = new ImageFromDockerfile("starvation-reproducer/http-demo-it", false)
            .withFileFromPath("http-demo.jar", Path.of("target/http-demo.jar"))
            .withDockerfileFromBuilder(b -> b.from("eclipse-temurin:17-jre")
                    .copy("http-demo.jar", "/app/http-demo.jar")
                    .entryPoint("java", "-jar", "/app/http-demo.jar")
                    .build());

    @Override
    RunningServer start(String... serverArgs) {
        List<String> command = new ArrayList<>(List.of("server", "--host", "0.0.0.0", "--port", "8080"));
        command.addAll(List.of(serverArgs));
        GenericContainer<?> container = new GenericContainer<>(IMAGE)
                .withCommand(command.toArray(String[]::new))
                .withExposedPorts(8080)
                .waitingFor(Wait.forLogMessage(".*SERVER listening.*", 1));
        container.start();
        URI base = URI.create("http://" + container.getHost() + ":" + container.getMappedPort(8080));
        // Warm the JVM in the container as the in-process server is, so both runs see the same server.
        for (String path : new String[] {"/health", "/processing_fixed?seconds=0", "/health"}) {
            HttpGetOnce.get(base.resolve(path), java.time.Duration.ofSeconds(5));
        }
        return new RunningServer() {
            @Override
            public URI base() {
                return base;
            }

            @Override
            public String log() {
                return container.getLogs();
            }

            @Override
            public void close() {
                container.stop();
            }
        };
    }
}
