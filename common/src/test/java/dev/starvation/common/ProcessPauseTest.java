package dev.starvation.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** A whole process frozen from outside (SIGSTOP, as a debugger, a VM migration or a cgroup freeze do) is not a loop stall. */
class ProcessPauseTest {

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void frozenProcessIsReportedAsPausedNotAsAStalledLoop() throws Exception {
        try (ChildProcess child = ChildProcess.startJava("watched", List.of("-cp", System.getProperty("java.class.path"),
                WatchedLoopMain.class.getName()), line -> { })) {
            child.awaitLine("READY", Duration.ofSeconds(20));
            signal("STOP", child.pid());
            try {
                Thread.sleep(1_000);
            } finally {
                signal("CONT", child.pid());
            }
            // A busy machine may pause the process, or delay the idle loop, a little on its own: the freeze is the
            // pause of a second, and no loop STALL may span it.
            // An assertion inside the await, so that a failure prints the child's lines.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(child.lines()).as("the child's lines")
                    .anyMatch(l -> l.contains("STALL process paused") && millisIn(l, "paused") >= 900));
            child.closeInput();
            child.awaitLine("SUMMARY", Duration.ofSeconds(10));

            List<String> loopStalls = child.lines().stream().filter(l -> l.contains("STALL event loop")).toList();
            assertThat(loopStalls).as("loop stalls as long as the freeze").noneMatch(l -> millisIn(l, "for") >= 900);
            assertThat(child.lines()).anyMatch(l -> l.matches("SUMMARY stalls=" + loopStalls.size() + " pauses=[1-9]\\d*"));
        }
    }

    /** The number of ms after {@code word} in a STALL line ("paused 1003 ms", "blocked for 250 ms"). */
    private static long millisIn(String line, String word) {
        return Long.parseLong(line.replaceAll(".*" + word + " (\\d+) ms.*", "$1"));
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -%s %d", signal, pid).isZero();
    }
}
