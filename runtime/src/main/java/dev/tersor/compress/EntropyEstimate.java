package dev.tersor.compress;

import dev.tersor.format.Entropy;
import dev.tersor.format.QuantizedMatrix;

import java.util.PriorityQueue;

/**
 * How compressible a quantized matrix is, from its code statistics alone: what a budget search ranks
 * settings by before it picks formats. The exact bytes come later from the formats themselves
 * ({@code MatrixFormat.encode(q).byteSize()}).
 *
 * <p>{@code estimatedBytes} models a Huffman-coded layout (code lengths of an unlimited Huffman code
 * built from the counts, so between H and H + 1 bits per symbol, and at least 1), the cheaper of:
 * <ul>
 * <li>every entry coded, zeros included (HAM-like), plus a bit offset per row;</li>
 * <li>only non-zeros coded (sHAM-like), plus a column index per non-zero and a row pointer and a bit
 * offset per row;</li>
 * </ul>
 * integers in the narrowest of u8/u16/u32 (Decision 4), plus for both a float and a one-byte code
 * length per used code, a float scale per row when the matrix has row scales, and the 16-byte
 * descriptor every format carries. A single symbol is taken to need no bits.
 *
 * @param entries            rows × cols
 * @param nonZeros           entries whose codebook value is not 0
 * @param distinctCodes      codes that occur
 * @param entropyBits        entropy of the codes over all entries, bits per entry
 * @param nonZeroEntropyBits entropy of the codes over the non-zeros, bits per non-zero
 * @param estimatedBytes     the size estimate above
 */
public record EntropyEstimate(long entries, long nonZeros, int distinctCodes, double entropyBits,
                              double nonZeroEntropyBits, long estimatedBytes) {

    private static final int DESCRIPTOR_BYTES = 16;

    public static EntropyEstimate of(QuantizedMatrix q) {
        long[] counts = q.codeCounts();
        long[] nonZeroCounts = new long[counts.length];
        long nonZeros = 0;
        int distinct = 0;
        for (int code = 0; code < counts.length; code++) {
            if (counts[code] > 0) {
                distinct++;
                if (q.codebookValue(code) != 0f) {
                    nonZeroCounts[code] = counts[code];
                    nonZeros += counts[code];
                }
            }
        }
        long rows = q.rows();
        long overhead = DESCRIPTOR_BYTES + 5L * distinct + (q.hasRowScales() ? 4L * rows : 0);
        long allBits = huffmanBits(counts);
        long all = (allBits + 7) / 8 + (rows + 1) * width(allBits);
        long nonZeroBits = huffmanBits(nonZeroCounts);
        long sparse = (nonZeroBits + 7) / 8 + nonZeros * width(Math.max(0, q.cols() - 1))
                + (rows + 1) * (width(nonZeros) + width(nonZeroBits));
        return new EntropyEstimate((long) q.rows() * q.cols(), nonZeros, distinct, q.entropyBits(),
                Entropy.bits(nonZeroCounts, nonZeros), overhead + Math.min(all, sparse));
    }

    /** 8 × estimated bytes per entry. */
    public double bitsPerWeight() {
        return entries == 0 ? 0 : 8.0 * estimatedBytes / entries;
    }

    /** Σ count·length over a Huffman code for these counts: the merged weights of every merge. */
    static long huffmanBits(long[] counts) {
        PriorityQueue<Long> queue = new PriorityQueue<>();
        for (long count : counts) {
            if (count > 0) {
                queue.add(count);
            }
        }
        long bits = 0;
        while (queue.size() > 1) {
            long merged = queue.poll() + queue.poll();
            bits += merged;   // every symbol under this node gets one bit longer
            queue.add(merged);
        }
        return bits;
    }

    /** Bytes of the narrowest unsigned integer holding {@code max}. */
    private static int width(long max) {
        return max <= 0xFF ? 1 : max <= 0xFFFF ? 2 : 4;
    }
}
