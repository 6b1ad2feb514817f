package dev.starvation.common;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Loopback ports for the servers the demos, the walkthrough and the tests start: everything talks to 127.0.0.1. */
public final class LoopbackPorts {

    private LoopbackPorts() {
    }

    /** A loopback port free right now (the OS picks it); another process may take it before it is bound again. */
    public static int free() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
