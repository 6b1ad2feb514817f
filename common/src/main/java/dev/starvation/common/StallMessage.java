package dev.starvation.common;

/** Words the {@code STALL} line for one watched thread, e.g. {@code STALL event loop x blocked for 812 ms (limit 200 ms)}. */
@FunctionalInterface
public interface StallMessage {
    /** The whole line, {@code STALL} first. */
    String format(String threadName, long silentMillis);
}
