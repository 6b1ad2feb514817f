package dev.starvation.kafka.streams;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * Counts the StreamThreads thrown out of their group, from Kafka Streams' own log: it has no public callback for a
 * thread that lost its tasks, but under both protocols such a thread goes through {@code TaskManager.handleLostAll()},
 * which logs "Closing lost active tasks as zombies." (debug). That one logger is captured here, at debug, for this
 * appender only, and each event becomes one {@code FENCED} line on the thread that was fenced.
 */
final class FenceLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(FenceLog.class);
    /** Kafka Streams' logger of task ownership (its LogContext names loggers after the class). */
    static final String TASK_MANAGER = "org.apache.kafka.streams.processor.internals.TaskManager";
    private static final String LOST = "Closing lost active tasks as zombies";
    /** The classic protocol can close the same lost tasks twice in one fence (the callback, then the failed commit). */
    private static final long SAME_FENCE_NANOS = 1_000_000_000L;

    private final Logger logger = (Logger) LoggerFactory.getLogger(TASK_MANAGER);
    private final Level levelBefore;
    private final boolean additiveBefore;
    private final Map<String, Long> lastFenceNanos = new ConcurrentHashMap<>();
    private final AtomicLong fences = new AtomicLong();
    private final int maxPollIntervalMs;
    private volatile java.util.function.Consumer<String> onFence = thread -> { };

    private FenceLog(int maxPollIntervalMs) {
        this.maxPollIntervalMs = maxPollIntervalMs;
        this.levelBefore = logger.getLevel();
        this.additiveBefore = logger.isAdditive();
    }

    /** Starts counting; {@link #close()} gives the logger its settings back. */
    static FenceLog start(int maxPollIntervalMs) {
        FenceLog log = new FenceLog(maxPollIntervalMs);
        log.setContext(log.logger.getLoggerContext());
        log.setName("streams-fence-log");
        log.start();
        log.logger.addAppender(log);
        // Debug for this appender alone: the console keeps Kafka's usual level.
        log.logger.setAdditive(false);
        log.logger.setLevel(Level.DEBUG);
        return log;
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (!event.getFormattedMessage().contains(LOST)) {
            return;
        }
        long now = System.nanoTime();
        Long last = lastFenceNanos.put(event.getThreadName(), now);
        if (last != null && now - last < SAME_FENCE_NANOS) {
            return;
        }
        fences.incrementAndGet();
        LOG.warn("FENCED {}: thrown out of the group (poll gap past max.poll.interval.ms {}), its tasks closed as "
                + "zombies, uncommitted records to be processed again", event.getThreadName(), maxPollIntervalMs);
        onFence.accept(event.getThreadName());
    }

    /** Calls {@code listener} with the thread's name on each fence, on that thread. */
    void onFence(java.util.function.Consumer<String> listener) {
        this.onFence = listener;
    }

    /** Fences so far. */
    long fences() {
        return fences.get();
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        logger.setLevel(levelBefore);
        logger.setAdditive(additiveBefore);
        stop();
    }
}
