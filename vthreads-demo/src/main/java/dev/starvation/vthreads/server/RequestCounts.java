package dev.starvation.vthreads.server;

import dev.starvation.common.SummaryLine;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** What the server was asked, for its SUMMARY line: work requests per route, 400s and 503s. */
final class RequestCounts {

    private final Map<String, LongAdder> byPath = new ConcurrentHashMap<>();
    private final LongAdder badRequests = new LongAdder();
    private final LongAdder rejected = new LongAdder();

    void request(String path) {
        byPath.computeIfAbsent(path, p -> new LongAdder()).increment();
    }

    void badRequest() {
        badRequests.increment();
    }

    void rejected() {
        rejected.increment();
    }

    /** Adds {@code cpu=… sleep=… cpu_fixed=… cpu_yielding=… rejected=… bad_requests=…}. */
    void addTo(SummaryLine summary) {
        for (String path : Routes.WORK) {
            LongAdder n = byPath.get(path);
            summary.add(path.substring(1), n == null ? 0 : n.sum());
        }
        summary.add("rejected", rejected.sum()).add("bad_requests", badRequests.sum());
    }
}
