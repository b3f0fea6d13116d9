package dev.tersor.compress.gptq;

/** Dense Cholesky factorizations of symmetric positive definite matrices, row-major, in double. */
final class Cholesky {

    /** Columns per panel of the blocked factorization; a panel of 1 536 rows is 768 KiB. */
    private static final int PANEL = 64;

    private Cholesky() {
    }

    /**
     * The lower-triangular L with a = L·Lᵀ, or {@code null} when a is not positive definite.
     *
     * <p>Right-looking and blocked: each panel of {@value #PANEL} columns is factored, copied
     * transposed, and subtracted from the trailing rows as axpys over contiguous rows, which the JIT
     * vectorizes, while the panel stays in cache. About n³/6 multiply-adds.
     */
    static double[] lower(double[] a, int n) {
        double[] l = a.clone();
        double[] panel = new double[PANEL * n];
        for (int k0 = 0; k0 < n; k0 += PANEL) {
            int k1 = Math.min(k0 + PANEL, n);
            // Panel columns k0..k1 of rows k0..n, by forward substitution against the diagonal block.
            for (int i = k0; i < n; i++) {
                int ri = i * n;
                for (int j = k0; j < Math.min(i + 1, k1); j++) {
                    int rj = j * n;
                    double s = l[ri + j];
                    for (int m = k0; m < j; m++) {
                        s -= l[ri + m] * l[rj + m];
                    }
                    if (i == j) {
                        if (!(s > 0)) {
                            return null;
                        }
                        l[ri + i] = Math.sqrt(s);
                    } else {
                        l[ri + j] = s / l[rj + j];
                    }
                }
            }
            int width = k1 - k0;
            for (int i = k1; i < n; i++) {
                for (int m = 0; m < width; m++) {
                    panel[m * n + i] = l[i * n + k0 + m];
                }
            }
            // Trailing update: a[i][k1..i] −= Σ_m L[i][k0+m]·L[k1..i][k0+m].
            for (int i = k1; i < n; i++) {
                int ri = i * n;
                for (int m = 0; m < width; m++) {
                    double v = l[ri + k0 + m];
                    if (v != 0) {
                        int pm = m * n;
                        for (int j = k1; j <= i; j++) {
                            l[ri + j] -= v * panel[pm + j];
                        }
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                l[i * n + j] = 0;
            }
        }
        return l;
    }

    /**
     * The upper-triangular M with a = M·Mᵀ, or {@code null} when a is not positive definite. With P
     * the index reversal, P·a·P = L·Lᵀ gives a = (P·L·P)·(P·L·P)ᵀ, and P·L·P is upper triangular.
     */
    static double[] upper(double[] a, int n) {
        double[] reversed = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                reversed[i * n + j] = a[(n - 1 - i) * n + (n - 1 - j)];
            }
        }
        double[] l = lower(reversed, n);
        if (l == null) {
            return null;
        }
        double[] m = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                m[i * n + j] = l[(n - 1 - i) * n + (n - 1 - j)];
            }
        }
        return m;
    }
}
