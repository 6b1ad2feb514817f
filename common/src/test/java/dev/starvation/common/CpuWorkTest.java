package dev.starvation.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class CpuWorkTest {

    @Test
    void burnsCpuTimeNotWallTimeAlone() {
        var bean = ManagementFactory.getThreadMXBean();
        long cpuBefore = bean.getCurrentThreadCpuTime();
        assertThat(CpuWork.burn(Duration.ofSeconds(1))).isTrue();
        long cpuMillis = (bean.getCurrentThreadCpuTime() - cpuBefore) / 1_000_000;
        // A 1 s sleep uses well under 10 ms of CPU; the busy loop gets most of its second on a quiet core, and still a
        // tenth of it with several processes fighting over two cores.
        assertThat(cpuMillis).isGreaterThan(100);
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
