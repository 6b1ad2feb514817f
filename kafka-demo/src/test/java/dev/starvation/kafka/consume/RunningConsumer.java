package dev.starvation.kafka.consume;

import static org.awaitility.Awaitility.await;

import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A consumer of the demo running on its own thread, as a test drives it: started, watched, stopped. */
final class RunningConsumer {

    private final PollLoop loop;
    private final CompletableFuture<RunStats> result = new CompletableFuture<>();

    private RunningConsumer(PollLoop loop, String name) {
        this.loop = loop;
        Thread t = new Thread(() -> {
            try {
                result.complete(loop.run());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    /** Starts {@code loop} on a thread called {@code name}. */
    static RunningConsumer start(PollLoop loop, String name) {
        return new RunningConsumer(loop, name);
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
