package dev.starvation.vthreads;

import java.lang.reflect.InvocationTargetException;

/**
 * The jar's entry point, compiled for Java 17 (the rest of the module needs 21): on an older {@code java} it says what
 * is needed and exits 1, where loading the demo would fail with an {@code UnsupportedClassVersionError}.
 */
public final class Launcher {

    /** Virtual threads: JEP 444, final in Java 21. */
    static final int NEEDED = 21;

    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        int running = Runtime.version().feature();
        if (running < NEEDED) {
            System.err.println("vthreads-demo needs Java " + NEEDED + " or newer (virtual threads), but this is Java "
                    + running + " (" + System.getProperty("java.home") + "): run the jar with a JDK " + NEEDED
                    + "+'s java, e.g. /usr/lib/jvm/<jdk-21-or-newer>/bin/java -jar vthreads-demo.jar");
            System.exit(1);
        }
        try {
            // By name: a reference would make this class load the Java 21 classes before the check.
            Class.forName("dev.starvation.vthreads.VthreadsDemo").getMethod("main", String[].class)
                    .invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
