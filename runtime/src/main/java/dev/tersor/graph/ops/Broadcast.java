package dev.tersor.graph.ops;

import dev.tersor.graph.Shapes;

/**
 * The loop structure of a numpy-broadcast element-wise operation, worked out once at bind time:
 * the output is cut into {@code runs} contiguous runs of {@code inner} elements; within a run every
 * input either advances with the output or stays on one element ({@link #scalar}). Dims of size one
 * are dropped and adjacent dims merged wherever every operand is contiguous across them, so common
 * cases (same shapes, a scalar, a bias row) become one long run or a few long ones.
 */
final class Broadcast {

    final int inner;
    final int runs;
    /** Per input: its element offset at the start of each run. */
    final int[][] offsets;
    /** Per input: whether it stays on one element within a run. */
    final boolean[] scalar;

    Broadcast(int[] out, int[]... inputs) {
        int rank = out.length;
        int n = inputs.length;
        int[][] strides = new int[n][rank];
        for (int k = 0; k < n; k++) {
            int[] shape = inputs[k];
            int[] natural = Shapes.strides(shape);
            int shift = rank - shape.length;
            for (int d = 0; d < rank; d++) {
                int id = d - shift;
                strides[k][d] = id < 0 || shape[id] == 1 ? 0 : natural[id];
            }
        }
        // Collapse: keep dims larger than one, merge a dim into the next when every operand is contiguous.
        int[] dims = new int[rank];
        int[][] st = new int[n][rank];
        int m = 0;
        for (int d = 0; d < rank; d++) {
            if (out[d] == 1) {
                continue;
            }
            if (m > 0 && mergeable(strides, d, dims[m - 1], st, m - 1, out[d])) {
                dims[m - 1] *= out[d];
                for (int k = 0; k < n; k++) {
                    st[k][m - 1] = strides[k][d];
                }
                continue;
            }
            dims[m] = out[d];
            for (int k = 0; k < n; k++) {
                st[k][m] = strides[k][d];
            }
            m++;
        }
        scalar = new boolean[n];
        if (m == 0) {
            inner = Shapes.size(out) == 0 ? 0 : 1;
            runs = inner == 0 ? 0 : 1;
            offsets = new int[n][runs];
            for (int k = 0; k < n; k++) {
                scalar[k] = true;
            }
            return;
        }
        inner = dims[m - 1];
        for (int k = 0; k < n; k++) {
            scalar[k] = st[k][m - 1] == 0;
        }
        runs = Shapes.product(dims, 0, m - 1);
        offsets = new int[n][runs];
        int[] index = new int[m - 1];
        int[] position = new int[n];
        for (int r = 0; r < runs; r++) {
            for (int k = 0; k < n; k++) {
                offsets[k][r] = position[k];
            }
            for (int d = m - 2; d >= 0; d--) {
                index[d]++;
                for (int k = 0; k < n; k++) {
                    position[k] += st[k][d];
                }
                if (index[d] < dims[d]) {
                    break;
                }
                for (int k = 0; k < n; k++) {
                    position[k] -= st[k][d] * dims[d];
                }
                index[d] = 0;
            }
        }
    }

    /** Receives one output element's index and each input's element offset. */
    @FunctionalInterface
    interface Visitor {
        void visit(long output, int[] positions);
    }

    /**
     * Calls {@code visitor} for every output element in order, with each input's element offset in
     * {@code positions} (one array, reused between calls): for operators without a tensor kernel.
     */
    void forEach(Visitor visitor) {
        int[] positions = new int[offsets.length];
        long output = 0;
        for (int r = 0; r < runs; r++) {
            for (int i = 0; i < inner; i++, output++) {
                for (int k = 0; k < positions.length; k++) {
                    positions[k] = scalar[k] ? offsets[k][r] : offsets[k][r] + i;
                }
                visitor.visit(output, positions);
            }
        }
    }

    /** Whether the previous kept dim (extent {@code prevDim}) merges with dim {@code d} of extent {@code size}. */
    private static boolean mergeable(int[][] strides, int d, int prevDim, int[][] kept, int prev, int size) {
        for (int k = 0; k < strides.length; k++) {
            if ((long) kept[k][prev] != (long) strides[k][d] * size) {
                return false;
            }
        }
        return prevDim > 0;
    }
}
