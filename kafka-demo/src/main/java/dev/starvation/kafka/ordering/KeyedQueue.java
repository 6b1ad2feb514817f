package dev.starvation.kafka.ordering;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The records of one partition waiting for a worker, and which of them may start: the lowest offset of every lane
 * (see {@link Ordering}) that has nothing running. Used on the poll thread only.
 */
public final class KeyedQueue<K, V> {

    private final Ordering ordering;
    private final Map<Object, ArrayDeque<ConsumerRecord<K, V>>> waitingByLane = new HashMap<>();
    private final Set<Object> busyLanes = new HashSet<>();
    /** Lanes blocked from outside (an older attempt of one of their records still runs), with how many holds. */
    private final Map<Object, Integer> heldLanes = new HashMap<>();
    /** The first waiting record of each idle lane, by offset: what may start, lowest offset first. */
    private final TreeMap<Long, Object> ready = new TreeMap<>();
    private int waiting;

    /** An empty queue keeping {@code ordering}. */
    public KeyedQueue(Ordering ordering) {
        this.ordering = ordering;
    }

    /** Adds a record; records must come in offset order, as a partition's records do. */
    public void add(ConsumerRecord<K, V> record) {
        Object lane = ordering.laneOf(record);
        ArrayDeque<ConsumerRecord<K, V>> lineUp = waitingByLane.computeIfAbsent(lane, l -> new ArrayDeque<>());
        lineUp.addLast(record);
        waiting++;
        if (lineUp.size() == 1 && idle(lane)) {
            ready.put(record.offset(), lane);
        }
    }

    private boolean idle(Object lane) {
        return !busyLanes.contains(lane) && !heldLanes.containsKey(lane);
    }

    /**
     * Blocks {@code record}'s lane until {@link #release}: nothing of it starts meanwhile. For an attempt that was given
     * up but whose worker has not returned (past its deadline, or its partition revoked and assigned again): its
     * record and the later records of its key must not run beside it.
     */
    public void hold(ConsumerRecord<K, V> record) {
        Object lane = ordering.laneOf(record);
        if (heldLanes.merge(lane, 1, Integer::sum) == 1) {
            ArrayDeque<ConsumerRecord<K, V>> lineUp = waitingByLane.get(lane);
            if (lineUp != null) {
                ready.remove(lineUp.peekFirst().offset());
            }
        }
    }

    /** Ends one {@link #hold} of {@code record}'s lane; the last one lets the lane go on. */
    public void release(ConsumerRecord<K, V> record) {
        Object lane = ordering.laneOf(record);
        Integer left = heldLanes.computeIfPresent(lane, (l, n) -> n == 1 ? null : n - 1);
        if (left == null && idle(lane)) {
            ArrayDeque<ConsumerRecord<K, V>> lineUp = waitingByLane.get(lane);
            if (lineUp != null) {
                ready.put(lineUp.peekFirst().offset(), lane);
            }
        }
    }

    /** Whether a record may start now. */
    public boolean canStart() {
        return !ready.isEmpty();
    }

    /** Takes the record that may start with the lowest offset and marks its lane busy; null if none may start. */
    public ConsumerRecord<K, V> start() {
        Map.Entry<Long, Object> first = ready.pollFirstEntry();
        if (first == null) {
            return null;
        }
        Object lane = first.getValue();
        ArrayDeque<ConsumerRecord<K, V>> lineUp = waitingByLane.get(lane);
        ConsumerRecord<K, V> record = lineUp.pollFirst();
        if (lineUp.isEmpty()) {
            waitingByLane.remove(lane);
        }
        waiting--;
        busyLanes.add(lane);
        return record;
    }

    /** {@code record}, started before, is done with for good (finished or dead-lettered): its lane may go on. */
    public void finished(ConsumerRecord<K, V> record) {
        Object lane = ordering.laneOf(record);
        if (busyLanes.remove(lane) && idle(lane)) {
            ArrayDeque<ConsumerRecord<K, V>> lineUp = waitingByLane.get(lane);
            if (lineUp != null) {
                ready.put(lineUp.peekFirst().offset(), lane);
            }
        }
    }

    /** Records added and not started. */
    public int waiting() {
        return waiting;
    }

    /** Drops every waiting record and returns them (running ones keep their lanes busy until finished). */
    public List<ConsumerRecord<K, V>> dropWaiting() {
        List<ConsumerRecord<K, V>> dropped = new ArrayList<>(waiting);
        waitingByLane.values().forEach(dropped::addAll);
        waitingByLane.clear();
        ready.clear();
        waiting = 0;
        return dropped;
    }
}
