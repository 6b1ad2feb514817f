package dev.starvation.kafka.consume;

/**
 * Thrown by a {@link Processor} when something it depends on is unavailable for a while (a database down, a service
 * answering 503), not when the record is bad: the offloading consumer tries the record again after a backoff that
 * grows as for failed attempts, without using one of its {@code --max-attempts}, so an outage does not send every
 * record to the dead-letter topic.
 */
public class RetriableProcessingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A transient failure, with what was unavailable. */
    public RetriableProcessingException(String message) {
        super(message);
    }

    /** A transient failure caused by {@code cause} (a connection refused, a timeout). */
    public RetriableProcessingException(String message, Throwable cause) {
        super(message, cause);
    }
}
