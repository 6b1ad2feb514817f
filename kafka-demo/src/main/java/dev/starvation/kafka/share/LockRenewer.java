package dev.starvation.kafka.share;

import dev.starvation.kafka.ops.RunStats;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The records one renewing member holds, touched only on its poll thread, and when each is due a RENEW. A record a
 * poll hands over is renewed at once, before its work starts: should it have waited in the client with its lock running
 * (a fetch behind the records in work, which the member's single wait for records prevents), the broker's answer says
 * whether it is still ours.
 * After that, every half lock until its work ends, so a RENEW that is slow to go out still lands before the lock ends.
 */
final class LockRenewer {

    /** Where a record stands between polls. */
    enum State {
        /** Handed over by the last poll: it must be acknowledged (RENEW or an outcome) before the next poll. */
        HELD,
        /** A RENEW is on its way; a later poll hands the record back (KAFKA-20458 in 4.3.1). */
        RENEWING
    }

    /** What a record handed over by a poll is to this member. */
    enum Arrival {
        /** Not held before: renew it, then start working on it. */
        NEW,
        /** Held, and handed back after a RENEW with the same delivery count: the lock is confirmed. */
        AGAIN,
        /** Held, but with a higher delivery count: this member's lock had ended and the broker delivered it anew. */
        REDELIVERED
    }

    /**
     * How the work on a record ended: done; failed (thrown, or gave up); still running at its deadline (counted as
     * failed there, whatever it does after); interrupted or never started because the member is closing; never
     * started because every worker is held by an attempt that ignored its deadline's interrupt.
     */
    enum Result { DONE, FAILED, PAST_DEADLINE, INTERRUPTED, NOT_STARTED, NO_WORKER }

    /** One record held by the member. */
    static final class InFlight {
        ConsumerRecord<String, String> record;
        State state = State.HELD;
        /** A poll handed it back after its first RENEW: the lock is ours, its work may start once a worker is free. */
        boolean confirmed;
        Future<?> job;
        Result result;
        Throwable error;
        /** When the lock ends at the latest, by this member's clock: when a poll last handed the record over + lock. */
        long lockEndNanos;
        long renewAtNanos;
        private final AtomicBoolean claimed = new AtomicBoolean();

        InFlight(ConsumerRecord<String, String> record, long nowNanos, long lockNanos) {
            this.record = record;
            this.lockEndNanos = nowNanos + lockNanos;
            this.renewAtNanos = nowNanos;
        }

        /** Handed to a worker (its work may not have begun yet). */
        boolean started() {
            return job != null;
        }

        /**
         * True for the first to claim the attempt, and only for it: its worker about to run it, or the poll thread
         * giving it up before it ran (any thread).
         */
        boolean claim() {
            return claimed.compareAndSet(false, true);
        }

        boolean finished() {
            return result != null;
        }
    }

    private final Map<String, InFlight> held = new LinkedHashMap<>();

    /** A poll handed {@code record} over; its lock ends {@code lockNanos} from now at the latest. */
    Arrival returned(ConsumerRecord<String, String> record, long nowNanos, long lockNanos) {
        String id = RunStats.id(record);
        InFlight f = held.get(id);
        if (f == null) {
            held.put(id, new InFlight(record, nowNanos, lockNanos));
            return Arrival.NEW;
        }
        Arrival arrival = ShareLedger.deliveryCount(f.record) == ShareLedger.deliveryCount(record) ? Arrival.AGAIN
                : Arrival.REDELIVERED;
        f.record = record;
        f.state = State.HELD;
        f.lockEndNanos = nowNanos + lockNanos;
        return arrival;
    }

    InFlight get(String id) {
        return held.get(id);
    }

    /**
     * The broker accepted the RENEW of {@code id} sent at {@code sentNanos}: its lock runs to a lock from then at
     * least, and its work may start. The record stays renewing until a poll hands it back, if the client does that.
     */
    void renewed(String id, long sentNanos, long lockNanos) {
        InFlight f = held.get(id);
        if (f != null) {
            f.confirmed = true;
            f.lockEndNanos = Math.max(f.lockEndNanos, sentNanos + lockNanos);
        }
    }

    /**
     * Removes and returns the renewing records whose lock has ended by this member's clock with no answer and no
     * hand-back: the lock is lost.
     */
    List<InFlight> takeLapsed(long nowNanos) {
        List<InFlight> lapsed = new ArrayList<>();
        for (Iterator<InFlight> it = held.values().iterator(); it.hasNext(); ) {
            InFlight f = it.next();
            if (f.state == State.RENEWING && nowNanos - f.lockEndNanos > 0) {
                lapsed.add(f);
                it.remove();
            }
        }
        return lapsed;
    }

    /**
     * {@code f}'s work ended (ignored if the record was given up meanwhile, or held anew since); the first end reported
     * counts: a worker's result after its deadline passed changes nothing.
     */
    void finished(InFlight f, Result result, Throwable error) {
        if (held.get(RunStats.id(f.record)) == f && f.result == null) {
            f.result = result;
            f.error = error;
        }
    }

    /** Whether a record handed over by the last poll still waits for its acknowledgement. */
    boolean hasHeld() {
        return held.values().stream().anyMatch(f -> f.state == State.HELD);
    }

    boolean isEmpty() {
        return held.isEmpty();
    }

    int size() {
        return held.size();
    }

    /** Records whose lock is confirmed and whose work has neither started nor ended, in the order they came. */
    List<InFlight> waiting() {
        return held.values().stream().filter(f -> f.confirmed && !f.started() && !f.finished()).toList();
    }

    /** Records whose work has neither started nor ended, confirmed or not. */
    List<InFlight> unstarted() {
        return held.values().stream().filter(f -> !f.started() && !f.finished()).toList();
    }

    /** Removes and returns the held records whose work has ended: they get their final acknowledgement now. */
    List<InFlight> takeFinishedHeld() {
        List<InFlight> done = new ArrayList<>();
        for (Iterator<InFlight> it = held.values().iterator(); it.hasNext(); ) {
            InFlight f = it.next();
            if (f.state == State.HELD && f.finished()) {
                done.add(f);
                it.remove();
            }
        }
        return done;
    }

    /** Marks the held records due a RENEW as renewing and returns them; each is next due half a lock from now. */
    List<InFlight> takeDue(long nowNanos, long lockNanos) {
        List<InFlight> due = new ArrayList<>();
        for (InFlight f : held.values()) {
            if (f.state == State.HELD && !f.finished() && f.renewAtNanos <= nowNanos) {
                f.state = State.RENEWING;
                f.renewAtNanos = nowNanos + lockNanos / 2;
                due.add(f);
            }
        }
        return due;
    }

    /** Nanoseconds until a held record is due a RENEW (0 if one is). */
    long nanosToRenew(long nowNanos) {
        return held.values().stream().filter(f -> f.state == State.HELD && !f.finished())
                .mapToLong(f -> Math.max(0, f.renewAtNanos - nowNanos)).min().orElse(Long.MAX_VALUE);
    }

    /** The broker refused to renew {@code id}: the lock is gone, so is the record from this member (its work stops). */
    InFlight lost(String id) {
        return held.remove(id);
    }

    /** Removes and returns every record still held (closing). */
    List<InFlight> takeAll() {
        List<InFlight> all = new ArrayList<>(held.values());
        held.clear();
        return all;
    }
}
