package dev.starvation.kafka.ordering;

import java.util.Collection;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * How far one partition's work has got: the offsets received and not finished yet, and those finished above the
 * lowest of them. What may be committed is the offset below which every received record has finished.
 * Used on the poll thread only.
 */
public final class OffsetTracker {

    private final TreeSet<Long> unfinished = new TreeSet<>();
    /** Finished offsets at or above the commit offset: what a next owner may skip. */
    private final TreeSet<Long> finishedAhead = new TreeSet<>();
    /** The offset after the last one received (or where reading starts); -1 until known. */
    private long next = -1;

    /** Reading starts at {@code offset} (the committed offset); offsets below it are never tracked. */
    public void startAt(long offset) {
        if (next < 0) {
            next = offset;
        }
    }

    /** Offsets a previous owner finished above {@code startAt}: counted as finished when they come. */
    public void finishedBefore(Collection<Long> offsets) {
        offsets.stream().filter(o -> o >= next).forEach(finishedAhead::add);
    }

    /** Whether {@code offset} was finished by a previous owner (see {@link #finishedBefore}) and not received yet. */
    public boolean finishedBefore(long offset) {
        return offset >= next && finishedAhead.contains(offset);
    }

    /**
     * Notes a record received for processing. Returns false, and tracks nothing, for an offset received before
     * (a record fetched again after a seek must not run twice).
     */
    public boolean received(long offset) {
        if (next >= 0 && offset < next) {
            return false;
        }
        next = offset + 1;
        if (!finishedAhead.contains(offset)) {
            unfinished.add(offset);
        }
        return true;
    }

    /** The record at {@code offset} is done with: processed, or dead-lettered. */
    public void finished(long offset) {
        if (unfinished.remove(offset)) {
            finishedAhead.add(offset);
            // Below the commit offset nothing is needed any more; offsets not received yet stay, to be skipped.
            finishedAhead.headSet(Math.min(commitOffset(), next)).clear();
        }
    }

    /** The offset to commit: the lowest unfinished one, or the one after all received (all finished); -1 if unknown. */
    public long commitOffset() {
        long offset = unfinished.isEmpty() ? next : unfinished.first();
        // Past the last record received, offsets a previous owner finished may follow: they need no reading either.
        while (offset >= 0 && unfinished.isEmpty() && finishedAhead.contains(offset)) {
            offset++;
        }
        return offset;
    }

    /** Finished offsets above {@link #commitOffset()}, ascending: a next owner skips them. */
    public NavigableSet<Long> finishedAboveCommit() {
        return finishedAhead.tailSet(commitOffset(), false);
    }

    /** The offset after the last one received (or where reading starts); -1 until known. */
    public long next() {
        return next;
    }

    /** Records received and not finished. */
    public int unfinishedCount() {
        return unfinished.size();
    }

    /** Offsets between the commit offset and the last received: what a crash now would read again, at most. */
    public long span() {
        long commit = commitOffset();
        return next < 0 || commit < 0 ? 0 : Math.max(0, next - commit);
    }
}
