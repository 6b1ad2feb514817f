package dev.starvation.http.probe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One HTTP GET on a connection of its own, as the kubelet probes: no keep-alive, one deadline for connect, send and the
 * status line together.
 */
public final class HttpGetOnce {

    private static final String USER_AGENT = "kube-probe/1.31";

    private HttpGetOnce() {
    }

    /** GETs {@code url} once and says what came back, or why nothing did, within {@code timeout}. */
    public static ProbeOutcome get(URI url, Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        int port = url.getPort() == -1 ? 80 : url.getPort();
        String target = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            target += "?" + url.getRawQuery();
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(url.getHost(), port), remainingMillis(deadline));
            socket.setSoTimeout(remainingMillis(deadline));
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + port + "\r\nUser-Agent: "
                    + USER_AGENT + "\r\nAccept: */*\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int status = readStatus(socket.getInputStream(), socket, deadline);
            return ProbeOutcome.answered(status, elapsedMillis(start));
        } catch (SocketTimeoutException e) {
            return ProbeOutcome.failed(elapsedMillis(start), "timeout after " + timeout.toMillis() + "ms");
        } catch (ConnectException e) {
            return ProbeOutcome.failed(elapsedMillis(start), "connection refused");
        } catch (IOException e) {
            return ProbeOutcome.failed(elapsedMillis(start), "error " + e.getMessage());
        }
    }

    private static int readStatus(InputStream in, Socket socket, long deadline) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            socket.setSoTimeout(remainingMillis(deadline));
            int b = in.read();
            if (b == -1) {
                throw new IOException("connection closed before a status line");
            }
            if (b == '\n') {
                break;
            }
            if (line.length() > 1024) {
                throw new IOException("status line too long");
            }
            line.append((char) b);
        }
        String[] parts = line.toString().trim().split(" ");
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP status line: " + line);
        }
        try {
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status line: " + line);
        }
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    private static long elapsedMillis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
