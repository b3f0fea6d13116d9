package dev.tersor.format.huffman;

import dev.tersor.kernels.huffman.DecodeTable;

import java.util.Arrays;

/**
 * A canonical Huffman code over symbols {@code 0 .. n−1} (methods brief §2.5): symbols sorted by
 * code length, then by the order they were given in; the first codeword is all zeros and each next
 * one is the previous plus one, shifted left by the growth in length. The code is therefore fully
 * described by how many codewords each length has ({@link #lengthCounts()}) and the symbols in
 * canonical order ({@link #canonicalOrder()}): that is all a layout stores.
 */
public final class CanonicalCode {

    private final int[] canonical;
    private final int[] position;
    private final int[] lengths;
    private final int[] codes;
    private final long[] lengthCounts;

    private CanonicalCode(int[] canonical, int[] lengths, long[] lengthCounts) {
        int n = canonical.length;
        this.canonical = canonical;
        this.lengths = lengths;
        this.lengthCounts = lengthCounts;
        this.position = new int[n];
        this.codes = new int[n];
        for (int p = 0; p < n; p++) {
            position[canonical[p]] = p;
        }
        int code = 0;
        int previous = n == 0 ? 0 : lengths[canonical[0]];
        for (int p = 0; p < n; p++) {
            int length = lengths[canonical[p]];
            code <<= length - previous;
            codes[p] = code++;
            previous = length;
        }
    }

    /**
     * The optimal code, limited to {@code limit} bits, for symbols {@code 0 .. n−1} with the given
     * frequencies (all positive). Within a length, symbols keep their given order, so callers list
     * them most frequent first.
     */
    public static CanonicalCode optimal(long[] frequencies, int limit) {
        int[] lengths = CodeLengths.of(frequencies, limit);
        int n = lengths.length;
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, (a, b) -> lengths[a] != lengths[b] ? Integer.compare(lengths[a], lengths[b]) : Integer.compare(a, b));
        int[] canonical = new int[n];
        int maxLength = 0;
        for (int p = 0; p < n; p++) {
            canonical[p] = boxed[p];
            maxLength = Math.max(maxLength, lengths[p]);
        }
        long[] counts = new long[maxLength + 1];
        for (int length : lengths) {
            counts[length]++;
        }
        return new CanonicalCode(canonical, lengths, counts);
    }

    /** Symbols in canonical order: position p holds the symbol with the p-th codeword. */
    public int[] canonicalOrder() {
        return canonical.clone();
    }

    /** Canonical position of {@code symbol}: its index in the layout's symbol table. */
    public int positionOf(int symbol) {
        return position[symbol];
    }

    /** Codeword length of {@code symbol}. */
    public int length(int symbol) {
        return lengths[symbol];
    }

    /** Codeword of {@code symbol}, in the low {@link #length} bits. */
    public int code(int symbol) {
        return codes[position[symbol]];
    }

    /** {@code counts[ℓ]}, the number of codewords of length ℓ, for ℓ = 0 .. the longest length. */
    public long[] lengthCounts() {
        return lengthCounts.clone();
    }

    /** The longest code length (0 for fewer than two symbols). */
    public int maxLength() {
        return lengthCounts.length - 1;
    }

    /** Number of symbols. */
    public int size() {
        return canonical.length;
    }

    /** {@code Σ 2^−ℓ} over the codewords: at most 1 for a prefix code, exactly 1 for a complete one. */
    public double kraftSum() {
        double sum = 0;
        for (int length : lengths) {
            sum += Math.scalb(1.0, -length);
        }
        return sum;
    }

    /**
     * First codeword of each length ℓ = 1..L, left-aligned to L bits (the C kernels' {@code FIRST_CODE_L}),
     * then the sentinel {@code 2^L}; lengths without codewords repeat the next length's value.
     */
    public long[] firstCodesLeftAligned() {
        int maxLength = maxLength();
        long[] first = new long[maxLength + 2];
        long code = 0;
        for (int length = 1; length <= maxLength; length++) {
            code <<= 1;
            first[length] = code << (maxLength - length);
            code += lengthCounts[length];
        }
        first[maxLength + 1] = 1L << maxLength;
        for (int length = maxLength; length >= 1; length--) {
            if (lengthCounts[length] == 0) {
                first[length] = first[length + 1];
            }
        }
        return Arrays.copyOfRange(first, 1, maxLength + 2);
    }

    /**
     * Canonical position of the first symbol of each length ℓ = 1..L (the C kernels'
     * {@code FIRST_SYMBOL}); lengths without codewords repeat the next length's value.
     */
    public int[] firstSymbols() {
        int maxLength = maxLength();
        int[] first = new int[maxLength + 2];
        int symbol = 0;
        for (int length = 1; length <= maxLength; length++) {
            first[length] = symbol;
            symbol += (int) lengthCounts[length];
        }
        first[maxLength + 1] = symbol;
        for (int length = maxLength; length >= 1; length--) {
            if (lengthCounts[length] == 0) {
                first[length] = first[length + 1];
            }
        }
        return Arrays.copyOfRange(first, 1, maxLength + 1);
    }

    /** The kernels' decode table for this code. */
    public int[] decodeTable() {
        return DecodeTable.build(lengthCounts);
    }
}
