package dev.starvation.http.server;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * One log line a second at most, per thread, for an event that can come in floods (refusals, timeouts), carrying how
 * many happened on that thread since its last line: a flood of bad clients must not become a flood of log lines
 * written on an event loop. Per thread rather than per JVM because an event loop belongs to one server: one server's
 * line never silences another's (several servers run in one JVM in tests and in {@code supervise}'s children alike).
 */
public final class ThrottledLine {

    private static final long EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** What one thread has logged: when its last line went out, and the events since that no line counted. */
    private static final class Since {
        long lastLine = System.nanoTime() - EVERY_NANOS;
        long unlogged;
    }

    private final Logger log;
    private final boolean debug;
    private final ThreadLocal<Since> perThread = ThreadLocal.withInitial(Since::new);

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
     * Counts one event and logs {@code format} if a second has passed since this thread's last line; the first
     * placeholder gets the count of events the line stands for, the others {@code args}.
     */
    public void log(String format, Object... args) {
        if (debug && !log.isDebugEnabled()) {
            return;
        }
        Since since = perThread.get();
        long count = ++since.unlogged;
        long now = System.nanoTime();
        if (now - since.lastLine < EVERY_NANOS) {
            return;
        }
        since.lastLine = now;
        since.unlogged = 0;
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
