package dev.tersor.compress;

import dev.tersor.format.DenseMatrixView;

import java.util.SplittableRandom;

/** Random weight matrices for the compression tests. */
public final class TestWeights {

    private TestWeights() {
    }

    /** Independent N(0, σ²) entries. */
    public static DenseMatrixView gaussian(int rows, int cols, double sigma, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (sigma * gaussian(random));
        }
        return DenseMatrixView.of(rows, cols, w);
    }

    /**
     * Laplace entries (peaked at 0, heavy tails: the skew of trained weights), each row with its own
     * spread between 0.2 and 2 so that per-row scales matter.
     */
    public static DenseMatrixView laplaceRows(int rows, int cols, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] w = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            double spread = 0.2 + 1.8 * random.nextDouble();
            for (int c = 0; c < cols; c++) {
                double u = random.nextDouble() - 0.5;
                w[r * cols + c] = (float) (-spread * Math.signum(u) * Math.log(1 - 2 * Math.abs(u)));
            }
        }
        return DenseMatrixView.of(rows, cols, w);
    }

    public static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    /** Σ (a − b)² over two row-major arrays. */
    public static double squaredError(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            s += d * d;
        }
        return s;
    }
}
