package dev.starvation.kafka;

/** Placeholder entry point; replaced by the kafka-demo work. */
public final class KafkaDemo {
    public static void main(String[] args) {
    }
}
