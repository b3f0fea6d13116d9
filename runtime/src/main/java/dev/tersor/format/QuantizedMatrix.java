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
 * <p>Codes are held in the narrowest array the codebook allows (one byte per entry up to 256 codes,
 * two up to 65 536, else four), so that layers of a hundred million weights stay cheap to generate
 * and encode. {@link #builder} fills that array in place.
 *
 * <p>Immutable: the factories copy their inputs and nothing hands out the internal arrays.
 */
public final class QuantizedMatrix {

    /** Largest number of entries a quantized matrix holds: one Java array. */
    public static final long MAX_ENTRIES = Integer.MAX_VALUE - 8;

    private final int rows;
    private final int cols;
    private final float[] codebook;
    private final Codes codes;
    private final float[] rowScales;

    private QuantizedMatrix(int rows, int cols, float[] codebook, Codes codes, float[] rowScales) {
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
        Codes compact = Codes.allocate(codes.length, codebook.length);
        for (int i = 0; i < codes.length; i++) {
            checkCode(codes[i], i, codebook.length);
            compact.set(i, codes[i]);
        }
        return new QuantizedMatrix(rows, cols, codebook.clone(), compact,
                rowScales == null ? null : rowScales.clone());
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
        float[] codebook = index.codebook();
        Codes compact = Codes.allocate(n, codebook.length);
        for (int i = 0; i < n; i++) {
            compact.set(i, codes[i]);
        }
        return new QuantizedMatrix(dense.rows(), dense.cols(), codebook, compact, null);
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
        long total = codes.length();
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
        private Codes codes;
        private float[] rowScales;

        private Builder(int rows, int cols, float[] codebook) {
            this.rows = rows;
            this.cols = cols;
            this.codebook = codebook;
            this.codes = Codes.allocate((long) rows * cols, codebook.length);
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

        private Codes open() {
            if (codes == null) {
                throw new IllegalStateException("this builder has already built its matrix");
            }
            return codes;
        }
    }

    /** Row-major codes in the narrowest unsigned array that holds every code of the codebook. */
    private abstract static sealed class Codes {

        static Codes allocate(long length, int codebookSize) {
            if (length > MAX_ENTRIES) {
                throw new IllegalArgumentException(length + " entries exceed the limit of " + MAX_ENTRIES);
            }
            int n = (int) length;
            if (codebookSize <= 1 << 8) {
                return new Bytes(new byte[n]);
            }
            return codebookSize <= 1 << 16 ? new Chars(new char[n]) : new Ints(new int[n]);
        }

        abstract int length();

        abstract int get(int index);

        abstract void set(int index, int code);

        void count(long[] counts) {
            for (int i = 0, n = length(); i < n; i++) {
                counts[get(i)]++;
            }
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Codes other) || other.length() != length()) {
                return false;
            }
            for (int i = 0, n = length(); i < n; i++) {
                if (get(i) != other.get(i)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            int h = 1;
            for (int i = 0, n = length(); i < n; i++) {
                h = 31 * h + get(i);
            }
            return h;
        }

        private static final class Bytes extends Codes {
            private final byte[] codes;

            Bytes(byte[] codes) {
                this.codes = codes;
            }

            @Override
            int length() {
                return codes.length;
            }

            @Override
            int get(int index) {
                return codes[index] & 0xFF;
            }

            @Override
            void set(int index, int code) {
                codes[index] = (byte) code;
            }
        }

        private static final class Chars extends Codes {
            private final char[] codes;

            Chars(char[] codes) {
                this.codes = codes;
            }

            @Override
            int length() {
                return codes.length;
            }

            @Override
            int get(int index) {
                return codes[index];
            }

            @Override
            void set(int index, int code) {
                codes[index] = (char) code;
            }
        }

        private static final class Ints extends Codes {
            private final int[] codes;

            Ints(int[] codes) {
                this.codes = codes;
            }

            @Override
            int length() {
                return codes.length;
            }

            @Override
            int get(int index) {
                return codes[index];
            }

            @Override
            void set(int index, int code) {
                codes[index] = code;
            }
        }
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
