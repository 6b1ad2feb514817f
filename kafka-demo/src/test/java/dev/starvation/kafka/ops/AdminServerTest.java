package dev.starvation.kafka.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The admin endpoints as a probe or a scraper sees them, on 127.0.0.1 and a free port. */
class AdminServerTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(AdminServer admin, String path) throws Exception {
        return send(admin, path, "GET");
    }

    private HttpResponse<String> send(AdminServer admin, String path, String method) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(admin.baseUrl() + path))
                .timeout(Duration.ofSeconds(5)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void probeAnswers200WhileThereIsNoProblemAnd503WithTheProblemOtherwise() throws Exception {
        AtomicReference<String> problem = new AtomicReference<>();
        try (AdminServer admin = AdminServer.start("127.0.0.1", 0)) {
            admin.probe("/health", () -> Optional.ofNullable(problem.get()));

            HttpResponse<String> healthy = get(admin, "/health");
            problem.set("1 job(s) past the 1000 ms deadline: worker-2 on jobs-0@3 for 1400 ms");
            HttpResponse<String> stuck = get(admin, "/health");

            assertThat(healthy.statusCode()).isEqualTo(200);
            assertThat(healthy.body()).isEqualTo("ok\n");
            assertThat(stuck.statusCode()).isEqualTo(503);
            assertThat(stuck.body())
                    .isEqualTo("1 job(s) past the 1000 ms deadline: worker-2 on jobs-0@3 for 1400 ms\n");
            assertThat(stuck.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
        }
    }

    @Test
    void routeAddedAfterStartIsServedAndUnknownPathsAre404NamingTheRoutes() throws Exception {
        try (AdminServer admin = AdminServer.start("127.0.0.1", 0)) {
            admin.probe("/ready", Optional::empty);
            assertThat(get(admin, "/metrics").statusCode()).isEqualTo(404);

            admin.route("/metrics", () -> new AdminServer.Response(200, "text/plain; version=0.0.4", "up 1"));

            HttpResponse<String> metrics = get(admin, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).isEqualTo("up 1\n");
            assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4");
            HttpResponse<String> unknown = get(admin, "/healthz");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("no route /healthz").contains("/metrics, /ready");
            assertThat(admin.describe()).isEqualTo(admin.baseUrl() + " /metrics /ready");
        }
    }

    @Test
    void onlyGetAndHeadAreAnswered() throws Exception {
        try (AdminServer admin = AdminServer.start("127.0.0.1", 0)) {
            admin.probe("/health", Optional::empty);

            HttpResponse<String> post = send(admin, "/health", "POST");
            HttpResponse<String> head = send(admin, "/health", "HEAD");

            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
        }
    }

    @Test
    void routeThatThrowsAnswers500WithTheErrorAndTheOthersKeepWorking() throws Exception {
        try (AdminServer admin = AdminServer.start("127.0.0.1", 0)) {
            admin.route("/broken", () -> {
                throw new IllegalStateException("consumer not created yet");
            });
            admin.probe("/health", Optional::empty);

            HttpResponse<String> broken = get(admin, "/broken");

            assertThat(broken.statusCode()).isEqualTo(500);
            assertThat(broken.body()).contains("IllegalStateException: consumer not created yet");
            assertThat(get(admin, "/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void logLineNamesTheAddressBoundAndSaysSoForEveryInterface() throws Exception {
        try (AdminServer admin = AdminServer.start("localhost", 0)) {
            admin.probe("/health", Optional::empty);
            assertThat(admin.describe()).isEqualTo("http://127.0.0.1:" + admin.port() + " /health");
        }
        // The wildcard addresses as a container's --admin-host 0.0.0.0 binds them; not bound here, tests stay on loopback.
        assertThat(AdminServer.where(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 9464)))
                .isEqualTo("http://0.0.0.0:9464 (every interface)");
        assertThat(AdminServer.where(new InetSocketAddress(InetAddress.getByName("::"), 9464)))
                .isEqualTo("http://[0:0:0:0:0:0:0:0]:9464 (every interface)");
    }

    @Test
    void portInUseIsAnErrorNamingTheAddress() {
        try (AdminServer first = AdminServer.start("127.0.0.1", 0)) {
            assertThatThrownBy(() -> AdminServer.start("127.0.0.1", first.port()))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageStartingWith("cannot serve the admin endpoints on 127.0.0.1:" + first.port() + ": ");
        }
    }
}
