package dev.starvation.vthreads.server;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A work route: reads its one parameter, logs {@code REQUEST} naming the thread it runs on, does the work, answers
 * {@code done}; a bad parameter gets 400 naming it.
 */
abstract class WorkServlet extends HttpServlet {

    private static final Logger LOG = LoggerFactory.getLogger(WorkServlet.class);

    private final String path;
    private final RequestCounts counts;

    WorkServlet(String path, RequestCounts counts) {
        this.path = path;
        this.counts = counts;
    }

    /** Reads and checks the route's parameter; throws {@link BadRequest} naming it. */
    abstract Duration length(HttpServletRequest request);

    /** Does the work; returns normally once it is done, or answers itself (a full pool). */
    abstract boolean work(Duration length, HttpServletResponse response) throws IOException, InterruptedException;

    @Override
    protected final void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Duration length;
        try {
            length = length(request);
        } catch (BadRequest e) {
            counts.badRequest();
            Answers.text(response, HttpServletResponse.SC_BAD_REQUEST, e.getMessage());
            return;
        }
        Thread t = Thread.currentThread();
        LOG.info("REQUEST {} {} on {} ({})", path, request.getQueryString(), t.getName(),
                t.isVirtual() ? "virtual" : "platform");
        counts.request(path);
        long start = System.nanoTime();
        try {
            if (work(length, response)) {
                Answers.text(response, HttpServletResponse.SC_OK,
                        "done in " + (System.nanoTime() - start) / 1_000_000 + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Answers.text(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "interrupted: the server is stopping");
        }
    }

    /** {@code name} as whole milliseconds, 1 to {@link ServerConfig#MAX_WORK}. */
    static Duration millis(HttpServletRequest request, String name) {
        String raw = required(request, name);
        long max = ServerConfig.MAX_WORK.toMillis();
        long ms;
        try {
            ms = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new BadRequest(name + " must be whole milliseconds, 1 to " + max + ", got '" + raw + "'");
        }
        if (ms < 1 || ms > max) {
            throw new BadRequest(name + " must be 1 to " + max + " ms, got " + ms);
        }
        return Duration.ofMillis(ms);
    }

    /** {@code name} as seconds, more than 0 and at most {@link ServerConfig#MAX_WORK}. */
    static Duration seconds(HttpServletRequest request, String name) {
        String raw = required(request, name);
        long max = ServerConfig.MAX_WORK.toSeconds();
        double s;
        try {
            s = Double.parseDouble(raw.trim());
        } catch (NumberFormatException e) {
            throw new BadRequest(name + " must be a number of seconds, 0 < " + name + " <= " + max + ", got '" + raw
                    + "'");
        }
        if (!(s > 0 && s <= max)) {
            throw new BadRequest(name + " must be 0 < " + name + " <= " + max + ", got " + raw);
        }
        return Duration.ofNanos((long) (s * 1e9));
    }

    private static String required(HttpServletRequest request, String name) {
        String raw = request.getParameter(name);
        if (raw == null || raw.isBlank()) {
            throw new BadRequest("missing parameter " + name + ": e.g. " + request.getRequestURI() + "?" + name
                    + "=" + (name.equals("ms") ? "5000" : "5"));
        }
        return raw;
    }
}
