package dev.tersor.format.huffman;

import dev.tersor.kernels.huffman.CanonicalDecoder;
import dev.tersor.kernels.huffman.DecodeTable;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Properties of the length-limited canonical Huffman codes and of their table decoding. */
class CanonicalCodeTest {

    @Provide
    Arbitrary<long[]> frequencies() {
        Arbitrary<Long> uniform = Arbitraries.longs().between(1, 1000);
        Arbitrary<Long> skewed = Arbitraries.integers().between(0, 40).map(e -> 1L << e);
        return Arbitraries.oneOf(uniform, skewed).array(long[].class).ofMinSize(1).ofMaxSize(300);
    }

    @Property(tries = 300)
    void kraftSumIsAtMostOneAndBoundsHoldWithoutABindingLimit(@ForAll("frequencies") long[] frequencies) {
        CanonicalCode code = CanonicalCode.optimal(frequencies, DecodeTable.MAX_CODE_LENGTH);
        assertThat(code.kraftSum()).isLessThanOrEqualTo(1.0);
        if (code.maxLength() < DecodeTable.MAX_CODE_LENGTH) {
            // the limit did not bind, so these are Huffman's lengths: H ≤ L̄ < H + 1
            double total = 0;
            for (long f : frequencies) {
                total += f;
            }
            double entropy = 0;
            double average = 0;
            for (int s = 0; s < frequencies.length; s++) {
                double p = frequencies[s] / total;
                entropy -= p * Math.log(p) / Math.log(2);
                average += p * code.length(s);
            }
            if (frequencies.length > 1) {
                assertThat(average).isGreaterThanOrEqualTo(entropy - 1e-9).isLessThan(entropy + 1);
            } else {
                assertThat(average).isZero();
            }
        }
    }

    @Test
    void theLimitHoldsWhenItBinds() {
        // Fibonacci frequencies make Huffman's tree a chain: n − 1 bits for the rarest symbols.
        long[] fibonacci = new long[30];
        fibonacci[0] = 1;
        fibonacci[1] = 1;
        for (int i = 2; i < fibonacci.length; i++) {
            fibonacci[i] = fibonacci[i - 1] + fibonacci[i - 2];
        }
        assertThat(CanonicalCode.optimal(fibonacci, 40).maxLength()).isEqualTo(29);
        for (int limit : new int[]{5, 8, 12, 24}) {
            CanonicalCode code = CanonicalCode.optimal(fibonacci, limit);
            assertThat(code.maxLength()).isEqualTo(limit);
            assertThat(code.kraftSum()).isLessThanOrEqualTo(1.0);
        }
    }

    @Property(tries = 200)
    void packageMergeIsOptimalAmongLimitedCodes(@ForAll("smallAlphabets") long[] frequencies,
                                                 @ForAll("limits") int extra) {
        int n = frequencies.length;
        int limit = Math.max(1, 32 - Integer.numberOfLeadingZeros(n - 1)) + extra;
        CanonicalCode code = CanonicalCode.optimal(frequencies, limit);
        long cost = 0;
        for (int s = 0; s < n; s++) {
            assertThat(code.length(s)).isLessThanOrEqualTo(limit);
            cost += frequencies[s] * code.length(s);
        }
        assertThat(code.kraftSum()).isLessThanOrEqualTo(1.0);
        assertThat(cost).isEqualTo(bruteForceCost(frequencies, limit));
    }

    @Provide
    Arbitrary<long[]> smallAlphabets() {
        return Arbitraries.oneOf(Arbitraries.longs().between(1, 50), Arbitraries.integers().between(0, 20).map(e -> 1L << e))
                .array(long[].class).ofMinSize(2).ofMaxSize(7);
    }

    @Provide
    Arbitrary<Integer> limits() {
        return Arbitraries.integers().between(0, 3);
    }

    /** Cheapest {@code Σ f·ℓ} over all length assignments within the limit with Kraft sum ≤ 1. */
    private static long bruteForceCost(long[] frequencies, int limit) {
        long[] sorted = frequencies.clone();
        java.util.Arrays.sort(sorted);
        // the heaviest symbol gets the shortest length: enumerate non-decreasing lengths for descending weights
        long[] descending = new long[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            descending[i] = sorted[sorted.length - 1 - i];
        }
        return search(descending, 0, 1, limit, 0.0, 0);
    }

