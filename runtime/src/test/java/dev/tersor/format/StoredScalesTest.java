package dev.tersor.format;

import dev.tersor.compress.ProgressListener;
import dev.tersor.compress.quant.Scope;
import dev.tersor.compress.quant.UniformQuantizer;
import dev.tersor.format.ham.HamMatrix;
import dev.tersor.format.sham.ShamMatrix;
import dev.tersor.kernels.Layouts;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.function.Function;

import static dev.tersor.format.LayoutEdits.withArray;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Row scales stored in half precision when they are halves: the same products, half the bytes. */
class StoredScalesTest {

    @Test
    void halvesAreTheFiniteValuesFloat16HoldsExactly() {
        assertThat(StoredScales.isHalf(0.5f)).isTrue();
        assertThat(StoredScales.isHalf(0x1p-24f)).as("the smallest subnormal half").isTrue();
        assertThat(StoredScales.isHalf(65504f)).isTrue();
        assertThat(StoredScales.isHalf(-0f)).isTrue();
        assertThat(StoredScales.isHalf(0.1f)).isFalse();
        assertThat(StoredScales.isHalf(65520f)).isFalse();
        assertThat(StoredScales.isHalf(Float.NaN)).isFalse();
        assertThat(StoredScales.isHalf(Float.POSITIVE_INFINITY)).isFalse();
    }

    @Test
    void scalesAreStoredAsHalvesOnlyWhenEveryOneIs() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment halves = OffHeap.floats(arena, new float[]{0.5f, 0.015625f, 3f, -0f});
            LayoutArray stored = StoredScales.stored(arena, halves);
            assertThat(stored.type()).isEqualTo(ElementType.F16);
            assertThat(stored.byteSize()).isEqualTo(8);
            Layout layout = new Layout("test", 4, 1, java.util.Map.of(), java.util.Map.of("rowScale", stored));
            assertThat(StoredScales.read(layout, "rowScale", 4).toArray(Layouts.F32)).containsExactly(0.5f, 0.015625f, 3f, -0f);

            MemorySegment mixed = OffHeap.floats(arena, new float[]{0.5f, 0.1f});
            LayoutArray kept = StoredScales.stored(arena, mixed);
            assertThat(kept.type()).isEqualTo(ElementType.F32);
            assertThat(kept.data()).isSameAs(mixed);
        }
    }

    @Test
    void badStoredScalesAreTypedErrors() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nan = arena.allocate(4);
            nan.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 0, Float.floatToFloat16(1f));
            nan.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 1, (short) 0x7E00);
            Layout layout = new Layout("test", 2, 1, java.util.Map.of(),
                    java.util.Map.of("rowScale", new LayoutArray(ElementType.F16, nan)));
            assertThatThrownBy(() -> StoredScales.read(layout, "rowScale", 2)).isInstanceOf(InvalidLayoutException.class)
                    .hasMessageContaining("rowScale[1] is NaN");
            assertThatThrownBy(() -> StoredScales.read(layout, "rowScale", 3)).isInstanceOf(InvalidLayoutException.class)
                    .hasMessageContaining("expected 3");
            Layout ints = new Layout("test", 1, 1, java.util.Map.of(),
                    java.util.Map.of("rowScale", new LayoutArray(ElementType.I32, arena.allocate(4))));
            assertThatThrownBy(() -> StoredScales.read(ints, "rowScale", 1)).isInstanceOf(InvalidLayoutException.class)
                    .hasMessageContaining("expected F32 or F16");
        }
    }

    @Test
    void relativeStepsAreHalvesAndTheHuffmanFormatsStoreThemSo() {
        QuantizedMatrix q = UniformQuantizer.relativeStep(0.3, Scope.ROW).quantize(randomView(37, 50, 1), ProgressListener.NONE);
        for (int r = 0; r < q.rows(); r++) {
            assertThat(StoredScales.isHalf(q.rowScale(r))).as("row %d's step %s", r, q.rowScale(r)).isTrue();
        }
        check(HamMatrix.encode(q), l -> HamMatrix.fromLayout(l, null), q);
        check(ShamMatrix.encode(q), l -> ShamMatrix.fromLayout(l, null), q);
    }

    @Test
    void scalesThatAreNotHalvesStayFloat32() {
        QuantizedMatrix q = UniformQuantizer.relativeStep(0.3, Scope.ROW).quantize(randomView(9, 20, 2), ProgressListener.NONE);
        float[] scales = new float[q.rows()];
        for (int r = 0; r < scales.length; r++) {
            scales[r] = r == 4 ? 0.1f : q.rowScale(r);
        }
        int[] codes = new int[q.rows() * q.cols()];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = q.code(i / q.cols(), i % q.cols());
        }
        float[] codebook = new float[q.codebookSize()];
        for (int c = 0; c < codebook.length; c++) {
            codebook[c] = q.codebookValue(c);
        }
        QuantizedMatrix oneFloat = QuantizedMatrix.of(q.rows(), q.cols(), codebook, codes, scales);
        try (HamMatrix ham = HamMatrix.encode(oneFloat)) {
            assertThat(ham.layout().array("rowScale").type()).isEqualTo(ElementType.F32);
            assertThat(HamMatrix.fromLayout(ham.layout(), null).toDense()).isEqualTo(oneFloat.toDense());
        }
    }

    /** Stored as halves, read back to the same values, four bytes a row fewer than f32 would take. */
    private static void check(WeightMatrix encoded, Function<Layout, WeightMatrix> read, QuantizedMatrix source) {
        try (encoded) {
            Layout layout = encoded.layout();
            LayoutArray scales = layout.array("rowScale");
            assertThat(scales.type()).isEqualTo(ElementType.F16);
            assertThat(scales.byteSize()).isEqualTo(2L * source.rows());
            WeightMatrix back = read.apply(layout);
            assertThat(back.toDense()).isEqualTo(source.toDense()).isEqualTo(encoded.toDense());
            assertThat(back.layout().array("rowScale").type()).isEqualTo(ElementType.F16);
            assertThat(back.byteSize()).isEqualTo(encoded.byteSize());
            // a half that is not finite never reaches a kernel
            MemorySegment bad = Arena.ofAuto().allocate(scales.byteSize(), 2);
            MemorySegment.copy(scales.data(), 0, bad, 0, scales.byteSize());
            bad.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 3, (short) 0x7C00);
            assertThatThrownBy(() -> read.apply(withArray(layout, "rowScale", new LayoutArray(ElementType.F16, bad))))
                    .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("rowScale[3] is Infinity");
        }
    }

    private static DenseMatrixView randomView(int rows, int cols, long seed) {
        Random random = new Random(seed);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * (1 + i / cols) * 0.01);
        }
        return DenseMatrixView.of(rows, cols, w);
    }
}
