package dev.tersor.kernels.tensor;

import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;

/** The reference {@link TensorKernels}: plain loops, float arithmetic, sums accumulated in order. */
public class ScalarTensorKernels extends TensorKernels {

    public static final ScalarTensorKernels INSTANCE = new ScalarTensorKernels();

    protected ScalarTensorKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    /** {@code erf} to about 1.2e-7 absolute error (Abramowitz and Stegun 7.1.26 is too coarse; this is W. J. Cody's rational form evaluated in double). */
    public static float erf(float xf) {
        double x = xf;
        double ax = Math.abs(x);
        double r;
        if (ax < 0.5) {
            double t = x * x;
            double top = (((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t
                    + 377.485237685302021) * t + 3209.37758913846947;
            double bot = (((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t
                    + 2844.23683343917062;
            return (float) (x * top / bot);
        } else if (ax < 4.0) {
            double top = (((((((2.15311535474403846e-8 * ax + 0.564188496988670089) * ax + 8.88314979438837594) * ax
                    + 66.1191906371416295) * ax + 298.635138197400131) * ax + 881.952221241769090) * ax
                    + 1712.04761263407058) * ax + 2051.07837782607147) * ax + 1230.33935479799725;
            double bot = (((((((ax + 15.7449261107098347) * ax + 117.693950891312499) * ax + 537.181101862009858) * ax
                    + 1621.38957456669019) * ax + 3290.79923573345963) * ax + 4362.61909014324716) * ax
                    + 3439.36767414372164) * ax + 1230.33935480374942;
            r = 1.0 - Math.exp(-ax * ax) * top / bot;
        } else if (ax < 6.0) {
            double z = 1.0 / (ax * ax);
            double top = ((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z
                    + 0.125781726111229246) * z + 0.0160837851487422766) * z + 0.000658749161529837803;
            double bot = ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 0.527905102951428412) * z
                    + 0.0605183413124413191) * z + 0.00233520497626869185;
            r = 1.0 - Math.exp(-ax * ax) / ax * (0.564189583547756287 - z * top / bot);
        } else {
            r = 1.0;
        }
        return (float) (x < 0 ? -r : r);
    }

    static float gelu(float x) {
        return 0.5f * x * (1f + erf(x * 0.70710677f));
    }

    static float apply(Unary op, float v) {
        return switch (op) {
            case SQRT -> (float) Math.sqrt(v);
            case ERF -> erf(v);
            case RELU -> v > 0 ? v : v == v ? 0f : v;
            case EXP -> (float) Math.exp(v);
            case NEG -> -v;
            case ABS -> Math.abs(v);
            case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-v)));
            case TANH -> (float) Math.tanh(v);
            case GELU -> gelu(v);
            case RECIPROCAL -> 1f / v;
            case LOG -> (float) Math.log(v);
            case FLOOR -> (float) Math.floor(v);
            case CEIL -> (float) Math.ceil(v);
        };
    }

