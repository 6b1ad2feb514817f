package dev.starvation.kafka.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's small HTTP side door for probes and scrapers: {@code GET} routes added by path, each answered on a
 * thread of its own so that a probe never waits behind the work it reports on. The JDK's own server is enough for a
 * handful of plain-text answers and adds no dependency.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    /** One answer: status, content type and body. */
    public record Response(int status, String contentType, String body) {

        /** 200 with a plain-text body. */
        public static Response ok(String body) {
            return new Response(200, "text/plain; charset=utf-8", body);
        }

        /** 503 with the reason as a plain-text body. */
        public static Response unavailable(String reason) {
            return new Response(503, "text/plain; charset=utf-8", reason);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Supplier<Response>> routes = new ConcurrentHashMap<>();

    private AdminServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Listens on {@code host:port} (port 0 picks a free one) and answers 404 until routes are added.
     *
     * @throws UncheckedIOException naming the address if it cannot listen there
     */
    public static AdminServer start(String host, int port) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve the admin endpoints on " + host + ":" + port + ": " + e, e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "admin-http");
            t.setDaemon(true);
            return t;
        });
        AdminServer admin = new AdminServer(server, executor);
        server.createContext("/", admin::handle);
        server.setExecutor(executor);
        server.start();
        return admin;
    }

    /** Answers {@code GET path} with what {@code handler} returns at the time of the request. */
    public AdminServer route(String path, Supplier<Response> handler) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("a route starts with '/', got " + path);
        }
        routes.put(path, handler);
        return this;
    }

    /**
     * A probe: 200 {@code ok} while {@code problem} is empty, else 503 with the problem as the body (Kubernetes counts
     * 200-399 as success).
     */
    public AdminServer probe(String path, Supplier<Optional<String>> problem) {
        return route(path, () -> problem.get().map(Response::unavailable).orElseGet(() -> Response.ok("ok")));
    }

    /** The port it listens on (the one picked, if 0 was asked). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://host:port} as a client reaches it. */
    public String baseUrl() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        return "http://" + host + ":" + a.getPort();
    }

    /**
     * The address it is bound to and the routes by path, sorted, for the log line that says where to probe. On the
     * wildcard address it says so, rather than name a loopback URL that is only one of the ways in.
     */
    public String describe() {
        return where(server.getAddress()) + " " + String.join(" ", new TreeMap<>(routes).keySet());
    }

    /** {@code http://127.0.0.1:8081}, or {@code http://0.0.0.0:8081 (every interface)} for the wildcard address. */
    static String where(InetSocketAddress bound) {
        InetAddress address = bound.getAddress();
        String host = address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        return "http://" + host + ":" + bound.getPort() + (address.isAnyLocalAddress() ? " (every interface)" : "");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            Supplier<Response> handler = routes.get(path);
            Response response;
            if (handler == null) {
                response = new Response(404, "text/plain; charset=utf-8",
                        "no route " + path + "; try " + String.join(", ", new TreeMap<>(routes).keySet()));
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().add("Allow", "GET, HEAD");
                response = new Response(405, "text/plain; charset=utf-8", method + " not allowed, use GET");
            } else {
                response = answer(path, handler);
            }
            send(exchange, response, method.equals("HEAD"));
        }
    }

    private static Response answer(String path, Supplier<Response> handler) {
        try {
            return handler.get();
        } catch (RuntimeException e) {
            // A broken route answers 500 and says why; the server and the other routes keep working.
            LOG.warn("ADMIN {} failed: {}", path, e.toString());
            return new Response(500, "text/plain; charset=utf-8", "error: " + e);
        }
    }

    private static void send(HttpExchange exchange, Response response, boolean headOnly) throws IOException {
        byte[] body = (response.body().endsWith("\n") ? response.body() : response.body() + "\n")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (headOnly) {
            exchange.sendResponseHeaders(response.status(), -1);
            return;
        }
        exchange.sendResponseHeaders(response.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Stops listening at once; answers in progress are cut short. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
