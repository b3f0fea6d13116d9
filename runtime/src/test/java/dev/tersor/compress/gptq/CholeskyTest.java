package dev.tersor.compress.gptq;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class CholeskyTest {

    @Test
    void factorsIntoLowerAndUpperTriangles() {
        for (int n : new int[]{1, 2, 5, 63, 64, 65, 150}) {   // around the panel width
            double[] a = randomSpd(n, n);
            double[] l = Cholesky.lower(a, n);
            assertThat(l).isNotNull();
            assertTriangular(l, n, false);
            assertClose(multiply(l, transpose(l, n), n), a, 1e-9);

            double[] m = Cholesky.upper(a, n);
            assertThat(m).isNotNull();
            assertTriangular(m, n, true);
            assertClose(multiply(m, transpose(m, n), n), a, 1e-9);
        }
    }

    @Test
    void indefiniteMatricesAreRefused() {
        assertThat(Cholesky.lower(new double[]{1, 2, 2, 1}, 2)).isNull();
        assertThat(Cholesky.upper(new double[]{0, 0, 0, 1}, 2)).isNull();
        double[] a = randomSpd(100, 3);
        a[70 * 100 + 70] = -1;
        assertThat(Cholesky.lower(a, 100)).isNull();
    }

    private static void assertTriangular(double[] t, int n, boolean upper) {
        for (int i = 0; i < n; i++) {
            assertThat(t[i * n + i]).isPositive();
            for (int j = 0; j < n; j++) {
                if (upper ? j < i : j > i) {
                    assertThat(t[i * n + j]).isZero();
                }
            }
        }
    }

    static double[] randomSpd(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] b = new double[n * n];
        for (int i = 0; i < b.length; i++) {
            b[i] = random.nextDouble() - 0.5;
        }
        double[] a = multiply(b, transpose(b, n), n);
        for (int i = 0; i < n; i++) {
            a[i * n + i] += 0.1;
        }
        return a;
    }

    static double[] multiply(double[] a, double[] b, int n) {
        double[] c = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                for (int j = 0; j < n; j++) {
                    c[i * n + j] += a[i * n + k] * b[k * n + j];
                }
            }
        }
        return c;
    }

    static double[] transpose(double[] a, int n) {
        double[] t = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                t[j * n + i] = a[i * n + j];
            }
        }
        return t;
    }

    static void assertClose(double[] actual, double[] expected, double tolerance) {
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("element %d", i)
                    .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(tolerance * (1 + Math.abs(expected[i]))));
        }
    }
}
