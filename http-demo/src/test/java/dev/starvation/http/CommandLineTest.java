package dev.starvation.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.common.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The jar's command line: help on every subcommand, and bad options refused with a message that names them. */
class CommandLineTest {

    /** Exit code and everything printed. */
    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.commandLine(new HttpDemo());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"server", "probe", "load", "supervise"})
    void everySubcommandHasHelp(String subcommand) {
        Run run = run(subcommand, "--help");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("Usage: http-demo " + subcommand);
    }

    @Test
    void noSubcommandAsksForOne() {
        Run run = run();
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("choose a subcommand: server, probe, load or supervise");
    }

    @ParameterizedTest(name = "{0} -> exit {1}, says ''{2}''")
    @CsvSource(delimiter = '|', value = {
        "server --port 70000                                     | 1 | --port must be 0..65535",
        "server --event-loops 0                                  | 1 | --event-loops must be 1..256",
        "server --workers -1                                     | 1 | --workers must be 1..1024",
        "server --stall-limit soon                               | 2 | invalid duration 'soon'",
        "probe --url http://127.0.0.1:1/health --timeout -1s     | 2 | invalid duration '-1s'",
        "probe --url http://127.0.0.1:1/health                   | 1 | give --count or --duration",
        "probe --url ftp://127.0.0.1/health --count 1            | 1 | --url must be an http:// URL",
        "probe --count 1                                         | 2 | Missing required option: '--url",
        "load --url http://127.0.0.1:1/health --requests 0       | 1 | --requests must be 1..10000",
        "load --url http://127.0.0.1:1/health --retries -1       | 1 | --retries must be 0..100",
        "supervise --url http://127.0.0.1:1/health --count 3     | 2 | no server command: give it after --",
        "supervise --url http://127.0.0.1:1/health --count 3 --bogus -- sleep 9 | 2 | Unknown option: '--bogus'",
        "supervise --url http://127.0.0.1:1/health -- sleep 9    | 1 | give --count or --duration",
        "supervise --url http://127.0.0.1:1/health --count 3 --backoff 2s --max-backoff 1s -- sleep 9 | 1 | --max-backoff (1000ms) must not be below --backoff (2000ms)",
        "supervise --url http://127.0.0.1:1/health --count 3 --grace soon -- sleep 9 | 2 | invalid duration 'soon'",
        "supervise --count 3 -- sleep 9                          | 2 | Missing required option: '--url",
        "serve                                                   | 2 | Unmatched argument",
        "--port 8080                                             | 2 | Unknown options: '--port'"})
    void badOptionsAreRefusedNamingTheProblem(String args, int exit, String message) {
        Run run = run(args.trim().split("\\s+"));
        assertThat(run.exit()).isEqualTo(exit);
        assertThat(run.err()).contains(message.trim());
    }
}
