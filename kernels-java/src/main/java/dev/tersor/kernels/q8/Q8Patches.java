package dev.tersor.kernels.q8;

import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.arrays.Q8Arrays;

import java.lang.foreign.MemorySegment;

/**
 * The float passes after the integer product. Outliers (int8 activations): {@code y_rb += rowScale[r]
 * · Σ_o code_{r,o} · x_{o,b}} over the column's outliers ({@link TokenQuantizer#outliers}); the C
 * kernels add the same terms by the same operations. Patches, in both modes: {@code y_rb +=
 * rowScale[r] · Σ_p delta_p · x_{col_p, b}} over the row's patches in order, on the float activations.
 * Patches are rare (a weight beyond 127 steps of its row), so one shared Java loop serves every
 * provider; the C kernels see only the clamped codes. Each sum runs in float in the order given.
 */
public final class Q8Patches {

    private Q8Patches() {
    }

    /** Both float passes, as the Java kernels need them: the outliers (int8 activations only), then the patches. */
    public static void apply(Q8Arrays w, int batch, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        if (w.int8Activations()) {
            addOutliers(w, batch, x, y, rowStart, rowEnd);
        }
        addPatches(w, batch, x, y, rowStart, rowEnd);
    }

    /** The patches' pass alone, for the C kernels, which add the outliers themselves by the same operations. */
    public static void addPatches(Q8Arrays w, int batch, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
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
     * Outliers are mostly the same few channels in every column, so each row reads the codes of the
     * union of the columns' outliers once.
     */
    private static void addOutliers(Q8Arrays w, int batch, MemorySegment x, MemorySegment y, int rowStart,
                                    int rowEnd) {
        int max = TokenQuantizer.MAX_OUTLIERS;
        int[] count = new int[batch];
        float[] values = new float[batch * max];  // column b's outlier activations at [b·max, b·max + count[b])
        int[] slot = new int[batch * max];        // each one's place in the union
        int[] union = new int[batch * max];
        int distinct = 0;
        for (int b = 0; b < batch; b++) {
            int[] found = new int[max];
            count[b] = TokenQuantizer.outliers(x, w.cols(), batch, b, found);
            for (int o = 0; o < count[b]; o++) {
                int i = b * max + o;
                values[i] = x.getAtIndex(Layouts.F32, (long) found[o] * batch + b);
                int u = 0;
                while (u < distinct && union[u] != found[o]) {
                    u++;
                }
                if (u == distinct) {
                    union[distinct++] = found[o];
                }
                slot[i] = u;
            }
        }
        if (distinct == 0) {
            return;
        }
        int[] codes = new int[distinct];
        for (int r = rowStart; r < rowEnd; r++) {
            for (int u = 0; u < distinct; u++) {
                codes[u] = w.code(r, union[u]);
            }
            float rowScale = w.rowScale().getAtIndex(Layouts.F32, r);
            for (int b = 0; b < batch; b++) {
                if (count[b] == 0) {
                    continue;
                }
                float sum = 0f;
                for (int o = 0; o < count[b]; o++) {
                    int i = b * max + o;
                    sum += codes[slot[i]] * values[i];
                }
                long out = (long) r * batch + b;
                y.setAtIndex(Layouts.F32, out, y.getAtIndex(Layouts.F32, out) + rowScale * sum);
            }
        }
    }
}
