package dev.starvation.common;

import java.time.Duration;
import picocli.CommandLine;

/** Lets picocli options of type {@link Duration} take {@code 500ms}, {@code 1s}, {@code 2m}; errors name the option's bad value. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
