package dev.starvation.vthreads.stall;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The threads running a request right now, kept by a servlet filter: {@link Thread#getAllStackTraces()} leaves virtual
 * threads out, so the stall detector asks this list which of them sit on a carrier.
 */
public final class RequestThreads implements Filter {

    private final Set<Thread> running = ConcurrentHashMap.newKeySet();

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Thread t = Thread.currentThread();
        running.add(t);
        try {
            chain.doFilter(request, response);
        } finally {
            running.remove(t);
        }
    }

    /** The request threads mounted on a carrier now, by name: the ones holding the scheduler. */
    public List<Thread> mounted() {
        return running.stream().filter(RequestThreads::isMounted).sorted(Comparator.comparing(Thread::getName))
                .toList();
    }

    /**
     * True if {@code t} runs on a carrier now. A virtual thread's {@code toString()} names its carrier after an
     * {@code @} while mounted (e.g. {@code VirtualThread[#31,tomcat-handler-0]/runnable@ForkJoinPool-1-worker-1}) and
     * its state otherwise; the JDK offers no other public way to ask.
     */
    static boolean isMounted(Thread t) {
        return t.isVirtual() ? t.toString().contains("@") : t.getState() == Thread.State.RUNNABLE;
    }
}
