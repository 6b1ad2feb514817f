package dev.starvation.kafka.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's small HTTP server ({@code consume --admin-port P}) on a thread of its own, never the poll thread: it
 * answers while the poll loop starves, which is when its answers matter. Routes are added with {@link #route}.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    /** One answer: status, content type, body. */
    public record Response(int status, String contentType, String body) {
    }

    private final HttpServer server;
    private final ExecutorService thread;

    private AdminServer(HttpServer server, ExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    /** Listens on {@code host:port} (0 for any free port) and starts serving; 404 until routes are added. */
    public static AdminServer start(String host, int port) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + " (--admin-port): "
                    + e.getMessage(), e);
        }
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "admin-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(thread);
        server.start();
        LOG.info("ADMIN listening on http://{}:{}", host, server.getAddress().getPort());
        return new AdminServer(server, thread);
    }

    /** Answers {@code GET path} with what {@code answer} gives at the time of the request. */
    public AdminServer route(String path, Supplier<Response> answer) {
        server.createContext(path, exchange -> {
            try (exchange) {
                if (!exchange.getRequestURI().getPath().equals(path)) {
                    send(exchange, new Response(404, "text/plain; charset=utf-8", "no such path\n"));
                } else if (!exchange.getRequestMethod().equals("GET")) {
                    exchange.getResponseHeaders().set("Allow", "GET");
                    send(exchange, new Response(405, "text/plain; charset=utf-8", "use GET\n"));
                } else {
                    send(exchange, answer.get());
                }
            }
        });
        return this;
    }

    private static void send(HttpExchange exchange, Response response) throws IOException {
        byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.sendResponseHeaders(response.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }
}
