package dev.tersor.kernels.tensor;

import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.VectorSupport;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.tersor.kernels.VectorSupport.F;
import static dev.tersor.kernels.VectorSupport.L;

/**
 * Vector API {@link TensorKernels}: the hot loops (maps, softmax, layer norm, GEMM) over whole
 * vectors, scalar tails. Loaded reflectively, only when {@code jdk.incubator.vector} is present.
 *
 * <p>Results must not depend on whether HotSpot runs a method interpreted or compiled, or a model
 * would not return the same bits for the same input on every call. The Vector API allows both its
 * transcendental operators (EXP, TANH, …) and its float ADD reduction to differ between the Java
 * fallback and the compiled intrinsic, so this class uses neither: exp is a Cephes-style polynomial
 * built from exactly rounded lane operations, and sums of lanes are added in lane order.
 */
public final class VectorTensorKernels extends ScalarTensorKernels {

    public static final VectorTensorKernels INSTANCE = new VectorTensorKernels();

    private static final VectorSpecies<Float> S = F;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private VectorTensorKernels() {
    }

    @Override
    public String name() {
        return "vector";
    }

    private static FloatVector load(MemorySegment s, long index) {
        return FloatVector.fromMemorySegment(S, s, index << 2, LE);
    }

    /**
     * erf for floats as x·P(x²)/Q(x²) on x clamped to [−4, 4] (the rational form used by Eigen and
     * XLA for float32); within about 2e-7 of the exact value.
     */
    static FloatVector erf(FloatVector x) {
        FloatVector c = x.max(-4f).min(4f);
        FloatVector x2 = c.mul(c);
        FloatVector p = x2.mul(-2.72614225801306e-10f).add(2.77068142495902e-08f);
        p = p.fma(x2, FloatVector.broadcast(S, -2.10102402082508e-06f));
        p = p.fma(x2, FloatVector.broadcast(S, -5.69250639462346e-05f));
        p = p.fma(x2, FloatVector.broadcast(S, -7.34990630326855e-04f));
        p = p.fma(x2, FloatVector.broadcast(S, -2.95459980854025e-03f));
        p = p.fma(x2, FloatVector.broadcast(S, -1.60960333262415e-02f));
        p = p.mul(c);
        FloatVector q = x2.mul(-1.45660718464996e-05f).add(-2.13374055278905e-04f);
        q = q.fma(x2, FloatVector.broadcast(S, -1.68282697438203e-03f));
        q = q.fma(x2, FloatVector.broadcast(S, -7.37332916720468e-03f));
        q = q.fma(x2, FloatVector.broadcast(S, -1.42647390514189e-02f));
        return p.div(q);
    }

    private static final float EXP_HI = 88.3762626647949f;
    private static final float EXP_LO = -87.3365447504f;

    /**
     * e^x to about one ulp: x = n·ln 2 + r with |r| ≤ ln2/2 (n rounded by the 1.5·2²³ trick), a
     * degree-6 polynomial for e^r, and 2^n built in the exponent bits. Below the smallest normal
     * result it returns 0, above the largest +∞; NaN stays NaN.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(EXP_LO).min(EXP_HI);
        FloatVector n = c.mul(1.44269504088896341f).add(12582912f).sub(12582912f);
        FloatVector r = n.fma(FloatVector.broadcast(S, -0.693359375f), c);
        r = n.fma(FloatVector.broadcast(S, 2.12194440e-4f), r);
        FloatVector p = r.mul(1.9875691500e-4f).add(1.3981999507e-3f);
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        p = p.mul(r).mul(r).add(r).add(1f);
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        FloatVector result = p.mul(bits.reinterpretAsFloats());
        result = result.blend(0f, x.compare(VectorOperators.LT, EXP_LO));
        return result.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI));
    }

    /** The same e^x for one float, for scalar tails, so every element of a row gets the same function. */
    static float exp(float x) {
        if (x < EXP_LO) {
            return 0f;
        }
        if (x > EXP_HI) {
            return Float.POSITIVE_INFINITY;
        }
        if (x != x) {
            return x;
        }
        float n = x * 1.44269504088896341f + 12582912f - 12582912f;
        float r = Math.fma(n, -0.693359375f, x);
        r = Math.fma(n, 2.12194440e-4f, r);
        float p = r * 1.9875691500e-4f + 1.3981999507e-3f;
        p = Math.fma(p, r, 8.3334519073e-3f);
        p = Math.fma(p, r, 4.1665795894e-2f);
        p = Math.fma(p, r, 1.6666665459e-1f);
        p = Math.fma(p, r, 5.0000001201e-1f);
        p = p * r * r + r + 1f;
        return p * Float.intBitsToFloat(((int) n + 127) << 23);
    }


