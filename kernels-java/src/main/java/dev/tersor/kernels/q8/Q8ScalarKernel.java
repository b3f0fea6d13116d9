package dev.tersor.kernels.q8;

import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.arrays.Q8Arrays;

import java.lang.foreign.MemorySegment;

/**
 * Scalar reference for 8-bit integer rows ({@link Q8Arrays}).
 *
 * <p>Float activations: {@code y_rb = rowScale[r] · Σ_j code_rj · x_jb}, summed in float in column order.
 * <br>Int8 activations: each batch column is quantized by {@link TokenQuantizer} to {@code q} with
 * scale {@code s_b}; then {@code y_rb = ((float) Σ_j code_rj · q_j) · rowScale[r] · s_b}, the sum exact
 * in int32 and the two multiplications in that order. Every faster path must give these bits.
 * Codes are the clamped ones; {@link Q8Patches} then adds the patches in both modes.
 */
public final class Q8ScalarKernel {

    private Q8ScalarKernel() {
    }

    public static void matMul(Q8Arrays w, int batch, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        if (w.int8Activations()) {
            matMulInt8(w, batch, x, y, rowStart, rowEnd);
        } else {
            matMulFloat(w, batch, x, y, rowStart, rowEnd);
        }
        Q8Patches.apply(w, batch, x, y, rowStart, rowEnd);
    }

    private static void matMulFloat(Q8Arrays w, int batch, MemorySegment x, MemorySegment y, int rowStart,
                                    int rowEnd) {
        int cols = w.cols();
        float[] acc = new float[batch];
        for (int r = rowStart; r < rowEnd; r++) {
            java.util.Arrays.fill(acc, 0f);
            for (int j = 0; j < cols; j++) {
                int code = w.code(r, j);
                long xRow = (long) j * batch;
                for (int b = 0; b < batch; b++) {
                    acc[b] += code * x.getAtIndex(Layouts.F32, xRow + b);
                }
            }
            float scale = w.rowScale().getAtIndex(Layouts.F32, r);
            for (int b = 0; b < batch; b++) {
                y.setAtIndex(Layouts.F32, (long) r * batch + b, acc[b] * scale);
            }
        }
    }

    private static void matMulInt8(Q8Arrays w, int batch, MemorySegment x, MemorySegment y, int rowStart,
                                   int rowEnd) {
        int cols = w.cols();
        byte[] q = new byte[cols];
        for (int b = 0; b < batch; b++) {
            float columnScale = TokenQuantizer.quantize(x, cols, batch, b, q);
            for (int r = rowStart; r < rowEnd; r++) {
                int acc = 0;
                for (int j = 0; j < cols; j++) {
                    acc += w.code(r, j) * q[j];
                }
                y.setAtIndex(Layouts.F32, (long) r * batch + b,
                        (float) acc * w.rowScale().getAtIndex(Layouts.F32, r) * columnScale);
            }
        }
    }
}
