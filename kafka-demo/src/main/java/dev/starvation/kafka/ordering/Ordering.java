package dev.starvation.kafka.ordering;

import java.util.Locale;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What the offloading consumer keeps in order within a partition: the records of one key, the whole partition, or
 * nothing. Records of one lane run one at a time in offset order; records of different lanes run at the same time.
 */
public enum Ordering {
    /** One lane per key: a key's records in offset order, different keys at once. A record without a key is alone. */
    KEY,
    /** One lane for the whole partition: one record in flight per partition. */
    PARTITION,
    /** Every record its own lane: as many in flight as there are workers. */
    UNORDERED;

    /** A lane no other record shares: for records without a key, and for every record when unordered. */
    private record Alone(long offset) {
    }

    /** The lane of {@code record}: equal lanes run one record at a time. */
    public Object laneOf(ConsumerRecord<?, ?> record) {
        return switch (this) {
            // A record without a key was promised no order (the default partitioner spreads such records anyway).
            case KEY -> record.key() != null ? record.key() : new Alone(record.offset());
            case PARTITION -> PARTITION;
            case UNORDERED -> new Alone(record.offset());
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
