package dev.tersor.graph;

import dev.tersor.format.Execution;
import dev.tersor.kernels.KernelUnavailableException;
import dev.tersor.kernels.tensor.ScalarTensorKernels;
import dev.tersor.kernels.tensor.TensorKernels;
import dev.tersor.kernels.tensor.TensorKernels.Binary;
import dev.tersor.kernels.tensor.TensorKernels.Unary;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The graph operators' float kernels: the scalar reference against double-precision math, and the
 * Vector API provider (when this JVM has it) against the scalar one, over sizes around the vector
 * width and with offsets, so prologues, bodies and tails all run.
 */
class TensorKernelsTest {

    static final int[] SIZES = {0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 257};

    static List<TensorKernels> providers() {
        List<TensorKernels> list = new ArrayList<>(List.of(TensorKernels.scalar()));
        if (TensorKernels.vector() != null) {
            list.add(TensorKernels.vector());
        }
        return list;
    }

    @Test
    void vectorProviderIsUsedWhenTheModuleIsPresent() {
        boolean module = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assertThat(TensorKernels.vector() != null).isEqualTo(module);
        assertThat(TensorKernels.preferred().name()).isEqualTo(module ? "vector" : "scalar");
    }

    @Test
    void namedProvidersFollowTheWeightKernelsRules() {
        boolean module = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assertThat(TensorKernels.named("scalar")).isSameAs(TensorKernels.scalar());
        if (module) {
            assertThat(TensorKernels.named("vector").name()).isEqualTo("vector");
        } else {
            assertThatThrownBy(() -> TensorKernels.named("vector")).isInstanceOf(KernelUnavailableException.class)
                    .hasMessageContaining("jdk.incubator.vector");
        }
        // native has no tensor kernels of its own: it runs the best Java ones, as NativeKernels does
        assertThat(TensorKernels.named("native").name()).isEqualTo(module ? "vector" : "scalar");
        assertThatThrownBy(() -> TensorKernels.named("fast")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown kernel provider 'fast'");
    }

    @Test
    void executionCarriesTheTensorKernels() {
        Execution defaults = Execution.defaults();
        assertThat(defaults.tensorKernels()).isSameAs(TensorKernels.preferred());
        assertThat(defaults.withTensorKernels(TensorKernels.scalar()).tensorKernels()).isSameAs(TensorKernels.scalar());
        assertThat(defaults.withThreads(2).tensorKernels()).isSameAs(defaults.tensorKernels());
    }

    @Test
    void erfIsAccurate() {
        for (double x = -7; x <= 7; x += 0.001) {
            float expected = (float) erfReference(x);
            assertThat(ScalarTensorKernels.erf((float) x)).as("erf(%s)", x).isCloseTo(expected, within(2e-7f));
        }
    }

    /** erf by its Maclaurin series (|x| < 3) or the asymptotic continued fraction, in double. */
    static double erfReference(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 3) {
            double sum = 0;
            double term = ax;
            for (int n = 0; n < 200; n++) {
                sum += term / (2 * n + 1);
                term *= -ax * ax / (n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = 0;
            for (int n = 60; n >= 1; n--) {
                f = n / 2.0 / (ax + f);
            }
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
        }
        return x < 0 ? -r : r;
    }

    @Test
    void unaryMatchesTheScalarReference() {
        Random random = new Random(1);
        for (TensorKernels k : providers()) {
            for (Unary op : Unary.values()) {
                for (int n : SIZES) {
                    float[] x = new float[n + 3];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) (random.nextGaussian() * 3);
                        if (op == Unary.SQRT || op == Unary.LOG) {
                            x[i] = Math.abs(x[i]) + 1e-3f;
                        }
                    }
                    float[] y = new float[n + 5];
                    k.unary(op, MemorySegment.ofArray(x), 3, MemorySegment.ofArray(y), 2, n);
                    for (int i = 0; i < n; i++) {
                        float expected = reference(op, x[3 + i]);
                        // GELU cancels for large negative x, so its error scales with |x|, not the result.
                        float tolerance = op == Unary.ERF ? 4e-7f : op == Unary.GELU ? 3e-7f * Math.max(1, Math.abs(x[3 + i]))
                                : 2e-6f * Math.max(1, Math.abs(expected));
                        assertThat(y[2 + i]).as("%s %s of %s", k, op, x[3 + i]).isCloseTo(expected, within(tolerance));
                    }
                    assertThat(y[0]).isZero();
                    assertThat(y[n + 2]).isZero();
                }
            }
        }
    }

