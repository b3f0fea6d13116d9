package dev.tersor.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Per-thread heap buffers for kernels that need activations in a {@code float[]} (gathers index
 * arrays, not segments). Each buffer kind has its own thread-local so that one kernel can hold
 * several at once; none is ever shared between threads.
 */
public final class Scratch {

    private static final ThreadLocal<float[]> INPUT = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> ACCUMULATOR = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<int[]> INDICES = ThreadLocal.withInitial(() -> new int[0]);
    private static final ThreadLocal<int[]> SYMBOLS = ThreadLocal.withInitial(() -> new int[0]);
    private static final ThreadLocal<int[]> COLUMNS = ThreadLocal.withInitial(() -> new int[0]);
    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);

    private Scratch() {
    }

    /** The first {@code n} floats of {@code x}, copied into this thread's input buffer. */
    public static float[] input(MemorySegment x, long n) {
        float[] buffer = grow(INPUT, Math.toIntExact(n));
        MemorySegment.copy(x, Layouts.F32, 0, buffer, 0, (int) n);
        return buffer;
    }

    /** This thread's accumulator buffer, at least {@code n} long, contents undefined. */
    public static float[] accumulator(int n) {
        return grow(ACCUMULATOR, n);
    }

    /** This thread's buffer for per-batch column sums, at least {@code n} long, contents undefined. */
    public static float[] sums(int n) {
        return grow(SUMS, n);
    }

    /** This thread's index buffer, at least {@code n} long, contents undefined. */
    public static int[] indices(int n) {
        return growInts(INDICES, n);
    }

    /** This thread's buffer for decoded symbols of one row, at least {@code n} long, contents undefined. */
    public static int[] symbols(int n) {
        return growInts(SYMBOLS, n);
    }

    /** This thread's buffer for the decoded columns of one row, at least {@code n} long, contents undefined. */
    public static int[] columns(int n) {
        return growInts(COLUMNS, n);
    }

    /** This thread's buffer for the decoded values of one row, at least {@code n} long, contents undefined. */
    public static float[] row(int n) {
        return grow(ROW, n);
    }

    private static int[] growInts(ThreadLocal<int[]> local, int n) {
        int[] buffer = local.get();
        if (buffer.length < n) {
            buffer = new int[Math.max(n, 2 * buffer.length)];
            local.set(buffer);
        }
        return buffer;
    }

    private static float[] grow(ThreadLocal<float[]> local, int n) {
        float[] buffer = local.get();
        if (buffer.length < n) {
            buffer = new float[Math.max(n, 2 * buffer.length)];
            local.set(buffer);
        }
        return buffer;
    }
}
