package dev.starvation.walkthrough;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.starvation.common.Cli;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/** The repository's deployment files as the tests read them: docker-compose.yml and the commands in it. */
final class DeploymentFiles {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path COMPOSE = ROOT.resolve("docker-compose.yml");

    private DeploymentFiles() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file)) {
            return (Map<String, Object>) new Yaml().load(in);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> services(Map<String, Object> compose) {
        return (Map<String, Map<String, Object>>) compose.get("services");
    }

    static Map<String, Map<String, Object>> composeServices() throws IOException {
        return services(yaml(COMPOSE));
    }

    static List<String> strings(Object value) {
        assertThat(value).isInstanceOf(List.class);
        return ((List<?>) value).stream().map(String::valueOf).toList();
    }

    /** Parses {@code args} with a demo's own command line, as its jar would. */
    static CommandLine.ParseResult parse(Object demo, List<String> args) {
        CommandLine cl = Cli.commandLine(demo);
        assertThatCode(() -> cl.parseArgs(args.toArray(String[]::new))).as("%s", args).doesNotThrowAnyException();
        return cl.getParseResult();
    }

    /** The value that follows {@code option} in {@code args}. */
    static String optionValue(List<String> args, String option) {
        int at = args.indexOf(option);
        assertThat(at).as("%s in %s", option, args).isNotNegative();
        return args.get(at + 1);
    }

    /** The command {@code supervise} runs as its child, what follows {@code --}; empty for any other command. */
    static List<String> supervisedCommand(List<String> command) {
        int dashes = command.indexOf("--");
        return !command.isEmpty() && command.get(0).equals("supervise") && dashes >= 0
                ? command.subList(dashes + 1, command.size()) : List.of();
    }

    /** The arguments a {@code java … -jar JAR args} command line hands the jar. */
    static List<String> jarArguments(List<String> javaCommand) {
        int jar = javaCommand.indexOf("-jar");
        assertThat(javaCommand).as("a java -jar command line").isNotEmpty().first().isEqualTo("java");
        assertThat(jar).as("-jar in %s", javaCommand).isPositive().isLessThan(javaCommand.size() - 1);
        return javaCommand.subList(jar + 2, javaCommand.size());
    }

    /** What the demo that serves in a container runs: its command, or under {@code supervise} the child's. */
    static List<String> servingCommand(List<String> command) {
        List<String> child = supervisedCommand(command);
        return child.isEmpty() ? command : jarArguments(child);
    }
}
