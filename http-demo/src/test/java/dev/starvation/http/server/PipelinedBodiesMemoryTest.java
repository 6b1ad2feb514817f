package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.http.probe.HttpGetOnce;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Clients that pipeline requests with bodies behind a slow request: what waits is bounded in bytes, per connection and
 * in total, because reading stops for real (the codec and aggregator cannot ask for more behind our back).
 */
@Tag("faults")
class PipelinedBodiesMemoryTest {

    private static final int CONNECTIONS = 20;
    private static final int BODIES = 16;
    private static final int BODY = 65_000;
    private static final long BUDGET = 1024 * 1024;

    @Test
    void twentyConnectionsPipeliningBodiesBehindASlowRequestStayUnderTheByteBound() throws Exception {
        String withBody = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + BODY + "\r\n\r\n"
                + "b".repeat(BODY);
        ExecutorService senders = Executors.newFixedThreadPool(CONNECTIONS);
        List<RawConnection> clients = new ArrayList<>();
        try (InProcessServer server = InProcessServer.start("--workers", "4", "--queue", "40",
                "--max-waiting-bytes", String.valueOf(BUDGET))) {
            long before = usedDirectMemory();
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                RawConnection client = RawConnection.open(server);
                clients.add(client);
                // Each write blocks once the server stops reading: the server's memory is what is measured, not ours.
                sent.add(CompletableFuture.runAsync(() -> {
                    try {
                        client.send(RawConnection.get("/processing_fixed?seconds=3") + withBody.repeat(BODIES));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, senders));
            }
            // While the 20 slow requests are pending: the server still answers /health, and holds little.
            long peakDirect = 0;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_000);
            while (System.nanoTime() < deadline) {
                peakDirect = Math.max(peakDirect, usedDirectMemory() - before);
                Thread.sleep(50);
            }
            assertThat(HttpGetOnce.get(server.url("/health"), Duration.ofSeconds(2)).status()).isEqualTo(200);
            // Measured: under 1 MB here, where the unbounded version held 25 MB (20 connections x 16 x 65 KB).
            assertThat(peakDirect).as("direct memory held by the server, in bytes").isLessThan(8L * 1024 * 1024);
            assertThat(server.server().waitingBytesPeak()).as("bytes of requests waiting at once").isLessThanOrEqualTo(BUDGET);

            // Nothing was lost: every connection then gets its slow answer and its 16 health answers, in order.
            for (RawConnection client : clients) {
                assertThat(client.read(20_000).status()).isEqualTo(200);
                for (int i = 0; i < BODIES; i++) {
                    RawConnection.Answer answer = client.read(20_000);
                    assertThat(answer.body()).as("answer %d", i + 2).isEqualTo("OK");
                }
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
            assertThat(server.server().waitingBytes()).isZero();
        } finally {
            for (RawConnection c : clients) {
                c.close();
            }
            senders.shutdownNow();
        }
    }

    private static long usedDirectMemory() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }
}
