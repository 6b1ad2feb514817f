package dev.starvation.kafka.consume;

import dev.starvation.common.Durations;
import java.time.Duration;

/**
 * What the offloading consumer does with a record that fails or hangs: how long one attempt may run, how many attempts
 * it gets and how long it waits between them, then how long one send to the dead-letter topic may take.
 *
 * @param maxAttempts    attempts per record, the first included, before it is dead-lettered
 * @param retryBackoff   wait before the second attempt; it doubles for each one after (and between dead-letter sends)
 * @param recordDeadline how long one attempt may run before its worker is interrupted and the attempt counts as failed
 * @param deadLetterTimeout bound of one send to the dead-letter topic (the producer's max.block.ms and
 *                       delivery.timeout.ms)
 */
public record FailurePolicy(int maxAttempts, Duration retryBackoff, Duration recordDeadline,
        Duration deadLetterTimeout) {

    /** Sends to the dead-letter topic per record before its partition stops. */
    public static final int DEAD_LETTER_SENDS = 3;
    /** No backoff grows past this, however many attempts. */
    static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

    /** Three attempts, 1 s then 2 s apart, 30 s each; 10 s per dead-letter send. */
    public static FailurePolicy defaults() {
        return new FailurePolicy(3, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    /** Throws an {@link IllegalArgumentException} naming the first value that cannot work. */
    FailurePolicy validate() {
        require(maxAttempts >= 1, "--max-attempts must be at least 1, got " + maxAttempts);
        require(!retryBackoff.isNegative(), "--retry-backoff must not be negative, got " + retryBackoff);
        require(recordDeadline.toMillis() >= 1, "--record-deadline must be positive, got "
                + Durations.format(recordDeadline));
        require(deadLetterTimeout.toMillis() >= 100, "--dlt-timeout must be at least 100ms, got "
                + Durations.format(deadLetterTimeout));
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The wait after failed attempt {@code attempt} (1 for the first): the backoff, doubled per attempt, capped. */
    public Duration backoffAfter(int attempt) {
        Duration d = retryBackoff;
        for (int i = 1; i < attempt && d.compareTo(MAX_BACKOFF) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    /** The same policy with other attempts and backoff. */
    public FailurePolicy withRetries(int attempts, Duration backoff) {
        return new FailurePolicy(attempts, backoff, recordDeadline, deadLetterTimeout);
    }

    /** The same policy with another record deadline. */
    public FailurePolicy withRecordDeadline(Duration deadline) {
        return new FailurePolicy(maxAttempts, retryBackoff, deadline, deadLetterTimeout);
    }

    /** The same policy with another bound per dead-letter send. */
    public FailurePolicy withDeadLetterTimeout(Duration timeout) {
        return new FailurePolicy(maxAttempts, retryBackoff, recordDeadline, timeout);
    }
}
