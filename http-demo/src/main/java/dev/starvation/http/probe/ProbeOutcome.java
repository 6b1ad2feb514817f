package dev.starvation.http.probe;

/**
 * What one probe saw: the final status (0 if none came), whether the probe counts it a success, why not, a warning
 * on a success the kubelet would flag (a redirect it did not follow), whether the connection was refused, and how long
 * it took.
 */
public record ProbeOutcome(int status, boolean ok, long millis, String failure, String warning, boolean refused) {

    /** A failure names the status and the first line of the body, where a health endpoint says why. */
    static ProbeOutcome answered(int status, String body, long millis, String warning) {
        boolean ok = status >= 200 && status < 400;
        String why = body.isEmpty() ? "status " + status : "status " + status + ": " + body;
        return new ProbeOutcome(status, ok, millis, ok ? null : why, ok ? warning : null, false);
    }

    static ProbeOutcome failed(long millis, String why) {
        return new ProbeOutcome(0, false, millis, why, null, false);
    }

    /** Nothing listens there: the target is down (or restarting). */
    static ProbeOutcome refused(long millis) {
        return new ProbeOutcome(0, false, millis, "connection refused", null, true);
    }
}
