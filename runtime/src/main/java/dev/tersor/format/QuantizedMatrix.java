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
 * <p>Codes are held as {@link PackedCodes}, in the narrowest width the codebook allows, so that
 * layers of a hundred million weights stay cheap to generate and encode. {@link #builder} fills
 * them in place.
 *
 * <p>Immutable: the factories copy their inputs and nothing hands out the internal arrays.
 */
public final class QuantizedMatrix {

    /** Largest number of entries a quantized matrix holds: one Java array. */
    public static final long MAX_ENTRIES = Integer.MAX_VALUE - 8;

    private final int rows;
    private final int cols;
    private final float[] codebook;
    private final PackedCodes codes;
    private final float[] rowScales;

    private QuantizedMatrix(int rows, int cols, float[] codebook, PackedCodes codes, float[] rowScales) {
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
        Builder builder = builder(rows, cols, codebook);
        if ((long) rows * cols != codes.length) {
            throw new IllegalArgumentException(codes.length + " codes for a " + rows + "x" + cols + " matrix");
        }
        for (int i = 0; i < codes.length; i++) {
            builder.set(i, codes[i]);
        }
        return builder.rowScales(rowScales).build();
    }

    /**
     * A builder that writes codes straight into the matrix's own compact array, for matrices too large
     * to pass through an {@code int[]} and a copy. Every code starts at 0.
     */
    public static Builder builder(int rows, int cols, float[] codebook) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        }
        long size = (long) rows * cols;
        if (size > MAX_ENTRIES) {
            throw new IllegalArgumentException(rows + "x" + cols + " is too large for a quantized matrix (at most "
                    + MAX_ENTRIES + " entries)");
        }
        return new Builder(rows, cols, codebook.clone());
    }

    private static void checkCode(int code, long index, int codebookSize) {
        if (code < 0 || code >= codebookSize) {
            throw new IllegalArgumentException("code " + code + " at " + index + " is outside the codebook of "
                    + codebookSize);
        }
    }

    /** One code per distinct float bit pattern of {@code dense}, in order of first appearance; no row scales. */
    public static QuantizedMatrix fromDense(DenseMatrixView dense) {
        long n = dense.size();
        if (n > MAX_ENTRIES) {
            throw new IllegalArgumentException(dense.rows() + "x" + dense.cols() + " is too large to quantize in one piece");
        }
        int[] codes = new int[(int) n];
        BitsIndex index = new BitsIndex();
        MemorySegment data = dense.data();
        for (int i = 0; i < n; i++) {
            codes[i] = index.codeOf(data.getAtIndex(Layouts.I32, i));
        }
        Builder builder = builder(dense.rows(), dense.cols(), index.codebook());
        for (int i = 0; i < n; i++) {
            builder.set(i, codes[i]);
        }
        return builder.build();
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
        return codes.get(row * cols + col);
    }

    public boolean hasRowScales() {
        return rowScales != null;
    }

    public float rowScale(int row) {
        return rowScales == null ? 1f : rowScales[row];
    }

    /** The decoded value of an entry, exactly as every format must reproduce it. */
    public float value(int row, int col) {
        float v = codebook[codes.get(row * cols + col)];
        return rowScales == null ? v : v * rowScales[row];
    }

    /** How often each code occurs. */
    public long[] codeCounts() {
        long[] counts = new long[codebook.length];
        codes.count(counts);
        return counts;
    }

    /** Shannon entropy of the codes, in bits per entry (0 for an empty matrix). */
    public double entropyBits() {
        return Entropy.bits(codeCounts(), codes.length());
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
        float[] dense = new float[codes.length()];
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
                && Arrays.equals(codebook, q.codebook) && codes.equals(q.codes)
                && Arrays.equals(rowScales, q.rowScales);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rows, cols, Arrays.hashCode(codebook), codes.hashCode(), Arrays.hashCode(rowScales));
    }

    @Override
    public String toString() {
        return "QuantizedMatrix " + rows + "x" + cols + ", " + codebook.length + " codes"
                + (rowScales == null ? "" : ", row scales");
    }

    /** Fills a new matrix's codes in place; {@link #build()} hands them over, so a builder is used once. */
    public static final class Builder {
        private final int rows;
        private final int cols;
        private final float[] codebook;
        private PackedCodes codes;
        private float[] rowScales;

        private Builder(int rows, int cols, float[] codebook) {
            this.rows = rows;
            this.cols = cols;
            this.codebook = codebook;
            this.codes = PackedCodes.allocate((long) rows * cols, codebook.length);
        }

        /** Sets the code of the entry at row-major position {@code index}. */
        public Builder set(long index, int code) {
            Objects.checkIndex(index, (long) rows * cols);
            checkCode(code, index, codebook.length);
            open().set((int) index, code);
            return this;
        }

        public Builder set(int row, int col, int code) {
            Objects.checkIndex(row, rows);
            Objects.checkIndex(col, cols);
            return set((long) row * cols + col, code);
        }

        /** Per-row scales, or {@code null} for none. */
        public Builder rowScales(float[] scales) {
            if (scales != null && scales.length != rows) {
                throw new IllegalArgumentException(scales.length + " row scales for " + rows + " rows");
            }
            open();
            this.rowScales = scales == null ? null : scales.clone();
            return this;
        }

        public QuantizedMatrix build() {
            QuantizedMatrix matrix = new QuantizedMatrix(rows, cols, codebook, open(), rowScales);
            codes = null;
            return matrix;
        }

        private PackedCodes open() {
            if (codes == null) {
                throw new IllegalStateException("this builder has already built its matrix");
            }
            return codes;
        }
    }
}
