package dev.starvation.http.load;

import dev.starvation.common.SummaryLine;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code load}: sends N requests at once, like the seed's send_requests.sh, and logs each start and finish. */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Sends --requests concurrent GETs to --url, logs LOAD start/done lines and a SUMMARY.",
            "A request whose connection closes before an answer (the server was killed) is logged LOAD lost;",
            "with --retries it is sent again, and a refused connection is tried again until --timeout."})
public final class LoadCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(LoadCommand.class);

    @Option(names = "--url", required = true, description = "e.g. http://127.0.0.1:8080/processing?seconds=7")
    URI url;

    @Option(names = "--requests", description = "How many requests to send at once (default: ${DEFAULT-VALUE}).")
    int requests = 1;

    @Option(names = "--timeout", description = "How long each request may take, retries included (default: 90s).")
    Duration timeout = Duration.ofSeconds(90);

    @Option(names = "--retries", description = "Send a request lost in flight again, at most this often (default: 0).")
    int retries;

    @Option(names = "--retry-delay", description = "Wait before each retry (default: 1s).")
    Duration retryDelay = Duration.ofSeconds(1);

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || requests > 10_000) {
            throw new IllegalArgumentException("--requests must be 1..10000, got " + requests);
        }
        if (!"http".equals(url.getScheme())) {
            throw new IllegalArgumentException("--url must be an http:// URL, got " + url);
        }
        if (retries < 0 || retries > 100) {
            throw new IllegalArgumentException("--retries must be 0..100, got " + retries);
        }
        if (timeout.isZero() || retryDelay.isZero()) {
            throw new IllegalArgumentException("--timeout and --retry-delay must be positive");
        }
        // A thread per request, all sent at once like the seed's script; each one is bounded by --timeout.
        ExecutorService threads = Executors.newFixedThreadPool(requests, r -> {
            Thread t = new Thread(r, "load");
            t.setDaemon(true);
            return t;
        });
        List<LoadRequest.Outcome> all = new ArrayList<>();
        try {
            List<Future<LoadRequest.Outcome>> futures = new ArrayList<>();
            for (int i = 1; i <= requests; i++) {
                futures.add(threads.submit(new LoadRequest(url, i, timeout, retries, retryDelay)));
            }
            for (Future<LoadRequest.Outcome> f : futures) {
                all.add(f.get());
            }
        } finally {
            threads.shutdownNow();
        }
        Map<LoadRequest.Result, Long> counts = new EnumMap<>(LoadRequest.Result.class);
        for (LoadRequest.Result r : LoadRequest.Result.values()) {
            counts.put(r, all.stream().filter(o -> o.result() == r).count());
        }
        LOG.info("{}", new SummaryLine().add("requests", requests)
                .add("ok", counts.get(LoadRequest.Result.OK))
                .add("rejected", counts.get(LoadRequest.Result.REJECTED))
                .add("failed", counts.get(LoadRequest.Result.FAILED))
                .add("lost", counts.get(LoadRequest.Result.LOST))
                .add("retries", all.stream().mapToInt(LoadRequest.Outcome::retries).sum())
                .add("max_ms", all.stream().mapToLong(LoadRequest.Outcome::millis).max().orElse(0)));
        return counts.get(LoadRequest.Result.FAILED) + counts.get(LoadRequest.Result.LOST) == 0 ? 0 : 1;
    }
}
