package dev.starvation.kafka.ops;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The records being processed right now, on whichever thread: how many, and how long the oldest has run. The naive
 * consumer's record runs on the poll thread, the offloading consumer's on a worker; both report here for the metrics.
 */
public final class InFlight {

    private final Map<Long, Long> startedAt = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    /** One record's processing, from {@link #start} until closed. */
    public final class Processing implements AutoCloseable {
        private final long id;

        private Processing(long id) {
            this.id = id;
        }

        @Override
        public void close() {
            startedAt.remove(id);
        }
    }

    /** Marks a record's processing as started on the calling thread; close it when it ends, however it ends. */
    public Processing start() {
        long id = ids.incrementAndGet();
        startedAt.put(id, System.nanoTime());
        return new Processing(id);
    }

    /** Records being processed now. */
    public int count() {
        return startedAt.size();
    }

    /** How long the oldest record being processed has run, in milliseconds; 0 when none is. */
    public long oldestAgeMillis() {
        long now = System.nanoTime();
        return startedAt.values().stream().mapToLong(start -> (now - start) / 1_000_000).max().orElse(0);
    }
}
