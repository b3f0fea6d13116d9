package dev.tersor.graph.kernels;

import dev.tersor.kernels.Layouts;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.tersor.kernels.VectorSupport.F;
import static dev.tersor.kernels.VectorSupport.L;

/**
 * Vector API {@link TensorKernels}: the hot loops (maps, softmax, layer norm, GEMM) over whole
 * vectors with masked tails. Loaded reflectively, only when {@code jdk.incubator.vector} is present.
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

    private static FloatVector load(MemorySegment s, long index, VectorMask<Float> m) {
        return FloatVector.fromMemorySegment(S, s, index << 2, LE, m);
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

    private static FloatVector apply(Unary op, FloatVector v) {
        return switch (op) {
            case SQRT -> v.lanewise(VectorOperators.SQRT);
            case ERF -> erf(v);
            case RELU -> v.max(0f);
            case EXP -> v.lanewise(VectorOperators.EXP);
            case NEG -> v.neg();
            case ABS -> v.abs();
            case SIGMOID -> FloatVector.broadcast(S, 1f).div(v.neg().lanewise(VectorOperators.EXP).add(1f));
            case TANH -> v.lanewise(VectorOperators.TANH);
            case GELU -> erf(v.mul(0.70710677f)).add(1f).mul(v).mul(0.5f);
            case RECIPROCAL -> FloatVector.broadcast(S, 1f).div(v);
            case LOG -> v.lanewise(VectorOperators.LOG);
            case FLOOR, CEIL -> throw new AssertionError(op + " has no vector form here");
        };
    }

    @Override
    protected void unaryK(Unary op, MemorySegment x, long xi, MemorySegment y, long yi, int n) {
        if (op == Unary.FLOOR || op == Unary.CEIL) {
            super.unaryK(op, x, xi, y, yi, n);
            return;
        }
        int i = 0;
        int upper = S.loopBound(n);
        for (; i < upper; i += L) {
            apply(op, load(x, xi + i)).intoMemorySegment(y, (yi + i) << 2, LE);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            apply(op, load(x, xi + i, m)).intoMemorySegment(y, (yi + i) << 2, LE, m);
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

    @Override
    protected void binaryK(Binary op, MemorySegment a, long ai, boolean aScalar, MemorySegment b, long bi,
                           boolean bScalar, MemorySegment y, long yi, int n) {
        if (op == Binary.POW || n < L) {
            super.binaryK(op, a, ai, aScalar, b, bi, bScalar, y, yi, n);
            return;
        }
        FloatVector as = aScalar ? FloatVector.broadcast(S, a.getAtIndex(Layouts.F32, ai)) : null;
        FloatVector bs = bScalar ? FloatVector.broadcast(S, b.getAtIndex(Layouts.F32, bi)) : null;
        int i = 0;
        int upper = S.loopBound(n);
        for (; i < upper; i += L) {
            FloatVector av = aScalar ? as : load(a, ai + i);
            FloatVector bv = bScalar ? bs : load(b, bi + i);
            apply(op, av, bv).intoMemorySegment(y, (yi + i) << 2, LE);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector av = aScalar ? as : load(a, ai + i, m);
            FloatVector bv = bScalar ? bs : load(b, bi + i, m);
            apply(op, av, bv).intoMemorySegment(y, (yi + i) << 2, LE, m);
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
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            load(x, xi + i, m).mul(alpha).add(beta).max(lo).min(hi).intoMemorySegment(y, (yi + i) << 2, LE, m);
        }
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
                FloatVector e = load(x, xo + i).sub(max).lanewise(VectorOperators.EXP);
                e.intoMemorySegment(y, (yo + i) << 2, LE);
                vsum = vsum.add(e);
            }
            float sum = vsum.reduceLanes(VectorOperators.ADD);
            for (; i < n; i++) {
                float e = (float) Math.exp(x.getAtIndex(Layouts.F32, xo + i) - max);
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
            float sum = vs.reduceLanes(VectorOperators.ADD);
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
            float sq = vq.reduceLanes(VectorOperators.ADD);
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
     * runs, so each loaded B vector feeds four FMAs. Column tails use masks, row tails a narrower block.
     */
    @Override
    protected void gemmK(int m, int k, int n, MemorySegment a, long ai, int lda, MemorySegment b, long bi, int ldb,
                         MemorySegment c, long ci, int ldc, boolean accumulate) {
        for (int j = 0; j < n; j += 2 * L) {
            VectorMask<Float> m0 = S.indexInRange(j, n);
            VectorMask<Float> m1 = S.indexInRange(j + L, n);
            boolean full = j + 2 * L <= n;
            int i = 0;
            for (; i + 4 <= m; i += 4) {
                block4(k, a, ai + (long) i * lda, lda, b, bi + j, ldb, c, ci + (long) i * ldc + j, ldc, accumulate,
                        full, m0, m1);
            }
            for (; i < m; i++) {
                block1(k, a, ai + (long) i * lda, b, bi + j, ldb, c, ci + (long) i * ldc + j, accumulate, full, m0, m1);
            }
        }
    }

    private static void block4(int k, MemorySegment a, long ao, int lda, MemorySegment b, long bo, int ldb,
                               MemorySegment c, long co, int ldc, boolean accumulate, boolean full,
                               VectorMask<Float> m0, VectorMask<Float> m1) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        long a0 = ao, a1 = ao + lda, a2 = ao + 2L * lda, a3 = ao + 3L * lda;
        for (int p = 0; p < k; p++) {
            long bp = bo + (long) p * ldb;
            FloatVector b0 = full ? load(b, bp) : load(b, bp, m0);
            FloatVector b1 = full ? load(b, bp + L) : load(b, bp + L, m1);
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
        store(c, co, accumulate, full, m0, m1, c00, c01);
        store(c, co + ldc, accumulate, full, m0, m1, c10, c11);
        store(c, co + 2L * ldc, accumulate, full, m0, m1, c20, c21);
        store(c, co + 3L * ldc, accumulate, full, m0, m1, c30, c31);
    }

    private static void block1(int k, MemorySegment a, long ao, MemorySegment b, long bo, int ldb,
                               MemorySegment c, long co, boolean accumulate, boolean full,
                               VectorMask<Float> m0, VectorMask<Float> m1) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            long bp = bo + (long) p * ldb;
            FloatVector b0 = full ? load(b, bp) : load(b, bp, m0);
            FloatVector b1 = full ? load(b, bp + L) : load(b, bp + L, m1);
            FloatVector v = FloatVector.broadcast(S, a.getAtIndex(Layouts.F32, ao + p));
            c0 = b0.fma(v, c0);
            c1 = b1.fma(v, c1);
        }
        store(c, co, accumulate, full, m0, m1, c0, c1);
    }

    private static void store(MemorySegment c, long co, boolean accumulate, boolean full,
                              VectorMask<Float> m0, VectorMask<Float> m1, FloatVector v0, FloatVector v1) {
        if (full) {
            if (accumulate) {
                v0 = v0.add(load(c, co));
                v1 = v1.add(load(c, co + L));
            }
            v0.intoMemorySegment(c, co << 2, LE);
            v1.intoMemorySegment(c, (co + L) << 2, LE);
        } else {
            if (accumulate) {
                v0 = v0.add(load(c, co, m0));
                v1 = v1.add(load(c, co + L, m1));
            }
            v0.intoMemorySegment(c, co << 2, LE, m0);
            v1.intoMemorySegment(c, (co + L) << 2, LE, m1);
        }
    }

    @Override
    protected float sumK(MemorySegment x, long xi, int n) {
        FloatVector s = FloatVector.zero(S);
        int i = 0;
        int upper = S.loopBound(n);
        for (; i < upper; i += L) {
            s = s.add(load(x, xi + i));
        }
        float sum = s.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += x.getAtIndex(Layouts.F32, xi + i);
        }
        return sum;
    }
}
