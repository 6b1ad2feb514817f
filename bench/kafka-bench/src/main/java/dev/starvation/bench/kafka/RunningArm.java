package dev.starvation.bench.kafka;

/** A consumer of the benchmark while it runs. */
interface RunningArm {

    /** CPU time of the thread(s) that poll Kafka and hand out work, so far, in ns. */
    long pollThreadCpuNanos();

    /** Stops the consumer and waits until it has closed. */
    void stop() throws Exception;
}
