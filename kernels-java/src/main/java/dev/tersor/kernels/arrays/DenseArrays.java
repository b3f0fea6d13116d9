package dev.tersor.kernels.arrays;

import java.lang.foreign.MemorySegment;

/** Dense float32, row-major: {@code w[rows·cols]}. */
public record DenseArrays(int rows, int cols, MemorySegment w) implements WeightArrays {

    public DenseArrays {
        Checks.shape(rows, cols);
        Checks.requireBytes("w", w, 4L * rows * cols);
    }

    @Override
    public boolean onHeap() {
        return !w.isNative();
    }
}