    static float apply(Binary op, float a, float b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> b == 2f ? a * a : (float) Math.pow(a, b);
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
        };
    }

    @Override
    protected void unaryK(Unary op, MemorySegment x, long xi, MemorySegment y, long yi, int n) {
        for (int i = 0; i < n; i++) {
            y.setAtIndex(Layouts.F32, yi + i, apply(op, x.getAtIndex(Layouts.F32, xi + i)));
        }
    }

    @Override
    protected void binaryK(Binary op, MemorySegment a, long ai, boolean aScalar, MemorySegment b, long bi,
                           boolean bScalar, MemorySegment y, long yi, int n) {
        for (int i = 0; i < n; i++) {
            float av = a.getAtIndex(Layouts.F32, aScalar ? ai : ai + i);
            float bv = b.getAtIndex(Layouts.F32, bScalar ? bi : bi + i);
            y.setAtIndex(Layouts.F32, yi + i, apply(op, av, bv));
        }
    }

    @Override
    protected void clampAffineK(MemorySegment x, long xi, MemorySegment y, long yi, int n,
                                float alpha, float beta, float lo, float hi) {
        for (int i = 0; i < n; i++) {
            float v = alpha * x.getAtIndex(Layouts.F32, xi + i) + beta;
            y.setAtIndex(Layouts.F32, yi + i, Math.min(Math.max(v, lo), hi));
        }
    }

    @Override
    protected void softmaxK(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int n) {
        for (int r = 0; r < rows; r++) {
            long xo = xi + (long) r * n;
            long yo = yi + (long) r * n;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, x.getAtIndex(Layouts.F32, xo + i));
            }
            float sum = 0;
            for (int i = 0; i < n; i++) {
                float e = (float) Math.exp(x.getAtIndex(Layouts.F32, xo + i) - max);
                y.setAtIndex(Layouts.F32, yo + i, e);
                sum += e;
            }
            float inv = 1f / sum;
            for (int i = 0; i < n; i++) {
                y.setAtIndex(Layouts.F32, yo + i, y.getAtIndex(Layouts.F32, yo + i) * inv);
            }
        }
    }

    @Override
    protected void layerNormK(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int n,
                              MemorySegment gamma, MemorySegment beta, float eps) {
        for (int r = 0; r < rows; r++) {
            long xo = xi + (long) r * n;
            long yo = yi + (long) r * n;
            float sum = 0;
            for (int i = 0; i < n; i++) {
                sum += x.getAtIndex(Layouts.F32, xo + i);
            }
            float mean = sum / n;
            float sq = 0;
            for (int i = 0; i < n; i++) {
                float d = x.getAtIndex(Layouts.F32, xo + i) - mean;
                sq += d * d;
            }
            float inv = (float) (1.0 / Math.sqrt(sq / n + eps));
            for (int i = 0; i < n; i++) {
                float v = (x.getAtIndex(Layouts.F32, xo + i) - mean) * inv * gamma.getAtIndex(Layouts.F32, i);
                y.setAtIndex(Layouts.F32, yo + i, beta == null ? v : v + beta.getAtIndex(Layouts.F32, i));
            }
        }
    }

    @Override
    protected void gemmK(int m, int k, int n, MemorySegment a, long ai, int lda, MemorySegment b, long bi, int ldb,
                         MemorySegment c, long ci, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            long co = ci + (long) i * ldc;
            if (!accumulate) {
                for (int j = 0; j < n; j++) {
                    c.setAtIndex(Layouts.F32, co + j, 0f);
                }
            }
            for (int p = 0; p < k; p++) {
                float av = a.getAtIndex(Layouts.F32, ai + (long) i * lda + p);
                long bo = bi + (long) p * ldb;
                for (int j = 0; j < n; j++) {
                    c.setAtIndex(Layouts.F32, co + j,
                            c.getAtIndex(Layouts.F32, co + j) + av * b.getAtIndex(Layouts.F32, bo + j));
                }
            }
        }
    }

    /** Rows of the source handled per pass of {@link #transposeK}. */
    private static final int TILE = 32;
    private static final ThreadLocal<float[][]> TILES = ThreadLocal.withInitial(() -> new float[2][0]);

    /**
     * Tiles of {@value #TILE} source rows: bulk-copied into a heap array, transposed there, and each
     * output row's piece bulk-copied out, so per element there is one array read and one array write
     * instead of two bounds-checked segment accesses.
     */
    @Override
    protected void transposeK(MemorySegment x, long xi, MemorySegment y, long yi, int rows, int cols, int from, int to) {
        float[][] tiles = TILES.get();
        int need = TILE * cols;
        if (tiles[0].length < need) {
            tiles[0] = new float[need];
            tiles[1] = new float[need];
        }
        float[] in = tiles[0];
        float[] out = tiles[1];
        for (int r0 = from; r0 < to; r0 += TILE) {
            int h = Math.min(TILE, to - r0);
            MemorySegment.copy(x, Layouts.F32, 4 * (xi + (long) r0 * cols), in, 0, h * cols);
            for (int r = 0; r < h; r++) {
                int base = r * cols;
                for (int c = 0; c < cols; c++) {
                    out[c * TILE + r] = in[base + c];
                }
            }
            for (int c = 0; c < cols; c++) {
                MemorySegment.copy(out, c * TILE, y, Layouts.F32, 4 * (yi + (long) c * rows + r0), h);
            }
        }
    }

    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[0]);

    /** Scores of one query row, softmax, then the weighted sum of value rows: as the unfused graph computes it. */
    @Override
    protected void attentionK(AttentionShape shape, MemorySegment q, long qi, MemorySegment k, long ki,
                              MemorySegment v, long vi, MemorySegment mask, long mi, MemorySegment y, long yi) {
        int keys = shape.keys();
        int depth = shape.depth();
        float[] scores = SCORES.get();
        if (scores.length < keys) {
            scores = new float[keys];
            SCORES.set(scores);
        }
        for (int i = 0; i < shape.queries(); i++) {
            long qo = qi + (long) i * shape.queryStride();
            long mo = mi + (long) i * shape.maskStride();
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < keys; j++) {
                long ko = ki + (long) j * shape.keyStride();
                float dot = 0;
                for (int p = 0; p < depth; p++) {
                    dot += q.getAtIndex(Layouts.F32, qo + p) * k.getAtIndex(Layouts.F32, ko + p);
                }
                float score = dot * shape.scale();
                if (mask != null) {
                    score += mask.getAtIndex(Layouts.F32, mo + j);
                }
                scores[j] = score;
                max = Math.max(max, score);
            }
            float sum = 0;
            for (int j = 0; j < keys; j++) {
                scores[j] = (float) Math.exp(scores[j] - max);
                sum += scores[j];
            }
            float inv = 1f / sum;
            long yo = yi + (long) i * shape.outputStride();
            for (int c = 0; c < shape.valueDepth(); c++) {
                float acc = 0;
                for (int j = 0; j < keys; j++) {
                    acc += scores[j] * inv * v.getAtIndex(Layouts.F32, vi + (long) j * shape.valueStride() + c);
                }
                y.setAtIndex(Layouts.F32, yo + c, acc);
            }
        }
    }

    @Override
    protected void addToRowsK(MemorySegment y, long yi, int rows, int n, MemorySegment v, long vi) {
        for (int r = 0; r < rows; r++) {
            float value = v.getAtIndex(Layouts.F32, vi + r);
            long row = yi + (long) r * n;
            for (int j = 0; j < n; j++) {
                y.setAtIndex(Layouts.F32, row + j, y.getAtIndex(Layouts.F32, row + j) + value);
            }
        }
    }

    @Override
    protected float sumK(MemorySegment x, long xi, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) {
            s += x.getAtIndex(Layouts.F32, xi + i);
        }
        return s;
    }
}