    private static FloatVector apply(Unary op, FloatVector v) {
        return switch (op) {
            case SQRT -> v.lanewise(VectorOperators.SQRT);
            case ERF -> erf(v);
            case RELU -> v.max(0f);
            case EXP -> exp(v);
            case NEG -> v.neg();
            case ABS -> v.abs();
            case SIGMOID -> FloatVector.broadcast(S, 1f).div(exp(v.neg()).add(1f));
            case GELU -> erf(v.mul(0.70710677f)).add(1f).mul(v).mul(0.5f);
            case RECIPROCAL -> FloatVector.broadcast(S, 1f).div(v);
            case TANH, LOG, FLOOR, CEIL -> throw new AssertionError(op + " has no vector form here");
        };
    }

    @Override
    protected void unaryK(Unary op, MemorySegment x, long xi, MemorySegment y, long yi, int n) {
        if (op == Unary.TANH || op == Unary.LOG || op == Unary.FLOOR || op == Unary.CEIL) {
            super.unaryK(op, x, xi, y, yi, n);
            return;
        }
        int i = 0;
        int upper = S.loopBound(n);
        for (; i < upper; i += L) {
            apply(op, load(x, xi + i)).intoMemorySegment(y, (yi + i) << 2, LE);
        }
        for (; i < n; i++) {
            float v = x.getAtIndex(Layouts.F32, xi + i);
            y.setAtIndex(Layouts.F32, yi + i, switch (op) {
                case EXP -> exp(v);
                case SIGMOID -> 1f / (exp(-v) + 1f);
                default -> apply(op, v);
            });
        }
    }

