package dev.tersor.format.xor;

import dev.tersor.kernels.xor.XorNetwork;

/**
 * The encoder's core (Kwon et al.; methods brief §4.4): for one slice of {@code N_out} target bits
 * of which only the care bits matter, find the {@code N_in}-bit word {@code w} whose expansion
 * {@code M·w} matches the care bits, and when none does, the word that violates the fewest; the
 * violated care bits become patches.
 *
 * <p>Solving is Gaussian elimination over GF(2) on the care rows of M, each a bitset in a
 * {@code long}, tracking which original rows every reduced row combines. A care row that reduces to
 * zero is dependent; if its right-hand side reduces to one, the system is inconsistent.
 *
 * <p>For an inconsistent slice, the fewest patches are found exactly when the care rows have rank at
 * most {@value #EXHAUSTIVE_RANK}: every word in the span of the pivot columns (which span all
 * reachable care patterns) is tried in Gray-code order, one XOR and one popcount each; ties go to
 * the lowest-placed patches. Above that
 * rank, one- and two-bit patch sets are searched exactly through the syndromes of the dependent
 * rows, and failing those, each inconsistent dependent row is patched on its own bit, which is
 * always enough and leaves {@code c − rank} patches at most.
 */
final class SliceSolver {

    /** Ranks up to this are searched exhaustively: at most 4096 candidate words. */
    static final int EXHAUSTIVE_RANK = 12;

    private final int wordBits;
    private final long[] columns;
    private final long[] rows;
    private final long[] table;

    private final long[] pivotRow = new long[64];
    private final long[] pivotOrigin = new long[64];
    private final long[] dependentOrigin = new long[64];
    private final int[] dependentOwn = new int[64];
    private final int[] pivots = new int[64];
    private long patches;

    SliceSolver(long[] columns, int sliceBits) {
        this.wordBits = columns.length;
        this.columns = columns;
        this.rows = new long[sliceBits];
        for (int k = 0; k < wordBits; k++) {
            for (int i = 0; i < sliceBits; i++) {
                if ((columns[k] >>> i & 1) != 0) {
                    rows[i] |= 1L << k;
                }
            }
        }
        this.table = XorNetwork.decodeTable(columns);
    }

    /** The care bits of the last solved slice that the decoder must flip. */
    long patches() {
        return patches;
    }

    /** The word for {@code target} on the {@code care} bits; {@link #patches()} says what it misses. */
    long solve(long care, long target) {
        target &= care;
        java.util.Arrays.fill(pivotRow, 0, wordBits, 0L);
        int rank = 0;
        int dependents = 0;
        long syndrome = 0;
        for (long rest = care; rest != 0; rest &= rest - 1) {
            int i = Long.numberOfTrailingZeros(rest);
            long v = rows[i];
            long origin = 1L << i;
            while (v != 0) {
                int b = 63 - Long.numberOfLeadingZeros(v);
                if (pivotRow[b] == 0) {
                    pivotRow[b] = v;
                    pivotOrigin[b] = origin;
                    pivots[rank++] = b;
                    break;
                }
                v ^= pivotRow[b];
                origin ^= pivotOrigin[b];
            }
            if (v == 0) {
                dependentOrigin[dependents] = origin;
                dependentOwn[dependents] = i;
                syndrome |= (long) parity(origin & target) << dependents;
                dependents++;
            }
        }
        if (syndrome == 0) {
            patches = 0;
            return backSubstitute(target);
        }
        long word;
        if (rank <= EXHAUSTIVE_RANK) {
            word = exhaustive(care, target, rank);
        } else {
            long flips = fewFlips(care, syndrome, dependents);
            word = backSubstitute(target ^ flips);
        }
        patches = (XorNetwork.expand(table, (int) word) ^ target) & care;
        return word;
    }

    /**
     * The word in the span of the pivot variables with the fewest mismatches on the care bits; among
     * equals, the one whose mismatches sit lowest (smallest mismatch mask), so results do not depend
     * on the enumeration order.
     */
    private long exhaustive(long care, long target, int rank) {
        long word = 0;
        long pattern = 0;
        long bestWord = 0;
        long bestMisses = target;
        int best = Long.bitCount(target);
        for (int g = 1; g < 1 << rank; g++) {
            int b = pivots[Integer.numberOfTrailingZeros(g)];
            word ^= 1L << b;
            pattern ^= columns[b] & care;
            long misses = pattern ^ target;
            int count = Long.bitCount(misses);
            if (count < best || count == best && Long.compareUnsigned(misses, bestMisses) < 0) {
                best = count;
                bestMisses = misses;
                bestWord = word;
            }
        }
        return bestWord;
    }

    /**
     * Care bits to flip so that every dependent row's right-hand side becomes zero: a single bit or a
     * pair whose syndromes add up to the target syndrome if one exists, else each inconsistent
     * dependent row's own bit.
     */
    private long fewFlips(long care, long syndrome, int dependents) {
        long[] bitSyndrome = new long[64];
        for (long rest = care; rest != 0; rest &= rest - 1) {
            int j = Long.numberOfTrailingZeros(rest);
            long s = 0;
            for (int d = 0; d < dependents; d++) {
                s |= (dependentOrigin[d] >>> j & 1) << d;
            }
            bitSyndrome[j] = s;
            if (s == syndrome) {
                return 1L << j;
            }
        }
        for (long a = care; a != 0; a &= a - 1) {
            int i = Long.numberOfTrailingZeros(a);
            for (long b = a & (a - 1); b != 0; b &= b - 1) {
                int j = Long.numberOfTrailingZeros(b);
                if ((bitSyndrome[i] ^ bitSyndrome[j]) == syndrome) {
                    return 1L << i | 1L << j;
                }
            }
        }
        long flips = 0;
        for (int d = 0; d < dependents; d++) {
            if ((syndrome >>> d & 1) != 0) {
                flips |= 1L << dependentOwn[d];
            }
        }
        return flips;
    }

    /**
     * The word solving the pivot rows for {@code target}, free variables 0. Each pivot row's
     * right-hand side is the parity of the targets of the rows it combines.
     */
    private long backSubstitute(long target) {
        long word = 0;
        for (int b = 0; b < wordBits; b++) {
            long row = pivotRow[b];
            if (row != 0) {
                int rhs = parity(pivotOrigin[b] & target) ^ parity(row & word);
                word |= (long) rhs << b;
            }
        }
        return word;
    }

    /** The slice {@code M·word} that a word decodes to. */
    long expand(long word) {
        return XorNetwork.expand(table, (int) word);
    }

    private static int parity(long v) {
        return Long.bitCount(v) & 1;
    }
}
