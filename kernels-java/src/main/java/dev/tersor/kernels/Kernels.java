package dev.tersor.kernels;

import dev.tersor.kernels.arrays.WeightArrays;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The kernels every weight format calls: one implementation per provider (scalar reference, Vector
 * API, native), chosen once at startup by {@link #preferred()}.
 *
 * <p>Every kernel computes {@code Y = W·X} for the output rows {@code [rowStart, rowEnd)}, with
 * {@code W} stored {@code [rows, cols]} in the kernel's format, {@code X} laid out
 * {@code [cols][batch]} and {@code Y} laid out {@code [rows][batch]} (batch innermost). A batch of one
 * is the matrix-vector product. Rows outside the range are left untouched, so threads can share
 * {@code Y}. Kernels are pure functions of their arguments and keep no state between calls.
 *
 * <p>The weight matrix is one {@link WeightArrays} record per format. Its constructor checks the
 * arrays in constant time (segment sizes, the end of each pointer array) once per matrix; the public
 * {@link #matMul} checks the per-call arguments, then calls the provider's trusting {@link #matMulK}.
 * Neither re-checks the inner structure of a layout (monotone pointers, indices in range); the
 * formats' validators do that once, before a layout can reach a kernel. Java providers still fail
 * with an exception on a bad layout, since segment access is bounds-checked; native providers would
 * not.
 *
 * <p>Providers form a chain, the way netlib's {@code VectorBLAS} extends {@code Java11BLAS}:
 * {@link ScalarKernels} covers every format, the Vector API provider extends it and overrides what it
 * speeds up, and the native provider falls back to the best Java provider for what it does not run.
 */
public abstract class Kernels {

    /** System property that forces a provider: {@code scalar}, {@code vector} or {@code native}. */
    public static final String PROVIDER_PROPERTY = "tersor.kernels";

    protected Kernels() {
    }

    /** The provider chosen at startup; the choice is logged once. */
    public static Kernels preferred() {
        return KernelLookup.preferred();
    }

    /** A provider by name ({@code scalar}, {@code vector}, {@code native}), or an exception saying why not. */
    public static Kernels named(String name) {
        return KernelLookup.named(name);
    }

    /** Every provider that can run in this JVM, scalar first. */
    public static List<Kernels> available() {
        return KernelLookup.available();
    }

    /** Short provider name: {@code scalar}, {@code vector} or {@code native}. */
    public abstract String name();

    /** The instruction-set path this provider runs, e.g. {@code "Vector API, 256-bit"}. */
    public abstract String isa();

    /** Width of the float vectors this provider computes with, in bits; 32 for scalar code. */
    public int vectorBits() {
        return 32;
    }

    @Override
    public String toString() {
        return name() + " (" + isa() + ")";
    }

    /**
     * {@code Y = W·X} for the matrix {@code w}, over output rows {@code [rowStart, rowEnd)}. Checks only
     * what changes per call (batch, the sizes of {@code x} and {@code y}, the row range); {@code w} was
     * checked when its record was built.
     */
    public final void matMul(WeightArrays w, int batch, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        checkCall(w.rows(), w.cols(), batch, x, y, rowStart, rowEnd);
        matMulK(w, batch, x, y, rowStart, rowEnd);
    }

    /** The trusting product behind {@link #matMul}: every argument is already checked. */
    protected abstract void matMulK(WeightArrays w, int batch, MemorySegment x, MemorySegment y,
                                    int rowStart, int rowEnd);

    private static void checkCall(int rows, int cols, int batch, MemorySegment x, MemorySegment y,
                                  int rowStart, int rowEnd) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        if (rowStart < 0 || rowStart > rowEnd || rowEnd > rows) {
            throw new IndexOutOfBoundsException("row range [" + rowStart + ", " + rowEnd + ") outside [0, " + rows + ")");
        }
        requireBytes("x", x, 4L * cols * batch);
        requireBytes("y", y, 4L * rows * batch);
    }

    private static void requireBytes(String name, MemorySegment segment, long bytes) {
        if (segment.byteSize() < bytes) {
            throw new IndexOutOfBoundsException(name + " holds " + segment.byteSize() + " bytes, needs " + bytes);
        }
    }
}