    private static FloatVector apply(Binary op, FloatVector a, FloatVector b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case MAX -> a.max(b);
            case MIN -> a.min(b);
            case POW -> throw new AssertionError("POW has no vector form here");
        };
    }

    /** One loop per operand pattern: a vector merged from a broadcast and a load can defeat C2's intrinsics. */
    @Override
    protected void binaryK(Binary op, MemorySegment a, long ai, boolean aScalar, MemorySegment b, long bi,
                           boolean bScalar, MemorySegment y, long yi, int n) {
        if (op == Binary.POW || n < L) {
            super.binaryK(op, a, ai, aScalar, b, bi, bScalar, y, yi, n);
            return;
        }
        int upper = S.loopBound(n);
        int i = 0;
        if (aScalar && bScalar) {
            float v = apply(op, a.getAtIndex(Layouts.F32, ai), b.getAtIndex(Layouts.F32, bi));
            FloatVector vv = FloatVector.broadcast(S, v);
            for (; i < upper; i += L) {
                vv.intoMemorySegment(y, (yi + i) << 2, LE);
            }
        } else if (bScalar) {
            FloatVector bs = FloatVector.broadcast(S, b.getAtIndex(Layouts.F32, bi));
            for (; i < upper; i += L) {
                apply(op, load(a, ai + i), bs).intoMemorySegment(y, (yi + i) << 2, LE);
            }
        } else if (aScalar) {
            FloatVector as = FloatVector.broadcast(S, a.getAtIndex(Layouts.F32, ai));
            for (; i < upper; i += L) {
                apply(op, as, load(b, bi + i)).intoMemorySegment(y, (yi + i) << 2, LE);
            }
        } else {
            for (; i < upper; i += L) {
                apply(op, load(a, ai + i), load(b, bi + i)).intoMemorySegment(y, (yi + i) << 2, LE);
            }
        }
        // the rest, element by element as the reference does
        super.binaryK(op, a, aScalar ? ai : ai + i, aScalar, b, bScalar ? bi : bi + i, bScalar, y, yi + i, n - i);
    }

    /** Rows shorter than a vector (a few tokens) take one masked operation each. */
    @Override
    protected void addToRowsK(MemorySegment y, long yi, int rows, int n, MemorySegment v, long vi) {
        int upper = S.loopBound(n);
        VectorMask<Float> tail = S.indexInRange(upper, n);
        for (int r = 0; r < rows; r++) {
            FloatVector value = FloatVector.broadcast(S, v.getAtIndex(Layouts.F32, vi + r));
            long row = yi + (long) r * n;
            for (int j = 0; j < upper; j += L) {
                load(y, row + j).add(value).intoMemorySegment(y, (row + j) << 2, LE);
            }
            if (upper < n) {
                long offset = (row + upper) << 2;
                FloatVector.fromMemorySegment(S, y, offset, LE, tail).add(value).intoMemorySegment(y, offset, LE, tail);
            }
        }
    }

    @Override
    protected void clampAffineK(MemorySegment x, long xi, MemorySegment y, long yi, int n,
                                float alpha, float beta, float lo, float hi) {
        int i = 0;
        int upper = S.loopBound(n);
        for (; i < upper; i += L) {
            load(x, xi + i).mul(alpha).add(beta).max(lo).min(hi).intoMemorySegment(y, (yi + i) << 2, LE);
        }
        // the rest, element by element as the reference does
        super.clampAffineK(x, xi + i, y, yi + i, n - i, alpha, beta, lo, hi);
    }

    @Override
    protected void softmaxK(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int n) {
        int upper = S.loopBound(n);
        for (int r = 0; r < rows; r++) {
            long xo = xi + (long) r * n;
            long yo = yi + (long) r * n;
            FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            int i = 0;
            for (; i < upper; i += L) {
                vmax = vmax.max(load(x, xo + i));
            }
            float max = vmax.reduceLanes(VectorOperators.MAX);
            for (; i < n; i++) {
                max = Math.max(max, x.getAtIndex(Layouts.F32, xo + i));
            }
            FloatVector vsum = FloatVector.zero(S);
            i = 0;
            for (; i < upper; i += L) {
                FloatVector e = exp(load(x, xo + i).sub(max));
                e.intoMemorySegment(y, (yo + i) << 2, LE);
                vsum = vsum.add(e);
            }
            float sum = VectorSupport.sumLanes(vsum);
            for (; i < n; i++) {
                float e = exp(x.getAtIndex(Layouts.F32, xo + i) - max);
                y.setAtIndex(Layouts.F32, yo + i, e);
                sum += e;
            }
            float inv = 1f / sum;
            i = 0;
            for (; i < upper; i += L) {
                load(y, yo + i).mul(inv).intoMemorySegment(y, (yo + i) << 2, LE);
            }
            for (; i < n; i++) {
                y.setAtIndex(Layouts.F32, yo + i, y.getAtIndex(Layouts.F32, yo + i) * inv);
            }
        }
    }

    @Override
    protected void layerNormK(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int n,
                              MemorySegment gamma, MemorySegment beta, float eps) {
        int upper = S.loopBound(n);
        for (int r = 0; r < rows; r++) {
            long xo = xi + (long) r * n;
            long yo = yi + (long) r * n;
            FloatVector vs = FloatVector.zero(S);
            int i = 0;
            for (; i < upper; i += L) {
                vs = vs.add(load(x, xo + i));
            }
            float sum = VectorSupport.sumLanes(vs);
            for (; i < n; i++) {
                sum += x.getAtIndex(Layouts.F32, xo + i);
            }
            float mean = sum / n;
            FloatVector vq = FloatVector.zero(S);
            i = 0;
            for (; i < upper; i += L) {
                FloatVector d = load(x, xo + i).sub(mean);
                vq = d.fma(d, vq);
            }
            float sq = VectorSupport.sumLanes(vq);
            for (; i < n; i++) {
                float d = x.getAtIndex(Layouts.F32, xo + i) - mean;
                sq += d * d;
            }
            float inv = (float) (1.0 / Math.sqrt(sq / n + eps));
            i = 0;
            for (; i < upper; i += L) {
                FloatVector v = load(x, xo + i).sub(mean).mul(inv).mul(load(gamma, i));
                if (beta != null) {
                    v = v.add(load(beta, i));
                }
                v.intoMemorySegment(y, (yo + i) << 2, LE);
            }
            for (; i < n; i++) {
                float v = (x.getAtIndex(Layouts.F32, xo + i) - mean) * inv * gamma.getAtIndex(Layouts.F32, i);
                y.setAtIndex(Layouts.F32, yo + i, beta == null ? v : v + beta.getAtIndex(Layouts.F32, i));
            }
        }
    }

    /**
     * Register-blocked: four rows of C by two vectors of columns stay in eight accumulators while k
     * runs, so each loaded B vector feeds four FMAs. The columns after the last whole block are
     * computed by the scalar reference.
     */
    @Override
    protected void gemmK(int m, int k, int n, MemorySegment a, long ai, int lda, MemorySegment b, long bi, int ldb,
                         MemorySegment c, long ci, int ldc, boolean accumulate) {
        int full = n - n % (2 * L);
        for (int j = 0; j < full; j += 2 * L) {
            int i = 0;
            for (; i + 4 <= m; i += 4) {
                block4(k, a, ai + (long) i * lda, lda, b, bi + j, ldb, c, ci + (long) i * ldc + j, ldc, accumulate);
            }
            for (; i < m; i++) {
                block1(k, a, ai + (long) i * lda, b, bi + j, ldb, c, ci + (long) i * ldc + j, accumulate);
            }
        }
        if (full < n) {
            super.gemmK(m, k, n - full, a, ai, lda, b, bi + full, ldb, c, ci + full, ldc, accumulate);
        }
    }

    private static void block4(int k, MemorySegment a, long ao, int lda, MemorySegment b, long bo, int ldb,
                               MemorySegment c, long co, int ldc, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        long a0 = ao, a1 = ao + lda, a2 = ao + 2L * lda, a3 = ao + 3L * lda;
        for (int p = 0; p < k; p++) {
            long bp = bo + (long) p * ldb;
            FloatVector b0 = load(b, bp);
            FloatVector b1 = load(b, bp + L);
            FloatVector v = FloatVector.broadcast(S, a.getAtIndex(Layouts.F32, a0 + p));
            c00 = b0.fma(v, c00);
            c01 = b1.fma(v, c01);
            v = FloatVector.broadcast(S, a.getAtIndex(Layouts.F32, a1 + p));
            c10 = b0.fma(v, c10);
            c11 = b1.fma(v, c11);
            v = FloatVector.broadcast(S, a.getAtIndex(Layouts.F32, a2 + p));
            c20 = b0.fma(v, c20);
            c21 = b1.fma(v, c21);
            v = FloatVector.broadcast(S, a.getAtIndex(Layouts.F32, a3 + p));
            c30 = b0.fma(v, c30);
            c31 = b1.fma(v, c31);
        }
        store(c, co, accumulate, c00, c01);
        store(c, co + ldc, accumulate, c10, c11);
        store(c, co + 2L * ldc, accumulate, c20, c21);
        store(c, co + 3L * ldc, accumulate, c30, c31);
    }

    private static void block1(int k, MemorySegment a, long ao, MemorySegment b, long bo, int ldb,
                               MemorySegment c, long co, boolean accumulate) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            long bp = bo + (long) p * ldb;
            FloatVector v = FloatVector.broadcast(S, a.getAtIndex(Layouts.F32, ao + p));
            c0 = load(b, bp).fma(v, c0);
            c1 = load(b, bp + L).fma(v, c1);
        }
        store(c, co, accumulate, c0, c1);
    }

    private static void store(MemorySegment c, long co, boolean accumulate, FloatVector v0, FloatVector v1) {
        if (accumulate) {
            v0 = v0.add(load(c, co));
            v1 = v1.add(load(c, co + L));
        }
        v0.intoMemorySegment(c, co << 2, LE);
        v1.intoMemorySegment(c, (co + L) << 2, LE);
    }

    @Override
    protected float sumK(MemorySegment x, long xi, int n) {
        FloatVector s = FloatVector.zero(S);
        int i = 0;
        int upper = S.loopBound(n);
        for (; i < upper; i += L) {
            s = s.add(load(x, xi + i));
        }
        float sum = VectorSupport.sumLanes(s);
        for (; i < n; i++) {
            sum += x.getAtIndex(Layouts.F32, xi + i);
        }
        return sum;
    }
}
