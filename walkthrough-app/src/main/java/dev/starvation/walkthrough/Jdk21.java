package dev.starvation.walkthrough;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Finds the {@code java} of a JDK 21+ for the virtual-thread act, which the walkthrough (Java 17) cannot run itself:
 * {@code --vthreads-java} or {@code VTHREADS_JAVA} if given, else the running JVM if it is 21+, else the newest JDK 21+
 * that the build's toolchain discovery wrote to {@code vthreads-demo/target/discovered-jdks.xml}, the same list the
 * build chose its JDK from.
 */
final class Jdk21 {

    static final int MINIMUM = 21;

    private Jdk21() {
    }

    /** The java to run the vthreads-demo jar with, or empty with nothing found. */
    static Optional<Path> find(Path given, String env, Path discovered) throws Exception {
        if (given != null) {
            return Optional.of(checked(given, "--vthreads-java"));
        }
        if (env != null && !env.isBlank()) {
            return Optional.of(checked(Path.of(env), "VTHREADS_JAVA"));
        }
        if (Runtime.version().feature() >= MINIMUM) {
            return Optional.of(Path.of(System.getProperty("java.home"), "bin", "java"));
        }
        if (!Files.isRegularFile(discovered)) {
            return Optional.empty();
        }
        return discoveredJdks(discovered).stream()
                .filter(j -> j.feature() >= MINIMUM && Files.isExecutable(j.java()))
                .max(Comparator.comparingInt(Discovered::feature))
                .map(Discovered::java);
    }

    /** What to tell a user with no JDK 21+. */
    static String missing(Path discovered) {
        return "no JDK " + MINIMUM + "+ for the virtual-thread act: the build's toolchain discovery (" + discovered
                + ") found none; install one, or give its java with --vthreads-java or VTHREADS_JAVA";
    }

    private static Path checked(Path java, String from) {
        if (!Files.isExecutable(java)) {
            throw new IllegalArgumentException(from + " must be an executable java of a JDK " + MINIMUM + "+, got "
                    + java);
        }
        return java;
    }

    /** One JDK of a toolchains.xml: its feature release and its java. */
    record Discovered(int feature, Path java) {
    }

    /** The JDKs a toolchains file lists, with a version and a home each. */
    static List<Discovered> discoveredJdks(Path toolchainsXml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = factory.newDocumentBuilder().parse(toolchainsXml.toFile());
        NodeList toolchains = doc.getElementsByTagName("toolchain");
        return IntStream.range(0, toolchains.getLength()).mapToObj(i -> (Element) toolchains.item(i))
                .map(Jdk21::discovered).flatMap(Optional::stream).toList();
    }

    private static Optional<Discovered> discovered(Element toolchain) {
        String version = text(toolchain, "version");
        String home = text(toolchain, "jdkHome");
        if (version == null || home == null) {
            return Optional.empty();
        }
        try {
            int feature = Integer.parseInt(version.trim().split("[.+-]")[0]);
            return Optional.of(new Discovered(feature, Path.of(home.trim(), "bin", "java")));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String text(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent();
    }
}
