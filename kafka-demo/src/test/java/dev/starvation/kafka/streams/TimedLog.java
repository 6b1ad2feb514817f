package dev.starvation.kafka.streams;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/** What is logged during one test, with each line's time, so a test can measure how long after one line another came. */
final class TimedLog implements AutoCloseable {

    /** One logged line: when, on which thread, what. */
    record Line(long atMillis, String thread, String message, boolean hasStack, String stack) {
    }

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    TimedLog() {
        appender.start();
        root.addAppender(appender);
    }

    /** Every line so far that {@code match} accepts, in order. */
    List<Line> lines(Predicate<Line> match) {
        List<ILoggingEvent> events;
        synchronized (appender) {
            events = List.copyOf(appender.list);
        }
        return events.stream().map(TimedLog::line).filter(match).toList();
    }

    /** The first such line, if any. */
    Optional<Line> first(Predicate<Line> match) {
        return lines(match).stream().findFirst();
    }

    private static Line line(ILoggingEvent e) {
        StringBuilder stack = new StringBuilder();
        if (e.getThrowableProxy() != null) {
            for (var frame : e.getThrowableProxy().getStackTraceElementProxyArray()) {
                stack.append(frame.getStackTraceElement()).append('\n');
            }
        }
        return new Line(e.getTimeStamp(), e.getThreadName(), e.getFormattedMessage(), e.getThrowableProxy() != null,
                stack.toString());
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
