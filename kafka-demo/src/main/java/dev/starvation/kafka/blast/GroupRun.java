package dev.starvation.kafka.blast;

import dev.starvation.common.SummaryLine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One setup's group: its members on their threads, its ledger, and the report of what the starvation did to it. */
final class GroupRun {

    private static final Logger LOG = LoggerFactory.getLogger(GroupRun.class);

    private final BlastSettings settings;
    private final String group;
    private final GroupLedger ledger;
    private final List<Member> members = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    GroupRun(BlastSettings settings, Setup setup, String bootstrapServers) {
        this.settings = settings;
        this.group = settings.topic() + "-" + setup.label();
        this.ledger = new GroupLedger(setup, settings.partitions());
        for (int i = 1; i <= settings.members(); i++) {
            members.add(new Member(settings, bootstrapServers, group, ledger, i));
        }
    }

    String group() {
        return group;
    }

    GroupLedger ledger() {
        return ledger;
    }

    List<MemberStats> memberStats() {
        return members.stream().map(Member::stats).toList();
    }

    void start() {
        for (Member m : members) {
            Thread t = new Thread(m, m.name());
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    boolean balanced() {
        return ledger.balanced(settings.members());
    }

    /** Stops every member and waits for each to leave the group, at most {@code limit} in all. */
    void stop(Duration limit) throws InterruptedException {
        ledger.closing();
        members.forEach(Member::stop);
        long deadline = System.nanoTime() + limit.toNanos();
        for (Thread t : threads) {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            if (t.isAlive()) {
                LOG.warn("{} did not stop within {} ms", t.getName(), limit.toMillis());
            }
        }
        members.forEach(m -> m.stats().endOfWindow(ledger.starveFromNanos(), ledger.feedEndNanos()));
    }

    /**
     * Logs one {@code MEMBER} line per member and the failed commits by exception, and returns the group's
     * {@code SUMMARY} line; {@code produced} and {@code committed} are the topic's end offsets and the group's commits.
     */
    SummaryLine report(long produced, long committed) {
        List<MemberStats> healthy = memberStats().stream().filter(m -> !m.starved()).toList();
        MemberStats starved = memberStats().stream().filter(MemberStats::starved).findFirst().orElseThrow();
        Set<Integer> starvedOwn = ledger.heldBefore(1);
        Histogram[] byPartition = ledger.latencyByPartition();
        Histogram healthyLatency = new Histogram(3);
        Histogram starvedLatency = new Histogram(3);
        for (int p = 0; p < byPartition.length; p++) {
            (starvedOwn.contains(p) ? starvedLatency : healthyLatency).add(byPartition[p]);
        }
        memberStats().forEach(this::logMember);
        Map<String, Integer> failures = new TreeMap<>();
        healthy.forEach(m -> m.failedCommitsByException().forEach((k, v) -> failures.merge(k, v, Integer::sum)));
        LOG.info("COMMIT {} failed commits by exception: healthy members {}, starved member {}", ledger.setup().label(),
                failures.isEmpty() ? "none" : failures, starved.failedCommitsText());
        long feedStart = ledger.feedStartNanos();
        return new SummaryLine().add("setup", ledger.setup().label()).add("members", settings.members())
                .add("healthy_max_pause_ms", healthy.stream().mapToLong(MemberStats::maxPauseMillis).max().orElse(0))
                .add("healthy_revocations", healthy.stream().mapToLong(MemberStats::revocations).sum())
                .add("healthy_failed_commits", healthy.stream().mapToLong(MemberStats::failedCommits).sum())
                .add("starved_failed_commits", starved.failedCommits())
                .add("p99_latency_ms", healthyLatency.getValueAtPercentile(99))
                .add("max_latency_ms", healthyLatency.getMaxValue())
                .add("duplicates", ledger.duplicates())
                .add("unowned_ms", ledger.maxUnownedMillis())
                .add("rebalances", ledger.rebalancesAfterStarvation())
                .add("healthy_handed_back", healthy.stream().mapToLong(MemberStats::handedBackPartitions).sum())
                .add("healthy_reassigned", healthy.stream().mapToLong(MemberStats::reassignedPartitions).sum())
                .add("p50_latency_ms", healthyLatency.getValueAtPercentile(50))
                .add("delayed_over_1s", delayed(healthyLatency))
                .add("starved_max_latency_ms", starvedLatency.getMaxValue())
                .add("starved_held", ledger.starvedHeld())
                .add("produced", produced).add("committed", committed).add("lost", produced - committed)
                .add("starve_from_ms", sinceFeed(ledger.starveFromNanos(), feedStart))
                .add("starve_to_ms", sinceFeed(ledger.starveToNanos(), feedStart))
                .add("process_ms", settings.processTime().toMillis())
                .add("max_poll_records", settings.maxPollRecords());
    }

    private void logMember(MemberStats m) {
        Histogram h = m.latency();
        LOG.info("MEMBER {} {} processed={} max_pause_ms={} revoked={} handed_back={} reassigned={} failed_commits={}"
                        + " delayed_over_1s={} p50_latency_ms={} p99_latency_ms={} max_latency_ms={}", m.name(),
                m.starved() ? "starved" : "healthy", m.processedRecords(), m.maxPauseMillis(), m.revocations(),
                m.handedBackPartitions(), m.reassignedPartitions(), m.failedCommitsText(), m.delayedRecords(),
                h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getMaxValue());
    }

    private static long delayed(Histogram h) {
        return h.getTotalCount() == 0 ? 0 : h.getTotalCount() - h.getCountBetweenValues(0, MemberStats.DELAYED_MS);
    }

    private static long sinceFeed(long nanos, long feedStart) {
        return nanos < 0 || feedStart < 0 ? -1 : (nanos - feedStart) / 1_000_000;
    }
}
