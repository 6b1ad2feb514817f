package dev.starvation.common.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Keeps the scrape clean for {@code promtool check metrics}, whose rules are Prometheus's naming conventions. Some
 * meters that binders register break them: {@code process.cpu.time} is counted in nanoseconds and Kafka's client names
 * {@code io-wait-time-ns-avg} or {@code start-time-ms}; a filter can rename but not rescale, so a meter whose name or
 * unit is an abbreviated, non-base unit is dropped (the same facts exist in base units, e.g. {@code process_cpu_usage},
 * {@code io_wait_ratio}). A gauge named {@code …count} reads as a histogram's part: {@code system.cpu.count} is
 * published as {@code system.cpus}, and Kafka's {@code connection-count} is dropped (its {@code connections} gauge
 * counts the same connections, by client software). Kafka's client also reports times in milliseconds under names without
 * a unit ({@code time-between-poll-max}, {@code rebalance-latency-avg}, {@code commit-latency-max}, …): a name that does
 * not say its unit would be read as seconds, so these are dropped too, and the consumer publishes the ones it needs in
 * seconds. A meter without a description gets one naming it.
 */
public final class PrometheusLintFilter implements MeterFilter {

    /** The abbreviations promtool's linter rejects as a part of a metric name. */
    private static final Set<String> ABBREVIATED_UNITS = Set.of("s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb",
            "tb", "pb", "m", "h", "d");
    private static final Pattern PARTS = Pattern.compile("[._-]");
    private static final String CPU_COUNT = "system.cpu.count";
    /** Kafka client meters whose values are milliseconds (their names carry no unit). */
    private static final Pattern KAFKA_MILLIS = Pattern.compile("kafka\\..*\\.(latency|time)\\.(avg|max|total)");

    @Override
    public MeterFilterReply accept(Meter.Id id) {
        if (id.getName().endsWith(".count") && id.getType() == Meter.Type.GAUGE
                && !id.getName().equals(CPU_COUNT)) {
            return MeterFilterReply.DENY;
        }
        String unit = id.getBaseUnit();
        if (unit != null && ABBREVIATED_UNITS.contains(unit)) {
            return MeterFilterReply.DENY;
        }
        if (unit == null && KAFKA_MILLIS.matcher(id.getName()).matches()) {
            return MeterFilterReply.DENY;
        }
        for (String part : PARTS.split(id.getName())) {
            if (ABBREVIATED_UNITS.contains(part)) {
                return MeterFilterReply.DENY;
            }
        }
        return MeterFilterReply.NEUTRAL;
    }

    @Override
    public Meter.Id map(Meter.Id id) {
        Meter.Id named = id.getName().equals(CPU_COUNT) ? id.withName("system.cpus") : id;
        String help = named.getDescription();
        if (help == null || help.isBlank()) {
            // Prometheus wants help text for every metric; some of the Kafka client's come without a description.
            return new Meter.Id(named.getName(), Tags.of(named.getTagsAsIterable()), named.getBaseUnit(),
                    named.getName() + " (its source gives no description)", named.getType());
        }
        return named;
    }
}
