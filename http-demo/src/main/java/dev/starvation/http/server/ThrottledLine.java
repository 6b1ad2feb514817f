package dev.starvation.http.server;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * One log line a second at most for an event that can come in floods (refusals, timeouts), carrying how many happened
 * since the last line: a flood of bad clients must not become a flood of log lines written on the event loop.
 */
public final class ThrottledLine {

    private static final long EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Logger log;
    private final boolean debug;
    private final AtomicLong unlogged = new AtomicLong();
    private volatile long lastLine = System.nanoTime() - EVERY_NANOS;

    /** Lines go to {@code log} at INFO. */
    public ThrottledLine(Logger log) {
        this(log, false);
    }

    private ThrottledLine(Logger log, boolean debug) {
        this.log = log;
        this.debug = debug;
    }

    /** Lines go to {@code log} at DEBUG, for routine events: nothing at all is done while DEBUG is off. */
    public static ThrottledLine debug(Logger log) {
        return new ThrottledLine(log, true);
    }

    /**
     * Counts one event and logs {@code format} if a second has passed since the last line; the first placeholder gets
     * the count of events the line stands for, the others {@code args}.
     */
    public void log(String format, Object... args) {
        if (debug && !log.isDebugEnabled()) {
            return;
        }
        long count = unlogged.incrementAndGet();
        long now = System.nanoTime();
        if (now - lastLine < EVERY_NANOS) {
            return;
        }
        lastLine = now;
        unlogged.addAndGet(-count);
        Object[] all = new Object[args.length + 1];
        all[0] = count;
        System.arraycopy(args, 0, all, 1, args.length);
        if (debug) {
            log.debug(format, all);
        } else {
            log.info(format, all);
        }
    }
}
