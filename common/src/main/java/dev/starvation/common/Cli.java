package dev.starvation.common;

import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine;

/**
 * Runs a picocli command the same way in both demos: durations like {@code 1s}, enum values in any case, and errors that
 * say what is wrong.
 */
public final class Cli {

    /** Exit code for a command that started but failed (bad input found late, broker unreachable, …). */
    public static final int FAILED = 1;

    private Cli() {
    }

    /** Builds the command line for {@code command} with this project's converters and error handling. */
    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.registerConverter(Duration.class, new DurationConverter());
        // Modes and protocols are typed as the docs write them: naive, classic, consumer.
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("ERROR " + commandLine.getCommandName() + ": " + describe(e));
            err.flush();
            return FAILED;
        });
        return cl;
    }

    /** Parses {@code args}, runs the chosen subcommand and returns its exit code (2 for bad options). */
    public static int run(Object command, String... args) {
        return commandLine(command).execute(args);
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
