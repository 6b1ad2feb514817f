package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * What one offloaded request costs the server in garbage: the work's watch must be a start time in a set, not a
 * heartbeat with an hour-long histogram per job (about 370 KiB each, 370 MB/s at a thousand requests a second).
 */
class OffloadedRequestAllocationTest {

    private static final int REQUESTS = 300;

    @Test
    void offloadedRequestAllocatesFarLessThanAHistogram() throws Exception {
        try (InProcessServer server = InProcessServer.start("--workers", "1");
                RawConnection client = RawConnection.open(server)) {
            roundTrips(client, REQUESTS); // the JIT and the pools settle first
            long before = allocatedByTheServer();
            roundTrips(client, REQUESTS);
            long perRequest = (allocatedByTheServer() - before) / REQUESTS;

            System.out.println("ALLOCATED per offloaded request: " + perRequest + " bytes");
            assertThat(perRequest).as("bytes allocated per offloaded request").isLessThan(32 * 1024);
        }
    }

    private static void roundTrips(RawConnection client, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            assertThat(client.send(RawConnection.get("/processing_fixed?seconds=0.001")).read(10_000).status())
                    .isEqualTo(200);
        }
    }

    /** Bytes allocated so far by the server's own threads: loops, workers and the watchdog. */
    private static long allocatedByTheServer() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            if (name.startsWith("event-loop-") || name.startsWith("worker-") || name.equals("stall-watchdog")) {
                sum += Math.max(0, threads.getThreadAllocatedBytes(t.getId()));
            }
        }
        return sum;
    }
}
