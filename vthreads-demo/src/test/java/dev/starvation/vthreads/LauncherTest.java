package dev.starvation.vthreads;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar vthreads-demo.jar} on the project's default Java 17 runs the demo on a JDK 21+ it finds (beside
 * itself or in {@code JAVA_HOME}), and says what it needs when there is none; on 21+ the same entry point is the demo.
 */
class LauncherTest {

    private record Run(int code, String output) {
    }

    @Test
    void java17RunsTheDemoOnTheNewestJdkInstalledBesideIt() throws Exception {
        Path old = olderThan21();
        Path toolchain = testsJdk();
        Assumptions.assumeTrue(old.toRealPath().getParent().equals(toolchain.getParent()),
                "the JDK 21+ running the tests (" + toolchain + ") is not installed beside " + old);

        Run run = launch(old, null, List.of(), "--help");

        assertThat(run.code()).isZero();
        assertThat(run.output()).contains("this is Java " + Launcher.featureOf(old).orElseThrow() + ": running it on")
                .contains("Usage: vthreads-demo").contains("server").doesNotContain("UnsupportedClassVersionError");
    }

    @Test
    void java17RunsTheDemoOnJavaHomeWhenItIsNewEnough() throws Exception {
        Path old = olderThan21();
        Path toolchain = testsJdk();

        Run run = launch(old, toolchain, List.of("-D" + Launcher.JDKS_DIR + "=" + emptyDir()), "--help");

        assertThat(run.code()).isZero();
        assertThat(run.output()).contains("running it on " + toolchain).contains("Usage: vthreads-demo");
    }

    @Test
    void java17WithNoNewerJdkIsToldWhatItNeedsInsteadOfFailingToLoadTheDemo() throws Exception {
        Path old = olderThan21();
        Path none = emptyDir();

        Run run = launch(old, null, List.of("-D" + Launcher.JDKS_DIR + "=" + none), "--help");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.output()).contains("vthreads-demo needs Java 21 or newer (virtual threads), but this is Java "
                + Launcher.featureOf(old).orElseThrow()).contains("neither JAVA_HOME nor " + none + " holds one")
                .doesNotContain("Usage:").doesNotContain("UnsupportedClassVersionError");
    }

    @Test
    void stoppingTheLauncherStopsTheDemoItStartedOnTheNewerJdk() throws Exception {
        Path old = olderThan21();
        Path toolchain = testsJdk();
        List<String> command = List.of(old.resolve("bin").resolve("java").toString(), "-cp",
                System.getProperty("java.class.path"), Launcher.class.getName(), "server", "--port", "0");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", toolchain.toString());
        Process launcher = builder.start();
        try {
            BufferedReader lines = new BufferedReader(
                    new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null && !line.contains("SERVER listening")) {
                // the launcher's own line comes first
            }
            assertThat(line).as("the demo's SERVER line").isNotNull();
            List<ProcessHandle> demo = launcher.descendants().toList();
            assertThat(demo).as("the demo's JVM").isNotEmpty();

            launcher.destroy(); // SIGTERM, as kill or a container stop sends it

            assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).as("launcher ended").isTrue();
            for (ProcessHandle child : demo) {
                assertThat(child.onExit().get(30, TimeUnit.SECONDS).isAlive()).as("the demo's JVM ended").isFalse();
            }
        } finally {
            launcher.descendants().forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
        }
    }

    @Test
    void java21OrNewerRunsTheDemoThroughTheSameEntryPoint() throws Exception {
        Run run = launch(testsJdk(), null, List.of(), "--help");

        assertThat(run.code()).isZero();
        assertThat(run.output()).contains("Usage: vthreads-demo").contains("server").doesNotContain("running it on");
    }

    /** The JDK 21+ running these tests (the toolchain's), its real path. */
    private static Path testsJdk() throws IOException {
        return Path.of(System.getProperty("java.home")).toRealPath();
    }

    /** Maven's own java (build.java.home, set by the pom): Java 17 on this project's machines. */
    private static Path olderThan21() {
        Path home = Path.of(System.getProperty("build.java.home", ""));
        Optional<Integer> feature = Launcher.featureOf(home);
        Assumptions.assumeTrue(feature.isPresent() && feature.get() < Launcher.NEEDED,
                "Maven runs on Java " + feature.orElse(null) + ", not older than 21: nothing older to try");
        return home;
    }

    private static Path emptyDir() throws IOException {
        Path dir = Files.createTempDirectory("no-jdks");
        dir.toFile().deleteOnExit();
        return dir;
    }

    /** Runs the launcher on {@code javaHome}'s java, with JAVA_HOME set to {@code javaHomeEnv} or unset. */
    private static Run launch(Path javaHome, Path javaHomeEnv, List<String> jvmOptions, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(javaHome.resolve("bin").resolve("java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Launcher.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("JAVA_HOME");
        if (javaHomeEnv != null) {
            builder.environment().put("JAVA_HOME", javaHomeEnv.toString());
        }
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("launcher ended").isTrue();
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
