package dev.tersor.format.xor;

import dev.tersor.kernels.xor.XorNetwork;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class SliceSolverTest {

    /** M of methods brief §4.3: each row lists the input bits XORed into that output, x0 first. */
    private static final String[] M = {"1010", "0110", "1101", "0011", "1001", "0101", "1110", "0111"};

    private static long[] columnsOf(String[] rows) {
        long[] columns = new long[rows[0].length()];
        for (int i = 0; i < rows.length; i++) {
            for (int k = 0; k < columns.length; k++) {
                if (rows[i].charAt(k) == '1') {
                    columns[k] |= 1L << i;
                }
            }
        }
        return columns;
    }

    /** Bits written position 0 first, as the brief prints them. */
    private static long bits(String printed) {
        String s = printed.replace(" ", "");
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '1') {
                v |= 1L << i;
            }
        }
        return v;
    }

    @Test
    void solvesTheWorkedExampleOfTheBrief() {
        SliceSolver solver = new SliceSolver(columnsOf(M), 8);
        long care = bits("1 0 0 1 0 0 1 1");
        long word = solver.solve(care, bits("1 0 0 1 0 1 0 0"));
        assertThat(word).isEqualTo(bits("0 1 1 0")); // x = (0,1,1,0)
        assertThat(solver.patches()).isZero();
        assertThat(solver.expand(word)).isEqualTo(bits("1 0 1 1 0 1 0 0"));
    }

    @Test
    void patchesTheInfeasibleSliceOfTheBriefWithOneFlip() {
        SliceSolver solver = new SliceSolver(columnsOf(M), 8);
        long care = bits("0 1 1 1 1 0 1 0"); // 5 care bits > N_in = 4: inconsistent
        long target = bits("1 0 0 1 1 0 0 1");
        long word = solver.solve(care, target);
        // the brief's x = (0,0,0,1), decoding to 0 0 1 1 1 1 0 1, wrong only at care position 2
        assertThat(word).isEqualTo(bits("0 0 0 1"));
        assertThat(solver.expand(word)).isEqualTo(bits("0 0 1 1 1 1 0 1"));
        assertThat(solver.patches()).isEqualTo(1L << 2);
    }

    @Property(tries = 400)
    void patchesAreExactlyTheMismatchesAndMinimalForSmallWords(@ForAll @IntRange(min = 1, max = 10) int wordBits,
                                                               @ForAll @IntRange(min = 1, max = 64) int sliceBits,
                                                               @ForAll @LongRange(min = 0, max = 1 << 20) long seed) {
        int nIn = Math.min(wordBits, sliceBits);
        long[] columns = XorNetwork.columns(seed, nIn, sliceBits);
        SliceSolver solver = new SliceSolver(columns, sliceBits);
        SplittableRandom random = new SplittableRandom(seed);
        long sliceMask = XorNetwork.sliceMask(sliceBits);
        double density = random.nextDouble();
        long care = 0;
        for (int i = 0; i < sliceBits; i++) {
            if (random.nextDouble() < density) {
                care |= 1L << i;
            }
        }
        long target = random.nextLong() & sliceMask;
        long word = solver.solve(care, target);
        assertThat(word >>> nIn).isZero();
        long misses = (solver.expand(word) ^ target) & care;
        assertThat(solver.patches()).isEqualTo(misses);
        int best = Integer.MAX_VALUE;
        for (int w = 0; w < 1 << nIn; w++) {
            long slice = 0;
            for (int k = 0; k < nIn; k++) {
                if ((w >>> k & 1) != 0) {
                    slice ^= columns[k];
                }
            }
            best = Math.min(best, Long.bitCount((slice ^ target) & care));
        }
        assertThat(Long.bitCount(misses)).isEqualTo(best);
    }

    @Property(tries = 200)
    void wideWordsStillSatisfyEveryCareBitAfterPatches(@ForAll @IntRange(min = 13, max = 32) int wordBits,
                                                       @ForAll @LongRange(min = 0, max = 1 << 20) long seed) {
        long[] columns = XorNetwork.columns(seed, wordBits, 64);
        SliceSolver solver = new SliceSolver(columns, 64);
        SplittableRandom random = new SplittableRandom(seed ^ 77);
        long care = random.nextLong() & random.nextLong();
        long target = random.nextLong();
        long word = solver.solve(care, target);
        assertThat(((solver.expand(word) ^ solver.patches()) ^ target) & care).isZero();
        assertThat(solver.patches() & ~care).as("patches only ever touch care bits").isZero();
    }
}
