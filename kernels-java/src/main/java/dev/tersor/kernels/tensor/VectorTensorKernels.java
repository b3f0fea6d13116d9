package dev.tersor.kernels.tensor;

import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.VectorSupport;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;

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
 * built from exactly rounded lane operations, and sums of lanes are added in a fixed order.
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
     * ERF or GELU over whole vectors, {@code y = erf(x)} or {@code y = x·(1 + erf(x/√2))/2}: erf as
     * x·P(x²)/Q(x²) on x clamped to [−4, 4] (the rational form used by Eigen and XLA for float32),
     * within about 2e-7 of the exact value. The polynomial sits in the loop, not in a helper taking a
     * vector, which C2 left out of some compilations as too large (see binaryK).
     */
    private static void erfK(boolean gelu, MemorySegment x, long xi, MemorySegment y, long yi, int upper) {
        float inScale = gelu ? 0.70710677f : 1f; // x·1 is x, bit for bit
        for (int i = 0; i < upper; i += L) {
            FloatVector v = load(x, xi + i);
            FloatVector c = v.mul(inScale).max(-4f).min(4f);
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
            FloatVector erf = p.div(q);
            long out = (yi + i) << 2;
            if (gelu) {
                erf.add(1f).mul(v).mul(0.5f).intoMemorySegment(y, out, LE);
            } else {
                erf.intoMemorySegment(y, out, LE);
            }
        }
    }

    private static final float EXP_HI = 88.3762626647949f;
    private static final float EXP_LO = -87.3365447504f;

    /**
     * {@code s[from + j] = e^(sign·s[from + j] − shift)} for j below {@code upper}, a whole number of
     * vectors, returning the sum of the results (added vector by vector, then the lanes in
     * {@link VectorSupport#sumLanes}'s fixed tree).
     * e^x to about one ulp: x = n·ln 2 + r with |r| ≤ ln2/2 (n rounded by the 1.5·2²³ trick), a
     * degree-6 polynomial for e^r, and 2^n built in the exponent bits. Below the smallest normal
     * result it gives 0, above the largest +∞; NaN stays NaN. As in {@link #erfK}, the polynomial sits
     * in the loop rather than in a helper taking a vector. Multiplying by a sign of ±1 and subtracting
     * a shift of 0 are exact, so e^x, e^−x and softmax's e^(x − max) all come from here.
     */
    private static float expK(float[] s, int from, int upper, float sign, float shift) {
        FloatVector sum = FloatVector.zero(S);
        for (int j = 0; j < upper; j += L) {
            FloatVector x = FloatVector.fromArray(S, s, from + j).mul(sign).sub(shift);
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
            FloatVector e = p.mul(bits.reinterpretAsFloats());
            e = e.blend(0f, x.compare(VectorOperators.LT, EXP_LO));
            e = e.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI));
            e.intoArray(s, from + j);
            sum = sum.add(e);
        }
        // Lanes added here, not by a helper taking the vector: inside attention's large compilation C2
        // stopped inlining (NodeCountInliningCutoff), and the helper's vector was boxed on every row.
        // Halving in registers, VectorSupport.sumLanes's fixed order: log2(L) dependent adds, not L.
        for (int i = 0; i < VectorSupport.STEPS; i++) {
            sum = sum.add(sum.rearrange(VectorSupport.halving(i)));
        }
        return sum.lane(0);
    }

    /** Elements of EXP and SIGMOID that {@link #unaryK} copies into a heap chunk for {@link #expK}. */
    private static final int EXP_CHUNK = 1024;

    /** EXP or SIGMOID over whole vectors (1/(1 + e^−x)), a heap chunk at a time through {@link #expK}. */
    private static void expUnaryK(boolean sigmoid, MemorySegment x, long xi, MemorySegment y, long yi, int upper) {
        float[] chunk = row(0, Math.min(EXP_CHUNK, upper));
        for (int c0 = 0; c0 < upper; c0 += EXP_CHUNK) {
            int m = Math.min(EXP_CHUNK, upper - c0);
            MemorySegment.copy(x, Layouts.F32, 4 * (xi + c0), chunk, 0, m);
            expK(chunk, 0, m, sigmoid ? -1f : 1f, 0f);
            if (sigmoid) {
                for (int j = 0; j < m; j += L) {
                    FloatVector.broadcast(S, 1f).div(FloatVector.fromArray(S, chunk, j).add(1f)).intoArray(chunk, j);
                }
            }
            MemorySegment.copy(chunk, 0, y, Layouts.F32, 4 * (yi + c0), m);
        }
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


    @Override
    protected void unaryK(Unary op, MemorySegment x, long xi, MemorySegment y, long yi, int n) {
        if (op == Unary.TANH || op == Unary.LOG || op == Unary.FLOOR || op == Unary.CEIL) {
            super.unaryK(op, x, xi, y, yi, n);
            return;
        }
        int i = 0;
        int upper = S.loopBound(n);
        if (op == Unary.ERF || op == Unary.GELU) {
            erfK(op == Unary.GELU, x, xi, y, yi, upper);
            i = upper;
        } else if (op == Unary.EXP || op == Unary.SIGMOID) {
            expUnaryK(op == Unary.SIGMOID, x, xi, y, yi, upper);
            i = upper;
        }
        for (; i < upper; i += L) {
            FloatVector v = load(x, xi + i);
            long out = (yi + i) << 2;
            switch (op) {
                case SQRT -> v.lanewise(VectorOperators.SQRT).intoMemorySegment(y, out, LE);
                case RELU -> v.max(0f).intoMemorySegment(y, out, LE);
                case NEG -> v.neg().intoMemorySegment(y, out, LE);
                case ABS -> v.abs().intoMemorySegment(y, out, LE);
                case RECIPROCAL -> FloatVector.broadcast(S, 1f).div(v).intoMemorySegment(y, out, LE);
                case ERF, GELU, EXP, SIGMOID -> throw new AssertionError(op + " runs in its own kernel");
                case TANH, LOG, FLOOR, CEIL -> throw new AssertionError(op + " has no vector form here");
            }
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

    /** Per-thread vectors of copies of a scalar operand of {@link #binaryK}: slot 0 for a, slot 1 for b. */
    private static final ThreadLocal<MemorySegment> COPIES =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(2L * S.vectorByteSize(), S.vectorByteSize()));

    /**
     * One loop for every operand pattern: a scalar operand is read as a vector of its copies at a
     * stride of 0, so no vector is merged from a broadcast and a load (two definitions meeting in a
     * phi can defeat C2's intrinsics). The operator's cases store their own results and sit in the
     * loop body, as in {@link #unaryK}: a helper returning or taking vectors is only fast when C2
     * inlines it, and C2 declines once the helper has been compiled on its own and grown large, so
     * speed depended on the order in which operators first ran (MiniLM's residual adds ran 12x
     * slower in about half of the JVMs). The elements after the last whole vector go to the scalar
     * reference, so the method has one vector body: with a second, masked one for the tail, C1 ran
     * out of registers compiling it, and in a JVM running two models it never reached C2 (adds 30x
     * slower). The operations are exactly rounded, so the bits are the reference's either way.
     */
    @Override
    protected void binaryK(Binary op, MemorySegment a, long ai, boolean aScalar, MemorySegment b, long bi,
                           boolean bScalar, MemorySegment y, long yi, int n) {
        if (op == Binary.POW || n == 0) {
            super.binaryK(op, a, ai, aScalar, b, bi, bScalar, y, yi, n);
            return;
        }
        MemorySegment copies = aScalar || bScalar ? COPIES.get() : null;
        MemorySegment as = a, bs = b;
        long aStride = 4, aOffset = ai << 2;
        if (aScalar) {
            FloatVector.broadcast(S, a.getAtIndex(Layouts.F32, ai)).intoMemorySegment(copies, 0, LE);
            as = copies;
            aStride = 0;
            aOffset = 0;
        }
        long bStride = 4, bOffset = bi << 2;
        if (bScalar) {
            FloatVector.broadcast(S, b.getAtIndex(Layouts.F32, bi)).intoMemorySegment(copies, S.vectorByteSize(), LE);
            bs = copies;
            bStride = 0;
            bOffset = S.vectorByteSize();
        }
        int upper = S.loopBound(n);
        for (int i = 0; i < upper; i += L) {
            FloatVector va = FloatVector.fromMemorySegment(S, as, aOffset + i * aStride, LE);
            FloatVector vb = FloatVector.fromMemorySegment(S, bs, bOffset + i * bStride, LE);
            long out = (yi + i) << 2;
            switch (op) {
                case ADD -> va.add(vb).intoMemorySegment(y, out, LE);
                case SUB -> va.sub(vb).intoMemorySegment(y, out, LE);
                case MUL -> va.mul(vb).intoMemorySegment(y, out, LE);
                case DIV -> va.div(vb).intoMemorySegment(y, out, LE);
                case MAX -> va.max(vb).intoMemorySegment(y, out, LE);
                case MIN -> va.min(vb).intoMemorySegment(y, out, LE);
                case POW -> throw new AssertionError("POW has no vector form here");
            }
        }
        if (upper < n) { /* the last elements, fewer than a vector, in the reference's scalar loop */
            super.binaryK(op, a, aScalar ? ai : ai + upper, aScalar, b, bScalar ? bi : bi + upper, bScalar, y, yi + upper,
                    n - upper);
        }
    }

    /**
     * Rows shorter than a vector (a few tokens) go {@code L} at a time: their {@code L·n} floats are
     * {@code n} whole vectors, and the values to add to vector q are one load of the {@code L} rows'
     * values rearranged ({@link #spread}): lane l of vector q belongs to row (q·L + l) / n. Rows left
     * over take one masked operation each, as longer rows take one for their tail.
     */
    @Override
    protected void addToRowsK(MemorySegment y, long yi, int rows, int n, MemorySegment v, long vi) {
        int first = 0;
        if (n < L && rows >= L) {
            VectorShuffle<Float>[] spread = spread(n);
            for (; first + L <= rows; first += L) {
                FloatVector values = load(v, vi + first);
                long block = yi + (long) first * n;
                for (int q = 0; q < n; q++) {
                    long at = (block + (long) q * L) << 2;
                    FloatVector.fromMemorySegment(S, y, at, LE).add(values.rearrange(spread[q]))
                            .intoMemorySegment(y, at, LE);
                }
            }
        }
        int upper = S.loopBound(n);
        VectorMask<Float> tail = S.indexInRange(upper, n);
        for (int r = first; r < rows; r++) {
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

    /** {@link #spread}'s shuffles for each row length below {@code L}, made when first needed. */
    private static final VectorShuffle<?>[][] SPREAD = new VectorShuffle<?>[L][];

    /**
     * For {@code L} consecutive rows of {@code n < L} floats: shuffle q sends each lane l of the
     * rows' values vector to the row that holds element q·L + l of the block, (q·L + l) / n.
     */
    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] spread(int n) {
        VectorShuffle<?>[] shuffles = SPREAD[n];
        if (shuffles == null) { // a race builds equal arrays, and either one is right
            shuffles = new VectorShuffle<?>[n];
            int[] source = new int[L];
            for (int q = 0; q < n; q++) {
                for (int l = 0; l < L; l++) {
                    source[l] = (q * L + l) / n;
                }
                shuffles[q] = VectorShuffle.fromArray(S, source, 0);
            }
            SPREAD[n] = shuffles;
        }
        return (VectorShuffle<Float>[]) shuffles;
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

    /** Per-thread heap rows: the row (or transposed block) being worked on, then the scale and shift of a layer norm. */
    private static final ThreadLocal<float[][]> ROWS = ThreadLocal.withInitial(() -> new float[3][0]);

    /** The thread's heap row {@code slot}, at least {@code n} floats long. */
    private static float[] row(int slot, int n) {
        float[][] rows = ROWS.get();
        if (rows[slot].length < n) {
            rows[slot] = new float[n];
        }
        return rows[slot];
    }

    /**
     * Each row is copied into a heap array padded with −∞ to whole vectors, normalized there by
     * {@link #softmaxInPlace} and copied out. Array loops keep C2's range-check elimination simple;
     * the same loops over segments were recompiled again and again after failed loop predicates.
     */
    @Override
    protected void softmaxK(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int n) {
        int padded = wholeVectors(n);
        float[] row = row(0, padded);
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(x, Layouts.F32, 4 * (xi + (long) r * n), row, 0, n);
            Arrays.fill(row, n, padded, Float.NEGATIVE_INFINITY);
            softmaxInPlace(row, 0, padded);
            MemorySegment.copy(row, 0, y, Layouts.F32, 4 * (yi + (long) r * n), n);
        }
    }

    /** Softmax of the {@code n} floats of {@code s} from {@code so}, a whole number of vectors. */
    private static void softmaxInPlace(float[] s, int so, int n) {
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < n; j += L) {
            vmax = vmax.max(FloatVector.fromArray(S, s, so + j));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        float inv = 1f / expK(s, so, n, 1f, max);
        for (int j = 0; j < n; j += L) {
            FloatVector.fromArray(S, s, so + j).mul(inv).intoArray(s, so + j);
        }
    }

    /**
     * Rows, the scale and the shift are copied into heap arrays and each row normalized there in
     * small single-loop methods. Over segments, one method with all three passes and the optional
     * shift tested inside the loop was deoptimized over and over ({@code profile_predicate} traps)
     * and then ran up to 30× slower.
     */
    @Override
    protected void layerNormK(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int n,
                              MemorySegment gamma, MemorySegment beta, float eps) {
        float[] row = row(0, n);
        float[] scale = row(1, n);
        MemorySegment.copy(gamma, Layouts.F32, 0, scale, 0, n);
        float[] shift = beta == null ? null : row(2, n);
        if (shift != null) {
            MemorySegment.copy(beta, Layouts.F32, 0, shift, 0, n);
        }
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(x, Layouts.F32, 4 * (xi + (long) r * n), row, 0, n);
            float mean = sum(row, n) / n;
            float inv = (float) (1.0 / Math.sqrt(squaredDeviations(row, n, mean) / n + eps));
            if (shift == null) {
                normalize(row, n, mean, inv, scale);
            } else {
                normalize(row, n, mean, inv, scale, shift);
            }
            MemorySegment.copy(row, 0, y, Layouts.F32, 4 * (yi + (long) r * n), n);
        }
    }

    private static float sum(float[] row, int n) {
        FloatVector vs = FloatVector.zero(S);
        int upper = S.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            vs = vs.add(FloatVector.fromArray(S, row, i));
        }
        float sum = VectorSupport.sumLanes(vs);
        for (; i < n; i++) {
            sum += row[i];
        }
        return sum;
    }

    private static float squaredDeviations(float[] row, int n, float mean) {
        FloatVector vq = FloatVector.zero(S);
        int upper = S.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            FloatVector d = FloatVector.fromArray(S, row, i).sub(mean);
            vq = d.fma(d, vq);
        }
        float sq = VectorSupport.sumLanes(vq);
        for (; i < n; i++) {
            float d = row[i] - mean;
            sq += d * d;
        }
        return sq;
    }

    private static void normalize(float[] row, int n, float mean, float inv, float[] scale) {
        int upper = S.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            FloatVector.fromArray(S, row, i).sub(mean).mul(inv).mul(FloatVector.fromArray(S, scale, i)).intoArray(row, i);
        }
        for (; i < n; i++) {
            row[i] = (row[i] - mean) * inv * scale[i];
        }
    }

    private static void normalize(float[] row, int n, float mean, float inv, float[] scale, float[] shift) {
        int upper = S.loopBound(n);
        int i = 0;
        for (; i < upper; i += L) {
            FloatVector.fromArray(S, row, i).sub(mean).mul(inv).mul(FloatVector.fromArray(S, scale, i))
                    .add(FloatVector.fromArray(S, shift, i)).intoArray(row, i);
        }
        for (; i < n; i++) {
            row[i] = (row[i] - mean) * inv * scale[i] + shift[i];
        }
    }

    /**
     * Register-blocked: four rows of C by two vectors of columns stay in eight accumulators while k
     * runs, so each loaded B vector feeds four FMAs. The columns after the last whole pair of vectors
     * go one vector at a time, the last one through a lane mask, so a product narrower than a vector
     * (attention over a few tokens) is vectorized too.
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
        for (int j = full; j < n; j += L) {
            VectorMask<Float> lanes = S.indexInRange(j, n);
            int i = 0;
            for (; i + 4 <= m; i += 4) {
                column4(k, a, ai + (long) i * lda, lda, b, bi + j, ldb, c, ci + (long) i * ldc + j, ldc, accumulate, lanes);
            }
            for (; i < m; i++) {
                column1(k, a, ai + (long) i * lda, b, bi + j, ldb, c, ci + (long) i * ldc + j, accumulate, lanes);
            }
        }
    }

    private static FloatVector load(MemorySegment s, long index, VectorMask<Float> lanes) {
        return FloatVector.fromMemorySegment(S, s, index << 2, LE, lanes);
    }

    /** Four rows of C by the columns of one vector that {@code lanes} selects. */
    private static void column4(int k, MemorySegment a, long ao, int lda, MemorySegment b, long bo, int ldb,
                                MemorySegment c, long co, int ldc, boolean accumulate, VectorMask<Float> lanes) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        long a0 = ao, a1 = ao + lda, a2 = ao + 2L * lda, a3 = ao + 3L * lda;
        for (int p = 0; p < k; p++) {
            FloatVector bp = load(b, bo + (long) p * ldb, lanes);
            c0 = bp.fma(FloatVector.broadcast(S, a.getAtIndex(Layouts.F32, a0 + p)), c0);
            c1 = bp.fma(FloatVector.broadcast(S, a.getAtIndex(Layouts.F32, a1 + p)), c1);
            c2 = bp.fma(FloatVector.broadcast(S, a.getAtIndex(Layouts.F32, a2 + p)), c2);
            c3 = bp.fma(FloatVector.broadcast(S, a.getAtIndex(Layouts.F32, a3 + p)), c3);
        }
        store(c, co, accumulate, c0, lanes);
        store(c, co + ldc, accumulate, c1, lanes);
        store(c, co + 2L * ldc, accumulate, c2, lanes);
        store(c, co + 3L * ldc, accumulate, c3, lanes);
    }

    private static void column1(int k, MemorySegment a, long ao, MemorySegment b, long bo, int ldb,
                                MemorySegment c, long co, boolean accumulate, VectorMask<Float> lanes) {
        FloatVector c0 = FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            c0 = load(b, bo + (long) p * ldb, lanes).fma(FloatVector.broadcast(S, a.getAtIndex(Layouts.F32, ao + p)), c0);
        }
        store(c, co, accumulate, c0, lanes);
    }

    private static void store(MemorySegment c, long co, boolean accumulate, FloatVector v, VectorMask<Float> lanes) {
        if (accumulate) {
            v = v.add(load(c, co, lanes));
        }
        v.intoMemorySegment(c, co << 2, LE, lanes);
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

    /** {@code n} rounded up to whole vectors: the width of the padded rows softmax works on. */
    private static int wholeVectors(int n) {
        return (n + L - 1) / L * L;
    }

    /**
     * One head's working copies, per thread: its keys and values row by row, a block of query rows and
     * their columns, the block's scores, the mask row every query shares.
     */
    private static final class HeadBuffers {
        float[] keys = new float[0];
        float[] values = new float[0];
        float[] queries = new float[0];
        /** The block's query rows transposed: element p of every row, one vector per p. */
        float[] queryColumns = new float[0];
        /** The block's scores, then probabilities: one vector of query rows per key. */
        float[] scores = new float[0];
        float[] mask = new float[0];
        /** Gather map down a column of {@link #queries}: lane r reads row r. */
        final int[] rowStarts = new int[L];
        private int rowStartsDepth = -1;

        HeadBuffers fit(int depth, int valueDepth, int keyCount) {
            if (keys.length < keyCount * depth) {
                keys = new float[keyCount * depth];
            }
            if (values.length < keyCount * valueDepth) {
                values = new float[keyCount * valueDepth];
            }
            if (queries.length < L * depth) {
                queries = new float[L * depth];
                queryColumns = new float[L * depth];
            }
            if (scores.length < L * keyCount) {
                scores = new float[L * keyCount];
            }
            if (mask.length < keyCount) {
                mask = new float[keyCount];
            }
            if (rowStartsDepth != depth) {
                for (int r = 0; r < L; r++) {
                    rowStarts[r] = r * depth;
                }
                rowStartsDepth = depth;
            }
            return this;
        }
    }

    private static final ThreadLocal<HeadBuffers> HEAD = ThreadLocal.withInitial(HeadBuffers::new);

    /**
     * Query rows go in blocks of {@code L}, one row per lane, so every step from scores to outputs
     * works on vectors of rows: the softmax's maximum and sum run lane-wise along the keys, with no
     * lane reduction and no row waiting on another (a row at a time, those reductions were the
     * longest dependency chain of a short sequence). A score is an FMA chain over depth of a
     * query-column vector and a broadcast key element, so the keys need no transpose; the block's
     * query rows are transposed instead, by one gather per depth element. Keys and values are copied
     * row by row into heap arrays, where C2 hoists the bounds checks that per-access segment loads
     * keep. Outputs are vectors over value depth, four rows at a time (then one) sharing each loaded
     * value vector. A block short of {@code L} rows runs with zero queries in the spare
     * lanes and stores only its own rows. Every row's result is the same chain of operations whatever
     * its place in a block, and the sums run over keys in order; against the scalar reference, which
     * rounds products and sums separately and uses {@link Math#exp}, outputs agree to about 1e-6 of
     * the values' magnitude.
     */
    @Override
    protected void attentionK(AttentionShape shape, MemorySegment q, long qi, MemorySegment k, long ki,
                              MemorySegment v, long vi, MemorySegment mask, long mi, MemorySegment y, long yi) {
        int keys = shape.keys();
        int depth = shape.depth();
        int valueDepth = shape.valueDepth();
        HeadBuffers b = HEAD.get().fit(depth, valueDepth, keys);
        for (int j = 0; j < keys; j++) {
            MemorySegment.copy(k, Layouts.F32, 4 * (ki + (long) j * shape.keyStride()), b.keys, j * depth, depth);
            MemorySegment.copy(v, Layouts.F32, 4 * (vi + (long) j * shape.valueStride()), b.values, j * valueDepth, valueDepth);
        }
        boolean sharedMask = mask != null && shape.maskStride() == 0;
        if (sharedMask) {
            // A padding mask broadcast over the queries: one row for all of them, copied once per head.
            MemorySegment.copy(mask, Layouts.F32, 4 * mi, b.mask, 0, keys);
        } else {
            Arrays.fill(b.mask, 0, keys, 0f);
        }
        for (int first = 0; first < shape.queries(); first += L) {
            int count = Math.min(L, shape.queries() - first);
            attendBlock(shape, q, qi, sharedMask ? null : mask, mi, y, yi, first, count, b);
        }
    }

    /**
     * Query rows {@code first ..< first + count}, {@code count} at most {@code L}; {@code rowMask} is the
     * mask when it differs per query row.
     */
    private static void attendBlock(AttentionShape shape, MemorySegment q, long qi, MemorySegment rowMask, long mi,
                                    MemorySegment y, long yi, int first, int count, HeadBuffers b) {
        int keys = shape.keys();
        int depth = shape.depth();
        float[] rows = b.queries;
        for (int r = 0; r < count; r++) {
            MemorySegment.copy(q, Layouts.F32, 4 * (qi + (long) (first + r) * shape.queryStride()), rows, r * depth, depth);
        }
        Arrays.fill(rows, count * depth, L * depth, 0f);
        for (int p = 0; p < depth; p++) {
            FloatVector.fromArray(S, rows, p, b.rowStarts, 0).intoArray(b.queryColumns, p * L);
        }
        float[] scores = b.scores;
        scoreColumns(keys, depth, b.queryColumns, b.keys, b.mask, shape.scale(), scores);
        if (rowMask != null) {
            for (int r = 0; r < count; r++) {
                long mo = mi + (long) (first + r) * shape.maskStride();
                for (int j = 0; j < keys; j++) {
                    scores[j * L + r] += rowMask.getAtIndex(Layouts.F32, mo + j);
                }
            }
        }
        softmaxColumns(scores, keys);
        int valueDepth = shape.valueDepth();
        int outputStride = shape.outputStride();
        int r = 0;
        for (; r + 4 <= count; r += 4) {
            weightedValues4(keys, valueDepth, b.values, scores, r, y, yi + (long) (first + r) * outputStride, outputStride);
        }
        for (; r < count; r++) {
            weightedValuesFrom(0, keys, valueDepth, b.values, scores, r, y, yi + (long) (first + r) * outputStride);
        }
    }

    /**
     * {@code scores[j] = scale · Σ_p columns[p]·k[j][p] + mask[j]}, a vector of query rows per key:
     * four keys at a time, so each loaded query column feeds four FMA chains.
     */
    private static void scoreColumns(int keys, int depth, float[] columns, float[] k, float[] mask, float scale,
                                     float[] scores) {
        int j = 0;
        for (; j + 4 <= keys; j += 4) {
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
            int k0 = j * depth;
            for (int p = 0; p < depth; p++) {
                FloatVector column = FloatVector.fromArray(S, columns, p * L);
                s0 = column.fma(FloatVector.broadcast(S, k[k0 + p]), s0);
                s1 = column.fma(FloatVector.broadcast(S, k[k0 + depth + p]), s1);
                s2 = column.fma(FloatVector.broadcast(S, k[k0 + 2 * depth + p]), s2);
                s3 = column.fma(FloatVector.broadcast(S, k[k0 + 3 * depth + p]), s3);
            }
            s0.mul(scale).add(mask[j]).intoArray(scores, j * L);
            s1.mul(scale).add(mask[j + 1]).intoArray(scores, (j + 1) * L);
            s2.mul(scale).add(mask[j + 2]).intoArray(scores, (j + 2) * L);
            s3.mul(scale).add(mask[j + 3]).intoArray(scores, (j + 3) * L);
        }
        for (; j < keys; j++) {
            FloatVector s0 = FloatVector.zero(S);
            for (int p = 0, k0 = j * depth; p < depth; p++) {
                s0 = FloatVector.fromArray(S, columns, p * L).fma(FloatVector.broadcast(S, k[k0 + p]), s0);
            }
            s0.mul(scale).add(mask[j]).intoArray(scores, j * L);
        }
    }

    /**
     * Softmax along the keys of every lane of {@code keys} vectors: the maximum, the shifted scores'
     * exponentials through {@link #expK} (its lane total is not needed here), their sum in key
     * order, and the division, all lane-wise.
     */
    private static void softmaxColumns(float[] s, int keys) {
        int n = keys * L;
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < n; j += L) {
            max = max.max(FloatVector.fromArray(S, s, j));
        }
        for (int j = 0; j < n; j += L) {
            FloatVector.fromArray(S, s, j).sub(max).intoArray(s, j);
        }
        expK(s, 0, n, 1f, 0f);
        FloatVector sum = FloatVector.zero(S);
        for (int j = 0; j < n; j += L) {
            sum = sum.add(FloatVector.fromArray(S, s, j));
        }
        FloatVector inv = FloatVector.broadcast(S, 1f).div(sum);
        for (int j = 0; j < n; j += L) {
            FloatVector.fromArray(S, s, j).mul(inv).intoArray(s, j);
        }
    }

    /**
     * {@code y[r][c] = Σ_j p[j][lane + r]·v[j][c]} for the four rows from {@code lane} of the
     * probabilities (one vector per key) into output rows {@code outputStride} apart: two vectors of
     * value depth at a time, each loaded value vector feeding the four rows, so eight FMA chains run
     * side by side; then the last vector and the depth tail row by row as {@link #weightedValuesFrom}
     * does it. (Eight rows per pass measured no faster, with 16 or 8 lanes.)
     */
    private static void weightedValues4(int keys, int depth, float[] v, float[] p, int lane, MemorySegment y,
                                        long yo, int outputStride) {
        int upper = S.loopBound(depth);
        int c = 0;
        for (; c + 2 * L <= upper; c += 2 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
            FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
            for (int j = 0, row = c, pj = lane; j < keys; j++, row += depth, pj += L) {
                FloatVector v0 = FloatVector.fromArray(S, v, row);
                FloatVector v1 = FloatVector.fromArray(S, v, row + L);
                FloatVector p0 = FloatVector.broadcast(S, p[pj]);
                a0 = v0.fma(p0, a0);
                b0 = v1.fma(p0, b0);
                FloatVector p1 = FloatVector.broadcast(S, p[pj + 1]);
                a1 = v0.fma(p1, a1);
                b1 = v1.fma(p1, b1);
                FloatVector p2 = FloatVector.broadcast(S, p[pj + 2]);
                a2 = v0.fma(p2, a2);
                b2 = v1.fma(p2, b2);
                FloatVector p3 = FloatVector.broadcast(S, p[pj + 3]);
                a3 = v0.fma(p3, a3);
                b3 = v1.fma(p3, b3);
            }
            a0.intoMemorySegment(y, (yo + c) << 2, LE);
            b0.intoMemorySegment(y, (yo + c + L) << 2, LE);
            a1.intoMemorySegment(y, (yo + outputStride + c) << 2, LE);
            b1.intoMemorySegment(y, (yo + outputStride + c + L) << 2, LE);
            a2.intoMemorySegment(y, (yo + 2L * outputStride + c) << 2, LE);
            b2.intoMemorySegment(y, (yo + 2L * outputStride + c + L) << 2, LE);
            a3.intoMemorySegment(y, (yo + 3L * outputStride + c) << 2, LE);
            b3.intoMemorySegment(y, (yo + 3L * outputStride + c + L) << 2, LE);
        }
        for (int r = 0; r < 4; r++) {
            // The last value vector (when their count is odd) and the depth tail, row by row.
            weightedValuesFrom(c, keys, depth, v, p, lane + r, y, yo + (long) r * outputStride);
        }
    }

    /**
     * {@code y[c] = Σ_j p[j][lane]·v[j][c]} for one row's value depths from {@code from} on: the chains
     * of {@link #weightedValues4}.
     */
    private static void weightedValuesFrom(int from, int keys, int depth, float[] v, float[] p, int lane, MemorySegment y,
                                           long yo) {
        int upper = S.loopBound(depth);
        for (int c = from; c < upper; c += L) {
            FloatVector a0 = FloatVector.zero(S);
            for (int j = 0, row = c, pj = lane; j < keys; j++, row += depth, pj += L) {
                a0 = FloatVector.fromArray(S, v, row).fma(FloatVector.broadcast(S, p[pj]), a0);
            }
            a0.intoMemorySegment(y, (yo + c) << 2, LE);
        }
        depthTail(keys, depth, Math.max(from, upper), v, p, lane, y, yo);
    }

    /** Value depths {@code from ..< depth} of one row, one {@link Math#fma} chain over keys each, as a lane does. */
    private static void depthTail(int keys, int depth, int from, float[] v, float[] p, int lane, MemorySegment y, long yo) {
        for (int c = from; c < depth; c++) {
            float acc = 0;
            for (int j = 0, row = c, pj = lane; j < keys; j++, row += depth, pj += L) {
                acc = Math.fma(v[row], p[pj], acc);
            }
            y.setAtIndex(Layouts.F32, yo + c, acc);
        }
    }

    /** Per-thread gather index map of {@link #transposeK}: lane i reads source row i. */
    private static final ThreadLocal<int[]> ROW_STARTS = ThreadLocal.withInitial(() -> new int[L]);

    /** Widest source row {@link #transposeK} gathers from a heap block of {@code L} rows; wider ones go to the reference. */
    private static final int MAX_GATHER_COLS = 1 << 16;

    /**
     * With 16 lanes, whole 16 × 16 tiles are transposed in registers ({@link #transposeTile}); the
     * columns past the last whole tile, and every other lane count, go through the gather path:
     * blocks of {@code L} source rows are copied into a heap array, and each output row's piece is
     * then one gather down a column of the block (lane i from row i) and one contiguous store, instead
     * of an element-by-element scatter. The last block has fewer rows and runs masked.
     */
    @Override
    protected void transposeK(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int cols, int from, int to) {
        if (cols > MAX_GATHER_COLS) {
            super.transposeK(x, xi, y, yi, rows, cols, from, to);
            return;
        }
        int tiled = L == TILE ? cols / TILE * TILE : 0;
        float[] block = row(0, L * cols);
        int[] rowStarts = ROW_STARTS.get();
        for (int i = 0; i < L; i++) {
            rowStarts[i] = i * cols;
        }
        int r0 = from;
        for (; r0 + L <= to; r0 += L) {
            for (int c0 = 0; c0 < tiled; c0 += TILE) {
                transposeTile(x, (xi + (long) r0 * cols + c0) << 2, 4L * cols, y, (yi + (long) c0 * rows + r0) << 2,
                        4L * rows);
            }
            if (tiled == cols) {
                continue;
            }
            MemorySegment.copy(x, Layouts.F32, 4 * (xi + (long) r0 * cols), block, 0, L * cols);
            for (int c = tiled; c < cols; c++) {
                FloatVector.fromArray(S, block, c, rowStarts, 0).intoMemorySegment(y, (yi + (long) c * rows + r0) << 2, LE);
            }
        }
        if (r0 < to) {
            int h = to - r0;
            VectorMask<Float> lanes = S.indexInRange(0, h);
            MemorySegment.copy(x, Layouts.F32, 4 * (xi + (long) r0 * cols), block, 0, h * cols);
            for (int c = 0; c < cols; c++) {
                FloatVector.fromArray(S, block, c, rowStarts, 0, lanes)
                        .intoMemorySegment(y, (yi + (long) c * rows + r0) << 2, LE, lanes);
            }
        }
    }

    /** Side of the tiles {@link #transposeTile} transposes: sixteen lanes. */
    private static final int TILE = 16;

    /**
     * The two-vector shuffles of the tile transpose's four steps: at step s, with d = 8 >> s, rows i
     * and i + d (i & d == 0) exchange their off-diagonal d × d blocks. {@code KEEP[s]} takes a lane j
     * from the first vector where j & d == 0 and lane j − d of the second elsewhere; {@code TAKE[s]}
     * lane j + d of the first where j & d == 0 and lane j of the second elsewhere.
     */
    private static final VectorShuffle<Float>[] KEEP = tileShuffles(true);
    private static final VectorShuffle<Float>[] TAKE = tileShuffles(false);

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] tileShuffles(boolean keep) {
        VectorShuffle<Float>[] steps = (VectorShuffle<Float>[]) new VectorShuffle<?>[4];
        if (L != TILE) {
            return steps;
        }
        for (int step = 0; step < 4; step++) {
            int d = 8 >> step;
            int[] source = new int[TILE];
            for (int j = 0; j < TILE; j++) {
                // indexes from TILE on select the second vector's lane (index − TILE)
                source[j] = (j & d) == 0 ? (keep ? j : j + d) : (keep ? TILE + j - d : TILE + j);
            }
            steps[step] = VectorShuffle.fromArray(S, source, 0);
        }
        return steps;
    }

    /**
     * The 16 × 16 tile of floats at byte {@code xo} of x (rows {@code xs} bytes apart) transposed into
     * y at {@code yo} (rows {@code ys} apart), in registers: four steps of block exchanges, halves,
     * quarters, eighths, then neighbouring lanes, each a two-vector rearrange per row. Each row is its
     * own local, so C2 keeps all sixteen in registers (an array of vectors defeats that and runs a
     * hundred times slower).
     */
    private static void transposeTile(MemorySegment x, long xo, long xs, MemorySegment y, long yo, long ys) {
        FloatVector a0 = tileRow(x, xo, xs, 0), a1 = tileRow(x, xo, xs, 1), a2 = tileRow(x, xo, xs, 2);
        FloatVector a3 = tileRow(x, xo, xs, 3), a4 = tileRow(x, xo, xs, 4), a5 = tileRow(x, xo, xs, 5);
        FloatVector a6 = tileRow(x, xo, xs, 6), a7 = tileRow(x, xo, xs, 7), a8 = tileRow(x, xo, xs, 8);
        FloatVector a9 = tileRow(x, xo, xs, 9), a10 = tileRow(x, xo, xs, 10), a11 = tileRow(x, xo, xs, 11);
        FloatVector a12 = tileRow(x, xo, xs, 12), a13 = tileRow(x, xo, xs, 13), a14 = tileRow(x, xo, xs, 14);
        FloatVector a15 = tileRow(x, xo, xs, 15);
        // rows i and i + 8
        FloatVector b0 = a0.rearrange(KEEP[0], a8), b8 = a0.rearrange(TAKE[0], a8);
        FloatVector b1 = a1.rearrange(KEEP[0], a9), b9 = a1.rearrange(TAKE[0], a9);
        FloatVector b2 = a2.rearrange(KEEP[0], a10), b10 = a2.rearrange(TAKE[0], a10);
        FloatVector b3 = a3.rearrange(KEEP[0], a11), b11 = a3.rearrange(TAKE[0], a11);
        FloatVector b4 = a4.rearrange(KEEP[0], a12), b12 = a4.rearrange(TAKE[0], a12);
        FloatVector b5 = a5.rearrange(KEEP[0], a13), b13 = a5.rearrange(TAKE[0], a13);
        FloatVector b6 = a6.rearrange(KEEP[0], a14), b14 = a6.rearrange(TAKE[0], a14);
        FloatVector b7 = a7.rearrange(KEEP[0], a15), b15 = a7.rearrange(TAKE[0], a15);
        // rows i and i + 4
        FloatVector c0 = b0.rearrange(KEEP[1], b4), c4 = b0.rearrange(TAKE[1], b4);
        FloatVector c1 = b1.rearrange(KEEP[1], b5), c5 = b1.rearrange(TAKE[1], b5);
        FloatVector c2 = b2.rearrange(KEEP[1], b6), c6 = b2.rearrange(TAKE[1], b6);
        FloatVector c3 = b3.rearrange(KEEP[1], b7), c7 = b3.rearrange(TAKE[1], b7);
        FloatVector c8 = b8.rearrange(KEEP[1], b12), c12 = b8.rearrange(TAKE[1], b12);
        FloatVector c9 = b9.rearrange(KEEP[1], b13), c13 = b9.rearrange(TAKE[1], b13);
        FloatVector c10 = b10.rearrange(KEEP[1], b14), c14 = b10.rearrange(TAKE[1], b14);
        FloatVector c11 = b11.rearrange(KEEP[1], b15), c15 = b11.rearrange(TAKE[1], b15);
        // rows i and i + 2
        FloatVector d0 = c0.rearrange(KEEP[2], c2), d2 = c0.rearrange(TAKE[2], c2);
        FloatVector d1 = c1.rearrange(KEEP[2], c3), d3 = c1.rearrange(TAKE[2], c3);
        FloatVector d4 = c4.rearrange(KEEP[2], c6), d6 = c4.rearrange(TAKE[2], c6);
        FloatVector d5 = c5.rearrange(KEEP[2], c7), d7 = c5.rearrange(TAKE[2], c7);
        FloatVector d8 = c8.rearrange(KEEP[2], c10), d10 = c8.rearrange(TAKE[2], c10);
        FloatVector d9 = c9.rearrange(KEEP[2], c11), d11 = c9.rearrange(TAKE[2], c11);
        FloatVector d12 = c12.rearrange(KEEP[2], c14), d14 = c12.rearrange(TAKE[2], c14);
        FloatVector d13 = c13.rearrange(KEEP[2], c15), d15 = c13.rearrange(TAKE[2], c15);
        // rows i and i + 1, stored as they come
        d0.rearrange(KEEP[3], d1).intoMemorySegment(y, yo, LE);
        d0.rearrange(TAKE[3], d1).intoMemorySegment(y, yo + ys, LE);
        d2.rearrange(KEEP[3], d3).intoMemorySegment(y, yo + 2 * ys, LE);
        d2.rearrange(TAKE[3], d3).intoMemorySegment(y, yo + 3 * ys, LE);
        d4.rearrange(KEEP[3], d5).intoMemorySegment(y, yo + 4 * ys, LE);
        d4.rearrange(TAKE[3], d5).intoMemorySegment(y, yo + 5 * ys, LE);
        d6.rearrange(KEEP[3], d7).intoMemorySegment(y, yo + 6 * ys, LE);
        d6.rearrange(TAKE[3], d7).intoMemorySegment(y, yo + 7 * ys, LE);
        d8.rearrange(KEEP[3], d9).intoMemorySegment(y, yo + 8 * ys, LE);
        d8.rearrange(TAKE[3], d9).intoMemorySegment(y, yo + 9 * ys, LE);
        d10.rearrange(KEEP[3], d11).intoMemorySegment(y, yo + 10 * ys, LE);
        d10.rearrange(TAKE[3], d11).intoMemorySegment(y, yo + 11 * ys, LE);
        d12.rearrange(KEEP[3], d13).intoMemorySegment(y, yo + 12 * ys, LE);
        d12.rearrange(TAKE[3], d13).intoMemorySegment(y, yo + 13 * ys, LE);
        d14.rearrange(KEEP[3], d15).intoMemorySegment(y, yo + 14 * ys, LE);
        d14.rearrange(TAKE[3], d15).intoMemorySegment(y, yo + 15 * ys, LE);
    }

    private static FloatVector tileRow(MemorySegment x, long xo, long xs, int i) {
        return FloatVector.fromMemorySegment(S, x, xo + i * xs, LE);
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
