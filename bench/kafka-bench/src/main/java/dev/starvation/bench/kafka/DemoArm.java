package dev.starvation.bench.kafka;

import dev.starvation.kafka.consume.PollLoop;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** One of the demo's consumers ({@link PollLoop}) on a thread of its own, whose CPU time is the poll thread's. */
final class DemoArm implements RunningArm {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final PollLoop loop;
    private final Thread thread;
    private final CompletableFuture<Long> endCpu = new CompletableFuture<>();

    private DemoArm(PollLoop loop) {
        this.loop = loop;
        this.thread = new Thread(() -> {
            try {
                loop.run();
            } finally {
                endCpu.complete(THREADS.getCurrentThreadCpuTime());
            }
        }, "bench-poll");
    }

    static DemoArm start(PollLoop loop) {
        DemoArm arm = new DemoArm(loop);
        arm.thread.start();
        return arm;
    }

    @Override
    public long pollThreadCpuNanos() {
        return endCpu.isDone() ? endCpu.join() : Math.max(0, THREADS.getThreadCpuTime(thread.getId()));
    }

    @Override
    public void stop() throws Exception {
        loop.stop();
        endCpu.get(60, TimeUnit.SECONDS);
    }
}
