package dev.starvation.vthreads.server;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code /health} and {@code /ready}, plain servlets like any user's. Liveness answers whenever a carrier runs it, which
 * is the point: while CPU-bound requests hold every carrier it is not run at all. Readiness also fails while the
 * {@code /cpu_fixed} pool is full, so traffic goes elsewhere and nothing is restarted.
 */
final class HealthServlet extends HttpServlet {

    private final CpuPool pool;

    HealthServlet(CpuPool pool) {
        this.pool = pool;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (Routes.READY.equals(request.getServletPath()) && pool.full()) {
            Answers.text(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "not ready: every CPU worker is busy");
            return;
        }
        Answers.text(response, HttpServletResponse.SC_OK, "ok");
    }
}
