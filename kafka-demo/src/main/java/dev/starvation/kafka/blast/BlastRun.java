package dev.starvation.kafka.blast;

import dev.starvation.common.SummaryLine;
import dev.starvation.kafka.broker.BrokerCheck;
import dev.starvation.kafka.broker.Topics;
import dev.starvation.kafka.broker.Waiting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One blast run: every setup's group joins the same fresh topic, the producer feeds it, member 1 of each group starves
 * once; after the feed the groups drain the topic, then stop, and each group's SUMMARY line is logged and returned.
 */
public final class BlastRun {

    private static final Logger LOG = LoggerFactory.getLogger(BlastRun.class);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CHECK_EVERY = Duration.ofMillis(250);

    private final BlastSettings settings;
    private final String bootstrapServers;

    /** A run of {@code settings} against the broker at {@code bootstrapServers}. */
    public BlastRun(BlastSettings settings, String bootstrapServers) {
        this.settings = settings.validate();
        this.bootstrapServers = bootstrapServers;
    }

    /** Runs every setup side by side until each has drained the topic or the drain timed out; one SUMMARY each. */
    public List<SummaryLine> run() throws InterruptedException {
        if (!Topics.ensure(bootstrapServers, settings.topic(), settings.partitions())) {
            throw new IllegalArgumentException("topic " + settings.topic()
                    + " exists already: blast needs a fresh topic (leave --topic out for a new name)");
        }
        List<GroupRun> groups = new ArrayList<>();
        settings.setups().forEach(s -> groups.add(new GroupRun(settings, s, bootstrapServers)));
        try (Admin admin = Admin.create(BrokerCheck.adminProperties(bootstrapServers, ADMIN_TIMEOUT))) {
            PacedProducer producer = null;
            try {
                groups.forEach(GroupRun::start);
                awaitBalanced(groups);
                producer = new PacedProducer(bootstrapServers, settings.topic(), settings.partitions(),
                        settings.rate());
                LOG.info("FEED {} records/s to {} ({} partitions) for {} ms; {}-1 of each group sleeps {} ms at +{} ms",
                        settings.rate(), settings.topic(), settings.partitions(), settings.duration().toMillis(),
                        settings.setups().size() == 1 ? settings.setups().get(0).label() : "<setup>",
                        settings.starve().toMillis(), settings.starveAt().toMillis());
                groups.forEach(g -> g.ledger().feedStarted());
                producer.run(settings.duration());
                groups.forEach(g -> g.ledger().feedEnded());
                drain(admin, groups, sum(endOffsets(admin)));
            } finally {
                if (producer != null) {
                    producer.close();
                }
                for (GroupRun g : groups) {
                    g.stop(STOP_TIMEOUT);
                }
            }
            long end = sum(endOffsets(admin));
            List<SummaryLine> summaries = new ArrayList<>();
            for (GroupRun g : groups) {
                SummaryLine s = g.report(end, committed(admin, g.group()));
                LOG.info("{}", s);
                summaries.add(s);
            }
            if (settings.buckets() != null) {
                writeBuckets(groups);
            }
            return summaries;
        }
    }

    private void awaitBalanced(List<GroupRun> groups) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        for (GroupRun g : groups) {
            while (!g.balanced()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("group " + g.group() + " did not share the " + settings.partitions()
                            + " partitions among its " + settings.members() + " members within "
                            + SETTLE_TIMEOUT.toSeconds() + " s");
                }
                Thread.sleep(CHECK_EVERY.toMillis());
            }
        }
    }

    /** Waits until every group has committed every record, or the drain timeout; says which did not. */
    private void drain(Admin admin, List<GroupRun> groups, long produced) throws InterruptedException {
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        long t0 = System.nanoTime();
        List<GroupRun> waiting = new ArrayList<>(groups);
        while (!waiting.isEmpty() && System.nanoTime() < deadline) {
            waiting.removeIf(g -> committed(admin, g.group()) >= produced);
            if (!waiting.isEmpty()) {
                Thread.sleep(CHECK_EVERY.toMillis());
            }
        }
        if (waiting.isEmpty()) {
            LOG.info("DRAINED every group committed all {} records {} ms after the feed stopped", produced,
                    (System.nanoTime() - t0) / 1_000_000);
        } else {
            waiting.forEach(g -> LOG.warn("DRAIN {} had not committed all {} records within --drain-timeout {} ms",
                    g.group(), produced, settings.drainTimeout().toMillis()));
        }
    }

    private Map<TopicPartition, Long> endOffsets(Admin admin) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < settings.partitions(); p++) {
            latest.put(new TopicPartition(settings.topic(), p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> end = new HashMap<>();
        Waiting.get(admin.listOffsets(latest).all(), ADMIN_TIMEOUT, "cannot read the end offsets of "
                + settings.topic()).forEach((tp, info) -> end.put(tp, info.offset()));
        return end;
    }

    /** The offsets {@code group} committed on the topic, summed over its partitions. */
    private long committed(Admin admin, String group) {
        Map<TopicPartition, OffsetAndMetadata> offsets = Waiting.get(
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(), ADMIN_TIMEOUT,
                "cannot read the offsets of group " + group);
        return offsets.entrySet().stream()
                .filter(e -> e.getKey().topic().equals(settings.topic()) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset()).sum();
    }

    private static long sum(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    /** One CSV line per member per bucket, every member padded with zeros to the run's last bucket. */
    private void writeBuckets(List<GroupRun> groups) {
        int last = groups.stream().flatMap(g -> g.memberStats().stream()).mapToInt(m -> m.buckets().size()).max()
                .orElse(0);
        StringBuilder csv = new StringBuilder("setup,member,t_ms,records\n");
        for (GroupRun g : groups) {
            for (MemberStats m : g.memberStats()) {
                List<Integer> b = m.buckets();
                for (int i = 0; i < last; i++) {
                    csv.append(g.ledger().setup().label()).append(',').append(m.name()).append(',')
                            .append(i * BlastSettings.BUCKET.toMillis()).append(',')
                            .append(i < b.size() ? b.get(i) : 0).append('\n');
                }
            }
        }
        try {
            Files.writeString(settings.buckets(), csv);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write --buckets " + settings.buckets() + ": " + e.getMessage(), e);
        }
        LOG.info("BUCKETS records processed per member per {} ms written to {}", BlastSettings.BUCKET.toMillis(),
                settings.buckets());
    }
}
