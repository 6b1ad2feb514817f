package dev.starvation.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** Only stop-the-world time excuses a thread's silence: a concurrent collector's cycles run beside the application. */
class StopTheWorldPausesTest {

    @Test
    void concurrentCyclesOfZgcShenandoahAndG1AreNotCountedAsPauses() {
        List<GarbageCollectorMXBean> zgc = List.of(collector("ZGC Cycles", 5_000), collector("ZGC Pauses", 3));
        List<GarbageCollectorMXBean> shenandoah = List.of(collector("Shenandoah Cycles", 4_000),
                collector("Shenandoah Pauses", 7));
        List<GarbageCollectorMXBean> g1 = List.of(collector("G1 Young Generation", 40),
                collector("G1 Concurrent GC", 900), collector("G1 Old Generation", 200));

        assertThat(ProcessPauses.stopTheWorldMillis(zgc)).isEqualTo(3);
        assertThat(ProcessPauses.stopTheWorldMillis(shenandoah)).isEqualTo(7);
        assertThat(ProcessPauses.stopTheWorldMillis(g1)).isEqualTo(240);
    }

    private static GarbageCollectorMXBean collector(String name, long millis) {
        return new GarbageCollectorMXBean() {
            @Override
            public long getCollectionCount() {
                return 1;
            }

            @Override
            public long getCollectionTime() {
                return millis;
            }

            @Override
            public String getName() {
                return name;
            }

            @Override
            public boolean isValid() {
                return true;
            }

            @Override
            public String[] getMemoryPoolNames() {
                return new String[0];
            }

            @Override
            public ObjectName getObjectName() {
                return ManagementFactory.getRuntimeMXBean().getObjectName();
            }
        };
    }
}
