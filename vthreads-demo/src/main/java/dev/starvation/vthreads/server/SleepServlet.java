package dev.starvation.vthreads.server;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;

/** {@code /sleep}: blocks the request's virtual thread, which unmounts and leaves its carrier free (fine). */
final class SleepServlet extends WorkServlet {

    SleepServlet(RequestCounts counts) {
        super(Routes.SLEEP, counts);
    }

    @Override
    Duration length(HttpServletRequest request) {
        return seconds(request, "seconds");
    }

    @Override
    boolean work(Duration length, HttpServletResponse response) throws InterruptedException {
        Thread.sleep(length);
        return true;
    }
}
