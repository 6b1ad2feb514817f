package dev.starvation.http.server;

import java.net.URI;

/** A server under test, in this JVM or in a container: where it answers and what it has logged so far. */
interface RunningServer extends AutoCloseable {

    /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
    URI base();

    /** Everything the server logged, STALL stacks included. */
    String log();

    /** A path on this server. */
    default URI url(String pathAndQuery) {
        return base().resolve(pathAndQuery);
    }
}
