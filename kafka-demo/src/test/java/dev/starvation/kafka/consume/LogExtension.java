package dev.starvation.kafka.consume;

import dev.starvation.common.LogCapture;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** What the demo logs during one test, in order. */
final class LogExtension implements BeforeEachCallback, AfterEachCallback {

    private LogCapture capture;

    @Override
    public void beforeEach(ExtensionContext context) {
        capture = LogCapture.start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        capture.close();
    }

    List<String> lines() {
        return capture.lines();
    }

    List<String> linesStartingWith(String word) {
        return capture.linesStartingWith(word);
    }

    List<String> linesStartingWith(String word, String thread) {
        return capture.linesStartingWith(word, thread);
    }

    List<String> stacksOf(String word) {
        return capture.stacksOf(word);
    }

    /** The stacks of the lines that start with {@code word} and contain {@code fragment} (a record's id). */
    List<String> stacksOf(String word, String fragment) {
        return capture.stacksOf(word, fragment);
    }

    /** Index of the first line containing {@code fragment}, or -1. */
    int indexOfFirst(String fragment) {
        List<String> lines = lines();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(fragment)) {
                return i;
            }
        }
        return -1;
    }
}
