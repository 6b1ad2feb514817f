package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.common.LogCapture;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ThrottledLineTest {

    private static final ThrottledLine LINE = new ThrottledLine(LoggerFactory.getLogger(ThrottledLineTest.class));

    private static void event(String from) {
        LINE.log("THROTTLED x{} from {}", from);
    }

    @Test
    void aFloodOnOneThreadIsOneLineWhileAnotherThreadsFirstEventStillGetsItsOwn() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            for (int i = 0; i < 1_000; i++) {
                event("flood");
            }
            // Another event loop, as another server's: not silenced by the flood above.
            Thread other = new Thread(() -> event("other"), "other-loop");
            other.start();
            other.join(5_000);

            assertThat(log.linesStartingWith("THROTTLED")).containsExactly("THROTTLED x1 from flood",
                    "THROTTLED x1 from other");
        }
    }

    @Test
    void theNextLineAfterASecondCountsTheEventsItsThreadHeldBack() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            Thread loop = new Thread(() -> {
                for (int i = 0; i < 5; i++) {
                    event("loop");
                }
                try {
                    Thread.sleep(1_100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                event("loop");
            }, "a-loop");
            loop.start();
            loop.join(10_000);

            assertThat(log.linesStartingWith("THROTTLED")).containsExactly("THROTTLED x1 from loop",
                    "THROTTLED x5 from loop");
        }
    }
}
