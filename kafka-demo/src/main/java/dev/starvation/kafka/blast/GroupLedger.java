package dev.starvation.kafka.blast;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one group did as a whole, from its members' threads: who holds which partition (by their rebalance callbacks),
 * how long partitions had no holder, the rebalances after the starvation began, records processed more than once, and
 * how long each partition's records waited.
 */
final class GroupLedger {

    private static final Logger LOG = LoggerFactory.getLogger(GroupLedger.class);

    private final Setup setup;
    private final int partitions;
    private final Map<Integer, Set<Integer>> holders = new HashMap<>();
    private final Set<Long> processedOnce = ConcurrentHashMap.newKeySet();
    private final AtomicLong processings = new AtomicLong();
    private final Recorder[] latencyByPartition;
    private final Set<Integer> generationsAfter = new TreeSet<>();
    private Map<Integer, Set<Integer>> heldBefore = Map.of();
    private int lastGenerationBefore = -1;
    private boolean watchingOwners;
    private long unownedSince = -1;
    private long maxUnownedNanos;
    private volatile long feedStartNanos = -1;
    private volatile long feedEndNanos = Long.MAX_VALUE;
    private volatile long starveFromNanos = -1;
    private volatile long starveToNanos = -1;
    private volatile int starvedHeld;

    GroupLedger(Setup setup, int partitions) {
        this.setup = setup;
        this.partitions = partitions;
        this.latencyByPartition = new Recorder[partitions];
        for (int p = 0; p < partitions; p++) {
            latencyByPartition[p] = new Recorder(3);
        }
    }

    Setup setup() {
        return setup;
    }

    /** The member's callbacks gave it {@code given}. */
    synchronized void assigned(int member, Set<Integer> given) {
        given.forEach(p -> holders.computeIfAbsent(p, k -> new HashSet<>()).add(member));
        ownersChanged();
    }

    /** The member's callbacks took {@code taken} from it (revoked or lost). */
    synchronized void removed(int member, Set<Integer> taken) {
        taken.forEach(p -> holders.getOrDefault(p, new HashSet<>()).remove(member));
        ownersChanged();
    }

    private void ownersChanged() {
        if (!watchingOwners) {
            return;
        }
        long now = System.nanoTime();
        boolean someUnowned = unowned() > 0;
        if (someUnowned && unownedSince < 0) {
            unownedSince = now;
        } else if (!someUnowned && unownedSince >= 0) {
            maxUnownedNanos = Math.max(maxUnownedNanos, now - unownedSince);
            unownedSince = -1;
        }
    }

    private long unowned() {
        long n = 0;
        for (int p = 0; p < partitions; p++) {
            if (holders.getOrDefault(p, Set.of()).isEmpty()) {
                n++;
            }
        }
        return n;
    }

    /** Every partition has exactly one holder and the members' shares differ by one at most. */
    synchronized boolean balanced(int members) {
        int[] counts = new int[members + 1];
        for (int p = 0; p < partitions; p++) {
            Set<Integer> h = holders.getOrDefault(p, Set.of());
            if (h.size() != 1) {
                return false;
            }
            counts[h.iterator().next()]++;
        }
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int m = 1; m <= members; m++) {
            min = Math.min(min, counts[m]);
            max = Math.max(max, counts[m]);
        }
        return max - min <= 1;
    }

    /** The feed starts now: from here on, partitions without a holder are timed. */
    synchronized void feedStarted() {
        feedStartNanos = System.nanoTime();
        watchingOwners = true;
    }

    /** The feed stopped: stops after this are the drain's idleness, not the starvation's. */
    void feedEnded() {
        feedEndNanos = System.nanoTime();
    }

    /** The members are closing: their revocations are their own, not the group's. */
    synchronized void closing() {
        ownersChanged();
        if (unownedSince >= 0) {
            maxUnownedNanos = Math.max(maxUnownedNanos, System.nanoTime() - unownedSince);
        }
        watchingOwners = false;
    }

    /** The starving member falls asleep now, holding {@code held} records not committed. */
    synchronized void starveBegan(int held) {
        starveFromNanos = System.nanoTime();
        starvedHeld = held;
        Map<Integer, Set<Integer>> snapshot = new HashMap<>();
        holders.forEach((p, members) -> members.forEach(m -> snapshot.computeIfAbsent(m, k -> new HashSet<>()).add(p)));
        heldBefore = snapshot;
    }

    /** The starving member wakes up now. */
    void starveEnded() {
        starveToNanos = System.nanoTime();
    }

    boolean starvationBegan() {
        return starveFromNanos >= 0;
    }

    /** The partitions {@code member} held when the starvation began (empty before it began). */
    synchronized Set<Integer> heldBefore(int member) {
        return heldBefore.getOrDefault(member, Set.of());
    }

    /** A member saw the group at {@code generation} (classic: the group's generation; consumer: its member epoch). */
    synchronized void generation(int generation, String seenBy) {
        if (generation <= 0) {
            return;
        }
        if (!starvationBegan()) {
            lastGenerationBefore = Math.max(lastGenerationBefore, generation);
        } else if (generation > lastGenerationBefore && generationsAfter.add(generation)) {
            LOG.info("REBALANCE {} generation {} (first seen by {}): {} since the starvation began", setup.label(),
                    generation, seenBy, generationsAfter.size());
        }
    }

    /** Counts one processing of {@code partition@offset}, which waited {@code latencyMillis} since it was sent. */
    void processed(int partition, long offset, long latencyMillis) {
        processings.incrementAndGet();
        processedOnce.add(((long) partition << 40) | offset);
        latencyByPartition[partition].recordValue(Math.max(0, latencyMillis));
    }

    /** Processings beyond the first of each record. */
    long duplicates() {
        return processings.get() - processedOnce.size();
    }

    /** Each partition's record latencies in ms, by partition number; call once, after the members stopped. */
    Histogram[] latencyByPartition() {
        Histogram[] all = new Histogram[partitions];
        for (int p = 0; p < partitions; p++) {
            all[p] = latencyByPartition[p].getIntervalHistogram();
        }
        return all;
    }

    synchronized long maxUnownedMillis() {
        return maxUnownedNanos / 1_000_000;
    }

    synchronized int rebalancesAfterStarvation() {
        return generationsAfter.size();
    }

    int starvedHeld() {
        return starvedHeld;
    }

    long feedStartNanos() {
        return feedStartNanos;
    }

    long feedEndNanos() {
        return feedEndNanos;
    }

    long starveFromNanos() {
        return starveFromNanos;
    }

    long starveToNanos() {
        return starveToNanos;
    }
}
