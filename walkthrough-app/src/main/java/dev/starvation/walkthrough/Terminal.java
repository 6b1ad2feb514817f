package dev.starvation.walkthrough;

import java.io.PrintStream;

/** Prints the walkthrough's headings and the demos' lines, in colour only when asked (a TTY without NO_COLOR). */
final class Terminal {

    private static final String RESET = "\u001b[0m";
    private static final String BOLD = "\u001b[1m";
    private static final String DIM = "\u001b[2m";
    private static final String RED = "\u001b[31m";
    private static final String GREEN = "\u001b[32m";
    private static final String YELLOW = "\u001b[33m";
    private static final String CYAN = "\u001b[36m";

    private final PrintStream out;
    private final boolean colour;

    Terminal(PrintStream out, boolean colour) {
        this.out = out;
        this.colour = colour;
    }

    void heading(String text) {
        println("");
        println(paint(BOLD + CYAN, "== " + text));
    }

    void note(String text) {
        println(paint(DIM, "   " + text));
    }

    /** A demo's line under its tag, coloured by the word that starts the event. */
    void line(String tag, String line) {
        println(paint(DIM, String.format("%-16s", "[" + tag + "]")) + paint(colourOf(line), line));
    }

    void plain(String text) {
        println(text);
    }

    private String colourOf(String line) {
        if (line.contains("FAIL") || line.contains("STALL") || line.contains("RESTART") || line.contains("LOST")
                || line.contains("REVOKED") || line.contains("DUPLICATE") || line.contains("ERROR")
                || line.contains("LOAD lost") || line.contains("SUPERVISE restart") || line.contains("SUPERVISE killed")) {
            return RED;
        }
        if (line.contains("SUMMARY")) {
            return BOLD;
        }
        if (line.contains(" ok") || line.contains("ready") || line.contains("listening")) {
            return GREEN;
        }
        if (line.contains("WARN") || line.contains("REJECT") || line.contains("TUNED") || line.contains("backoff")
                || line.contains("HOLD")) {
            return YELLOW;
        }
        return "";
    }

    private String paint(String style, String text) {
        return colour && !style.isEmpty() ? style + text + RESET : text;
    }

    private synchronized void println(String text) {
        out.println(text);
        out.flush();
    }
}
