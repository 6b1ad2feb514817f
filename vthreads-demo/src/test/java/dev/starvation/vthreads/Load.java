package dev.starvation.vthreads;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@code n} concurrent GETs, each on a connection of its own, bounded in time. */
final class Load {

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();

    static Load send(URI uri, int n) {
        Load load = new Load();
        for (int i = 0; i < n; i++) {
            load.sent.add(load.client.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET()
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        return load;
    }

    /** One more GET on this load's client, waited for: its connection and threads are warm by then. */
    HttpResponse<String> getOnce(URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Every answer, once all have come (bounded). */
    List<HttpResponse<String>> answers() throws Exception {
        List<HttpResponse<String>> answers = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> f : sent) {
            answers.add(f.get(90, TimeUnit.SECONDS));
        }
        return answers;
    }
}
