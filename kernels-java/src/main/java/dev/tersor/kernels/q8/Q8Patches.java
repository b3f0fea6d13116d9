package dev.tersor.kernels.q8;

import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.arrays.Q8Arrays;

import java.lang.foreign.MemorySegment;

/**
 * The patch pass every provider runs after its kernel: {@code y_rb += rowScale[r] · Σ_p delta_p ·
 * x_{col_p, b}}, summed in float in patch order over the row's patches, on the float activations in
 * both modes. Patches are rare (a weight beyond 127 steps of its row), so one shared Java loop serves
 * every provider and gives the same bits everywhere; the C kernels see only the clamped codes.
 */
public final class Q8Patches {

    private Q8Patches() {
    }

    public static void apply(Q8Arrays w, int batch, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        if (w.int8Activations()) {
            addOutliers(w, batch, x, y, rowStart, rowEnd);
        }
        if (w.patchPtr().get(rowEnd) == w.patchPtr().get(rowStart)) {
            return;
        }
        for (int r = rowStart; r < rowEnd; r++) {
            int start = w.patchPtr().get(r);
            int end = w.patchPtr().get(r + 1);
            if (start == end) {
                continue;
            }
            float scale = w.rowScale().getAtIndex(Layouts.F32, r);
            for (int b = 0; b < batch; b++) {
                float sum = 0f;
                for (int p = start; p < end; p++) {
                    int delta = w.patchDelta().getAtIndex(Layouts.I32, p);
                    sum += delta * x.getAtIndex(Layouts.F32, (long) w.patchCol().get(p) * batch + b);
                }
                long out = (long) r * batch + b;
                y.setAtIndex(Layouts.F32, out, y.getAtIndex(Layouts.F32, out) + scale * sum);
            }
        }
    }

    /**
     * The activation outliers the int8 product left out ({@link TokenQuantizer#outliers}), in float:
     * {@code y_rb += rowScale[r] · Σ_o code_{r,o} · x_{o,b}} over the column's outliers in index order.
     */
    private static void addOutliers(Q8Arrays w, int batch, MemorySegment x, MemorySegment y, int rowStart,
                                    int rowEnd) {
        int[] columns = new int[TokenQuantizer.MAX_OUTLIERS];
        long stride = w.stride();
        for (int b = 0; b < batch; b++) {
            int n = TokenQuantizer.outliers(x, w.cols(), batch, b, columns);
            if (n == 0) {
                continue;
            }
            for (int r = rowStart; r < rowEnd; r++) {
                float sum = 0f;
                for (int o = 0; o < n; o++) {
                    int code = w.codes().get(java.lang.foreign.ValueLayout.JAVA_BYTE, r * stride + columns[o]);
                    sum += code * x.getAtIndex(Layouts.F32, (long) columns[o] * batch + b);
                }
                long out = (long) r * batch + b;
                y.setAtIndex(Layouts.F32, out, y.getAtIndex(Layouts.F32, out) + w.rowScale().getAtIndex(Layouts.F32, r) * sum);
            }
        }
    }
}
