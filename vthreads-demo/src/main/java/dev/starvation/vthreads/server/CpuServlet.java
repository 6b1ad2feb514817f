package dev.starvation.vthreads.server;

import dev.starvation.common.CpuWork;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;

/**
 * {@code /cpu}: the work runs on the request's own virtual thread, which never unmounts while it computes and so holds
 * its carrier throughout (the bug). {@code /cpu_yielding}: the same, calling {@link Thread#yield()} between slices.
 */
final class CpuServlet extends WorkServlet {

    /** How long the yielding loop computes between yields: the ~25 us of the advice measured in the notes. */
    static final Duration SLICE = Duration.ofNanos(25_000);

    private final boolean yielding;

    CpuServlet(String path, boolean yielding, RequestCounts counts) {
        super(path, counts);
        this.yielding = yielding;
    }

    @Override
    Duration length(HttpServletRequest request) {
        return millis(request, "ms");
    }

    @Override
    boolean work(Duration length, HttpServletResponse response) throws InterruptedException {
        if (!yielding) {
            burn(length);
            return true;
        }
        long deadline = System.nanoTime() + length.toNanos();
        while (System.nanoTime() < deadline) {
            burn(SLICE);
            // A virtual thread's yield hands its carrier back to the scheduler... which gives it straight back
            // (docs/vthreads.md, "Does Thread.yield() help?").
            Thread.yield();
        }
        return true;
    }

    private static void burn(Duration length) throws InterruptedException {
        if (!CpuWork.burn(length)) {
            throw new InterruptedException();
        }
    }
}