    private static long search(long[] w, int i, int minLength, int limit, double kraft, long cost) {
        if (i == w.length) {
            return cost;
        }
        long best = Long.MAX_VALUE;
        for (int len = minLength; len <= limit; len++) {
            double k = kraft + Math.scalb(1.0, -len);
            if (k > 1.0 + 1e-12) {
                continue;
            }
            best = Math.min(best, search(w, i + 1, len, limit, k, cost + w[i] * len));
        }
        return best;
    }

    @Test
    void oneSymbolNeedsNoBitsAndTooManySymbolsAreRefused() {
        CanonicalCode single = CanonicalCode.optimal(new long[]{42}, 24);
        assertThat(single.maxLength()).isZero();
        assertThat(single.length(0)).isZero();
        assertThat(single.kraftSum()).isEqualTo(1.0);
        assertThatThrownBy(() -> CanonicalCode.optimal(new long[]{1, 1, 1, 1, 1}, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not fit");
    }

    @Property(tries = 200)
    void tableDecodingInvertsEncoding(@ForAll("frequencies") long[] frequencies, @ForAll("limits") int limitChoice) {
        int n = frequencies.length;
        int minimum = n <= 1 ? 1 : 32 - Integer.numberOfLeadingZeros(n - 1);
        int limit = new int[]{24, 16, Math.max(minimum, 12), Math.max(minimum, 1)}[limitChoice];
        limit = Math.max(limit, minimum);
        CanonicalCode code = CanonicalCode.optimal(frequencies, limit);
        SplittableRandom random = new SplittableRandom(n * 31L + limit);
        int count = 2000;
        int[] symbols = new int[count];
        BitWriter writer = new BitWriter();
        writer.write(0b101, 3); // start mid-word
        for (int i = 0; i < count; i++) {
            symbols[i] = random.nextInt(n);
            writer.write(code.code(symbols[i]), code.length(symbols[i]));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stream = writer.toSegment(arena);
            int[] decoded = new int[count];
            long end = CanonicalDecoder.decode(stream, code.decodeTable(), 3, count, decoded, 0);
            assertThat(end).isEqualTo(writer.position());
            for (int i = 0; i < count; i++) {
                assertThat(decoded[i]).as("symbol %d", i).isEqualTo(code.positionOf(symbols[i]));
            }
            assertThat(CanonicalDecoder.check(stream, code.decodeTable(), CanonicalDecoder.runs(code.decodeTable()), 3, count))
                    .isEqualTo(end);
        }
    }

    /**
     * The validators' check agrees with decoding on any bits: the same end on a stream of valid
     * codewords, and the index of the first invalid one (a negative symbol) where a code leaves some
     * bit patterns unused; alone or as one of two walks at once.
     */
    @Property(tries = 200)
    void checkingFindsWhatDecodingFinds(@ForAll("frequencies") long[] frequencies, @ForAll("limits") int limitChoice) {
        int n = frequencies.length;
        int minimum = n <= 1 ? 1 : 32 - Integer.numberOfLeadingZeros(n - 1);
        int limit = Math.max(new int[]{24, 16, Math.max(minimum, 12), Math.max(minimum, 1)}[limitChoice], minimum);
        int[] table = CanonicalCode.optimal(frequencies, limit).decodeTable();
        // An incomplete code (Kraft sum below one) as well: drop the longest length's last codeword.
        int[] incomplete = incompleteTable(table);
        SplittableRandom random = new SplittableRandom(n * 37L + limit);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] t : incomplete == null ? List.of(table) : List.of(table, incomplete)) {
                int[] runs = CanonicalDecoder.runs(t);
                for (int trial = 0; trial < 20; trial++) {
                    int words = 1 + random.nextInt(40);
                    MemorySegment stream = arena.allocate(4L * words, 4);
                    for (int w = 0; w < words; w++) {
                        stream.setAtIndex(dev.tersor.kernels.Layouts.I32, w, random.nextInt());
                    }
                    int count = random.nextInt(200);
                    long start = random.nextInt(32 * words);
                    int[] decoded = new int[count];
                    long end = CanonicalDecoder.decode(stream, t, start, count, decoded, 0);
                    int firstInvalid = -1;
                    for (int i = 0; i < count && firstInvalid < 0; i++) {
                        firstInvalid = decoded[i] < 0 ? i : -1;
                    }
                    long single = CanonicalDecoder.check(stream, t, runs, start, count);
                    assertThat(single).isEqualTo(firstInvalid < 0 ? end : -(firstInvalid + 1L));
                    // and two walks at once give each one's answer, whichever of them ends or fails first
                    long other = random.nextInt(32 * words);
                    long[] ends = new long[2];
                    CanonicalDecoder.check(stream, t, runs, start, other, count, ends);
                    assertThat(ends).containsExactly(single, CanonicalDecoder.check(stream, t, runs, other, count));
                    CanonicalDecoder.check(stream, t, runs, other, start, count, ends);
                    assertThat(ends).containsExactly(CanonicalDecoder.check(stream, t, runs, other, count), single);
                }
            }
        }
    }

    /**
     * Grouped decoding gives decoding's symbols and end on any bits: valid and invalid codewords,
     * alphabets past the 64 symbols a group can name, codewords longer than its window, long runs of
     * zeros (sparse words) and counts that end inside a group.
     */
    @Property(tries = 200)
    void groupedDecodingMatchesDecoding(@ForAll("frequencies") long[] frequencies, @ForAll("limits") int limitChoice) {
        int n = frequencies.length;
        int minimum = n <= 1 ? 1 : 32 - Integer.numberOfLeadingZeros(n - 1);
        int limit = Math.max(new int[]{24, 16, Math.max(minimum, 12), Math.max(minimum, 1)}[limitChoice], minimum);
        assertGroupedDecodingMatchesDecoding(frequencies, limit);
    }

    /** Where every group slot meets every symbol a group can name: a one-bit zero and 63 seven-bit codewords. */
    @Test
    void groupedDecodingNamesEverySymbolInEverySlot() {
        long[] frequencies = new long[64];
        java.util.Arrays.fill(frequencies, 1);
        frequencies[0] = 1L << 20;
        assertGroupedDecodingMatchesDecoding(frequencies, 24);
    }

    private static void assertGroupedDecodingMatchesDecoding(long[] frequencies, int limit) {
        int[] table = CanonicalCode.optimal(frequencies, limit).decodeTable();
        int[] incomplete = incompleteTable(table);
        SplittableRandom random = new SplittableRandom(frequencies.length * 41L + limit);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] t : incomplete == null ? List.of(table) : List.of(table, incomplete)) {
                int[] groups = CanonicalDecoder.groups(t);
                for (int trial = 0; trial < 20; trial++) {
                    int words = 1 + random.nextInt(40);
                    boolean sparse = random.nextInt(3) == 0;
                    MemorySegment stream = arena.allocate(4L * words, 4);
                    for (int w = 0; w < words; w++) {
                        int bits = sparse ? random.nextInt() & random.nextInt() & random.nextInt() & random.nextInt() : random.nextInt();
                        stream.setAtIndex(dev.tersor.kernels.Layouts.I32, w, bits);
                    }
                    int count = random.nextInt(200);
                    long start = random.nextInt(32 * words);
                    int offset = random.nextInt(3);
                    int[] expected = new int[offset + count];
                    int[] actual = new int[offset + count];
                    long end = CanonicalDecoder.decode(stream, t, start, count, expected, offset);
                    assertThat(CanonicalDecoder.decodeGrouped(stream, t, groups, start, count, actual, offset)).isEqualTo(end);
                    assertThat(actual).containsExactly(expected);
                }
            }
        }
    }

    /** The decode table of {@code table}'s code less the last codeword of its longest length, or null if that empties the code. */
    private static int[] incompleteTable(int[] table) {
        int maxLength = table[0];
        if (maxLength == 0) {
            return null;
        }
        long[] counts = new long[maxLength + 1];
        int limitBase = DecodeTable.limitBase();
        long previous = 0;
        for (int len = 1; len <= maxLength; len++) {
            long code = Integer.toUnsignedLong(table[limitBase + len]) >>> (maxLength - len);
            counts[len] = code - 2 * previous;
            previous = code;
        }
        counts[maxLength]--;
        long total = java.util.Arrays.stream(counts).sum();
        return total == 0 ? null : DecodeTable.build(counts);
    }

    @Test
    void bitWriterPacksMostSignificantBitFirstAcrossWords() {
        BitWriter writer = new BitWriter();
        writer.write(0b0100110, 7);
        writer.write(0xFFFF_FFFF, 32);
        writer.write(0b1, 1);
        try (Arena arena = Arena.ofConfined()) {
            int[] words = writer.toSegment(arena).toArray(dev.tersor.kernels.Layouts.I32);
            assertThat(words).containsExactly(0x4DFF_FFFF, 0xFF00_0000);
            assertThat(writer.position()).isEqualTo(40);
        }
    }
}
