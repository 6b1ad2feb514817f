package dev.starvation.walkthrough;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartsTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    @Test
    void probeChartIsAPngWithTheFailuresDrawnInTheirOwnColour() throws IOException {
        ProbeSeries bug = ProbeSeries.parse("bug", List.of("10:00:00.000 [m] PROBE ok 3ms",
                "10:00:00.500 [m] PROBE FAIL timeout after 500ms (1/3)", "10:00:01.000 [m] PROBE ok 2ms"), 500);
        Path png = Charts.probeLatency(dir.resolve("probe.png"), List.of(bug), 500);

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1000);
        assertThat(image.getHeight()).isEqualTo(500);
        assertThat(countPixels(image, 0xD62728)).as("pixels of the bug's line").isPositive();
    }

    @Test
    void pollGapChartReadsTheConsumersCsv() throws IOException {
        Path csv = Files.writeString(dir.resolve("gaps.csv"), "elapsed_ms,gap_ms\n100,5\n7600,7500\n7700,4\n");
        PollGaps gaps = PollGaps.read("naive", csv);
        assertThat(gaps.maxGapMillis()).isEqualTo(7500);

        Path png = Charts.pollGaps(dir.resolve("gaps.png"), List.of(gaps), 3000);
        assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(1000);
    }

    @Test
    void aBrokenCsvLineIsNamed() throws IOException {
        Path csv = Files.writeString(dir.resolve("bad.csv"), "elapsed_ms,gap_ms\n100,five\n");
        assertThatThrownBy(() -> PollGaps.read("naive", csv)).hasMessageContaining("line 2").hasMessageContaining("five");
    }

    @Test
    void blastChartHasAPanelPerRunWithEachMembersThroughputAndTheStarvationShaded() throws IOException {
        Path csv = Files.writeString(dir.resolve("buckets.csv"), "setup,member,t_ms,records\n"
                + "eager,eager-1,0,12\neager,eager-1,250,0\neager,eager-2,0,11\neager,eager-2,250,13\n"
                + "consumer,consumer-1,0,12\nconsumer,consumer-1,250,0\n");
        List<MemberThroughput> members = MemberThroughput.read(csv);
        assertThat(members).extracting(MemberThroughput::member).containsExactly("eager-1", "eager-2", "consumer-1");
        assertThat(members.get(1).points()).extracting(p -> p[1]).containsExactly(11.0, 13.0);

        Path png = ThroughputChart.draw(dir.resolve("blast.png"), List.of(
                new ThroughputChart.Panel("eager", members.subList(0, 2), 0.1, 0.3),
                new ThroughputChart.Panel("consumer", members.subList(2, 3), 0.1, 0.3)));
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getHeight()).isEqualTo(220 * 2 + 120);
        assertThat(countPixels(image, 0x1F77B4)).as("pixels of member 2's line").isPositive();
    }

    @Test
    void aBrokenBucketLineIsNamed() throws IOException {
        Path csv = Files.writeString(dir.resolve("bad.csv"), "setup,member,t_ms,records\neager,eager-1,0\n");
        assertThatThrownBy(() -> MemberThroughput.read(csv)).hasMessageContaining("line 2")
                .hasMessageContaining("setup,member,t_ms,records");
    }

    private static long countPixels(BufferedImage image, int rgb) {
        long n = 0;
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                if ((image.getRGB(x, y) & 0xFFFFFF) == rgb) {
                    n++;
                }
            }
        }
        return n;
    }
}
