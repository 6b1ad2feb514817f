package dev.starvation.vthreads.stall;

import java.lang.management.ManagementFactory;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * What the virtual-thread scheduler says about itself: its carriers ({@code jdk.virtualThreadScheduler.parallelism})
 * and how many virtual threads are mounted, read from the JDK's {@code VirtualThreadSchedulerMXBean} where it exists
 * (JDK 24+) and worked out from the system property and the cores on JDK 21.
 */
public final class Scheduler {

    private static final String PARALLELISM = "jdk.virtualThreadScheduler.parallelism";

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final ObjectName name;

    public Scheduler() {
        ObjectName found = null;
        try {
            ObjectName candidate = new ObjectName("jdk.management:type=VirtualThreadScheduler");
            if (server.isRegistered(candidate)) {
                found = candidate;
            }
        } catch (JMException e) {
            // A malformed name cannot happen; an absent bean is the JDK 21 case, handled below.
        }
        this.name = found;
    }

    /** The number of carriers the scheduler runs virtual threads on. */
    public int parallelism() {
        Number fromBean = attribute("Parallelism");
        if (fromBean != null) {
            return fromBean.intValue();
        }
        String set = System.getProperty(PARALLELISM);
        try {
            return set != null ? Integer.parseInt(set.trim()) : Runtime.getRuntime().availableProcessors();
        } catch (NumberFormatException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /** Virtual threads mounted on a carrier now, or -1 where the JDK does not say (before 24). */
    public long mounted() {
        Number n = attribute("MountedVirtualThreadCount");
        return n == null ? -1 : n.longValue();
    }

    /** Where the figures come from, for the start line. */
    public String source() {
        return name != null ? "VirtualThreadSchedulerMXBean" : "system property " + PARALLELISM + " or the cores";
    }

    private Number attribute(String attribute) {
        if (name == null) {
            return null;
        }
        try {
            return (Number) server.getAttribute(name, attribute);
        } catch (JMException | ClassCastException e) {
            return null;
        }
    }
}
