package dev.tersor.format;

import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * A matrix whose entries are codebook values, optionally scaled per row: {@code W[r][c] =
 * codebook[code(r, c)] · rowScale[r]} (float32 arithmetic), or just {@code codebook[code(r, c)]}
 * without row scales. It is what quantizers produce and what codebook formats encode; a plain float
 * matrix becomes one through {@link #fromDense}, with one code per distinct bit pattern.
 *
 * <p>Immutable: the factories copy their inputs and nothing hands out the internal arrays.
 */
public final class QuantizedMatrix {

    private final int rows;
    private final int cols;
    private final float[] codebook;
    private final int[] codes;
    private final float[] rowScales;

    private QuantizedMatrix(int rows, int cols, float[] codebook, int[] codes, float[] rowScales) {
        this.rows = rows;
        this.cols = cols;
        this.codebook = codebook;
        this.codes = codes;
        this.rowScales = rowScales;
    }

    /**
     * A quantized matrix from its parts. {@code codes} is row-major with every code in
     * {@code [0, codebook.length)}; {@code rowScales} is {@code null} or one scale per row.
     */
    public static QuantizedMatrix of(int rows, int cols, float[] codebook, int[] codes, float[] rowScales) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        }
        if ((long) rows * cols != codes.length) {
            throw new IllegalArgumentException(codes.length + " codes for a " + rows + "x" + cols + " matrix");
        }
        if (rowScales != null && rowScales.length != rows) {
            throw new IllegalArgumentException(rowScales.length + " row scales for " + rows + " rows");
        }
        for (int i = 0; i < codes.length; i++) {
            if (codes[i] < 0 || codes[i] >= codebook.length) {
                throw new IllegalArgumentException("code " + codes[i] + " at " + i + " is outside the codebook of "
                        + codebook.length);
            }
        }
        return new QuantizedMatrix(rows, cols, codebook.clone(), codes.clone(),
                rowScales == null ? null : rowScales.clone());
    }

    /** One code per distinct float bit pattern of {@code dense}, in order of first appearance; no row scales. */
    public static QuantizedMatrix fromDense(DenseMatrixView dense) {
        long n = dense.size();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(dense.rows() + "x" + dense.cols() + " is too large to quantize in one piece");
        }
        int[] codes = new int[(int) n];
        BitsIndex index = new BitsIndex();
        MemorySegment data = dense.data();
        for (int i = 0; i < n; i++) {
            codes[i] = index.codeOf(data.getAtIndex(Layouts.I32, i));
        }
        return new QuantizedMatrix(dense.rows(), dense.cols(), index.codebook(), codes, null);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Number of codebook entries (some may be unused). */
    public int codebookSize() {
        return codebook.length;
    }

    public float codebookValue(int code) {
        return codebook[code];
    }

    public int code(int row, int col) {
        return codes[row * cols + col];
    }

    public boolean hasRowScales() {
        return rowScales != null;
    }

    public float rowScale(int row) {
        return rowScales == null ? 1f : rowScales[row];
    }

    /** The decoded value of an entry, exactly as every format must reproduce it. */
    public float value(int row, int col) {
        float v = codebook[codes[row * cols + col]];
        return rowScales == null ? v : v * rowScales[row];
    }

    /** How often each code occurs. */
    public long[] codeCounts() {
        long[] counts = new long[codebook.length];
        for (int code : codes) {
            counts[code]++;
        }
        return counts;
    }

    /** Shannon entropy of the codes, in bits per entry (0 for an empty matrix). */
    public double entropyBits() {
        long total = codes.length;
        double h = 0;
        for (long count : codeCounts()) {
            if (count > 0) {
                double p = (double) count / total;
                h -= p * Math.log(p) / Math.log(2);
            }
        }
        return h;
    }

    /**
     * Codes ordered by decreasing count, ties broken by the value's float bits and then the code: the
     * order of Ω in the grouped-row formats. Unused codes are left out, so the result has one entry
     * per distinct code present (at least one, code 0, for an empty matrix).
     */
    public int[] codesByFrequency() {
        long[] counts = codeCounts();
        Integer[] order = new Integer[codebook.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Long.compare(counts[b], counts[a]);
            if (c != 0) {
                return c;
            }
            c = Integer.compare(Float.floatToRawIntBits(codebook[a]), Float.floatToRawIntBits(codebook[b]));
            return c != 0 ? c : Integer.compare(a, b);
        });
        int used = 0;
        while (used < order.length && counts[order[used]] > 0) {
            used++;
        }
        int[] result = new int[Math.max(1, used)];
        for (int i = 0; i < result.length && i < order.length; i++) {
            result[i] = order[i];
        }
        return result;
    }

    /** Writes the decoded matrix, row-major, to {@code dst}. */
    public void decodeInto(MemorySegment dst) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst.setAtIndex(Layouts.F32, (long) r * cols + c, value(r, c));
            }
        }
    }

    /** The decoded matrix as a heap array. */
    public float[] toDense() {
        float[] dense = new float[codes.length];
        decodeInto(MemorySegment.ofArray(dense));
        return dense;
    }

    /** A view of the decoded matrix. */
    public DenseMatrixView toDenseView() {
        return DenseMatrixView.of(rows, cols, toDense());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantizedMatrix q && rows == q.rows && cols == q.cols
                && Arrays.equals(codebook, q.codebook) && Arrays.equals(codes, q.codes)
                && Arrays.equals(rowScales, q.rowScales);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rows, cols, Arrays.hashCode(codebook), Arrays.hashCode(codes), Arrays.hashCode(rowScales));
    }

    @Override
    public String toString() {
        return "QuantizedMatrix " + rows + "x" + cols + ", " + codebook.length + " codes"
                + (rowScales == null ? "" : ", row scales");
    }

    /** Open-addressing map from float bits to codes, assigning codes in order of first appearance. */
    private static final class BitsIndex {
        private int[] keys = new int[64];
        private int[] values = new int[64];
        private boolean[] used = new boolean[64];
        private float[] codebook = new float[16];
        private int size;

        int codeOf(int bits) {
            int mask = keys.length - 1;
            int slot = mix(bits) & mask;
            while (used[slot]) {
                if (keys[slot] == bits) {
                    return values[slot];
                }
                slot = (slot + 1) & mask;
            }
            int code = size++;
            used[slot] = true;
            keys[slot] = bits;
            values[slot] = code;
            if (code == codebook.length) {
                codebook = Arrays.copyOf(codebook, 2 * code);
            }
            codebook[code] = Float.intBitsToFloat(bits);
            if (2 * size > keys.length) {
                rehash();
            }
            return code;
        }

        float[] codebook() {
            return Arrays.copyOf(codebook, size);
        }

        private void rehash() {
            int[] oldKeys = keys;
            int[] oldValues = values;
            boolean[] oldUsed = used;
            keys = new int[oldKeys.length * 2];
            values = new int[oldKeys.length * 2];
            used = new boolean[oldKeys.length * 2];
            int mask = keys.length - 1;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldUsed[i]) {
                    int slot = mix(oldKeys[i]) & mask;
                    while (used[slot]) {
                        slot = (slot + 1) & mask;
                    }
                    used[slot] = true;
                    keys[slot] = oldKeys[i];
                    values[slot] = oldValues[i];
                }
            }
        }

        private static int mix(int bits) {
            int h = bits * 0x9E3779B9;
            return h ^ (h >>> 16);
        }
    }
}
