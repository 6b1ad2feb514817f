package dev.starvation.common;

import static org.assertj.core.api.Assertions.assertThat;

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
            String pause = child.awaitLine("STALL process paused", Duration.ofSeconds(10));
            child.closeInput();
            child.awaitLine("SUMMARY", Duration.ofSeconds(10));

            assertThat(Long.parseLong(pause.replaceAll(".*STALL process paused (\\d+) ms.*", "$1")))
                    .isGreaterThanOrEqualTo(900);
            assertThat(child.lines()).noneMatch(l -> l.contains("STALL event loop"));
            assertThat(child.lines()).anyMatch(l -> l.matches("SUMMARY stalls=0 pauses=[1-9]\\d*"));
        }
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -%s %d", signal, pid).isZero();
    }
}
