package dev.starvation.http.probe;

import dev.starvation.http.client.HttpAnswer;
import dev.starvation.http.client.HttpExchange;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
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
    /** How much of a failing answer's body goes into the PROBE FAIL line. */
    private static final int BODY_IN_MESSAGE = 200;

    private HttpGetOnce() {
    }

    /** GETs {@code url} and says what came back, or why nothing did, within {@code timeout} (redirects included). */
    public static ProbeOutcome get(URI url, Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        URI current = url;
        String timeoutText = "timeout after " + timeout.toMillis() + "ms ";
        for (int followed = 0; ; followed++) {
            HttpAnswer response;
            try {
                response = HttpExchange.get(current, deadline, USER_AGENT);
            } catch (SocketTimeoutException e) {
                return ProbeOutcome.failed(elapsedMillis(start), timeoutText + e.getMessage());
            } catch (ConnectException e) {
                return ProbeOutcome.refused(elapsedMillis(start));
            } catch (IOException e) {
                return ProbeOutcome.failed(elapsedMillis(start), "error " + e.getMessage());
            }
            int status = response.status();
            if (!REDIRECTS.contains(status) || response.location() == null) {
                return ProbeOutcome.answered(status, response.firstLine(BODY_IN_MESSAGE), elapsedMillis(start),
                        status >= 300 && status < 400
                        ? "status " + status + " is not followed (no redirect to follow), counted as success" : null);
            }
            URI next;
            try {
                next = current.resolve(new URI(response.location()));
            } catch (URISyntaxException | IllegalArgumentException e) {
                return ProbeOutcome.failed(elapsedMillis(start), "status " + status + " with a malformed Location: "
                        + response.location());
            }
            if (next.getHost() == null || !next.getHost().equals(url.getHost())) {
                // The kubelet's redirect checker compares host names only (ports may differ), exactly as written
                // (Go's req.URL.Hostname() != via[0].URL.Hostname()), and stops here.
                return ProbeOutcome.answered(status, "", elapsedMillis(start), "status " + status
                        + " redirects to another host, not followed: " + next + ", counted as success");
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

    private static long elapsedMillis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
