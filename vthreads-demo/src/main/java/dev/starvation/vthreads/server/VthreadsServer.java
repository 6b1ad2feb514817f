package dev.starvation.vthreads.server;

import dev.starvation.common.StallWatchdog;
import dev.starvation.common.SummaryLine;
import dev.starvation.vthreads.stall.CarrierStallDetector;
import dev.starvation.vthreads.stall.RequestThreads;
import dev.starvation.vthreads.stall.Scheduler;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.apache.tomcat.util.threads.VirtualThreadExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embedded Tomcat with every request on a virtual thread, the way Spring Boot sets it up for
 * {@code spring.threads.virtual.enabled=true} (Tomcat's {@link VirtualThreadExecutor} as the connector's executor),
 * plus the carriers' stall detector. Closing it stops Tomcat and logs the SUMMARY line.
 */
public final class VthreadsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VthreadsServer.class);
    /** Kept: java.util.logging holds its loggers weakly, and a collected one forgets its level. */
    private static final java.util.logging.Logger TOMCAT_LOG = java.util.logging.Logger.getLogger("org.apache");

    private final ServerConfig config;
    private final RequestCounts counts = new RequestCounts();
    private final RequestThreads requestThreads = new RequestThreads();
    private final Scheduler scheduler = new Scheduler();
    private final CpuPool pool;
    private final Tomcat tomcat = new Tomcat();
    private final Path baseDir;
    private StallWatchdog watchdog;
    private CarrierStallDetector stalls;
    private Connector connector;

    public VthreadsServer(ServerConfig config) throws IOException {
        this.config = config;
        this.pool = new CpuPool(config.cpuWorkers(), config.queue());
        this.baseDir = Files.createTempDirectory("vthreads-tomcat");
    }

    /** Starts listening and logs {@code SERVER listening on …} with the scheduler's parallelism. */
    public void start() throws LifecycleException {
        // Tomcat's own start-up lines are noise next to the demo's; its warnings and errors still show.
        TOMCAT_LOG.setLevel(Level.WARNING);
        tomcat.setBaseDir(baseDir.toString());
        connector = new Connector("HTTP/1.1");
        connector.setPort(config.port());
        connector.setProperty("address", config.host());
        connector.getProtocolHandler().setExecutor(new VirtualThreadExecutor("tomcat-handler-"));
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);

        StandardContext context = (StandardContext) tomcat.addContext("", null);
        // No web application to leak anything: without these, stopping asks for --add-opens twice.
        context.setClearReferencesThreadLocals(false);
        context.setClearReferencesRmiTargets(false);
        HealthServlet health = new HealthServlet(pool);
        route(context, Routes.HEALTH, health);
        route(context, Routes.READY, health);
        route(context, Routes.CPU, new CpuServlet(Routes.CPU, false, counts));
        route(context, Routes.CPU_YIELDING, new CpuServlet(Routes.CPU_YIELDING, true, counts));
        route(context, Routes.SLEEP, new SleepServlet(counts));
        route(context, Routes.CPU_FIXED, new CpuFixedServlet(pool, counts));
        FilterDef filter = new FilterDef();
        filter.setFilterName("request-threads");
        filter.setFilter(requestThreads);
        context.addFilterDef(filter);
        FilterMap everything = new FilterMap();
        everything.setFilterName("request-threads");
        everything.addURLPattern("/*");
        context.addFilterMap(everything);

        try {
            tomcat.start();
        } catch (LifecycleException e) {
            throw new IllegalStateException("cannot start Tomcat on " + config.host() + ":" + config.port() + ": "
                    + e.getMessage(), e);
        }
        if (connector.getLocalPort() <= 0) {
            throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port()
                    + " (in use, or not an address of this machine)");
        }
        watchdog = new StallWatchdog(Duration.ofMillis(Math.max(10, config.stallLimit().toMillis() / 4)));
        stalls = new CarrierStallDetector(watchdog, requestThreads, scheduler, config.stallLimit());
        LOG.info("SERVER listening on http://{}:{} ({}, requests on virtual threads; scheduler parallelism {}"
                        + " carriers, from the {}; /cpu_fixed on {} platform workers, queue {})",
                config.host(), connector.getLocalPort(), org.apache.catalina.util.ServerInfo.getServerInfo(),
                scheduler.parallelism(), scheduler.source(), config.cpuWorkers(), config.queue());
    }

    private static void route(Context context, String path, HttpServlet servlet) {
        String name = path.substring(1);
        Tomcat.addServlet(context, name, servlet).addMapping(path);
    }

    /** The port the server listens on (the chosen one when started with port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The SUMMARY line of the run so far. */
    public SummaryLine summary() {
        SummaryLine s = new SummaryLine();
        counts.addTo(s);
        return s.add("stalls", stalls == null ? 0 : stalls.stalls())
                .add("max_heartbeat_late_ms", stalls == null ? 0 : stalls.maxLateMillis())
                .add("parallelism", scheduler.parallelism());
    }

    @Override
    public void close() {
        try {
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            LOG.warn("Tomcat did not stop cleanly: {}", e.getMessage());
        }
        pool.close();
        LOG.info("{}", summary());
        if (watchdog != null) {
            watchdog.close();
        }
        deleteQuietly(baseDir);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temporary directory left behind is harmless.
        }
    }
}
