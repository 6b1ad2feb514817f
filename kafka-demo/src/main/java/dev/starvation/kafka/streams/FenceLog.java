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

    private static final Logger LOGGER = (Logger) LoggerFactory.getLogger(TASK_MANAGER);
    /** Runs in this JVM that count fences: the logger is set up by the first and given back by the last. */
    private static int users;
    private static Level levelBefore;
    private static boolean additiveBefore;

    private final String threadPrefix;
    private final Map<String, Long> lastFenceNanos = new ConcurrentHashMap<>();
    private final AtomicLong fences = new AtomicLong();
    private final int maxPollIntervalMs;
    private volatile java.util.function.Consumer<String> onFence = thread -> { };

    private FenceLog(String clientId, int maxPollIntervalMs) {
        this.threadPrefix = clientId + "-StreamThread-";
        this.maxPollIntervalMs = maxPollIntervalMs;
    }

    /**
     * Starts counting the fences of the StreamThreads of client {@code clientId} (named {@code <clientId>-StreamThread-N});
     * {@link #close()} gives the logger its settings back once no run counts any more.
     */
    static FenceLog start(String clientId, int maxPollIntervalMs) {
        FenceLog log = new FenceLog(clientId, maxPollIntervalMs);
        log.setContext(LOGGER.getLoggerContext());
        log.setName("streams-fence-log-" + clientId);
        log.start();
        synchronized (FenceLog.class) {
            if (users++ == 0) {
                levelBefore = LOGGER.getLevel();
                additiveBefore = LOGGER.isAdditive();
                // Debug for these appenders alone: the console keeps Kafka's usual level.
                LOGGER.setAdditive(false);
                LOGGER.setLevel(Level.DEBUG);
            }
            LOGGER.addAppender(log);
        }
        return log;
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (!event.getThreadName().startsWith(threadPrefix) || !event.getFormattedMessage().contains(LOST)) {
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
        synchronized (FenceLog.class) {
            LOGGER.detachAppender(this);
            if (--users == 0) {
                LOGGER.setLevel(levelBefore);
                LOGGER.setAdditive(additiveBefore);
            }
        }
        stop();
    }
}
