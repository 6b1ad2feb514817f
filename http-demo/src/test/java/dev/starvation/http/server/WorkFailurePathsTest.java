package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What the fix does when the work throws, and when the client goes away before its answer. */
@Tag("faults")
class WorkFailurePathsTest {

    @Test
    void offloadedWorkThatThrowsIsAnswered500AndTheConnectionCloses() throws Exception {
        try (InProcessServer server = InProcessServer.start();
                RawConnection client = RawConnection.open(server)) {
            client.send(RawConnection.get("/processing_fixed?seconds=0.1&fault=throw"));

            RawConnection.Answer answer = client.read(10_000);
            assertThat(answer.status()).isEqualTo(500);
            assertThat(answer.body()).isEqualTo("internal error: the work failed (IllegalStateException)");
            assertThat(answer.headers()).containsEntry("connection", "close");
            assertThat(client.closedByServerWithin(5_000)).as("connection closed after the 500").isTrue();
            assertThat(server.capture().linesStartingWith("FAILED")).singleElement().asString()
                    .startsWith("FAILED GET /processing_fixed seconds=0.1 fault=throw: the work threw");
            assertThat(server.capture().stacksOf("FAILED").get(0)).contains("dev.starvation.http.work.Work.run");
            assertThat(server.server().offloader().failed()).isEqualTo(1);
        }
    }

    @Test
    void exceptionOnTheEventLoopIsAnswered500AndTheConnectionCloses() throws Exception {
        try (InProcessServer server = InProcessServer.start();
                RawConnection client = RawConnection.open(server)) {
            client.send(RawConnection.get("/processing?seconds=0.1&fault=throw"));

            RawConnection.Answer answer = client.read(10_000);
            assertThat(answer.status()).isEqualTo(500);
            assertThat(answer.body()).isEqualTo("internal error: IllegalStateException");
            assertThat(client.closedByServerWithin(5_000)).isTrue();
            assertThat(server.capture().linesStartingWith("ERROR on the connection from")).hasSize(1);
            // Handled by the server, not by Netty's tail ("An exceptionCaught() event was fired ... reached at the tail").
            assertThat(server.capture().lines()).noneMatch(l -> l.contains("exceptionCaught"));
        }
    }

    @Test
    void clientThatResetsIsNotAStackTraceAndItsWorkIsCancelled() throws Exception {
        try (InProcessServer server = InProcessServer.start()) {
            RawConnection client = RawConnection.open(server);
            client.send(RawConnection.get("/processing_fixed?seconds=5"));
            await().atMost(Duration.ofSeconds(5)).until(() -> server.server().offloader().active() == 1);
            client.reset();

            await().atMost(Duration.ofSeconds(5)).until(() -> !server.capture().linesStartingWith("CANCELLED").isEmpty());
            assertThat(server.capture().lines()).noneMatch(l -> l.contains("exceptionCaught") || l.startsWith("ERROR"));
            await().atMost(Duration.ofSeconds(5)).until(() -> server.server().offloader().active() == 0);
        }
    }

    @Test
    void clientsThatFireAndLeaveFreeThePoolForTheNextRequest() throws Exception {
        int workers = 2;
        int queue = 4;
        try (InProcessServer server = InProcessServer.start("--workers", String.valueOf(workers), "--queue",
                String.valueOf(queue))) {
            // Six clients take both workers and every queue place with 10 s of CPU each, then leave after 200 ms.
            List<RawConnection> leaving = new ArrayList<>();
            for (int i = 0; i < workers + queue; i++) {
                leaving.add(RawConnection.open(server).send(RawConnection.get("/processing_busy_fixed?seconds=10")));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> server.server().offloader().saturated());
            Thread.sleep(200);
            for (RawConnection c : leaving) {
                c.close();
            }
            long left = System.nanoTime();

            await().atMost(Duration.ofSeconds(5)).until(() -> server.capture().linesStartingWith("CANCELLED").size() == 6);
            try (RawConnection next = RawConnection.open(server)) {
                RawConnection.Answer answer = next.send(RawConnection.get("/processing_fixed?seconds=0.2")).read(10_000);
                long servedAfterMs = (answer.atNanos() - left) / 1_000_000;

                assertThat(answer.status()).isEqualTo(200);
                // Served long before the 10 s of abandoned work would have ended (about 250 ms on a quiet machine;
                // the bound is wide for a busy one). Without cancelling, the pool stays full: 503 at once.
                assertThat(servedAfterMs).isLessThan(5_000);
            }
            // Running work was interrupted, queued work taken out or interrupted as soon as it started (which of the
            // two depends on which close the loop handled first): none of it ran on.
            assertThat(server.capture().linesStartingWith("CANCELLED"))
                    .anyMatch(l -> l.contains("interrupting worker-"));
            assertThat(server.server().offloader().cancelled()).isEqualTo(workers + queue);
            assertThat(server.server().offloader().completed()).isEqualTo(1);
            assertThat(server.server().offloader().rejected()).isZero();
        }
    }
}
