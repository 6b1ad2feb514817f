package dev.starvation.walkthrough;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TerminalTest {

    private static String print(boolean colour) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Terminal terminal = new Terminal(new PrintStream(bytes, true, StandardCharsets.UTF_8), colour);
        terminal.heading("1a. the bug");
        terminal.line("probe", "PROBE FAIL timeout after 500ms (1/3)");
        terminal.line("probe", "PROBE ok 2ms");
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void plainTextCarriesNoEscapeCodes() {
        String out = print(false);
        assertThat(out).doesNotContain("\u001b[")
                .contains("== 1a. the bug", "[probe]", "PROBE FAIL timeout after 500ms (1/3)", "PROBE ok 2ms");
    }

    @Test
    void colourMarksFailuresRedAndSuccessesGreen() {
        String out = print(true);
        assertThat(out).contains("\u001b[31mPROBE FAIL timeout after 500ms (1/3)\u001b[0m")
                .contains("\u001b[32mPROBE ok 2ms\u001b[0m");
    }
}
