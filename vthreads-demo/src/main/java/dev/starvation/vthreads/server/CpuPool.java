package dev.starvation.vthreads.server;

import dev.starvation.common.CpuWork;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fix's bounded pool of platform threads for CPU-bound work: the kernel preempts them, so the carriers stay free
 * for every other request. Past its workers and queue it refuses at once instead of piling work up.
 */
final class CpuPool implements AutoCloseable {

    private final ThreadPoolExecutor executor;
    private final int queue;

    CpuPool(int workers, int queue) {
        this.queue = queue;
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "cpu-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        // A SynchronousQueue when queue is 0: a request waits only if a worker takes it at once.
        this.executor = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS,
                queue == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queue), factory,
                new ThreadPoolExecutor.AbortPolicy());
    }

    /**
     * Submits {@code length} of CPU work.
     *
     * @return its future, or null if every worker is busy and the queue is full
     */
    Future<Boolean> submit(Duration length) {
        try {
            return executor.submit(() -> CpuWork.burn(length));
        } catch (RejectedExecutionException full) {
            return null;
        }
    }

    /** True while a new request would be refused: every worker busy and the queue full. */
    boolean full() {
        return executor.getActiveCount() >= executor.getMaximumPoolSize() && executor.getQueue().size() >= queue;
    }

    @Override
    public void close() {
        // Interrupts the work: CpuWork.burn checks the flag, so nothing outlives the server.
        executor.shutdownNow();
    }
}
