package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The metrics port has a scraper's limits: a few connections, closed when idle. */
@Tag("faults")
class MetricsPortLimitsTest {

    @Test
    void metricsPortClosesIdleConnectionsAndRefusesAFlood() throws Exception {
        try (InProcessServer server = InProcessServer.start("--metrics-port", "0", "--idle-timeout", "3s")) {
            int port = server.server().metricsPort();
            try (Socket silent = new Socket("127.0.0.1", port)) {
                silent.setSoTimeout(10_000);
                long start = System.nanoTime();
                assertThat(silent.getInputStream().read()).as("closed by the idle timeout").isEqualTo(-1);
                assertThat((System.nanoTime() - start) / 1_000_000).isBetween(1_500L, 9_000L);
            }

            List<Socket> flood = new ArrayList<>();
            try {
                int closedAtOnce = 0;
                for (int i = 0; i < 3 * 16; i++) {
                    Socket s = new Socket("127.0.0.1", port);
                    s.setSoTimeout(100);
                    flood.add(s);
                }
                for (Socket s : flood) {
                    if (closedAtOnce(s)) {
                        closedAtOnce++;
                    }
                }
                // At most 16 are kept; the others are closed at once, long before the 3 s idle timeout.
                assertThat(closedAtOnce).isGreaterThanOrEqualTo(2 * 16);
            } finally {
                for (Socket s : flood) {
                    s.close();
                }
            }
        }
    }

    private static boolean closedAtOnce(Socket s) {
        try {
            return s.getInputStream().read() == -1;
        } catch (IOException timeoutOrReset) {
            return !(timeoutOrReset instanceof java.net.SocketTimeoutException);
        }
    }
}
