package dev.tersor.format.huffman;

import dev.tersor.format.QuantizedMatrix;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.huffman.DecodeTable;

/**
 * The canonical code of a set of codebook codes, from their counts in a matrix: symbol {@code i} is
 * the i-th code in decreasing frequency ({@link QuantizedMatrix#codesByFrequency()} order, ties by
 * value), limited to {@value DecodeTable#MAX_CODE_LENGTH} bits.
 *
 * @param code     the canonical code over symbols {@code 0 .. n−1}
 * @param symbolOf codebook code → symbol, −1 for codes not coded
 * @param codes    symbol → codebook code
 */
public record HuffmanCodes(CanonicalCode code, int[] symbolOf, int[] codes) {

    /** Codes every code of {@code source} with a positive count, except {@code skip} (−1: none). */
    public static HuffmanCodes of(QuantizedMatrix source, long[] counts, int skip, int lengthLimit) {
        int[] order = source.codesByFrequency();
        int n = 0;
        for (int code : order) {
            if (code < counts.length && counts[code] > 0 && code != skip) {
                n++;
            }
        }
        if (n > (1 << lengthLimit) && n > 1) {
            throw new IllegalArgumentException(n + " distinct values do not fit a Huffman code of at most " + lengthLimit
                    + " bits");
        }
        int[] codes = new int[n];
        long[] frequencies = new long[n];
        int[] symbolOf = new int[Math.max(1, source.codebookSize())];
        java.util.Arrays.fill(symbolOf, -1);
        int i = 0;
        for (int code : order) {
            if (code < counts.length && counts[code] > 0 && code != skip) {
                codes[i] = code;
                frequencies[i] = counts[code];
                symbolOf[code] = i++;
            }
        }
        return new HuffmanCodes(CanonicalCode.optimal(frequencies, lengthLimit), symbolOf, codes);
    }

    /** Bits of the stream that codes every counted entry except {@code skip}. */
    public long streamBits(long[] counts) {
        long bits = 0;
        for (int s = 0; s < codes.length; s++) {
            bits += counts[codes[s]] * code.length(s);
        }
        return bits;
    }

    /** Whether a stream of that many bits can be addressed by u32 offsets. */
    public static boolean addressable(long bits) {
        return bits <= IndexWidth.U32.maxValue();
    }

    /** Codebook value of each symbol. */
    public float[] values(QuantizedMatrix source) {
        float[] values = new float[codes.length];
        for (int s = 0; s < codes.length; s++) {
            values[s] = source.codebookValue(codes[s]);
        }
        return values;
    }

    /** Appends the codeword of codebook code {@code k}. */
    public void write(BitWriter writer, int k) {
        int s = symbolOf[k];
        writer.write(code.code(s), code.length(s));
    }
}
