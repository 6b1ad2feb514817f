package dev.starvation.common;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/** Collects what the demos log, in order, so tests can assert on the lines a reader sees. */
public final class LogCapture implements AutoCloseable {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    private LogCapture() {
        appender.start();
        root.addAppender(appender);
    }

    /** Starts collecting every log event from now on. */
    public static LogCapture start() {
        return new LogCapture();
    }

    private List<ILoggingEvent> events() {
        // Logback's AppenderBase.doAppend is synchronized on the appender, and ListAppender.append adds to a plain
        // ArrayList inside it: the list is guarded by the appender's lock, so the copy must hold that same lock.
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    /** Every logged message so far, formatted. */
    public List<String> lines() {
        return events().stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList());
    }

    /** The messages that start with {@code word}, e.g. {@code PROBE} or {@code STALL}. */
    public List<String> linesStartingWith(String word) {
        return lines().stream().filter(l -> l.startsWith(word)).collect(Collectors.toList());
    }

    /** The messages logged on thread {@code thread} that start with {@code word}. */
    public List<String> linesStartingWith(String word, String thread) {
        return events().stream().filter(e -> thread.equals(e.getThreadName()))
                .map(ILoggingEvent::getFormattedMessage).filter(l -> l.startsWith(word)).collect(Collectors.toList());
    }

    /** The stack frames logged with each message that starts with {@code word}, one string per message. */
    public List<String> stacksOf(String word) {
        return events().stream()
                .filter(e -> e.getFormattedMessage().startsWith(word) && e.getThrowableProxy() != null)
                .map(e -> stackText(e.getThrowableProxy()))
                .collect(Collectors.toList());
    }

    /** Like {@link #stacksOf(String)}, for the messages that also contain {@code fragment} (a topic, a record). */
    public List<String> stacksOf(String word, String fragment) {
        return events().stream()
                .filter(e -> e.getFormattedMessage().startsWith(word) && e.getFormattedMessage().contains(fragment)
                        && e.getThrowableProxy() != null)
                .map(e -> stackText(e.getThrowableProxy()))
                .collect(Collectors.toList());
    }

    private static String stackText(IThrowableProxy proxy) {
        StringBuilder sb = new StringBuilder(proxy.getMessage() == null ? "" : proxy.getMessage());
        for (StackTraceElementProxy frame : proxy.getStackTraceElementProxyArray()) {
            sb.append("\n\tat ").append(frame.getStackTraceElement());
        }
        return sb.toString();
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
