package dev.starvation.vthreads;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The jar's entry point, compiled for Java 17 (the rest of the module needs 21): on an older {@code java} it runs the
 * demo on a JDK 21+ installed beside that one (or {@code JAVA_HOME}), and says what is needed when there is none.
 */
public final class Launcher {

    /** Virtual threads: JEP 444, final in Java 21. */
    static final int NEEDED = 21;

    /** A directory of JDKs to search instead of the one the running {@code java} is installed in. */
    static final String JDKS_DIR = "vthreads.jdks.dir";

    private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)");

    private record Jdk(Path home, int feature) {
    }

    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        int running = Runtime.version().feature();
        if (running < NEEDED) {
            System.exit(runOnNewerJdk(running, args));
        }
        try {
            // By name: a reference would make this class load the Java 21 classes before the check.
            Class.forName("dev.starvation.vthreads.VthreadsDemo").getMethod("main", String[].class)
                    .invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static int runOnNewerJdk(int running, String[] args) throws IOException, InterruptedException {
        Path home = Path.of(System.getProperty("java.home"));
        Path dir = Path.of(System.getProperty(JDKS_DIR, String.valueOf(home.getParent())));
        Optional<Jdk> jdk = jdkToRunOn(dir);
        if (jdk.isEmpty()) {
            System.err.println("vthreads-demo needs Java " + NEEDED + " or newer (virtual threads), but this is Java "
                    + running + " (" + home + ") and neither JAVA_HOME nor " + dir + " holds one: run the jar with a"
                    + " JDK " + NEEDED + "+'s java, or name the directory of your JDKs with -D" + JDKS_DIR + "=DIR");
            return 1;
        }
        System.err.println("vthreads-demo needs Java " + NEEDED + "+, this is Java " + running + ": running it on "
                + jdk.get().home() + " (Java " + jdk.get().feature() + ")");
        List<String> command = new ArrayList<>();
        command.add(jdk.get().home().resolve("bin").resolve("java").toString());
        // The caller's JVM options (-Xmx, -D...) carry over; the class path is this jar.
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Launcher.class.getName()));
        command.addAll(List.of(args));
        Process demo = new ProcessBuilder(command).inheritIO().start();
        // SIGTERM to this JVM reaches the demo too, so it shuts down as it would have run alone.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            demo.destroy();
            try {
                demo.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "launcher-stop-demo"));
        return demo.waitFor();
    }

    /** JAVA_HOME if it is 21+, else the newest 21+ JDK directly in {@code dir}. */
    private static Optional<Jdk> jdkToRunOn(Path dir) throws IOException {
        String javaHome = System.getenv("JAVA_HOME");
        if (javaHome != null && !javaHome.isBlank()) {
            Optional<Jdk> jdk = jdkAt(Path.of(javaHome)).filter(j -> j.feature() >= NEEDED);
            if (jdk.isPresent()) {
                return jdk;
            }
        }
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(dir)) {
            return homes.map(Launcher::jdkAt).flatMap(Optional::stream).filter(j -> j.feature() >= NEEDED)
                    .max(Comparator.comparingInt(Jdk::feature));
        }
    }

    /** The JDK at {@code home}, if it has a {@code java} to run. */
    private static Optional<Jdk> jdkAt(Path home) {
        if (!Files.isExecutable(home.resolve("bin").resolve("java"))) {
            return Optional.empty();
        }
        try {
            Path real = home.toRealPath();
            return featureOf(real).map(feature -> new Jdk(real, feature));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The feature version a JDK's {@code release} file names ({@code JAVA_VERSION="17.0.15"} is 17). */
    static Optional<Integer> featureOf(Path javaHome) {
        try {
            Path release = javaHome.resolve("release");
            if (!Files.isRegularFile(release)) {
                return Optional.empty();
            }
            Matcher m = JAVA_VERSION.matcher(Files.readString(release));
            return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
