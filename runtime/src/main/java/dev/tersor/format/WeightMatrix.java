package dev.tersor.format;

import dev.tersor.kernels.Layouts;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A weight matrix {@code W[rows, cols]} (rows are outputs, {@code y = W·x}) held off-heap in one
 * Tersor format. Matrices are immutable and safe to share between threads; closing one releases the
 * memory it owns, after which every method except {@link #close()} and the shape accessors throws
 * {@link IllegalStateException}.
 */
public interface WeightMatrix extends AutoCloseable {

    /**
     * Bytes of the fixed descriptor every layout carries on top of its arrays: format id, index
     * widths, rows, cols. {@link #byteSize()} includes it.
     */
    long HEADER_BYTES = 16;

    /** The format's short name, e.g. {@code "cser"}. */
    String formatName();

    int rows();

    int cols();

    /**
     * Exact bytes of the layout: every array, 8 bytes per integer parameter (formats that have any),
     * plus {@link #HEADER_BYTES}.
     */
    long byteSize();

    /** {@code 8·byteSize() / (rows·cols)}; 0 for an empty matrix. */
    default double bitsPerWeight() {
        long weights = (long) rows() * cols();
        return weights == 0 ? 0 : 8.0 * byteSize() / weights;
    }

    /**
     * {@code Y = W·X} with {@code X} laid out {@code [cols][batch]} and {@code Y} {@code [rows][batch]}
     * (float32, little-endian), using {@code execution}'s kernels and threads.
     */
    void multiply(MemorySegment x, MemorySegment y, int batch, Execution execution);

    /** {@link #multiply(MemorySegment, MemorySegment, int, Execution)} with {@link Execution#defaults()}. */
    default void multiply(MemorySegment x, MemorySegment y, int batch) {
        multiply(x, y, batch, Execution.defaults());
    }

    /** {@code y = W·x} on heap arrays. */
    default float[] multiply(float[] x) {
        if (x.length != cols()) {
            throw new IllegalArgumentException("x has " + x.length + " elements, the matrix has " + cols() + " columns");
        }
        float[] y = new float[rows()];
        multiply(MemorySegment.ofArray(x), MemorySegment.ofArray(y), 1);
        return y;
    }

    /** Writes row {@code row} of {@code W}, exactly as encoded, to {@code dst[0 .. cols)}. */
    void decodeRow(int row, MemorySegment dst);

    /**
     * Runs every check of its layout that reading it left for later (a table read for gathering
     * checks its rows as they are decoded, or all of them before a product); throws
     * {@link InvalidLayoutException} if one fails. Nothing to do for a matrix read in full.
     */
    default void checkAll() {
    }

    /** Writes all of {@code W}, row-major, to {@code dst[0 .. rows·cols)}. */
    default void decodeInto(MemorySegment dst) {
        long rowBytes = 4L * cols();
        if (dst.byteSize() < rowBytes * rows()) {
            throw new IndexOutOfBoundsException("destination holds " + dst.byteSize() + " bytes, needs " + rowBytes * rows());
        }
        for (int r = 0; r < rows(); r++) {
            decodeRow(r, dst.asSlice(r * rowBytes, rowBytes));
        }
    }

    /** {@code W} as a row-major heap array. */
    default float[] toDense() {
        long n = (long) rows() * cols();
        if (n > Integer.MAX_VALUE - 8) {
            throw new UnsupportedOperationException(rows() + "x" + cols() + " does not fit a Java array; use decodeInto");
        }
        float[] dense = new float[(int) n];
        decodeInto(MemorySegment.ofArray(dense));
        return dense;
    }

    /** {@code W} decoded into a new dense matrix whose memory {@code arena} owns. */
    default DenseMatrixView decode(Arena arena) {
        MemorySegment data = arena.allocate(Layouts.F32, (long) rows() * cols());
        decodeInto(data);
        return new DenseMatrixView(rows(), cols(), data);
    }

    /**
     * Format-specific figures for reports, by name (for example the bits per entry of a Huffman
     * stream); empty when a format has none.
     */
    default java.util.Map<String, Double> details() {
        return java.util.Map.of();
    }

    /**
     * Whether products quantize the activations to int8 first (q8 loaded for speed), so that they
     * compute {@code W·Q(x)}: within half a quantization step of each activation column times
     * {@code Σ|w|} of the row, not within float rounding of {@code W·x}.
     */
    default boolean quantizesActivations() {
        return false;
    }

    /** The named arrays and parameters of this matrix, for serialization. The segments are views, not copies. */
    Layout layout();

    /** Whether {@link #close()} has been called. */
    boolean isClosed();

    /** Releases the memory this matrix owns; idempotent. */
    @Override
    void close();
}
