package dev.tersor.kernels.huffman;

import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;

/**
 * The decode table of a canonical, length-limited Huffman code, as one flat {@code int32} array that
 * Java and native kernels read alike. It is derived from the code's length counts (how many
 * codewords have each length), never stored: a layout carries the counts, and whoever loads it
 * builds this table, so the table is correct by construction.
 *
 * <p>With {@code L} the longest code length and {@code t} the lookup width, the array holds:
 * <pre>
 *   [0]                    L, the maximum code length (0 for a one-symbol alphabet)
 *   [1]                    t, the bits resolved by the first-level lookup (1 ≤ t ≤ min(L, 10); 0 if L = 0)
 *   [2 .. 2+L+2)           limit[ℓ], ℓ = 0..L+1: left-aligned end (exclusive) of the codewords of
 *                          length ≤ ℓ; limit[L+1] = 2^L is a sentinel
 *   [2+L+2 .. 2+2(L+2))    offset[ℓ]: a codeword of length ℓ read as the top ℓ bits c of a window
 *                          is symbol offset[ℓ] + c; offset[L+1] is hugely negative, so that an invalid
 *                          codeword can never name a symbol
 *   [2+2(L+2) .. +2^t)     lookup[p] for every t-bit prefix p: (symbol &lt;&lt; 5 | length) when the
 *                          prefix holds a whole codeword (length ≤ t), else −(the shortest length a
 *                          codeword with this prefix can have)
 * </pre>
 *
 * Decoding one symbol from an {@code L}-bit left-aligned window {@code w} (methods brief §2.4):
 * look up {@code e = lookup[w >>> (L − t)]}; if {@code e ≥ 0} the symbol and its length are in
 * {@code e}; otherwise start at length {@code −e}, step up while {@code w ≥ limit[ℓ]}, and take
 * {@code offset[ℓ] + (w >>> (L − ℓ))}. There is no bit-by-bit walk.
 *
 * <p>Symbols are numbered in canonical order: by code length, and in the order the encoder listed
 * them within a length. The first codeword of each length is the previous length's end, shifted.
 */
public final class DecodeTable {

    /** The longest code length any Tersor Huffman code may have (methods brief, Decision 5). */
    public static final int MAX_CODE_LENGTH = 24;
    /** Widest first-level lookup: 2^10 entries, 4 KiB, stays in L1. */
    public static final int MAX_LOOKUP_BITS = 10;

    static final int HEADER = 2;
    private static final int INVALID_OFFSET = -(1 << 30);

    private DecodeTable() {
    }

    /** Lookup width for a code whose longest length is {@code maxLength}. */
    public static int lookupBits(int maxLength) {
        return Math.min(maxLength, MAX_LOOKUP_BITS);
    }

    /** Number of ints in the table of a code with longest length {@code maxLength}. */
    public static int size(int maxLength) {
        return HEADER + 2 * (maxLength + 2) + (1 << lookupBits(maxLength));
    }

    /** Index of {@code limit[0]}. */
    public static int limitBase() {
        return HEADER;
    }

    /** Index of {@code offset[0]} for longest length {@code maxLength}. */
    public static int offsetBase(int maxLength) {
        return HEADER + maxLength + 2;
    }

    /** Index of {@code lookup[0]} for longest length {@code maxLength}. */
    public static int lookupBase(int maxLength) {
        return HEADER + 2 * (maxLength + 2);
    }

    /**
     * Builds the table from {@code counts[ℓ]}, the number of codewords of length ℓ for
     * ℓ = 0..L, where {@code L = counts.length − 1}. The counts must describe a prefix code: Kraft sum
     * at most 1, and a length-0 code only for a one-symbol alphabet.
     *
     * @throws IllegalArgumentException if they do not
     */
    public static int[] build(long[] counts) {
        int maxLength = counts.length - 1;
        checkCounts(counts);
        int t = lookupBits(maxLength);
        int[] table = new int[size(maxLength)];
        table[0] = maxLength;
        table[1] = t;
        int limitBase = limitBase();
        int offsetBase = offsetBase(maxLength);
        int lookupBase = lookupBase(maxLength);
        if (maxLength == 0) {
            table[limitBase] = 1;
            table[limitBase + 1] = 1;
            table[offsetBase] = 0;
            table[offsetBase + 1] = INVALID_OFFSET;
            table[lookupBase] = 0; // symbol 0, length 0
            return table;
        }
        long code = 0;
        long symbol = 0;
        table[limitBase] = 0;
        table[offsetBase] = INVALID_OFFSET;
        for (int len = 1; len <= maxLength; len++) {
            code <<= 1;
            table[offsetBase + len] = (int) (symbol - code);
            code += counts[len];
            symbol += counts[len];
            table[limitBase + len] = (int) (code << (maxLength - len));
        }
        table[limitBase + maxLength + 1] = 1 << maxLength;
        table[offsetBase + maxLength + 1] = INVALID_OFFSET;
        for (int prefix = 0; prefix < (1 << t); prefix++) {
            int low = prefix << (maxLength - t);
            int len = 1;
            while (len <= maxLength && low >= table[limitBase + len]) {
                len++;
            }
            if (len <= t) {
                int sym = table[offsetBase + len] + (low >>> (maxLength - len));
                table[lookupBase + prefix] = sym << 5 | len;
            } else {
                table[lookupBase + prefix] = -len;
            }
        }
        return table;
    }

    /**
     * Checks that {@code counts} describe a prefix code: lengths 0..24, non-negative counts, Kraft
     * sum {@code Σ counts[ℓ]·2^−ℓ ≤ 1}, a zero-length code only as the whole of a one-symbol code.
     *
     * @throws IllegalArgumentException naming the violation
     */
    public static void checkCounts(long[] counts) {
        int maxLength = counts.length - 1;
        if (maxLength < 0 || maxLength > MAX_CODE_LENGTH) {
            throw new IllegalArgumentException("code lengths must be 0.." + MAX_CODE_LENGTH + ", got a longest length of "
                    + maxLength);
        }
        for (int len = 0; len <= maxLength; len++) {
            if (counts[len] < 0) {
                throw new IllegalArgumentException("negative count " + counts[len] + " of length-" + len + " codewords");
            }
        }
        if (maxLength == 0) {
            if (counts[0] > 1) {
                throw new IllegalArgumentException("the code table is not prefix-free: " + counts[0]
                        + " zero-length codewords");
            }
            return;
        }
        if (counts[0] != 0) {
            throw new IllegalArgumentException("the code table is not prefix-free: a zero-length codeword beside longer ones");
        }
        if (counts[maxLength] == 0) {
            throw new IllegalArgumentException("the longest code length " + maxLength + " has no codewords");
        }
        // Kraft sum scaled by 2^L, accumulated without overflow: stop as soon as it passes 2^L.
        long kraft = 0;
        for (int len = 1; len <= maxLength; len++) {
            kraft += counts[len] << (maxLength - len);
            if (counts[len] > (1L << len) || kraft > (1L << maxLength)) {
                throw new IllegalArgumentException("the code table is not prefix-free: its Kraft sum exceeds 1 at length "
                        + len);
            }
        }
    }

    /** Copies a table segment to the heap for a kernel's inner loop. */
    public static int[] load(MemorySegment table) {
        return table.toArray(Layouts.I32);
    }

    /** Longest code length recorded in a table segment. */
    public static int maxLength(MemorySegment table) {
        return table.getAtIndex(Layouts.I32, 0);
    }
}
