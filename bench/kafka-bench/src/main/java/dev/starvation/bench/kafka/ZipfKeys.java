package dev.starvation.bench.kafka;

import java.util.Arrays;
import java.util.Random;

/**
 * Keys {@code key-0 … key-(n-1)} drawn from a Zipf distribution (rank r with weight 1 / r^s), from a fixed seed so
 * that every arm of the benchmark gets the same sequence. An inverse CDF over n ranks: a dozen lines, so no library for it.
 */
final class ZipfKeys {

    private final double[] cumulative;
    private final Random random;

    ZipfKeys(int keys, double exponent, long seed) {
        cumulative = new double[keys];
        double sum = 0;
        for (int rank = 1; rank <= keys; rank++) {
            sum += 1 / Math.pow(rank, exponent);
            cumulative[rank - 1] = sum;
        }
        for (int i = 0; i < keys; i++) {
            cumulative[i] /= sum;
        }
        random = new Random(seed);
    }

    /** The next key of the sequence. */
    String next() {
        int i = Arrays.binarySearch(cumulative, random.nextDouble());
        return "key-" + Math.min(cumulative.length - 1, i < 0 ? -i - 1 : i);
    }
}
