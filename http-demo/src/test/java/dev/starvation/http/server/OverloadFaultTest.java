package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.SummaryLine;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Ten times more fixed requests than workers plus queue: the excess is refused fast, nothing is kept, /health green. */
@Tag("faults")
class OverloadFaultTest {

    private static final int WORKERS = 2;
    private static final int QUEUE = 2;
    private static final int SENT = 10 * (WORKERS + QUEUE);
    private static final double WORK_SECONDS = 2;

    @Test
    void tenTimesTheCapacityIsRefusedFastNothingIsKeptAndTheProbeStaysGreen() throws Exception {
        try (InProcessServer server = InProcessServer.start("--workers", String.valueOf(WORKERS), "--queue",
                String.valueOf(QUEUE))) {
            ProbeRun probe = ProbeRun.start(server.url("/health"), Duration.ofMillis(200), Duration.ofSeconds(1), 10);

            // Every client connects first; then all send at once, and each times its request from send to status line.
            ExecutorService clients = Executors.newFixedThreadPool(SENT);
            CountDownLatch connected = new CountDownLatch(SENT);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Timed>> outcomes = new ArrayList<>();
            for (int i = 0; i < SENT; i++) {
                outcomes.add(clients.submit(() -> timedRequest(server, connected, go)));
            }
            connected.await(10, TimeUnit.SECONDS);
            go.countDown();
            List<Timed> seen = new ArrayList<>();
            for (Future<Timed> f : outcomes) {
                seen.add(f.get(30, TimeUnit.SECONDS));
            }
            clients.shutdown();
            SummaryLine verdict = probe.summary();

            List<Timed> done = seen.stream().filter(o -> o.status() == 200).toList();
            List<Timed> refused = seen.stream().filter(o -> o.status() == 503).toList();
            assertThat(done.size() + refused.size()).as("every request answered 200 or 503").isEqualTo(SENT);
            assertThat(done).hasSize(WORKERS + QUEUE);
            // A refusal must come before any accepted request finished: one that waited for a worker could not. Told
            // by the order of the answers, not by a number of milliseconds a busy machine could exceed.
            long firstDone = done.stream().mapToLong(Timed::doneNanos).min().orElseThrow();
            assertThat(refused).hasSize(SENT - WORKERS - QUEUE)
                    .allSatisfy(o -> assertThat(o.doneNanos()).as("503 before any 200").isLessThan(firstDone));
            assertThat(verdict.getLong("failed")).isZero();
            // Nothing of the flood is kept: every connection closed, no work left in flight, every request counted.
            await().atMost(Duration.ofSeconds(5)).until(() -> server.server().openConnections() == 0);
            assertThat(server.server().offloader().inFlight()).isZero();
            assertThat(server.server().offloader().completed()).isEqualTo(WORKERS + QUEUE);
            assertThat(server.server().offloader().rejected()).isEqualTo(SENT - WORKERS - QUEUE);
        }
    }

    /** A status, and when its status line was read (nanoTime). */
    private record Timed(int status, long doneNanos) {
    }

    private static Timed timedRequest(InProcessServer server, CountDownLatch connected, CountDownLatch go)
            throws Exception {
        try (Socket socket = new Socket(server.base().getHost(), server.base().getPort())) {
            socket.setSoTimeout(10_000);
            connected.countDown();
            go.await();
            socket.getOutputStream().write(("GET /processing_fixed?seconds=" + WORK_SECONDS + " HTTP/1.1\r\nHost: x\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII));
            String statusLine = in.readLine();
            return new Timed(Integer.parseInt(statusLine.split(" ")[1]), System.nanoTime());
        }
    }
}
