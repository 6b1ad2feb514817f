package dev.starvation.http.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The receiving end of Alertmanager's webhook: a tiny HTTP server on 127.0.0.1 that keeps every notification it is
 * posted (Alertmanager's webhook JSON: a group's status, groupLabels and alerts with their labels and annotations).
 */
final class AlertWebhook implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final List<JsonNode> notifications = new CopyOnWriteArrayList<>();

    private AlertWebhook(HttpServer server) {
        this.server = server;
    }

    /** Listens on a free loopback port. */
    static AlertWebhook start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        AlertWebhook hook = new AlertWebhook(server);
        server.createContext("/alerts", exchange -> {
            try (exchange) {
                hook.notifications.add(JSON.readTree(exchange.getRequestBody()));
                exchange.sendResponseHeaders(200, -1);
            }
        });
        server.start();
        return hook;
    }

    /** Where Alertmanager posts. */
    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/alerts");
    }

    /** Every notification so far, in the order they came. */
    List<JsonNode> notifications() {
        return List.copyOf(notifications);
    }

    /** The notifications of the group {@code alertname} with {@code status} ({@code firing}, {@code resolved}). */
    List<JsonNode> of(String alertname, String status) {
        return notifications.stream()
                .filter(n -> alertname.equals(n.path("groupLabels").path("alertname").asText())
                        && status.equals(n.path("status").asText()))
                .toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
