package dev.starvation.vthreads.server;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * {@code /cpu_fixed}: the CPU work goes to the bounded platform pool and the request's virtual thread only waits for
 * it, which unmounts it (the fix). A full pool answers 503 with {@code Retry-After} at once.
 */
final class CpuFixedServlet extends WorkServlet {

    /** Seconds a refused client is told to wait: about one piece of demo work. */
    static final String RETRY_AFTER = "5";

    private final CpuPool pool;
    private final RequestCounts counts;

    CpuFixedServlet(CpuPool pool, RequestCounts counts) {
        super(Routes.CPU_FIXED, counts);
        this.pool = pool;
        this.counts = counts;
    }

    @Override
    Duration length(HttpServletRequest request) {
        return millis(request, "ms");
    }

    @Override
    boolean work(Duration length, HttpServletResponse response) throws IOException, InterruptedException {
        Future<Boolean> done = pool.submit(length);
        if (done == null) {
            counts.rejected();
            response.setHeader("Retry-After", RETRY_AFTER);
            Answers.text(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                    "every CPU worker is busy and the queue is full: retry after " + RETRY_AFTER + " s");
            return false;
        }
        try {
            done.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("CPU work failed", e.getCause());
        } catch (InterruptedException e) {
            done.cancel(true);
            throw e;
        }
        return true;
    }
}
