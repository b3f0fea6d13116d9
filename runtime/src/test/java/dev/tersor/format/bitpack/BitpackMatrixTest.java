package dev.tersor.format.bitpack;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.Execution;
import dev.tersor.format.InvalidLayoutException;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Parallelism;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BitpackMatrixTest {

    @Test
    void quantizesTheWorkedExampleOfTheBrief() {
        // §5.4: weights (0.30, −0.12, 0.05, −0.61), b = 3, e = −3 → q = (2, −1, 0, −4) → (0.25, −0.125, 0, −0.5)
        DenseMatrixView w = DenseMatrixView.of(1, 4, new float[]{0.30f, -0.12f, 0.05f, -0.61f});
        try (BitpackMatrix m = BitpackMatrix.quantize(w, new int[]{3}, new int[]{-3})) {
            assertThat(m.toDense()).containsExactly(0.25f, -0.125f, 0f, -0.5f);
            // 3-bit two's complement 010 111 000 100, one value per lane of the interleaved block
            int[] data = m.layout().array("data").data().toArray(Layouts.I32);
            assertThat(data).containsExactly(0b010, 0b111, 0b000, 0b100, 0, 0, 0, 0);
            for (Kernels kernels : Kernels.available()) {
                float[] y = new float[1];
                m.multiply(MemorySegment.ofArray(new float[]{1, 2, 3, 4}), MemorySegment.ofArray(y), 1,
                        new Execution(kernels, Parallelism.of(1)));
                assertThat(y[0]).as(kernels.name()).isEqualTo(-2.0f);
            }
        }
    }

    @Test
    void widthZeroRemovesARowAndTheLayoutSaysWhichSurvive() {
        DenseMatrixView w = DenseMatrixView.of(3, 2, new float[]{1, 2, 3, 4, -5, 6});
        try (BitpackMatrix m = BitpackMatrix.quantize(w, new int[]{4, 0, 5}, new int[]{0, 0, 0})) {
            assertThat(m.toDense()).containsExactly(1, 2, 0, 0, -5, 6);
            assertThat(m.rowBits(1)).isZero();
            assertThat(m.details()).containsEntry("survivingRows", 2.0);
            // the absent row takes no words
            assertThat(m.layout().array("data").byteSize()).isEqualTo(2 * 8 * 4);
        }
    }

    @Test
    void exactEncodingPicksTheFewestBitsAndLargestExponent() {
        // row 0: 0.75 = 3·2^−2, −0.5 = −2·2^−2 → e = −2, q ∈ {3, −2}: 3 bits
        // row 1: 1024 = 1·2^10, 3072 = 3·2^10 → e = 10, q ∈ {1, 3}: 3 bits
        // row 2: −0.0 zeros only → absent, scale −1
        float[] values = {0.75f, -0.5f, 1024f, 3072f, -0f, -0f};
        QuantizedMatrix q = QuantizedMatrix.fromDense(DenseMatrixView.of(3, 2, values));
        try (BitpackMatrix m = BitpackMatrix.encode(q)) {
            assertThat(m.rowBits(0)).isEqualTo(3);
            assertThat(m.rowScale(0)).isEqualTo(0.25f);
            assertThat(m.rowBits(1)).isEqualTo(3);
            assertThat(m.rowScale(1)).isEqualTo(1024f);
            assertThat(m.rowBits(2)).isZero();
            assertThat(Float.floatToRawIntBits(m.toDense()[4])).isEqualTo(0x8000_0000);
        }
    }

    @Test
    void refusesWhatItCannotHoldExactly() {
        MatrixFormat format = BitpackMatrix.FORMAT;
        float[][] rows = {
                {1f, Float.NaN},
                {1f, Float.POSITIVE_INFINITY},
                {0f, -0f},
                {1f, 65536f},          // needs 18 bits
                {1f, 1.0000001f},      // 2^23 + 1 at the finest exponent
        };
        for (float[] row : rows) {
            QuantizedMatrix q = QuantizedMatrix.fromDense(DenseMatrixView.of(1, 2, row));
            assertThat(format.accepts(q)).as(java.util.Arrays.toString(row)).isFalse();
            assertThatThrownBy(() -> format.encode(q)).isInstanceOf(IllegalArgumentException.class);
        }
        QuantizedMatrix edge = QuantizedMatrix.fromDense(DenseMatrixView.of(1, 3,
                new float[]{-32768f, 32767f, Float.MIN_VALUE * 3}));
        assertThat(format.accepts(edge)).isFalse();
        QuantizedMatrix fits = QuantizedMatrix.fromDense(DenseMatrixView.of(1, 3, new float[]{-32768f, 32767f, 0f}));
        assertThat(format.accepts(fits)).isTrue();
        try (var m = format.encode(fits)) {
            assertThat(m.toDense()).containsExactly(-32768f, 32767f, 0f);
        }
    }

    @Test
    void postTrainingWidthsMeetTheBudgetAndGrowAsItShrinks() {
        SplittableRandom random = new SplittableRandom(5);
        int rows = 24;
        int cols = 300;
        float[] w = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            double spread = Math.scalb(1.0, r % 8 - 6);
            for (int c = 0; c < cols; c++) {
                w[r * cols + c] = r == 7 ? 0f : (float) (random.nextGaussian() * spread);
            }
        }
        DenseMatrixView view = DenseMatrixView.of(rows, cols, w);
        int previousTotal = 0;
        for (double budget : new double[]{0.3, 0.1, 0.02, 0.001}) {
            PostTrainingBitWidths.Choice choice = PostTrainingBitWidths.forRelativeError(view, budget);
            int total = 0;
            try (BitpackMatrix m = BitpackMatrix.quantize(view, choice.bits(), choice.exponents())) {
                float[] q = m.toDense();
                for (int r = 0; r < rows; r++) {
                    double err = 0;
                    double norm = 0;
                    for (int c = 0; c < cols; c++) {
                        double d = w[r * cols + c] - q[r * cols + c];
                        err += d * d;
                        norm += (double) w[r * cols + c] * w[r * cols + c];
                    }
                    if (norm == 0) {
                        assertThat(choice.bits()[r]).isZero();
                    } else {
                        assertThat(Math.sqrt(err / norm)).as("row %d, budget %s", r, budget)
                                .isLessThanOrEqualTo(budget).isCloseTo(choice.errors()[r], org.assertj.core.data.Offset.offset(1e-6));
                    }
                    total += choice.bits()[r];
                }
            }
            assertThat(total).isGreaterThan(previousTotal);
            previousTotal = total;
        }
    }

    @Test
    void corruptedLayoutsAreRejected() {
        try (BitpackMatrix m = BitpackMatrix.quantize(DenseMatrixView.of(2, 300, new float[600]),
                new int[]{5, 7}, new int[]{0, 0})) {
            Layout good = m.layout();
            assertThat(BitpackMatrix.fromLayout(good, null).rows()).isEqualTo(2);

            MemorySegment bits = MemorySegment.ofArray(new byte[]{5, 17});
            assertThatThrownBy(() -> BitpackMatrix.fromLayout(replace(good, "rowBits",
                    new LayoutArray(dev.tersor.format.ElementType.U8, bits)), null))
                    .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("width 17");

            MemorySegment scales = MemorySegment.ofArray(new float[]{1f, 3f});
            assertThatThrownBy(() -> BitpackMatrix.fromLayout(replace(good, "rowScale", LayoutArray.f32(scales)), null))
                    .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("power of two");

            MemorySegment data = good.array("data").data();
            MemorySegment truncated = data.asSlice(0, data.byteSize() - 4);
            assertThatThrownBy(() -> BitpackMatrix.fromLayout(replace(good, "data",
                    new LayoutArray(dev.tersor.format.ElementType.U32, truncated)), null))
                    .isInstanceOf(InvalidLayoutException.class);

            MemorySegment narrower = MemorySegment.ofArray(new byte[]{5, 5});
            assertThatThrownBy(() -> BitpackMatrix.fromLayout(replace(good, "rowBits",
                    new LayoutArray(dev.tersor.format.ElementType.U8, narrower)), null))
                    .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("rowPtr");
            assertThat(bits.get(ValueLayout.JAVA_BYTE, 1)).isEqualTo((byte) 17);
        }
    }

    static Layout replace(Layout layout, String name, LayoutArray array) {
        Map<String, LayoutArray> arrays = new LinkedHashMap<>(layout.arrays());
        arrays.put(name, array);
        return new Layout(layout.format(), layout.rows(), layout.cols(), layout.params(), arrays);
    }
}