    private static float reference(Unary op, float v) {
        double x = v;
        return (float) switch (op) {
            case SQRT -> Math.sqrt(x);
            case ERF -> erfReference(x);
            case RELU -> Math.max(0, x);
            case EXP -> Math.exp(x);
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case TANH -> Math.tanh(x);
            case GELU -> 0.5 * x * (1 + erfReference(x / Math.sqrt(2)));
            case RECIPROCAL -> 1 / x;
            case LOG -> Math.log(x);
            case FLOOR -> Math.floor(x);
            case CEIL -> Math.ceil(x);
        };
    }

    @Test
    void binaryMatchesTheScalarReference() {
        Random random = new Random(2);
        for (TensorKernels k : providers()) {
            for (Binary op : Binary.values()) {
                for (int n : SIZES) {
                    for (int mode = 0; mode < 4; mode++) {
                        boolean aScalar = mode == 1 || mode == 3;
                        boolean bScalar = mode == 2 || mode == 3;
                        float[] a = random(random, n + 1, op == Binary.POW);
                        float[] b = random(random, n + 1, false);
                        float[] y = new float[n];
                        k.binary(op, MemorySegment.ofArray(a), 1, aScalar, MemorySegment.ofArray(b), 1, bScalar,
                                MemorySegment.ofArray(y), 0, n);
                        float[] reference = new float[n];
                        TensorKernels.scalar().binary(op, MemorySegment.ofArray(a), 1, aScalar, MemorySegment.ofArray(b), 1,
                                bScalar, MemorySegment.ofArray(reference), 0, n);
                        // exactly rounded operations: vector lanes, masked or not, give the reference's bits
                        assertThat(y).as("%s %s n=%d mode=%d", k, op, n, mode).containsExactly(reference);
                        for (int i = 0; i < n; i++) {
                            double av = a[aScalar ? 1 : 1 + i];
                            double bv = b[bScalar ? 1 : 1 + i];
                            double e = switch (op) {
                                case ADD -> av + bv;
                                case SUB -> av - bv;
                                case MUL -> av * bv;
                                case DIV -> av / bv;
                                case POW -> Math.pow(av, bv);
                                case MAX -> Math.max(av, bv);
                                case MIN -> Math.min(av, bv);
                            };
                            assertThat((double) y[i]).as("%s %s", k, op).isCloseTo(e, within(1e-5 * Math.max(1, Math.abs(e))));
                        }
                    }
                }
            }
        }
    }

