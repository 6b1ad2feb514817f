package dev.starvation.vthreads;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar vthreads-demo.jar} on the project's default Java 17 says it needs 21, instead of an
 * {@code UnsupportedClassVersionError}; on 21+ the same entry point is the demo.
 */
class LauncherTest {

    private record Run(int code, String output) {
    }

    @Test
    void javaOlderThan21IsToldWhatItNeedsInsteadOfFailingToLoadTheDemo() throws Exception {
        // Maven's own java (build.java.home, set by the pom): Java 17 on this project's machines.
        Path home = Path.of(System.getProperty("build.java.home", ""));
        Optional<Integer> feature = featureOf(home);
        Assumptions.assumeTrue(feature.isPresent() && feature.get() < Launcher.NEEDED,
                "Maven runs on Java " + feature.orElse(null) + ", not older than 21: nothing older to try");

        Run run = launch(home, "--help");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.output()).contains("vthreads-demo needs Java 21 or newer (virtual threads), but this is Java "
                + feature.get()).doesNotContain("UnsupportedClassVersionError");
    }

    @Test
    void java21OrNewerRunsTheDemoThroughTheSameEntryPoint() throws Exception {
        Run run = launch(Path.of(System.getProperty("java.home")), "--help");

        assertThat(run.code()).isZero();
        assertThat(run.output()).contains("Usage: vthreads-demo").contains("server");
    }

    private static Run launch(Path javaHome, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(javaHome.resolve("bin").resolve("java").toString(),
                "-cp", System.getProperty("java.class.path"), Launcher.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("launcher ended").isTrue();
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    /** The feature version a JDK's {@code release} file names ({@code JAVA_VERSION="17.0.15"} is 17). */
    private static Optional<Integer> featureOf(Path javaHome) throws IOException {
        Path release = javaHome.resolve("release");
        if (!Files.isRegularFile(release)) {
            return Optional.empty();
        }
        Matcher m = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)").matcher(Files.readString(release));
        return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
    }
}
