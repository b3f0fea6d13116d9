package dev.tersor.kernels.xor;

import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;

/**
 * The fixed XOR-gate network of the encrypted format (Kwon et al.): a binary matrix
 * {@code M ∈ GF(2)^{N_out×N_in}} that expands an {@code N_in}-bit word {@code w} into an
 * {@code N_out}-bit slice {@code M·w}, each output bit the XOR of a subset of the input bits.
 *
 * <p>M is regenerated from a seed, so a layout stores only the seed and a check value. Generation
 * is fully specified here (SplitMix64, no JDK generator whose algorithm could change) so that any
 * implementation, native included, can reproduce it: column {@code k} of M, as an {@code N_out}-bit
 * mask, is the next SplitMix64 output masked to {@code N_out} bits, drawn again until it is linearly
 * independent of columns {@code 0 .. k−1}. Full column rank means no input bit is wasted and every
 * slice with at most {@code N_in} independent care bits is solvable. That needs
 * {@code N_in ≤ N_out}.
 *
 * <p>Decoding uses byte-sliced tables (methods brief §4.4): {@code T_j[b]} is the XOR of the columns
 * {@code 8j + i} for the set bits {@code i} of {@code b}, so {@code M·w = T_0[w & 255] ^ T_1[(w >>> 8) & 255] ^ …},
 * one lookup per 8 input bits.
 */
public final class XorNetwork {

    /** Widest encrypted word. */
    public static final int MAX_WORD_BITS = 32;
    /** Widest slice: one {@code long}. */
    public static final int MAX_SLICE_BITS = 64;

    private XorNetwork() {
    }

    /** The columns of M for {@code (seed, wordBits, sliceBits)}; column k is an N_out-bit mask. */
    public static long[] columns(long seed, int wordBits, int sliceBits) {
        checkShape(wordBits, sliceBits);
        long mask = sliceMask(sliceBits);
        long[] columns = new long[wordBits];
        long[] basis = new long[64];
        long state = seed;
        for (int k = 0; k < wordBits; k++) {
            while (true) {
                state += 0x9E3779B97F4A7C15L;
                long candidate = mix(state) & mask;
                if (insert(basis, candidate)) {
                    columns[k] = candidate;
                    break;
                }
            }
        }
        return columns;
    }

    /** Adds {@code v} to a GF(2) basis indexed by leading bit; false if it was dependent. */
    private static boolean insert(long[] basis, long v) {
        while (v != 0) {
            int top = 63 - Long.numberOfLeadingZeros(v);
            if (basis[top] == 0) {
                basis[top] = v;
                return true;
            }
            v ^= basis[top];
        }
        return false;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A 64-bit digest of M, stored beside the seed so that a wrong seed or shape is caught. */
    public static long check(long[] columns, int sliceBits) {
        long h = mix(0x5EEDL ^ ((long) columns.length << 8) ^ sliceBits);
        for (long column : columns) {
            h = mix(h ^ column) + 0x9E3779B97F4A7C15L;
        }
        return h;
    }

    /** Number of byte tables for {@code wordBits}-bit words. */
    public static int tables(int wordBits) {
        return (wordBits + 7) / 8;
    }

    /** The byte-sliced decode tables: {@code tables(N_in)·256} longs, table j first at {@code 256·j}. */
    public static long[] decodeTable(long[] columns) {
        int tables = tables(columns.length);
        long[] table = new long[256 * tables];
        for (int j = 0; j < tables; j++) {
            for (int b = 1; b < 256; b++) {
                int low = Integer.numberOfTrailingZeros(b);
                int k = 8 * j + low;
                long column = k < columns.length ? columns[k] : 0L;
                table[256 * j + b] = table[256 * j + (b & (b - 1))] ^ column;
            }
        }
        return table;
    }

    /** {@code M·word} through the byte tables. */
    public static long expand(long[] table, int word) {
        long slice = table[word & 255];
        for (int j = 1, w = word >>> 8; w != 0; j++, w >>>= 8) {
            slice ^= table[256 * j + (w & 255)];
        }
        return slice;
    }

    /** The low {@code sliceBits} bits set. */
    public static long sliceMask(int sliceBits) {
        return sliceBits == 64 ? -1L : (1L << sliceBits) - 1;
    }

    /** Copies a decode-table segment to the heap for a kernel's inner loop. */
    public static long[] load(MemorySegment table) {
        return table.toArray(Layouts.I64);
    }

    /** Throws unless {@code 1 ≤ N_in ≤ min(32, N_out)} and {@code N_out ≤ 64}. */
    public static void checkShape(int wordBits, int sliceBits) {
        if (sliceBits < 1 || sliceBits > MAX_SLICE_BITS) {
            throw new IllegalArgumentException("slice width N_out must be 1.." + MAX_SLICE_BITS + ", got " + sliceBits);
        }
        if (wordBits < 1 || wordBits > Math.min(MAX_WORD_BITS, sliceBits)) {
            throw new IllegalArgumentException("word width N_in must be 1.." + Math.min(MAX_WORD_BITS, sliceBits)
                    + " for N_out = " + sliceBits + ", got " + wordBits);
        }
    }
}
