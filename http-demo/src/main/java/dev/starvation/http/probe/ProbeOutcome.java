package dev.starvation.http.probe;

/** What one GET saw: the status (0 if none came), whether the probe counts it a success, why not, and how long it took. */
public record ProbeOutcome(int status, boolean ok, long millis, String failure) {

    static ProbeOutcome answered(int status, long millis) {
        boolean ok = status >= 200 && status < 400;
        return new ProbeOutcome(status, ok, millis, ok ? null : "status " + status);
    }

    static ProbeOutcome failed(long millis, String why) {
        return new ProbeOutcome(0, false, millis, why);
    }
}
