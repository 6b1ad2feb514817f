package dev.starvation.kafka.consume;

import static org.awaitility.Awaitility.await;

import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** A consumer of the demo running on its own thread, as a test drives it: started, watched, stopped. */
final class RunningConsumer {

    /** Consumers started and not yet ended, whichever test started them. */
    private static final Set<RunningConsumer> LIVE = ConcurrentHashMap.newKeySet();

    private final PollLoop loop;
    private final String name;
    private final CompletableFuture<RunStats> result = new CompletableFuture<>();

    private RunningConsumer(PollLoop loop, String name) {
        this.loop = loop;
        this.name = name;
        LIVE.add(this);
        Thread t = new Thread(() -> {
            try {
                result.complete(loop.run());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            } finally {
                LIVE.remove(this);
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    /** Starts {@code loop} on a thread called {@code name}. */
    static RunningConsumer start(PollLoop loop, String name) {
        return new RunningConsumer(loop, name);
    }

    /**
     * Stops every consumer still running, as {@link StopLeftoverConsumers} does after each test: a test whose
     * {@code await} failed never reached its own {@code stop}, and its consumer would go on logging into later tests.
     *
     * @return the names of the consumers that had to be stopped
     */
    static List<String> stopLeftovers(Duration limit) {
        List<String> stopped = new ArrayList<>();
        for (RunningConsumer c : List.copyOf(LIVE)) {
            stopped.add(c.name);
            c.loop.stop();
        }
        for (RunningConsumer c : List.copyOf(LIVE)) {
            try {
                c.result.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception endedBadlyOrLate) {
                // Already reported by the test that started it, or it outlived the limit: nothing more to do here.
            }
        }
        return stopped;
    }

    /** The offloading consumer being run (for tests that watch its work in flight). */
    OffloadingConsumer loop() {
        return (OffloadingConsumer) loop;
    }

    /** The counts so far. */
    RunStats stats() {
        return loop.stats();
    }

    /** Waits for the loop to end by itself (expected records or duration) and returns its counts. */
    RunStats awaitEnd(Duration limit) throws Exception {
        return result.get(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Asks the loop to stop, as SIGTERM does, and returns its counts once it has closed. */
    RunStats stop(Duration limit) throws Exception {
        loop.stop();
        return awaitEnd(limit);
    }

    /** Waits until the consumer has processed {@code records} distinct records (or ended). */
    RunningConsumer awaitProcessed(long records, Duration limit) {
        await().atMost(limit).until(() -> loop.stats().records() >= records || result.isDone());
        return this;
    }
}
