package dev.starvation.http.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Fires GETs without waiting for them, and collects what came back, each with how long it took. */
final class Requests {

    /** One answer: status, Retry-After if any, body, the time from send to answer, and when it came (nanoTime). */
    record Answer(int status, String retryAfter, String body, long millis, long doneNanos) {
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final List<CompletableFuture<Answer>> sent = new ArrayList<>();

    /** Sends {@code n} GETs to {@code url} at once. */
    Requests fire(URI url, int n) {
        for (int i = 0; i < n; i++) {
            sent.add(send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).GET().build()));
        }
        return this;
    }

    static CompletableFuture<Answer> send(HttpRequest request) {
        long start = System.nanoTime();
        return CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> {
                    long done = System.nanoTime();
                    return new Answer(r.statusCode(), r.headers().firstValue("Retry-After").orElse(null),
                            r.body().trim(), (done - start) / 1_000_000, done);
                });
    }

    /** Sends one request and waits for its answer. */
    static Answer get(HttpRequest request) throws Exception {
        return send(request).get(30, TimeUnit.SECONDS);
    }

    /** Every answer, once all have come (bounded). */
    List<Answer> answers() throws Exception {
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        return sent.stream().map(CompletableFuture::join).toList();
    }
}
