package dev.starvation.http.client;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One HTTP/1.1 GET on a connection of its own ({@code Connection: close}), everything before one deadline. Plain
 * sockets, not java.net.http: that client sends an idempotent GET again by itself when the connection drops, which
 * would hide from the demo the very loss it shows.
 */
public final class HttpExchange {

    private HttpExchange() {
    }

    /**
     * GETs {@code url} and reads the answer: status line, headers and up to 10 KiB of body.
     *
     * @throws java.net.ConnectException      nothing listens there (refused)
     * @throws SocketTimeoutException         the deadline passed; its message says while doing what
     * @throws ConnectionLostException        the connection closed or was reset before any answer
     * @throws IOException                    anything else, e.g. an answer that is not HTTP
     */
    public static HttpAnswer get(URI url, long deadlineNanos, String userAgent) throws IOException {
        int port = url.getPort() == -1 ? 80 : url.getPort();
        String target = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            target += "?" + url.getRawQuery();
        }
        try (Socket socket = new Socket()) {
            try {
                socket.connect(new InetSocketAddress(url.getHost(), port), remainingMillis(deadlineNanos));
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("connecting");
            }
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: " + url.getHost().toLowerCase(Locale.ROOT) + ":" + port
                    + "\r\nUser-Agent: " + userAgent + "\r\nAccept: */*\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new HttpResponseReader(socket, new BufferedInputStream(socket.getInputStream()), deadlineNanos)
                    .read();
        }
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new SocketTimeoutException("before connecting");
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }
}
