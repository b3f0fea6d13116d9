package dev.tersor.graph.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The float kernels of the graph operators other than the weight products (which the formats run):
 * element-wise maps, row-wise softmax and layer norm, a small GEMM for activation × activation
 * products, and 2-D transposes. Positions are element indices into little-endian float32 segments.
 *
 * <p>Two providers exist: {@link ScalarTensorKernels}, the reference, and a Vector API one that is
 * loaded reflectively only when {@code jdk.incubator.vector} is in the boot layer, as the weight
 * kernels' lookup does. Public methods check bounds once; implementations then trust them.
 */
public abstract class TensorKernels {

    /** Element-wise functions of one argument. */
    public enum Unary { SQRT, ERF, RELU, EXP, NEG, ABS, SIGMOID, TANH, GELU, RECIPROCAL, LOG, FLOOR, CEIL }

    /** Element-wise functions of two arguments. */
    public enum Binary { ADD, SUB, MUL, DIV, POW, MAX, MIN }

    private static final String VECTOR_CLASS = "dev.tersor.graph.kernels.VectorTensorKernels";

    private static final class Holder {
        static final TensorKernels PREFERRED = choose();
    }

    /** The Vector API provider when available (unless {@code -Dtersor.kernels=scalar}), else the scalar one. */
    public static TensorKernels preferred() {
        return Holder.PREFERRED;
    }

    /** The reference provider. */
    public static TensorKernels scalar() {
        return ScalarTensorKernels.INSTANCE;
    }

    /** The Vector API provider, or {@code null} when this JVM lacks the vector module. */
    public static TensorKernels vector() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return null;
        }
        try {
            return (TensorKernels) Class.forName(VECTOR_CLASS).getField("INSTANCE").get(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    private static TensorKernels choose() {
        if ("scalar".equals(System.getProperty("tersor.kernels"))) {
            return scalar();
        }
        TensorKernels vector = vector();
        return vector != null ? vector : scalar();
    }

    public abstract String name();

    /** {@code y[i] = f(x[i])} for {@code n} elements. */
    public final void unary(Unary op, MemorySegment x, long xi, MemorySegment y, long yi, int n) {
        check(x, xi, n);
        check(y, yi, n);
        unaryK(op, x, xi, y, yi, n);
    }

    /**
     * {@code y[i] = a[i] op b[i]} for {@code n} elements; a side flagged scalar uses its first element
     * for every {@code i}.
     */
    public final void binary(Binary op, MemorySegment a, long ai, boolean aScalar, MemorySegment b, long bi,
                             boolean bScalar, MemorySegment y, long yi, int n) {
        check(a, ai, aScalar ? Math.min(n, 1) : n);
        check(b, bi, bScalar ? Math.min(n, 1) : n);
        check(y, yi, n);
        binaryK(op, a, ai, aScalar, b, bi, bScalar, y, yi, n);
    }

    /** {@code y[i] = min(max(alpha·x[i] + beta, lo), hi)}: Clip, HardSigmoid, ReLU6 in one kernel. */
    public final void clampAffine(MemorySegment x, long xi, MemorySegment y, long yi, int n,
                                  float alpha, float beta, float lo, float hi) {
        check(x, xi, n);
        check(y, yi, n);
        clampAffineK(x, xi, y, yi, n, alpha, beta, lo, hi);
    }

    /** Softmax of {@code rows} consecutive rows of {@code n} elements each. */
    public final void softmax(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int n) {
        long count = (long) rows * n;
        check(x, xi, count);
        check(y, yi, count);
        softmaxK(x, xi, y, yi, rows, n);
    }

    /**
     * Layer normalization of {@code rows} rows of {@code n} elements: {@code (x − mean) / sqrt(var + eps)
     * · gamma + beta}, with the biased variance; {@code beta} may be {@code null}.
     */
    public final void layerNorm(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int n,
                                MemorySegment gamma, MemorySegment beta, float eps) {
        long count = (long) rows * n;
        check(x, xi, count);
        check(y, yi, count);
        check(gamma, 0, n);
        if (beta != null) {
            check(beta, 0, n);
        }
        layerNormK(x, xi, y, yi, rows, n, gamma, beta, eps);
    }

    /**
     * {@code C[m][n] (+)= A[m][k] · B[k][n]} over row-major blocks with leading dimensions
     * {@code lda, ldb, ldc}; without {@code accumulate} C is overwritten.
     */
    public final void gemm(int m, int k, int n, MemorySegment a, long ai, int lda, MemorySegment b, long bi, int ldb,
                           MemorySegment c, long ci, int ldc, boolean accumulate) {
        if (m < 0 || k < 0 || n < 0 || lda < k || ldb < n || ldc < n) {
            throw new IllegalArgumentException("bad gemm dimensions " + m + "x" + k + "x" + n);
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (k > 0) {
            check(a, ai, (long) (m - 1) * lda + k);
            check(b, bi, (long) (k - 1) * ldb + n);
        }
        check(c, ci, (long) (m - 1) * ldc + n);
        gemmK(m, k, n, a, ai, lda, b, bi, ldb, c, ci, ldc, accumulate);
    }

    /** {@code y[c][r] = x[r][c]} for an {@code rows × cols} row-major {@code x}. */
    public final void transpose(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int cols) {
        long count = (long) rows * cols;
        check(x, xi, count);
        check(y, yi, count);
        transposeK(x, xi, y, yi, rows, cols);
    }

    /** Sum of {@code n} elements. */
    public final float sum(MemorySegment x, long xi, int n) {
        check(x, xi, n);
        return sumK(x, xi, n);
    }

    protected abstract void unaryK(Unary op, MemorySegment x, long xi, MemorySegment y, long yi, int n);

    protected abstract void binaryK(Binary op, MemorySegment a, long ai, boolean aScalar, MemorySegment b, long bi,
                                    boolean bScalar, MemorySegment y, long yi, int n);

    protected abstract void clampAffineK(MemorySegment x, long xi, MemorySegment y, long yi, int n,
                                         float alpha, float beta, float lo, float hi);

    protected abstract void softmaxK(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int n);

    protected abstract void layerNormK(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int n,
                                       MemorySegment gamma, MemorySegment beta, float eps);

    protected abstract void gemmK(int m, int k, int n, MemorySegment a, long ai, int lda, MemorySegment b, long bi,
                                  int ldb, MemorySegment c, long ci, int ldc, boolean accumulate);

    protected abstract void transposeK(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int cols);

    protected abstract float sumK(MemorySegment x, long xi, int n);

    private static void check(MemorySegment s, long index, long count) {
        if (index < 0 || count < 0 || 4 * (index + count) > s.byteSize()) {
            throw new IndexOutOfBoundsException("float range [" + index + ", " + (index + count) + ") outside a segment of "
                    + s.byteSize() / 4 + " floats");
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
