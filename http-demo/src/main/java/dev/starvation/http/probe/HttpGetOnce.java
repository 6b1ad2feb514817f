package dev.starvation.http.probe;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * One probe as the kubelet makes it: a GET on a connection of its own (no keep-alive), the status line, headers and up
 * to 10 KiB of body read within one deadline, same-host redirects followed (at most 10) and the final status judged.
 * A redirect to another host is not followed: the redirect itself counts as success, with a warning.
 */
public final class HttpGetOnce {

    private static final String USER_AGENT = "kube-probe/1.31";
    /** The kubelet's limit (net/http's default, kept by its redirect checker). */
    static final int MAX_REDIRECTS = 10;
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);

    private HttpGetOnce() {
    }

    /** GETs {@code url} and says what came back, or why nothing did, within {@code timeout} (redirects included). */
    public static ProbeOutcome get(URI url, Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        URI current = url;
        String timeoutText = "timeout after " + timeout.toMillis() + "ms ";
        for (int followed = 0; ; followed++) {
            HttpResponseReader.Response response;
            try {
                response = exchange(current, deadline);
            } catch (SocketTimeoutException e) {
                return ProbeOutcome.failed(elapsedMillis(start), timeoutText + e.getMessage());
            } catch (ConnectException e) {
                return ProbeOutcome.refused(elapsedMillis(start));
            } catch (IOException e) {
                return ProbeOutcome.failed(elapsedMillis(start), "error " + e.getMessage());
            }
            int status = response.status();
            if (!REDIRECTS.contains(status) || response.location() == null) {
                return ProbeOutcome.answered(status, elapsedMillis(start), status >= 300 && status < 400
                        ? "status " + status + " is not followed (no redirect to follow), counted as success" : null);
            }
            URI next;
            try {
                next = current.resolve(new URI(response.location()));
            } catch (URISyntaxException | IllegalArgumentException e) {
                return ProbeOutcome.failed(elapsedMillis(start), "status " + status + " with a malformed Location: "
                        + response.location());
            }
            if (next.getHost() == null || !next.getHost().equalsIgnoreCase(url.getHost())) {
                // The kubelet's redirect checker compares host names only (ports may differ) and stops here.
                return ProbeOutcome.answered(status, elapsedMillis(start), "status " + status + " redirects to another"
                        + " host, not followed: " + next + ", counted as success");
            }
            if (!"http".equalsIgnoreCase(next.getScheme())) {
                return ProbeOutcome.failed(elapsedMillis(start), "status " + status + " redirects to " + next
                        + ": this probe speaks plain http only");
            }
            if (followed == MAX_REDIRECTS) {
                return ProbeOutcome.failed(elapsedMillis(start), "stopped after " + MAX_REDIRECTS + " redirects");
            }
            current = next;
        }
    }

    private static HttpResponseReader.Response exchange(URI url, long deadline) throws IOException {
        int port = url.getPort() == -1 ? 80 : url.getPort();
        String target = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            target += "?" + url.getRawQuery();
        }
        try (Socket socket = new Socket()) {
            try {
                socket.connect(new InetSocketAddress(url.getHost(), port), remainingMillis(deadline));
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("connecting");
            }
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: " + url.getHost().toLowerCase(Locale.ROOT) + ":" + port
                    + "\r\nUser-Agent: " + USER_AGENT + "\r\nAccept: */*\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new HttpResponseReader(socket, new BufferedInputStream(socket.getInputStream()), deadline).read();
        }
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new SocketTimeoutException("before connecting");
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    private static long elapsedMillis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
