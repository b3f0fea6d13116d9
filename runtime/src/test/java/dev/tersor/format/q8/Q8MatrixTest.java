package dev.tersor.format.q8;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.Execution;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Parallelism;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The q8 layout's two products. With int8 activations every provider must give the scalar
 * reference's bits (the integer sums are exact, the rest is defined operation by operation), and the
 * result must stay within the activation quantization's error of the float product.
 */
class Q8MatrixTest {

    private static final int[][] SHAPES = {{1, 1}, {5, 3}, {17, 63}, {9, 64}, {13, 65}, {33, 384}, {7, 1536}, {3, 4097}};
    private static final int[] BATCHES = {1, 2, 3, 5, 9, 16};

    /**
     * A row of integer steps in [-128, 127], codes at both ends included, times a per-row step; rows
     * of 64 or more columns also hold one outlier of 3000 steps, stored as a patch.
     */
    private static DenseMatrixView integerRows(int rows, int cols, long seed) {
        Random random = new Random(seed);
        float[] values = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            float step = 0.001f * (1 + random.nextInt(1000));
            for (int c = 0; c < cols; c++) {
                int code = c == 0 ? -128 : c == 1 ? 127 : random.nextInt(256) - 128;
                values[r * cols + c] = code * step;
            }
            if (cols >= 64) {
                values[r * cols + cols / 2] = (r % 2 == 0 ? 3000 : -3000) * step;
            }
        }
        return DenseMatrixView.of(rows, cols, values);
    }

    private static float[] activations(int cols, int batch, long seed) {
        Random random = new Random(seed);
        float[] x = new float[cols * batch];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian() * (1 + i % 7);
        }
        return x;
    }

    private static float[] multiply(WeightMatrix w, float[] x, int batch, Kernels kernels, int threads) {
        float[] y = new float[w.rows() * batch];
        w.multiply(MemorySegment.ofArray(x), MemorySegment.ofArray(y), batch,
                new Execution(kernels, Parallelism.of(threads)));
        return y;
    }

    @Test
    void int8ProductsAreIdenticalOnEveryProviderAndCloseToTheFloatProduct() {
        for (int[] shape : SHAPES) {
            DenseMatrixView source = integerRows(shape[0], shape[1], shape[0] * 31L + shape[1]);
            try (WeightMatrix exact = Q8Matrix.FORMAT.encode(source);
                 WeightMatrix fast = Q8Matrix.FORMAT.encodeToRun(source)) {
                assertThat(((Q8Matrix) exact).int8Activations()).isFalse();
                assertThat(((Q8Matrix) fast).int8Activations()).isTrue();
                assertThat(fast.toDense()).isEqualTo(source.toArray());
                for (int batch : BATCHES) {
                    float[] x = activations(shape[1], batch, batch);
                    float[] reference = multiply(fast, x, batch, Kernels.named("scalar"), 1);
                    float[] floatProduct = multiply(exact, x, batch, Kernels.named("scalar"), 1);
                    for (Kernels kernels : Kernels.available()) {
                        for (int threads : new int[]{1, 2}) {
                            assertThat(multiply(fast, x, batch, kernels, threads))
                                    .as("%s, %d threads, %dx%d, batch %d", kernels.name(), threads, shape[0], shape[1], batch)
                                    .isEqualTo(reference);
                        }
                    }
                    assertWithinQuantizationError(source, x, batch, reference, floatProduct);
                }
            }
        }
    }

    /** |W·Q(x) − W·x| ≤ Σ_j |w_j| · (half a step of the column's scale), plus float rounding. */
    private static void assertWithinQuantizationError(DenseMatrixView w, float[] x, int batch, float[] quantized,
                                                      float[] exact) {
        for (int b = 0; b < batch; b++) {
            float max = 0;
            for (int j = 0; j < w.cols(); j++) {
                max = Math.max(max, Math.abs(x[j * batch + b]));
            }
            for (int r = 0; r < w.rows(); r++) {
                double magnitude = 0;
                for (int j = 0; j < w.cols(); j++) {
                    magnitude += Math.abs(w.get(r, j));
                }
                double bound = magnitude * max / 127 * 0.5 * 1.001 + 1e-4 * magnitude * max;
                int i = r * batch + b;
                assertThat((double) Math.abs(quantized[i] - exact[i])).as("row %d, column %d", r, b)
                        .isLessThanOrEqualTo(bound);
            }
        }
    }

    @Test
    void nonFiniteColumnsGiveNaNAndZeroColumnsGiveZero() {
        DenseMatrixView source = integerRows(6, 70, 5);
        int batch = 4;
        float[] x = activations(70, batch, 9);
        for (int j = 0; j < 70; j++) {
            x[j * batch] = 0f;             // column 0: zeros
            x[j * batch + 2] = 1e-35f;     // column 2: too small to scale
        }
        x[10 * batch + 1] = Float.NaN;     // column 1: one NaN
        x[3 * batch + 3] = Float.POSITIVE_INFINITY;
        try (WeightMatrix fast = Q8Matrix.FORMAT.encodeToRun(source)) {
            for (Kernels kernels : Kernels.available()) {
                float[] y = multiply(fast, x, batch, kernels, 1);
                for (int r = 0; r < 6; r++) {
                    assertThat(Math.abs(y[r * batch])).as(kernels.name()).isZero();
                    assertThat(y[r * batch + 1]).as(kernels.name()).isNaN();
                    // the tiny column quantizes to zeros; only the patch pass (float activations) sees it
                    assertThat(Math.abs(y[r * batch + 2])).as(kernels.name()).isLessThan(1e-25f);
                    assertThat(y[r * batch + 3]).as(kernels.name()).isNaN();
                }
            }
        }
    }

    @Test
    void refusesRowsOffAnIntegerGrid() {
        float[] values = {1f, 1.0001f};
        assertThat(RowScales.fit(values)).isNaN();
        assertThat(RowScales.fit(new float[]{0.1f, 0.2f, 0.3f, -12.8f})).isEqualTo(0.1f);
        assertThat(RowScales.fit(new float[]{0.1f, 300f})).isEqualTo(0.1f); // a patch of 2873 steps
        assertThat(RowScales.fit(new float[]{0.1f, 5000f})).isNaN();       // beyond 32767 steps
        assertThat(RowScales.fit(new float[]{0f, -0f, 1f})).isNaN();
        assertThat(RowScales.fit(new float[]{0f, Float.NaN})).isNaN();
        assertThat(RowScales.fit(new float[]{3f, 5f, 7f})).isEqualTo(1f);
    }

    /**
     * A channel a thousand times larger than the rest (as LayerNorm outputs of BERT-like models have)
     * is multiplied in float: with it in the int8 scale the other channels would keep at most a level
     * or two and the product would be off by far more than 1 %.
     */
    @Test
    void outlierChannelsKeepTheInt8ProductClose() {
        DenseMatrixView source = integerRows(40, 384, 12);
        int batch = 3;
        float[] x = activations(384, batch, 4);
        for (int b = 0; b < batch; b++) {
            x[17 * batch + b] = 3000f;
            x[200 * batch + b] = -2500f;
        }
        try (WeightMatrix exact = Q8Matrix.FORMAT.encode(source); WeightMatrix fast = Q8Matrix.FORMAT.encodeToRun(source)) {
            float[] reference = multiply(exact, x, batch, Kernels.named("scalar"), 1);
            float[] quantized = multiply(fast, x, batch, Kernels.named("scalar"), 1);
            for (Kernels kernels : Kernels.available()) {
                assertThat(multiply(fast, x, batch, kernels, 1)).as(kernels.name()).isEqualTo(quantized);
            }
            double error = 0;
            double norm = 0;
            for (int i = 0; i < reference.length; i++) {
                error += (quantized[i] - reference[i]) * (double) (quantized[i] - reference[i]);
                norm += reference[i] * (double) reference[i];
            }
            assertThat(Math.sqrt(error / norm)).isLessThan(0.01);
        }
    }

    @Test
    void patchesMustStayRare() {
        int rows = 4;
        int cols = 128;
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i % 200 - 100) * 0.5f;
        }
        assertThat(Q8Matrix.FORMAT.accepts(dev.tersor.format.QuantizedMatrix.fromDense(DenseMatrixView.of(rows, cols, values))))
                .isTrue();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < 3; c++) {
                values[r * cols + c] = 1000f; // 2000 steps: 12 patches in 512 entries, more than one in 64
            }
        }
        DenseMatrixView tooMany = DenseMatrixView.of(rows, cols, values);
        assertThat(Q8Matrix.FORMAT.accepts(dev.tersor.format.QuantizedMatrix.fromDense(tooMany))).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Q8Matrix.FORMAT.encode(tooMany))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one entry in 64");
    }

    @Test
    void brokenPatchesAreRejectedAtLoad() {
        DenseMatrixView source = integerRows(6, 128, 8);
        try (WeightMatrix matrix = Q8Matrix.FORMAT.encode(source); java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            assertThat(matrix.layout().array("patchDelta").byteSize()).isEqualTo(4L * 6);
            java.util.function.Consumer<java.util.function.Consumer<dev.tersor.format.Layout>> expectRejected = breakIt -> {
                dev.tersor.format.Layout copy = copy(matrix.layout(), arena);
                breakIt.accept(copy);
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> Q8Matrix.FORMAT.fromLayout(copy, null))
                        .isInstanceOf(dev.tersor.format.InvalidLayoutException.class);
            };
            // a delta on a code that was not clamped
            expectRejected.accept(l -> l.array(Q8Matrix.CODES).data().set(java.lang.foreign.ValueLayout.JAVA_BYTE,
                    dev.tersor.kernels.arrays.Q8Arrays.codeOffset(128, 1, 0), (byte) 5));
            // a patch column past cols
            expectRejected.accept(l -> l.array("patchCol").type().indexWidth().set(l.array("patchCol").data(), 0, 200));
            // a delta beyond the 16-bit code range
            expectRejected.accept(l -> l.array("patchDelta").data().setAtIndex(dev.tersor.kernels.Layouts.I32, 1, 40_000));
            // the last patch pointer short of the patches
            expectRejected.accept(l -> l.array("patchPtr").type().indexWidth().set(l.array("patchPtr").data(), 6, 5));
            assertThat(Q8Matrix.FORMAT.fromLayout(copy(matrix.layout(), arena), null).toDense()).isEqualTo(source.toArray());
        }
    }

    private static dev.tersor.format.Layout copy(dev.tersor.format.Layout layout, java.lang.foreign.Arena arena) {
        java.util.Map<String, dev.tersor.format.LayoutArray> arrays = dev.tersor.format.Layout.newArrays();
        layout.arrays().forEach((name, array) -> arrays.put(name, new dev.tersor.format.LayoutArray(array.type(),
                arena.allocate(Math.max(1, array.byteSize()), 64).asSlice(0, array.byteSize()).copyFrom(array.data()))));
        return new dev.tersor.format.Layout(layout.format(), layout.rows(), layout.cols(), layout.params(), arrays);
    }

    @Test
    void layoutKeepsTheActivationMode() {
        DenseMatrixView source = integerRows(4, 100, 3);
        try (WeightMatrix fast = Q8Matrix.FORMAT.encodeToRun(source);
             WeightMatrix copy = Q8Matrix.FORMAT.fromLayout(fast.layout(), null)) {
            assertThat(((Q8Matrix) copy).int8Activations()).isTrue();
            float[] x = activations(100, 1, 1);
            assertThat(copy.multiply(x)).isEqualTo(fast.multiply(x));
        }
    }

    /** Loading transcodes a stored matrix in one pass: exact to the bit, or refused. */
    @Test
    void transcodingAStoredMatrixIsExactOrRefused() {
        DenseMatrixView source = integerRows(64, 130, 9);
        try (WeightMatrix stored = MatrixFormats.named("dense").encode(source);
             WeightMatrix running = Q8Matrix.FORMAT.transcodeToRun(stored)) {
            assertThat(running).isNotNull();
            assertThat(((Q8Matrix) running).int8Activations()).isTrue();
            float[] expected = source.toArray();
            float[] actual = running.toDense();
            for (int i = 0; i < expected.length; i++) {
                assertThat(Float.floatToRawIntBits(actual[i])).as("entry " + i).isEqualTo(Float.floatToRawIntBits(expected[i]));
            }
        }
        float[] values = source.toArray();
        values[130 + 5] = 0.0031415927f; // row 1 gains a value on no grid its other values share
        try (WeightMatrix stored = MatrixFormats.named("dense").encode(DenseMatrixView.of(64, 130, values))) {
            assertThat(Q8Matrix.FORMAT.transcodeToRun(stored)).isNull();
        }
    }

    /** Patches are allowed up to one entry in 64, the same bound whether accepting or transcoding. */
    @Test
    void thePatchAllowanceIsOneEntryInSixtyFour() {
        int rows = 2;
        int cols = 64; // two patches allowed
        for (int patches = 1; patches <= 3; patches++) {
            float[] values = new float[rows * cols];
            for (int i = 0; i < values.length; i++) {
                values[i] = (i % 7) - 3; // steps of 1, each row holding a 1
            }
            for (int p = 0; p < patches; p++) {
                values[p * 5] = 1000f;
            }
            DenseMatrixView source = DenseMatrixView.of(rows, cols, values);
            boolean fits = patches <= 2;
            assertThat(Q8Matrix.accepts(QuantizedMatrix.fromDense(source))).as(patches + " patches").isEqualTo(fits);
            try (WeightMatrix stored = MatrixFormats.named("dense").encode(source)) {
                WeightMatrix running = Q8Matrix.FORMAT.transcodeToRun(stored);
                assertThat(running != null).as(patches + " patches").isEqualTo(fits);
                if (running != null) {
                    assertThat(running.toDense()).containsExactly(values);
                    running.close();
                }
            }
        }
    }
}
