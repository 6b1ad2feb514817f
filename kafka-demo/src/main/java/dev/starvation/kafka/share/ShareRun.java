package dev.starvation.kafka.share;

import dev.starvation.common.StallWatchdog;
import dev.starvation.kafka.consume.Mode;
import dev.starvation.kafka.consume.Processor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One share-group run: sets the group's lock and delivery limit on the broker, runs the members in this process until
 * the broker has finished the expected records (or the duration ends, or a stop is asked for), then reads what the
 * broker finished and logs the ledger and the {@code SUMMARY} line.
 */
public final class ShareRun {

    private static final Logger LOG = LoggerFactory.getLogger(ShareRun.class);
    private static final long WATCH_EVERY_MS = 200;
    /** The broker writes share state asynchronously: read it until two reads agree, within this long. */
    private static final Duration SETTLE = Duration.ofSeconds(3);

    private final ShareSettings settings;
    private final Processor processor;
    private volatile boolean stopRequested;
    private volatile boolean running;

    /** A run with {@code settings} whose members do {@code processor}'s work per record. */
    public ShareRun(ShareSettings settings, Processor processor) {
        this.settings = settings.validate();
        this.processor = processor;
    }

    /**
     * Runs the members and returns the reconciled ledger once they have closed.
     *
     * @throws IllegalArgumentException if the broker refuses the lock or the delivery limit
     * @throws IllegalStateException    if share-renew cannot renew locks in this group, or a member failed
     */
    public ShareReport run() throws InterruptedException {
        running = true;
        try {
            ShareGroupSetup.GroupConfig group = ShareGroupSetup.apply(settings);
            if (settings.mode() == Mode.SHARE_RENEW && !group.renewEnabled()) {
                throw new IllegalStateException(renewDisabled(group));
            }
            ShareLedger ledger = new ShareLedger();
            List<ShareMember> members = new ArrayList<>();
            try (StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(Math.max(10, group.lockMs() / 20)));
                 ShareProgress progress = new ShareProgress(settings.bootstrapServers())) {
                List<Thread> threads = new ArrayList<>();
                for (int i = 1; i <= settings.members(); i++) {
                    ShareMember member = member(settings.mode() + "-" + i, ledger, watchdog, group.lockMs());
                    members.add(member);
                    Thread t = new Thread(member, settings.mode() + "-" + i);
                    t.setDaemon(true);
                    threads.add(t);
                }
                threads.forEach(Thread::start);
                watch(progress, threads);
                members.forEach(ShareMember::stop);
                for (Thread t : threads) {
                    t.join(joinLimit().toMillis());
                }
                RuntimeException failure = members.stream().map(ShareMember::failure).filter(Objects::nonNull)
                        .findFirst().orElse(null);
                if (failure != null) {
                    throw new IllegalStateException("a share consumer failed: " + failure.getMessage(), failure);
                }
                long gap = members.stream().mapToLong(ShareMember::maxPollGapMillis).max().orElse(0);
                int stuck = members.stream().mapToInt(ShareMember::stuckWorkers).sum();
                ShareReport report = ledger.reconcile(settled(progress), settings.members(), group.lockMs(),
                        group.deliveryLimit(), gap, stuck);
                report.log(settings.mode());
                return report;
            }
        } finally {
            running = false;
        }
    }

    /** Asks the run to stop, as SIGTERM does; {@link #run()} returns once every member has closed. */
    public void stop() {
        stopRequested = true;
    }

    /** Whether {@link #run()} is still going. */
    public boolean isRunning() {
        return running;
    }

    private ShareMember member(String name, ShareLedger ledger, StallWatchdog watchdog, int lockMs) {
        return settings.mode() == Mode.SHARE
                ? new InLoopShareConsumer(name, settings, processor, ledger, watchdog, lockMs)
                : new RenewingShareConsumer(name, settings, processor, ledger, watchdog, lockMs);
    }

    /** Returns on a stop, when the duration ends, once the broker finished the records expected, or with no member. */
    private void watch(ShareProgress progress, List<Thread> threads) throws InterruptedException {
        long deadline = System.nanoTime() + settings.duration().toNanos();
        while (!stopRequested && System.nanoTime() < deadline && threads.stream().anyMatch(Thread::isAlive)) {
            if (settings.expect() > 0 && progress.finished(settings.group(), settings.topic()) >= settings.expect()) {
                LOG.info("FINISHED the broker has finished {} record(s) of {} for group {}: stopping the members",
                        settings.expect(), settings.topic(), settings.group());
                return;
            }
            Thread.sleep(WATCH_EVERY_MS);
        }
    }

    /** A member finishes the batch or the records it holds before it closes: its work, its grace, and some slack. */
    private Duration joinLimit() {
        return settings.processTime().multipliedBy(10).plus(settings.shutdownGrace()).plusSeconds(30);
    }

    private List<ShareProgress.PartitionState> settled(ShareProgress progress) throws InterruptedException {
        long until = System.nanoTime() + SETTLE.toNanos();
        List<ShareProgress.PartitionState> last = progress.read(settings.group(), settings.topic());
        while (System.nanoTime() < until) {
            Thread.sleep(WATCH_EVERY_MS);
            List<ShareProgress.PartitionState> now = progress.read(settings.group(), settings.topic());
            if (now.equals(last)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private String renewDisabled(ShareGroupSetup.GroupConfig group) {
        return "share-renew cannot keep a record past its lock in group " + settings.group() + ": "
                + ShareGroupSetup.RENEW + "=false on the group, so the broker refuses every RENEW, and a record whose"
                + " work outlasts the " + group.lockMs() + " ms lock goes to another member while this one still works"
                + " on it (processed twice, then archived after " + group.deliveryLimit() + " deliveries). Enable it"
                + " (kafka-configs.sh --bootstrap-server " + settings.bootstrapServers() + " --alter --entity-type"
                + " groups --entity-name " + settings.group() + " --add-config " + ShareGroupSetup.RENEW + "=true),"
                + " or keep each record's work well under the lock";
    }
}
