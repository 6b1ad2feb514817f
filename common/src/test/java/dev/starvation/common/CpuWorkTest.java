package dev.starvation.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class CpuWorkTest {

    @Test
    void burnsCpuTimeNotWallTimeAlone() throws InterruptedException {
        var bean = ManagementFactory.getThreadMXBean();
        long cpuBefore = bean.getCurrentThreadCpuTime();
        Thread.sleep(1_000);
        long sleepNanos = bean.getCurrentThreadCpuTime() - cpuBefore;
        cpuBefore = bean.getCurrentThreadCpuTime();
        assertThat(CpuWork.burn(Duration.ofSeconds(1))).isTrue();
        long burnNanos = bean.getCurrentThreadCpuTime() - cpuBefore;
        // Against a sleep of the same second on the same machine: the busy loop gets most of its second on a quiet
        // core, and still tens of ms with a hundred processes fighting over two cores (seen: 67 ms); a sleep, a
        // fraction of a ms either way. How much CPU a busy machine grants is the scheduler's business.
        assertThat(burnNanos).as("CPU ns of a 1 s burn, against a 1 s sleep's %d", sleepNanos)
                .isGreaterThan(10 * Math.max(sleepNanos, 100_000));
    }

    @Test
    void stopsEarlyWhenInterrupted() throws Exception {
        AtomicBoolean finished = new AtomicBoolean(true);
        Thread t = new Thread(() -> finished.set(CpuWork.burn(Duration.ofSeconds(30))));
        t.start();
        t.interrupt();
        t.join(5_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(finished).isFalse();
    }
}
