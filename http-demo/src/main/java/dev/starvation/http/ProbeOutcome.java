package dev.starvation.http;

/** What one probe saw: success, or why it failed, and how long it took. */
record ProbeOutcome(boolean ok, long millis, String failure) {

    static ProbeOutcome success(long millis) {
        return new ProbeOutcome(true, millis, null);
    }

    static ProbeOutcome failed(long millis, String why) {
        return new ProbeOutcome(false, millis, why);
    }
}
