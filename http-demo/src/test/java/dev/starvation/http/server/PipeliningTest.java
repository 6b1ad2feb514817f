package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** HTTP/1.1 pipelining on one keep-alive connection: answers in the order asked, one request at a time. */
class PipeliningTest {

    @Test
    void healthPipelinedBehindASlowFixedRequestIsAnsweredSecond() throws Exception {
        try (InProcessServer server = InProcessServer.start("--workers", "2");
                RawConnection client = RawConnection.open(server)) {
            long sent = System.nanoTime();
            client.send(RawConnection.get("/processing_fixed?seconds=1") + RawConnection.get("/health"));

            RawConnection.Answer first = client.read(10_000);
            RawConnection.Answer second = client.read(10_000);

            assertThat(first.status()).isEqualTo(200);
            assertThat(first.body()).startsWith("done in 1000 ms on worker-");
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.body()).isEqualTo("OK");
            // The health answer waited for the slow one instead of overtaking it.
            assertThat(Duration.ofNanos(second.atNanos() - sent)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
            assertThat(second.atNanos()).isGreaterThanOrEqualTo(first.atNanos());
        }
    }

    @Test
    void oneConnectionTakesOneWorkerAtATimeSoItCannotFillThePool() throws Exception {
        // Two workers and no queue: were the three pipelined requests run at once, the third would be refused with 503.
        try (InProcessServer server = InProcessServer.start("--workers", "2", "--queue", "0");
                RawConnection client = RawConnection.open(server)) {
            client.send(RawConnection.get("/processing_fixed?seconds=0.3").repeat(3));

            for (int i = 0; i < 3; i++) {
                RawConnection.Answer answer = client.read(10_000);
                assertThat(answer.status()).as("answer %d", i + 1).isEqualTo(200);
            }
            assertThat(server.server().offloader().rejected()).isZero();
            assertThat(server.server().offloader().completed()).isEqualTo(3);
        }
    }

    @Test
    void hundredsOfPipelinedRequestsAreAllAnsweredInOrder() throws Exception {
        // More than the codec's pipeline limit: reading stops while answers are pending, so the limit is never reached.
        int sent = 3 * DemoServerInitializer.MAX_PIPELINE_DEPTH;
        try (InProcessServer server = InProcessServer.start();
                RawConnection client = RawConnection.open(server)) {
            StringBuilder requests = new StringBuilder();
            for (int i = 0; i < sent; i++) {
                requests.append(RawConnection.get(i % 10 == 0 ? "/nowhere-" + i : "/health"));
            }
            client.send(requests.toString());

            for (int i = 0; i < sent; i++) {
                RawConnection.Answer answer = client.read(10_000);
                if (i % 10 == 0) {
                    assertThat(answer.body()).as("answer %d", i).startsWith("no such path: /nowhere-" + i + " ");
                } else {
                    assertThat(answer.body()).as("answer %d", i).isEqualTo("OK");
                }
            }
            assertThat(server.capture().linesStartingWith("PIPELINE")).isEmpty();
        }
    }
}
