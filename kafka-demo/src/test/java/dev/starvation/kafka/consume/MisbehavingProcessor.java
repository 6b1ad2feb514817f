package dev.starvation.kafka.consume;

import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A test processor that misbehaves as a record's value says, and remembers when each attempt started:
 * {@code error} throws an {@link AssertionError} every time; {@code flaky} throws a {@link RuntimeException} on its
 * first two attempts, then succeeds; {@code hang} never returns and ignores interrupts until {@link #release()};
 * {@code hang-politely} never returns until interrupted; {@code stubborn} sleeps {@code work} and ignores interrupts;
 * {@code gated} waits for {@link #openGate()}, then sleeps {@code work}; anything else sleeps {@code work}.
 */
final class MisbehavingProcessor implements Processor {

    static final String ERROR = "error";
    static final String FLAKY = "flaky";
    static final String HANG = "hang";
    static final String HANG_POLITELY = "hang-politely";
    static final String STUBBORN = "stubborn";
    static final String GATED = "gated";

    private final Duration work;
    private final CountDownLatch released = new CountDownLatch(1);
    private final CountDownLatch gate = new CountDownLatch(1);
    private final CountDownLatch errorsAllowed;
    private final Map<String, List<Long>> attemptStarts = new ConcurrentHashMap<>();

    /** Sleeps {@code work} per ordinary record; {@code error} records throw at once. */
    MisbehavingProcessor(Duration work) {
        this(work, new CountDownLatch(0));
    }

    /** Like {@link #MisbehavingProcessor(Duration)}, but {@code error} records wait for {@code errorsAllowed} first. */
    MisbehavingProcessor(Duration work, CountDownLatch errorsAllowed) {
        this.work = work;
        this.errorsAllowed = errorsAllowed;
    }

    @Override
    public boolean process(ConsumerRecord<String, String> record) {
        String id = RunStats.id(record);
        List<Long> starts = attemptStarts.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>());
        starts.add(System.nanoTime());
        switch (String.valueOf(record.value())) {
            case ERROR -> {
                awaitQuietly(errorsAllowed);
                throw new AssertionError("invariant broken by " + id);
            }
            case FLAKY -> {
                if (starts.size() <= 2) {
                    throw new IllegalStateException("downstream busy for " + id + " (attempt " + starts.size() + ")");
                }
                return sleep(work);
            }
            case HANG -> {
                hangIgnoringInterrupts();
                return true;
            }
            case HANG_POLITELY -> {
                return hangUntilInterrupted();
            }
            case STUBBORN -> {
                sleepIgnoringInterrupts(work);
                return true;
            }
            case GATED -> {
                return awaitGate() && sleep(work);
            }
            default -> {
                return sleep(work);
            }
        }
    }

    /** A deadlock, or I/O without a timeout, that no interrupt ends. */
    private void hangIgnoringInterrupts() {
        while (released.getCount() > 0) {
            try {
                released.await(1, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                // The bug being shown: the interrupt is swallowed and the wait goes on.
            }
        }
    }

    /** Finite work that does not look at interrupts: its worker comes back only when it is done. */
    private static void sleepIgnoringInterrupts(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        boolean interrupted = false;
        for (long left = d.toNanos(); left > 0; left = end - System.nanoTime()) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean awaitGate() {
        try {
            return gate.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A wait that honours the interrupt contract: it gives up and says so. */
    private static boolean hangUntilInterrupted() {
        return sleep(Duration.ofDays(365));
    }

    private static boolean sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets every {@code gated} record go on. */
    void openGate() {
        gate.countDown();
    }

    /** Lets every {@code hang} attempt return (they return true). */
    void release() {
        released.countDown();
    }

    /** When each attempt at {@code id} started ({@link System#nanoTime()}), in order. */
    List<Long> attemptStarts(String id) {
        return List.copyOf(attemptStarts.getOrDefault(id, List.of()));
    }
}
