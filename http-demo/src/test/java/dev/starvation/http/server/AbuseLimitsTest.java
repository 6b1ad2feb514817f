package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Clients that would hold the server's resources: too many connections, a request sent a byte at a time, no reading. */
@Tag("faults")
class AbuseLimitsTest {

    @Test
    void connectionOverTheCapIsRefusedWith503AtOnceAndAFreedPlaceIsServed() throws Exception {
        try (InProcessServer server = InProcessServer.start("--max-connections", "3")) {
            try (HeldConnections held = HeldConnections.fill(server, 3)) {

                try (RawConnection fourth = RawConnection.open(server)) {
                    long start = System.nanoTime();
                    // Not a probe: the places kept beyond the cap are for /health and /ready only (ProbePlacesTest).
                    RawConnection.Answer refused = fourth.send(RawConnection.get("/processing_fixed?seconds=0.1")).read(5_000);
                    assertThat(refused.status()).isEqualTo(503);
                    assertThat(refused.body()).contains("3 connections open, the most --max-connections allows");
                    assertThat(refused.headers()).containsEntry("retry-after", "1");
                    // At once, not after anyone's timeout (the idle timeout here is 30 s).
                    assertThat((refused.atNanos() - start) / 1_000_000).isLessThan(2_000);
                    assertThat(fourth.closedByServerWithin(5_000)).isTrue();
                }
                assertThat(server.server().refusedConnections()).isEqualTo(1);
                assertThat(server.capture().linesStartingWith("REFUSED")).singleElement().asString()
                        .isEqualTo("REFUSED x1 connection(s): 3 open, the most --max-connections allows");

                held.releaseOne();
                try (RawConnection next = RawConnection.open(server)) {
                    assertThat(next.send(RawConnection.get("/health")).read(5_000).status()).isEqualTo(200);
                }
            }
        }
    }

    @Test
    void requestSentOneBytePerSecondIsCutAtTheHeaderTimeoutNotHeldByIt() throws Exception {
        try (InProcessServer server = InProcessServer.start("--header-timeout", "2s", "--idle-timeout", "30s");
                Socket socket = new Socket(server.base().getHost(), server.base().getPort())) {
            byte[] request = RawConnection.get("/health").getBytes(StandardCharsets.US_ASCII);
            long start = System.nanoTime();
            // A byte a second: each byte would restart an idle timer, so only a deadline from the first byte cuts it.
            CompletableFuture<Void> dripping = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    for (int i = 0; i < Math.min(request.length, 15); i++) {
                        out.write(request[i]);
                        out.flush();
                        Thread.sleep(1_000);
                    }
                } catch (IOException | InterruptedException closedByTheServer) {
                    // what we expect once the deadline has passed
                }
            });
            socket.setSoTimeout(20_000);
            String seen = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            long closedAfterMs = (System.nanoTime() - start) / 1_000_000;

            assertThat(seen).startsWith("HTTP/1.1 408 Request Timeout").contains("not complete 2000 ms after its first byte");
            // 2 s after the first byte; far below the 15 s of dripping and the 30 s idle timeout.
            assertThat(closedAfterMs).isBetween(1_900L, 8_000L);
            assertThat(server.capture().linesStartingWith("TIMEOUT 408")).hasSize(1);
            dripping.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void clientThatPipelinesAndNeverReadsHoldsOneAnswerOfOursAndIsClosedWhenIdle() throws Exception {
        try (InProcessServer server = InProcessServer.start("--idle-timeout", "2s")) {
            Socket socket = new Socket();
            socket.setReceiveBufferSize(8 * 1024);
            socket.connect(new java.net.InetSocketAddress(server.base().getHost(), server.base().getPort()));
            byte[] burst = RawConnection.get("/health").repeat(1_000).getBytes(StandardCharsets.US_ASCII);
            AtomicLong written = new AtomicLong();
            CompletableFuture<String> writer = CompletableFuture.supplyAsync(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    // Bounded: 64 MiB of requests at most, far more than the socket buffers on both sides hold.
                    while (written.get() < 64L * 1024 * 1024) {
                        out.write(burst);
                        written.addAndGet(burst.length);
                    }
                    return "wrote 64 MiB without being stopped";
                } catch (IOException e) {
                    return "stopped: " + e.getClass().getSimpleName();
                }
            });

            // Until the writes stop getting anywhere (the server stopped reading), sample what it holds for us.
            long maxUnsent = 0;
            long last = -1;
            long stillSince = System.nanoTime();
            while (System.nanoTime() - stillSince < TimeUnit.SECONDS.toNanos(1) && !writer.isDone()) {
                maxUnsent = Math.max(maxUnsent, server.server().unsentBytes());
                long now = written.get();
                if (now != last) {
                    last = now;
                    stillSince = System.nanoTime();
                }
                Thread.sleep(10);
            }
            long stalledAt = System.nanoTime();
            maxUnsent = Math.max(maxUnsent, server.server().unsentBytes());

            assertThat(written.get()).as("bytes the client got in before the server stopped reading")
                    .isLessThan(64L * 1024 * 1024);
            // One answer at a time (about 200 bytes with Netty's bookkeeping), not one per request read (megabytes).
            assertThat(maxUnsent).as("answers held in the server's outbound buffer").isLessThan(4 * 1024);

            String ending = writer.get(15, TimeUnit.SECONDS);
            long closedAfterMs = (System.nanoTime() - stalledAt) / 1_000_000;
            assertThat(ending).startsWith("stopped:");
            assertThat(closedAfterMs).as("closed by the 2 s idle timeout").isLessThan(10_000);
            await().atMost(Duration.ofSeconds(5)).until(() -> server.server().openConnections() == 0);
            assertThat(server.capture().linesStartingWith("IDLE closed")).hasSize(1);
            socket.close();
        }
    }
}
