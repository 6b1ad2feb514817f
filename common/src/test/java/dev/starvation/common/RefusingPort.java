package dev.starvation.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A loopback port that refuses every connection for as long as it is held: a socket bound to it that never listens.
 * A port merely closed can be taken at once by any other socket running beside the test (servers, brokers, clients);
 * a bound port cannot be, and the kernel answers a connection to it with a reset, which clients report as
 * "connection refused".
 */
public final class RefusingPort implements AutoCloseable {

    private final Socket holder = new Socket();

    private RefusingPort(int port, boolean reuse) {
        try {
            holder.setReuseAddress(reuse);
            holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new UncheckedIOException("could not bind loopback port " + port, e);
        }
    }

    /** Binds a port the OS picks; close it to give the port back. */
    public static RefusingPort open() {
        // No SO_REUSEADDR: no other socket, listening or not, may bind the port while it is held.
        return new RefusingPort(0, false);
    }

    /** Binds {@code port}, for a server that went away and must be refused until its successor binds it again. */
    public static RefusingPort on(int port) {
        // SO_REUSEADDR, as the server before it had: its closed connections may still hold the port in TIME_WAIT,
        // where Linux refuses a plain bind. The OS hands a bound port to no one else.
        return new RefusingPort(port, true);
    }

    public int port() {
        return holder.getLocalPort();
    }

    /** {@code 127.0.0.1:PORT}. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    @Override
    public void close() throws IOException {
        holder.close();
    }
}
