package dev.starvation.http.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-wide budget for requests that wait behind a pending answer ({@code --max-waiting-bytes}). A connection
 * keeps reading behind its pending answer (to notice a client that leaves) only while it holds a reservation of the
 * most one connection can pile up then: one whole request plus one socket read. With the budget spent, connections
 * stop reading until their answer is written, so waiting requests never take more than the budget, however many
 * clients pipeline bodies behind slow requests.
 */
final class WaitingBytes {

    /** The most bytes one socket read brings (Netty's adaptive receive buffer tops out at 64 KiB). */
    static final int ONE_READ = 64 * 1024;

    private final long budget;
    private final long perConnection;
    private final AtomicLong reserved = new AtomicLong();
    private final AtomicLong waiting = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();

    WaitingBytes(long budget, int maxHeaderBytes, int maxBodyBytes) {
        this.budget = budget;
        // A request completed by a read, and the start of the next one from the rest of that read.
        this.perConnection = (long) maxHeaderBytes + maxBodyBytes + 2L * ONE_READ;
    }

    /** What one connection may hold waiting at most, in bytes. */
    long perConnection() {
        return perConnection;
    }

    /** Takes one connection's reservation if the budget has room; false means: stop reading. */
    boolean tryReserve() {
        long now;
        do {
            now = reserved.get();
            if (now + perConnection > budget) {
                return false;
            }
        } while (!reserved.compareAndSet(now, now + perConnection));
        return true;
    }

    void release() {
        reserved.addAndGet(-perConnection);
    }

    /** A request of {@code bytes} starts waiting ({@code bytes} > 0) or stops waiting (< 0). */
    void waiting(long bytes) {
        long now = waiting.addAndGet(bytes);
        if (bytes > 0) {
            peak.accumulateAndGet(now, Math::max);
        }
    }

    /** Bytes of requests waiting now, over every connection. */
    long waitingNow() {
        return waiting.get();
    }

    /** The most bytes that ever waited at once. */
    long peak() {
        return peak.get();
    }
}
