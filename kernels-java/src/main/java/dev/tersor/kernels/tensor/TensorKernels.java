package dev.tersor.kernels.tensor;

import dev.tersor.kernels.KernelUnavailableException;
import dev.tersor.kernels.Kernels;

import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * The float kernels of the graph operators other than the weight products (which the formats run):
 * element-wise maps, row-wise softmax and layer norm, a small GEMM for activation × activation
 * products, 2-D transposes, and one head of fused attention ({@link AttentionShape}). Positions are element indices into little-endian float32 segments.
 *
 * <p>Two providers exist: {@link ScalarTensorKernels}, the reference, and a Vector API one that is
 * loaded reflectively only when {@code jdk.incubator.vector} is in the boot layer. {@link #preferred()}
 * picks one in the manner of the weight kernels' lookup. Public methods check bounds once;
 * implementations then trust them.
 */
public abstract class TensorKernels {

    /** Element-wise functions of one argument. */
    public enum Unary { SQRT, ERF, RELU, EXP, NEG, ABS, SIGMOID, TANH, GELU, RECIPROCAL, LOG, FLOOR, CEIL }

    /** Element-wise functions of two arguments. */
    public enum Binary { ADD, SUB, MUL, DIV, POW, MAX, MIN }

    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_CLASS = "dev.tersor.kernels.tensor.VectorTensorKernels";
    private static final System.Logger LOG = System.getLogger("dev.tersor.kernels");

    /** The startup choice; a forced provider that cannot run is remembered as the error to throw. */
    private record Choice(TensorKernels kernels, RuntimeException error) {
    }

    private static final class Preferred {
        static final Choice CHOICE = choose(System.getProperty(Kernels.PROVIDER_PROPERTY));
    }

    /** Loads the Vector API provider once; its class is never touched unless the module is present. */
    private static final class VectorHolder {
        static final Object PROVIDER = load();

        private static Object load() {
            if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
                return new KernelUnavailableException(VECTOR_MODULE + " is not in the boot layer (run with --add-modules "
                        + VECTOR_MODULE + ")");
            }
            try {
                return Class.forName(VECTOR_CLASS).getField("INSTANCE").get(null);
            } catch (ReflectiveOperationException | LinkageError e) {
                return new KernelUnavailableException("the Vector API tensor kernels failed to load: " + e, e);
            }
        }
    }

    /**
     * The provider chosen at startup, the same way as the weight kernels' ({@link Kernels#preferred()}):
     * the Vector API one when it can run, else the scalar one; {@code -D}{@value Kernels#PROVIDER_PROPERTY}
     * forces a choice ({@code native} has no tensor kernels of its own and takes the best Java ones).
     * The choice is logged once. Throws {@link KernelUnavailableException} when a forced provider cannot run.
     */
    public static TensorKernels preferred() {
        Choice choice = Preferred.CHOICE;
        if (choice.error != null) {
            throw choice.error;
        }
        return choice.kernels;
    }

    /** The reference provider. */
    public static TensorKernels scalar() {
        return ScalarTensorKernels.INSTANCE;
    }

    /** The Vector API provider, or {@code null} when this JVM cannot run it. */
    public static TensorKernels vector() {
        return VectorHolder.PROVIDER instanceof TensorKernels kernels ? kernels : null;
    }

    /**
     * The provider called {@code name}: {@code scalar}, {@code vector}, or {@code native}, which means
     * the best Java provider. Throws {@link KernelUnavailableException} if it cannot run here.
     */
    public static TensorKernels named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "scalar" -> scalar();
            case "vector" -> {
                if (VectorHolder.PROVIDER instanceof KernelUnavailableException e) {
                    throw e;
                }
                yield (TensorKernels) VectorHolder.PROVIDER;
            }
            case "native" -> vector() != null ? vector() : scalar();
            default -> throw new IllegalArgumentException(
                    "unknown kernel provider '" + name + "'; expected scalar, vector or native");
        };
    }

    private static Choice choose(String forced) {
        if (forced != null && !forced.isBlank()) {
            try {
                TensorKernels kernels = named(forced.trim());
                LOG.log(System.Logger.Level.INFO, "Tersor tensor kernels: {0}, forced by -D{1}={2}", kernels,
                        Kernels.PROVIDER_PROPERTY, forced.trim());
                return new Choice(kernels, null);
            } catch (RuntimeException e) {
                return new Choice(null, new KernelUnavailableException(
                        "-D" + Kernels.PROVIDER_PROPERTY + "=" + forced + " cannot be honoured: " + e.getMessage(), e));
            }
        }
        String skipped;
        if (clientVm()) {
            skipped = "vector skipped: the JIT runs without C2 (client VM), where the Vector API is slower than scalar code";
        } else if (vector() != null) {
            LOG.log(System.Logger.Level.INFO, "Tersor tensor kernels: {0}", vector());
            return new Choice(vector(), null);
        } else {
            skipped = "vector unavailable: " + ((Exception) VectorHolder.PROVIDER).getMessage();
        }
        LOG.log(System.Logger.Level.INFO, "Tersor tensor kernels: {0} ({1})", scalar(), skipped);
        return new Choice(scalar(), null);
    }

    /** Whether C2 is off (Lucene's guard): HotSpot's client emulation reports itself in {@code java.vm.info}. */
    private static boolean clientVm() {
        return System.getProperty("java.vm.info", "").contains("emulated-client");
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

    /**
     * {@code y[r·n + j] += v[r]} for {@code rows} consecutive rows of {@code n} elements: a bias added
     * along the rows of a feature-major block, in one call instead of one broadcast call per row.
     */
    public final void addToRows(MemorySegment y, long yi, int rows, int n, MemorySegment v, long vi) {
        if (rows < 0 || n < 0) {
            throw new IllegalArgumentException("bad block " + rows + "x" + n);
        }
        check(y, yi, (long) rows * n);
        check(v, vi, rows);
        addToRowsK(y, yi, rows, n, v, vi);
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
        transpose(x, xi, y, yi, rows, cols, 0, rows);
    }

    /**
     * {@link #transpose} of source rows {@code [from, to)} only, writing their columns of {@code y}; ranges
     * that tile {@code [0, rows)} can run on different threads.
     */
    public final void transpose(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int cols, int from, int to) {
        if (from < 0 || from > to || to > rows) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of " + rows);
        }
        long count = (long) rows * cols;
        check(x, xi, count);
        check(y, yi, count);
        transposeK(x, xi, y, yi, rows, cols, from, to);
    }

    /**
     * One head of scaled dot-product attention: for every query row i,
     * {@code y[i] = Σ_j softmax_j(scale · q[i]·k[j] + mask[i][j]) · v[j]}, rows laid out as {@code shape}
     * says; {@code mask} may be {@code null} (no mask). A row whose scores are all −∞ gives NaN, as
     * Softmax does.
     */
    public final void attention(AttentionShape shape, MemorySegment q, long qi, MemorySegment k, long ki,
                                MemorySegment v, long vi, MemorySegment mask, long mi, MemorySegment y, long yi) {
        int rows = shape.queries();
        check(q, qi, AttentionShape.span(rows, shape.queryStride(), shape.depth()));
        check(k, ki, AttentionShape.span(shape.keys(), shape.keyStride(), shape.depth()));
        check(v, vi, AttentionShape.span(shape.keys(), shape.valueStride(), shape.valueDepth()));
        if (mask != null) {
            check(mask, mi, AttentionShape.span(rows, shape.maskStride(), shape.keys()));
        }
        check(y, yi, AttentionShape.span(rows, shape.outputStride(), shape.valueDepth()));
        if (rows > 0) {
            attentionK(shape, q, qi, k, ki, v, vi, mask, mi, y, yi);
        }
    }

    /** Sum of {@code n} elements. */
    public final float sum(MemorySegment x, long xi, int n) {
        check(x, xi, n);
        return sumK(x, xi, n);
    }

    protected abstract void unaryK(Unary op, MemorySegment x, long xi, MemorySegment y, long yi, int n);

    protected abstract void binaryK(Binary op, MemorySegment a, long ai, boolean aScalar, MemorySegment b, long bi,
                                    boolean bScalar, MemorySegment y, long yi, int n);

    protected abstract void addToRowsK(MemorySegment y, long yi, int rows, int n, MemorySegment v, long vi);

    protected abstract void clampAffineK(MemorySegment x, long xi, MemorySegment y, long yi, int n,
                                         float alpha, float beta, float lo, float hi);

    protected abstract void softmaxK(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int n);

    protected abstract void layerNormK(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int n,
                                       MemorySegment gamma, MemorySegment beta, float eps);

    protected abstract void gemmK(int m, int k, int n, MemorySegment a, long ai, int lda, MemorySegment b, long bi,
                                  int ldb, MemorySegment c, long ci, int ldc, boolean accumulate);

    protected abstract void transposeK(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int cols, int from, int to);

    protected abstract float sumK(MemorySegment x, long xi, int n);

    protected abstract void attentionK(AttentionShape shape, MemorySegment q, long qi, MemorySegment k, long ki,
                                       MemorySegment v, long vi, MemorySegment mask, long mi, MemorySegment y,
                                       long yi);

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
