package dev.starvation.kafka.ordering;

import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.BitSet;
import java.util.Iterator;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The offsets finished above a committed offset, written into the commit's metadata so that the partition's next owner
 * skips them. Two encodings, the shorter wins: a bitmap (dense) or run lengths (sparse or long runs), each base64url
 * behind a tag and the offset they count from, e.g. {@code f2b:7.BQ} for "offsets 8 and 10 are finished" committed
 * with offset 7. Metadata whose offset is not the committed one (a tool moved the offset and kept the metadata) means
 * nothing: its bits would name other records.
 */
public final class CommitMetadata {

    /** The broker's default {@code offset.metadata.max.bytes}: a commit with longer metadata is refused. */
    public static final int BROKER_LIMIT = 4096;
    /** Decoding stops past this many offsets: metadata we did not write must not make us allocate without bound. */
    static final int MAX_DECODED = 1 << 20;
    /** Nor may it name offsets further than this above the committed one. */
    static final int MAX_SPAN = 1 << 24;

    private static final String BITMAP = "f2b:";
    private static final String RUNS = "f2r:";
    /** Between the base offset and the encoded offsets. */
    private static final char BASE_END = '.';
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64_IN = Base64.getUrlDecoder();

    private CommitMetadata() {
    }

    /**
     * The metadata for committing {@code commitOffset} while {@code finishedAbove} (all above it) are done: "" when
     * none are, empty if even the shorter encoding is longer than {@code maxBytes}.
     */
    public static Optional<String> encode(long commitOffset, SortedSet<Long> finishedAbove, int maxBytes) {
        String text = shorter(commitOffset, finishedAbove, maxBytes);
        return text.length() <= maxBytes ? Optional.of(text) : Optional.empty();
    }

    /** How many bytes (ASCII) the metadata would take: for the log line when it does not fit. */
    public static int encodedLength(long commitOffset, SortedSet<Long> finishedAbove) {
        return shorter(commitOffset, finishedAbove, Integer.MAX_VALUE).length();
    }

    private static String shorter(long commitOffset, SortedSet<Long> finished, int maxBytes) {
        if (finished.isEmpty()) {
            return "";
        }
        String base = Long.toString(commitOffset) + BASE_END;
        String runs = RUNS + base + B64.encodeToString(runs(commitOffset, finished));
        long span = finished.last() - commitOffset;
        // A bitmap costs a bit per offset of the span, 6 per base64 character: past the limit it cannot fit.
        if (span / 6 > Math.min(maxBytes, MAX_SPAN)) {
            return runs;
        }
        String bitmap = BITMAP + base + B64.encodeToString(bitmap(commitOffset, finished));
        return bitmap.length() <= runs.length() ? bitmap : runs;
    }

    /**
     * The finished offsets carried by {@code metadata} committed with {@code commitOffset}; empty for no metadata, for
     * metadata another program wrote, for metadata written for another offset (see {@link #baseOf}), and for anything
     * malformed (the records are then simply processed again).
     */
    public static SortedSet<Long> decode(long commitOffset, String metadata) {
        TreeSet<Long> offsets = new TreeSet<>();
        OptionalLong base = baseOf(metadata);
        if (commitOffset < 0 || base.isEmpty() || base.getAsLong() != commitOffset) {
            return offsets;
        }
        String encoded = metadata.substring(metadata.indexOf(BASE_END) + 1);
        try {
            if (metadata.startsWith(BITMAP)) {
                BitSet bits = BitSet.valueOf(B64_IN.decode(encoded));
                for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
                    if (i >= MAX_SPAN || offsets.size() >= MAX_DECODED) {
                        throw new IllegalArgumentException("too many offsets");
                    }
                    offsets.add(commitOffset + 1 + i);
                }
            } else {
                decodeRuns(commitOffset, B64_IN.decode(encoded), offsets);
            }
        } catch (IllegalArgumentException malformed) {
            offsets.clear();
        }
        return offsets;
    }

    /**
     * The offset {@code metadata} of ours was written for (the offset committed with it), or empty if it is not ours.
     * A commit whose offset differs was moved by something that kept the metadata (MirrorMaker 2's offset sync, an
     * operator's reset): its finished offsets are not to be trusted.
     */
    public static OptionalLong baseOf(String metadata) {
        if (metadata == null || !(metadata.startsWith(BITMAP) || metadata.startsWith(RUNS))) {
            return OptionalLong.empty();
        }
        int end = metadata.indexOf(BASE_END, BITMAP.length());
        try {
            return end < 0 ? OptionalLong.empty()
                    : OptionalLong.of(Long.parseLong(metadata.substring(BITMAP.length(), end)));
        } catch (NumberFormatException notOurs) {
            return OptionalLong.empty();
        }
    }

    /** Bit i set: offset commitOffset + 1 + i is finished (the committed offset itself never is). */
    private static byte[] bitmap(long commitOffset, SortedSet<Long> finished) {
        BitSet bits = new BitSet();
        for (long offset : finished) {
            bits.set(Math.toIntExact(offset - commitOffset - 1));
        }
        return bits.toByteArray();
    }

    /** From commitOffset + 1: lengths of alternating runs, unfinished first (possibly 0), as unsigned varints. */
    private static byte[] runs(long commitOffset, SortedSet<Long> finished) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long at = commitOffset + 1;
        Iterator<Long> it = finished.iterator();
        long runStart = it.next();
        long runEnd = runStart + 1;
        while (true) {
            Long following = it.hasNext() ? it.next() : null;
            if (following != null && following == runEnd) {
                runEnd++;
                continue;
            }
            varint(out, runStart - at);
            varint(out, runEnd - runStart);
            at = runEnd;
            if (following == null) {
                return out.toByteArray();
            }
            runStart = following;
            runEnd = following + 1;
        }
    }

    private static void decodeRuns(long commitOffset, byte[] bytes, SortedSet<Long> offsets) {
        int[] pos = {0};
        long at = commitOffset + 1;
        while (pos[0] < bytes.length) {
            at += readVarint(bytes, pos);
            long length = readVarint(bytes, pos);
            if (length < 0 || at <= commitOffset || at + length - commitOffset > MAX_SPAN
                    || offsets.size() + length > MAX_DECODED) {
                throw new IllegalArgumentException("too many offsets");
            }
            for (long o = at; o < at + length; o++) {
                offsets.add(o);
            }
            at += length;
        }
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long readVarint(byte[] bytes, int[] pos) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= bytes.length) {
                throw new IllegalArgumentException("truncated varint");
            }
            byte b = bytes[pos[0]++];
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }

}
