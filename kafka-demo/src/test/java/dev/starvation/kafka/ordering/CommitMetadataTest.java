package dev.starvation.kafka.ordering;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class CommitMetadataTest {

    private static SortedSet<Long> offsets(long... values) {
        TreeSet<Long> set = new TreeSet<>();
        for (long v : values) {
            set.add(v);
        }
        return set;
    }

    private static SortedSet<Long> range(long fromInclusive, long toExclusive) {
        TreeSet<Long> set = new TreeSet<>();
        LongStream.range(fromInclusive, toExclusive).forEach(set::add);
        return set;
    }

    @Test
    void nothingFinishedAboveTheCommitIsTheEmptyMetadata() {
        assertThat(CommitMetadata.encode(42, offsets(), CommitMetadata.BROKER_LIMIT)).contains("");
        assertThat(CommitMetadata.decode(42, "")).isEmpty();
    }

    @Test
    void whatIsEncodedDecodesToTheSameOffsets() {
        Random random = new Random(8);
        for (int round = 0; round < 200; round++) {
            long commit = random.nextInt(1_000_000);
            TreeSet<Long> finished = new TreeSet<>();
            int n = 1 + random.nextInt(300);
            int density = 1 + random.nextInt(20);
            for (int i = 0; i < n; i++) {
                finished.add(commit + 1 + random.nextInt(n * density));
            }
            String metadata = CommitMetadata.encode(commit, finished, CommitMetadata.BROKER_LIMIT).orElseThrow();
            assertThat(CommitMetadata.decode(commit, metadata)).as(metadata).isEqualTo(finished);
        }
    }

    @Test
    void denseOffsetsTakeABitmapAndLongRunsTakeRunLengths() {
        // 1,000 offsets, every other one finished: a bit each.
        SortedSet<Long> alternate = new TreeSet<>();
        for (long o = 1; o <= 1000; o += 2) {
            alternate.add(o);
        }
        String bitmap = CommitMetadata.encode(0, alternate, CommitMetadata.BROKER_LIMIT).orElseThrow();
        assertThat(bitmap).startsWith("f2b:0.").hasSizeLessThanOrEqualTo(6 + 1000 / 6 + 1);

        // 100,000 finished offsets in one run after the gap: two numbers.
        String runs = CommitMetadata.encode(0, range(1, 100_001), CommitMetadata.BROKER_LIMIT).orElseThrow();
        assertThat(runs).startsWith("f2r:0.").hasSizeLessThan(18);
        assertThat(CommitMetadata.decode(0, runs)).hasSize(100_000);
    }

    @Test
    void metadataLongerThanTheLimitIsNotProduced() {
        SortedSet<Long> alternate = new TreeSet<>();
        for (long o = 1; o <= 40_000; o += 2) {
            alternate.add(o);
        }
        assertThat(CommitMetadata.encodedLength(0, alternate)).isGreaterThan(CommitMetadata.BROKER_LIMIT);
        assertThat(CommitMetadata.encode(0, alternate, CommitMetadata.BROKER_LIMIT)).isEmpty();
        assertThat(CommitMetadata.encode(0, offsets(5, 9), 6)).as("a limit of 6 bytes for 7").isEmpty();
    }

    @Test
    void metadataWrittenByAnotherProgramOrMangledMeansNothingIsSkipped() {
        assertThat(CommitMetadata.decode(10, "committed by spring-kafka")).isEmpty();
        assertThat(CommitMetadata.decode(10, "f2b:10.***")).isEmpty();
        assertThat(CommitMetadata.decode(10, "f2r:10.gA")).as("truncated varint").isEmpty();
        assertThat(CommitMetadata.decode(10, null)).isEmpty();
    }

    @Test
    void metadataNamingMoreOffsetsThanAnyCommitOfOursIsRefusedRatherThanAllocated() {
        // One run of 2^40 finished offsets: four bytes of metadata.
        String huge = "f2r:0." + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(new byte[] {0, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x20});
        assertThat(CommitMetadata.decode(0, huge)).isEmpty();
    }

    @Test
    void metadataCommittedWithAnotherOffsetThanItWasWrittenForNamesNothing() {
        String written = CommitMetadata.encode(2, offsets(4, 5), CommitMetadata.BROKER_LIMIT).orElseThrow();
        assertThat(CommitMetadata.decode(2, written)).containsExactly(4L, 5L);
        assertThat(CommitMetadata.baseOf(written)).hasValue(2);
        // An offset sync or reset moved the offset to 0 and kept the metadata: offsets 2 and 3 were never finished.
        assertThat(CommitMetadata.decode(0, written)).isEmpty();
        assertThat(CommitMetadata.decode(3, written)).isEmpty();
    }

    @Test
    void runLengthsThatStepBackOntoTheCommittedOffsetAreRefused() {
        // A gap of -1 (ten varint bytes) would make the committed offset itself "finished".
        byte[] minusOne = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, 0x01, 0x01};
        String metadata = "f2r:10." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(minusOne);
        assertThat(CommitMetadata.decode(10, metadata)).isEmpty();
    }
}
