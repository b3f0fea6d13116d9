package dev.tersor.kernels.cser;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar reference for the grouped-row formats. Each (row, value) group costs additions only, plus
 * one multiplication: {@code y_r = s_r·(Σ_g (ω_g − ω_0)·Σ_{p∈g} x_{col_p} + ω_0·Σ_j x_j)}, where the
 * {@code ω_0} term appears only when the implicit value is non-zero and {@code s_r} only when the
 * matrix has row scales.
 *
 * <p>CSER names each group's value explicitly ({@code groupValue}); CER passes {@code null} and the
 * t-th group of a row holds {@code ω_{t+1}}.
 */
public final class CserScalarKernel {

    private CserScalarKernel() {
    }

    /**
     * {@code Σ xs[columns[p]]} over {@code [p, end)}, in order, reading the column indices here: through
     * {@link IndexArray#get}, every read passes one method shared by every kernel and encoder, which
     * the JIT stops inlining once its callers have given it enough kinds of segment, and this loop then
     * runs twice as slowly.
     */
    private static float sum(float[] xs, MemorySegment columns, IndexWidth width, int p, int end) {
        float s = 0f;
        switch (width) {
            case U8 -> {
                for (; p < end; p++) {
                    s += xs[columns.get(ValueLayout.JAVA_BYTE, p) & 0xFF];
                }
            }
            case U16 -> {
                for (; p < end; p++) {
                    s += xs[columns.getAtIndex(Layouts.U16, p) & 0xFFFF];
                }
            }
            case U32 -> {
                for (; p < end; p++) {
                    s += xs[columns.getAtIndex(Layouts.I32, p)];
                }
            }
        }
        return s;
    }

    /** Element {@code i} of an index array, read here for the reason {@link #sum} gives. */
    private static int index(MemorySegment indices, IndexWidth width, long i) {
        return switch (width) {
            case U8 -> indices.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
            case U16 -> indices.getAtIndex(Layouts.U16, i) & 0xFFFF;
            case U32 -> indices.getAtIndex(Layouts.I32, i);
        };
    }

    public static void matMul(int rows, int cols, int batch, MemorySegment omega, IndexArray colIdx,
                              IndexArray groupValue, IndexArray groupPtr, IndexArray rowPtr, MemorySegment rowScale,
                              MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        assert rowStart >= 0 && rowEnd <= rows;
        float omega0 = omega.getAtIndex(Layouts.F32, 0);
        boolean scaled = rowScale.byteSize() != 0;
        if (batch == 1) {
            float[] xs = Scratch.input(x, cols);
            MemorySegment columns = colIdx.segment();
            IndexWidth width = colIdx.width();
            float xSum = 0f;
            if (omega0 != 0f) {
                for (int j = 0; j < cols; j++) {
                    xSum += xs[j];
                }
            }
            MemorySegment starts = groupPtr.segment();
            IndexWidth startWidth = groupPtr.width();
            MemorySegment values = groupValue == null ? null : groupValue.segment();
            IndexWidth valueWidth = groupValue == null ? null : groupValue.width();
            for (int r = rowStart; r < rowEnd; r++) {
                int g0 = rowPtr.get(r);
                int g1 = rowPtr.get(r + 1);
                float acc = 0f;
                int start = index(starts, startWidth, g0);
                for (int g = g0; g < g1; g++) {
                    int end = index(starts, startWidth, g + 1);
                    float s = sum(xs, columns, width, start, end);
                    start = end;
                    int k = values == null ? g - g0 + 1 : index(values, valueWidth, g);
                    acc += (omega.getAtIndex(Layouts.F32, k) - omega0) * s;
                }
                acc += omega0 * xSum;
                y.setAtIndex(Layouts.F32, r, scaled ? acc * rowScale.getAtIndex(Layouts.F32, r) : acc);
            }
            return;
        }
        float[] xSum = Scratch.sums(batch);
        java.util.Arrays.fill(xSum, 0, batch, 0f);
        if (omega0 != 0f) {
            for (int j = 0; j < cols; j++) {
                for (int b = 0; b < batch; b++) {
                    xSum[b] += x.getAtIndex(Layouts.F32, (long) j * batch + b);
                }
            }
        }
        float[] acc = Scratch.accumulator(2 * batch);
        for (int r = rowStart; r < rowEnd; r++) {
            java.util.Arrays.fill(acc, 0, batch, 0f);
            int g0 = rowPtr.get(r);
            int g1 = rowPtr.get(r + 1);
            for (int g = g0; g < g1; g++) {
                // acc[batch .. 2·batch) holds the group sums
                java.util.Arrays.fill(acc, batch, 2 * batch, 0f);
                int end = groupPtr.get(g + 1);
                for (int p = groupPtr.get(g); p < end; p++) {
                    long xRow = (long) colIdx.get(p) * batch;
                    for (int b = 0; b < batch; b++) {
                        acc[batch + b] += x.getAtIndex(Layouts.F32, xRow + b);
                    }
                }
                int k = groupValue == null ? g - g0 + 1 : groupValue.get(g);
                float v = omega.getAtIndex(Layouts.F32, k) - omega0;
                for (int b = 0; b < batch; b++) {
                    acc[b] += v * acc[batch + b];
                }
            }
            float scale = scaled ? rowScale.getAtIndex(Layouts.F32, r) : 1f;
            for (int b = 0; b < batch; b++) {
                float value = acc[b] + omega0 * xSum[b];
                y.setAtIndex(Layouts.F32, (long) r * batch + b, scaled ? value * scale : value);
            }
        }
    }
}
