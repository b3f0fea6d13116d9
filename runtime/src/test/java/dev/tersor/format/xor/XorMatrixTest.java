package dev.tersor.format.xor;

import dev.tersor.format.Execution;
import dev.tersor.format.InvalidLayoutException;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.TestMatrices;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Parallelism;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static dev.tersor.format.FormatRoundTripTestAccess.assertSameBits;
import static dev.tersor.format.LayoutEdits.copy;
import static dev.tersor.format.LayoutEdits.indices;
import static dev.tersor.format.LayoutEdits.truncated;
import static dev.tersor.format.LayoutEdits.values;
import static dev.tersor.format.LayoutEdits.withArray;
import static dev.tersor.format.LayoutEdits.withParam;
import static dev.tersor.format.LayoutEdits.withShape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XorMatrixTest {

    /**
     * The paper's binary setting: 91 % pruning, 1-bit per-row codebook {−α_r, +α_r}; a 1024×4096
     * slice of the 9216×4096 AlexNet fc6 shape, which the CLI runs whole.
     */
    static QuantizedMatrix binaryPruned(int rows, int cols, double density, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] codes = new int[rows * cols];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = random.nextDouble() < density ? 1 + random.nextInt(2) : 0;
        }
        float[] alpha = new float[rows];
        for (int r = 0; r < rows; r++) {
            alpha[r] = (float) (0.001 + 0.05 * random.nextDouble());
        }
        return QuantizedMatrix.of(rows, cols, new float[]{0f, -1f, 1f}, codes, alpha);
    }

    @Test
    void paperSettingStaysWithinTheBudget() {
        QuantizedMatrix source = binaryPruned(1024, 4096, 0.09, 7);
        try (XorMatrix xor = XorEncoder.encode(source)) {
            assertThat(xor.planes()).isEqualTo(1);
            assertSameBits("xor paper setting", source.toDense(), xor.toDense());
            assertThat(xor.bitsPerWeightNoMask()).as("planes + patches").isLessThanOrEqualTo(0.30);
            // Rice-coded mask: just above the entropy bound H(0.09) = 0.436 bits per weight
            assertThat(xor.maskBitsPerWeight()).isBetween(0.436, 0.50);
            assertThat(xor.patchRate()).isLessThan(0.05);
            assertThat(xor.bitsPerWeight()).isCloseTo(xor.bitsPerWeightNoMask() + xor.maskBitsPerWeight(),
                    org.assertj.core.data.Offset.offset(1e-9));
        }
    }

    @Test
    void everyWordAndSliceWidthRoundTrips() {
        int[][] shapes = {{4, 8}, {10, 64}, {20, 33}, {32, 64}, {1, 1}, {7, 7}, {3, 50}};
        for (int[] nm : shapes) {
            for (int values : new int[]{1, 2, 5, 13}) {
                QuantizedMatrix source = new TestMatrices.Case(23, 157, 0.3, values,
                        dev.tersor.synthetic.ValueDistribution.PEAKED, true, true, nm[0] * 100L + values).matrix();
                try (XorMatrix xor = XorEncoder.encode(source, new XorEncoder.Parameters(nm[0], nm[1], 99))) {
                    String what = "N_in=" + nm[0] + " N_out=" + nm[1] + " K=" + values;
                    assertThat(xor.wordBits()).isEqualTo(nm[0]);
                    assertSameBits(what, source.toDense(), xor.toDense());
                    assertSameBits(what + " re-read", source.toDense(), XorMatrix.FORMAT.fromLayout(xor.layout(), null).toDense());
                    float[] x = TestMatrices.inputs(157 * 3, 5, true);
                    float[] reference = null;
                    for (Kernels kernels : Kernels.available()) {
                        float[] y = new float[23 * 3];
                        xor.multiply(MemorySegment.ofArray(x), MemorySegment.ofArray(y), 3,
                                new Execution(kernels, Parallelism.of(1)));
                        if (reference == null) {
                            reference = y;
                        } else {
                            assertSameBits(what + " " + kernels.name(), reference, y);
                        }
                    }
                }
            }
        }
    }

    /** A small matrix whose narrow words force patches. */
    private static XorMatrix patched() {
        QuantizedMatrix source = binaryPruned(6, 200, 0.5, 3);
        XorMatrix xor = XorEncoder.encode(source, new XorEncoder.Parameters(3, 16, 1));
        assertThat(xor.layout().array("patches").length()).isGreaterThan(10);
        return xor;
    }

    @Test
    void rejectsAWrongSeed() {
        try (XorMatrix xor = patched()) {
            Layout bad = withParam(xor.layout(), "seed", 2);
            assertThatThrownBy(() -> XorMatrix.FORMAT.fromLayout(bad, null)).isInstanceOf(InvalidLayoutException.class)
                    .hasMessageContaining("does not regenerate").hasMessageContaining("networkCheck");
            Layout width = withParam(xor.layout(), "wordBits", 4);
            assertThatThrownBy(() -> XorMatrix.FORMAT.fromLayout(width, null)).isInstanceOf(InvalidLayoutException.class)
                    .hasMessageContaining("networkCheck");
        }
    }

    @Test
    void rejectsAShapeMismatch() {
        try (XorMatrix xor = patched()) {
            assertThatThrownBy(() -> XorMatrix.FORMAT.fromLayout(withShape(xor.layout(), 7, 200), null))
                    .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("shape mismatch");
            assertThatThrownBy(() -> XorMatrix.FORMAT.fromLayout(withShape(xor.layout(), 6, 300), null))
                    .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("shape mismatch");
            LayoutArray words = xor.layout().array("words");
            assertThatThrownBy(() -> XorMatrix.FORMAT.fromLayout(withArray(xor.layout(), "words",
                    truncated(words, words.byteSize() - 8)), null))
                    .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("shape mismatch");
        }
    }

    @Test
    void rejectsPatchesOutOfRangeOutOfOrderOrOnPrunedEntries() {
        try (XorMatrix xor = patched()) {
            Layout layout = xor.layout();
            LayoutArray patches = layout.array("patches");
            long[] entries = values(patches);
            IndexWidth width = patches.type().indexWidth();

            long[] outOfRange = entries.clone();
            outOfRange[outOfRange.length - 1] = 200; // q·cols = 200
            assertThatThrownBy(() -> XorMatrix.FORMAT.fromLayout(withArray(layout, "patches", indices(width, outOfRange)), null))
                    .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("out of range");

            long[] swapped = entries.clone();
            long first = swapped[0];
            swapped[0] = swapped[1];
            swapped[1] = first;
            assertThatThrownBy(() -> XorMatrix.FORMAT.fromLayout(withArray(layout, "patches", indices(width, swapped)), null))
                    .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("does not ascend");

            // move a row's first patch to a pruned column before its second patch, keeping the order
            float[] dense = xor.toDense();
            long[] ptr = values(layout.array("patchPtr"));
            int row = 0;
            while (ptr[row + 1] == ptr[row]) {
                row++;
            }
            int firstPatch = (int) ptr[row];
            long limit = ptr[row + 1] - ptr[row] > 1 ? entries[firstPatch + 1] : 200;
            int col = 0;
            while (dense[row * 200 + col] != 0) {
                col++;
            }
            assertThat(col).as("a pruned column before the row's second patch").isLessThan((int) limit);
            long[] pruned = entries.clone();
            pruned[firstPatch] = col;
            assertThatThrownBy(() -> XorMatrix.FORMAT.fromLayout(withArray(layout, "patches", indices(width, pruned)), null))
                    .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("which the mask prunes");
        }
    }

    @Test
    void rejectsAMalformedOrTruncatedMask() {
        try (XorMatrix xor = patched()) {
            Layout layout = xor.layout();
            LayoutArray mask = layout.array("mask");
            assertThatThrownBy(() -> XorMatrix.FORMAT.fromLayout(withArray(layout, "mask", truncated(mask, mask.byteSize() - 4)), null))
                    .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("points past the end");
            LayoutArray flipped = copy(mask);
            flipped.data().set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0,
                    (byte) ~flipped.data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
            assertThatThrownBy(() -> XorMatrix.FORMAT.fromLayout(withArray(layout, "mask", flipped), null))
                    .isInstanceOf(InvalidLayoutException.class);
        }
    }

    @Test
    void choosesTheWordWidthByMeasurement() {
        QuantizedMatrix sparse = binaryPruned(64, 4096, 0.09, 11);
        QuantizedMatrix denser = binaryPruned(64, 4096, 0.3, 11);
        try (XorMatrix a = XorEncoder.encode(sparse); XorMatrix b = XorEncoder.encode(denser)) {
            // about N_out·d care bits per slice, plus spare bits against patches
            assertThat(a.wordBits()).isBetween(6, 14);
            assertThat(b.wordBits()).isBetween(19, 32).isGreaterThan(a.wordBits());
            for (int forced : new int[]{a.wordBits() - 3, a.wordBits() + 3}) {
                try (XorMatrix other = XorEncoder.encode(sparse, new XorEncoder.Parameters(forced, 64, XorMatrix.DEFAULT_SEED))) {
                    assertThat(other.byteSize()).as("N_in = " + forced).isGreaterThanOrEqualTo(a.byteSize());
                }
            }
        }
    }
}