    @Test
    void addToRowsAddsOneValuePerRowExactly() {
        Random random = new Random(5);
        for (TensorKernels k : providers()) {
            for (int n : SIZES) {
                for (int rows : new int[] {0, 1, 3, 17, 40}) {
                    float[] y = random(random, 2 + rows * n, false);
                    float[] v = random(random, 1 + rows, false);
                    float[] before = y.clone();
                    k.addToRows(MemorySegment.ofArray(y), 2, rows, n, MemorySegment.ofArray(v), 1);
                    assertThat(y[0]).isEqualTo(before[0]);
                    assertThat(y[1]).isEqualTo(before[1]);
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < n; j++) {
                            int at = 2 + r * n + j;
                            assertThat(y[at]).as("%s %dx%d [%d][%d]", k, rows, n, r, j).isEqualTo(before[at] + v[1 + r]);
                        }
                    }
                }
            }
            float[] small = new float[6];
            assertThatThrownBy(() -> k.addToRows(MemorySegment.ofArray(small), 0, 2, 4, MemorySegment.ofArray(small), 0))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> k.addToRows(MemorySegment.ofArray(small), 0, 2, 3, MemorySegment.ofArray(small), 5))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    private static float[] random(Random random, int n, boolean positive) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = positive ? random.nextFloat() * 2 + 0.1f : (float) random.nextGaussian() + (random.nextBoolean() ? 0.5f : -0.5f);
        }
        return v;
    }

    @Test
    void softmaxAndLayerNormMatchDoubleMath() {
        Random random = new Random(3);
        for (TensorKernels k : providers()) {
            for (int n : new int[]{1, 5, 16, 17, 128, 384, 385}) {
                int rows = 3;
                float[] x = random(random, rows * n, false);
                float[] y = new float[rows * n];
                k.softmax(MemorySegment.ofArray(x), 0, MemorySegment.ofArray(y), 0, rows, n);
                float[] g = random(random, n, false);
                float[] b = random(random, n, false);
                float[] z = new float[rows * n];
                k.layerNorm(MemorySegment.ofArray(x), 0, MemorySegment.ofArray(z), 0, rows, n, MemorySegment.ofArray(g),
                        MemorySegment.ofArray(b), 1e-5f);
                for (int r = 0; r < rows; r++) {
                    double max = Double.NEGATIVE_INFINITY;
                    double mean = 0;
                    for (int i = 0; i < n; i++) {
                        max = Math.max(max, x[r * n + i]);
                        mean += x[r * n + i];
                    }
                    mean /= n;
                    double sum = 0;
                    double var = 0;
                    for (int i = 0; i < n; i++) {
                        sum += Math.exp(x[r * n + i] - max);
                        var += (x[r * n + i] - mean) * (x[r * n + i] - mean);
                    }
                    var /= n;
                    for (int i = 0; i < n; i++) {
                        double s = Math.exp(x[r * n + i] - max) / sum;
                        assertThat((double) y[r * n + i]).as("%s softmax n=%d", k, n).isCloseTo(s, within(1e-6));
                        double l = (x[r * n + i] - mean) / Math.sqrt(var + 1e-5) * g[i] + b[i];
                        assertThat((double) z[r * n + i]).as("%s layerNorm n=%d", k, n).isCloseTo(l, within(2e-5 * Math.max(1, Math.abs(l))));
                    }
                }
            }
        }
    }

    @Test
    void gemmAndTransposeMatchDoubleMath() {
        Random random = new Random(4);
        for (TensorKernels k : providers()) {
            for (int trial = 0; trial < 60; trial++) {
                int m = 1 + random.nextInt(13);
                int kk = random.nextInt(40);
                int n = 1 + random.nextInt(70);
                int lda = kk + random.nextInt(3);
                int ldb = n + random.nextInt(3);
                int ldc = n + random.nextInt(3);
                float[] a = random(random, m * lda + 2, false);
                float[] b = random(random, Math.max(kk, 1) * ldb + 2, false);
                float[] c = random(random, m * ldc + 2, false);
                float[] before = c.clone();
                boolean accumulate = random.nextBoolean();
                k.gemm(m, kk, n, MemorySegment.ofArray(a), 1, lda, MemorySegment.ofArray(b), 2, ldb,
                        MemorySegment.ofArray(c), 1, ldc, accumulate);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double e = accumulate ? before[1 + i * ldc + j] : 0;
                        double mag = Math.abs(e);
                        for (int p = 0; p < kk; p++) {
                            e += (double) a[1 + i * lda + p] * b[2 + p * ldb + j];
                            mag += Math.abs((double) a[1 + i * lda + p] * b[2 + p * ldb + j]);
                        }
                        assertThat((double) c[1 + i * ldc + j]).as("%s gemm", k).isCloseTo(e, within(1e-6 * (mag + 1)));
                    }
                }
                int rows = 1 + random.nextInt(40);
                int cols = 1 + random.nextInt(40);
                float[] x = random(random, 3 + rows * cols, false);
                float[] t = new float[5 + rows * cols + 2];
                k.transpose(MemorySegment.ofArray(x), 3, MemorySegment.ofArray(t), 5, rows, cols);
                for (int r = 0; r < rows; r++) {
                    for (int cc = 0; cc < cols; cc++) {
                        assertThat(t[5 + cc * rows + r]).isEqualTo(x[3 + r * cols + cc]);
                    }
                }
                assertThat(t).as("%s transpose writes only its output", k).startsWith(0f, 0f, 0f, 0f, 0f).endsWith(0f, 0f);
            }
        }
    }

    /** Ranges of source rows, cut anywhere (inside a vector's rows, inside a tile), tile the whole transpose. */
    @Test
    void aTransposeInRangesOfRowsEqualsTheWholeOne() {
        Random random = new Random(5);
        for (TensorKernels k : providers()) {
            for (int trial = 0; trial < 60; trial++) {
                int rows = 1 + random.nextInt(100);
                int cols = 1 + random.nextInt(40);
                float[] x = random(random, 3 + rows * cols, false);
                float[] whole = new float[5 + rows * cols + 2];
                float[] pieces = new float[whole.length];
                k.transpose(MemorySegment.ofArray(x), 3, MemorySegment.ofArray(whole), 5, rows, cols);
                int from = 0;
                while (from < rows) {
                    int to = Math.min(rows, from + random.nextInt(40));
                    k.transpose(MemorySegment.ofArray(x), 3, MemorySegment.ofArray(pieces), 5, rows, cols, from, to);
                    from = to;
                }
                assertThat(pieces).as("%s %dx%d", k, rows, cols).containsExactly(whole);
            }
            assertThatThrownBy(() -> k.transpose(MemorySegment.ofArray(new float[6]), 0, MemorySegment.ofArray(new float[6]), 0,
                    2, 3, 1, 3)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> k.transpose(MemorySegment.ofArray(new float[6]), 0, MemorySegment.ofArray(new float[6]), 0,
                    2, 3, 2, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }
}
