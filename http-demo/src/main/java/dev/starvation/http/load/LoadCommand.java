package dev.starvation.http.load;

import dev.starvation.common.SummaryLine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code load}: sends N requests at once, like the seed's send_requests.sh, and logs each start and finish. */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Sends --requests concurrent GETs to --url, logs LOAD start/done lines and a SUMMARY.")
public final class LoadCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(LoadCommand.class);

    @Option(names = "--url", required = true, description = "e.g. http://127.0.0.1:8080/processing?seconds=7")
    URI url;

    @Option(names = "--requests", description = "How many requests to send at once (default: ${DEFAULT-VALUE}).")
    int requests = 1;

    @Option(names = "--timeout", description = "How long each request may take (default: 90s).")
    Duration timeout = Duration.ofSeconds(90);

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || requests > 10_000) {
            throw new IllegalArgumentException("--requests must be 1..10000, got " + requests);
        }
        if (!"http".equals(url.getScheme())) {
            throw new IllegalArgumentException("--url must be an http:// URL, got " + url);
        }
        AtomicLong ok = new AtomicLong();
        AtomicLong rejected = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong maxMillis = new AtomicLong();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 1; i <= requests; i++) {
            int n = i;
            long start = System.nanoTime();
            LOG.info("LOAD start #{} GET {}", n, url);
            HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).GET().build();
            all.add(client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).handle((response, error) -> {
                long millis = (System.nanoTime() - start) / 1_000_000;
                maxMillis.accumulateAndGet(millis, Math::max);
                if (error != null) {
                    failed.incrementAndGet();
                    LOG.info("LOAD done #{} error={} {}ms", n, error.getClass().getSimpleName(), millis);
                } else {
                    (response.statusCode() == 200 ? ok : response.statusCode() == 503 ? rejected : failed)
                            .incrementAndGet();
                    LOG.info("LOAD done #{} status={} {}ms", n, response.statusCode(), millis);
                }
                return null;
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        LOG.info("{}", new SummaryLine().add("requests", requests).add("ok", ok.get()).add("rejected", rejected.get())
                .add("failed", failed.get()).add("max_ms", maxMillis.get()));
        return failed.get() == 0 ? 0 : 1;
    }
}
