package dev.tersor.format;

import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;

/**
 * A row-major float32 matrix in a segment: the input of every encoder and the output of decoding.
 * It does not own its memory.
 */
public record DenseMatrixView(int rows, int cols, MemorySegment data) {

    public DenseMatrixView {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        }
        long bytes = 4L * rows * cols;
        if (data.byteSize() < bytes) {
            throw new IllegalArgumentException("data holds " + data.byteSize() + " bytes, a " + rows + "x" + cols
                    + " matrix needs " + bytes);
        }
    }

    /** A view of a heap array. */
    public static DenseMatrixView of(int rows, int cols, float[] data) {
        return new DenseMatrixView(rows, cols, MemorySegment.ofArray(data));
    }

    public float get(int row, int col) {
        return data.getAtIndex(Layouts.F32, (long) row * cols + col);
    }

    /** Raw float bits of an element: formats compare values bit for bit. */
    public int bits(int row, int col) {
        return data.getAtIndex(Layouts.I32, (long) row * cols + col);
    }

    public long size() {
        return (long) rows * cols;
    }

    /** A row-major heap copy of the matrix. */
    public float[] toArray() {
        long n = size();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(rows + "x" + cols + " does not fit in one heap array");
        }
        float[] copy = new float[(int) n];
        MemorySegment.copy(data, Layouts.F32, 0, copy, 0, (int) n);
        return copy;
    }
}
