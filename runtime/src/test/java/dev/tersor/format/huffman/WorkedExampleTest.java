package dev.tersor.format.huffman;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.Execution;
import dev.tersor.format.Layout;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.ham.HamMatrix;
import dev.tersor.format.sham.ShamMatrix;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Parallelism;
import dev.tersor.kernels.huffman.CanonicalDecoder;
import dev.tersor.kernels.huffman.DecodeTable;
import dev.tersor.kernels.sham.ShamRows;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worked example of methods brief §2.3, reproduced exactly. The brief uses the papers' [in, out]
 * layout (4 inputs × 6 outputs streamed per output column); in Tersor's [out, in] orientation that is
 * the 6×4 matrix Wᵀ, whose per-row streams, row offsets, column indices and row counts are the
 * brief's per-column arrays.
 */
class WorkedExampleTest {

    /** W of §1.4, 4×6. */
    private static final float[][] W = {
            {0, 2, 0, 0, 2, 1},
            {2, 0, 0, 2, 0, 0},
            {0, 0, 3, 0, 2, 0},
            {1, 2, 2, 0, 0, 2},
    };
    private static final float[] X = {1, 2, 3, 4};
    private static final float[] EXPECTED = {8, 10, 17, 4, 8, 9};

    /** Wᵀ, 6×4, row-major. */
    private static QuantizedMatrix transposed() {
        float[] t = new float[24];
        for (int r = 0; r < 6; r++) {
            for (int c = 0; c < 4; c++) {
                t[r * 4 + c] = W[c][r];
            }
        }
        return QuantizedMatrix.fromDense(DenseMatrixView.of(6, 4, t));
    }

    @Test
    void hamArraysAreThoseOfTheBrief() {
        QuantizedMatrix source = transposed();
        try (HamMatrix ham = HamMatrix.encode(source)) {
            Layout layout = ham.layout();
            // CHAM = [0x4D11E449, 0x88000000]
            assertThat(layout.array("stream").data().toArray(Layouts.I32)).containsExactly(0x4D11E449, 0x88000000);
            // COL_END = [7, 13, 20, 25, 31, 38], stored as each row's length (its differences from 0 on)
            assertThat(indices(layout, "rowLength")).containsExactly(7, 6, 7, 5, 6, 7);
            // SYMBOLS = [0, 2, 1, 3]
            assertThat(layout.f32("symbols").toArray(Layouts.F32)).containsExactly(0f, 2f, 1f, 3f);
            // codes 0, 10, 110, 111: one of length 1, one of length 2, two of length 3
            assertThat(indices(layout, "lengthCounts")).containsExactly(0, 1, 1, 2);
            assertThat(ham.streamBitsPerEntry()).isEqualTo(38 / 24.0); // 1.583 against H = 1.497
            assertThat(source.entropyBits()).isBetween(1.4965, 1.4975);
            assertProducts(ham);
        }
        HuffmanCodes codes = HuffmanCodes.of(source, source.codeCounts(), -1, DecodeTable.MAX_CODE_LENGTH);
        CanonicalCode code = codes.code();
        // FIRST_SYMBOL = {1:0, 2:1, 3:2}; FIRST_CODE_L = {1:0b000, 2:0b100, 3:0b110}, sentinel 0b1000
        assertThat(code.firstSymbols()).containsExactly(0, 1, 2);
        assertThat(code.firstCodesLeftAligned()).containsExactly(0b000, 0b100, 0b110, 0b1000);
    }

    @Test
    void windowOneOneOneDecodesToSymbolThree() {
        // buf = 111: largest length whose first code ≤ buf is 3, index 2 + 1 = 3, the symbol 3
        int[] table = DecodeTable.build(new long[]{0, 1, 1, 2});
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stream = arena.allocate(4);
            stream.set(Layouts.I32, 0, 0xE000_0000);
            int[] out = new int[1];
            assertThat(CanonicalDecoder.decode(stream, table, 0, 1, out, 0)).isEqualTo(3);
            assertThat(out[0]).isEqualTo(3);
        }
    }

    @Test
    void shamArraysAreThoseOfTheBrief() {
        try (ShamMatrix sham = ShamMatrix.encode(transposed())) {
            Layout layout = sham.layout();
            // non-zero alphabet 2:8, 1:2, 3:1 gives 2 → 0, 1 → 10, 3 → 11; stream 010|00|110|0|00|100
            assertThat(layout.array("stream").data().toArray(Layouts.I32)).containsExactly(0x46100000);
            assertThat(indices(layout, "rowLength")).containsExactly(3, 2, 3, 1, 2, 3);
            assertThat(layout.f32("symbols").toArray(Layouts.F32)).containsExactly(2f, 1f, 3f);
            assertThat(indices(layout, "lengthCounts")).containsExactly(0, 1, 2);
            assertThat(layout.f32("implicit", 1).getAtIndex(Layouts.F32, 0)).isZero();
            // ri = [1,3, 0,3, 2,3, 1, 0,2, 0,3], CB = [2,2,2,1,2,2]: columns as gaps, no fillers needed
            IndexArray colGap = new IndexArray(layout.array("colGap").data(), layout.array("colGap").type().indexWidth());
            int[] rowPtr = indices(layout, "rowPtr");
            int[] ri = new int[11];
            int[] cb = new int[6];
            int at = 0;
            int[] columns = new int[4];
            for (int r = 0; r < 6; r++) {
                int m = ShamRows.columns(colGap, rowPtr[r], rowPtr[r + 1], columns);
                cb[r] = m;
                System.arraycopy(columns, 0, ri, at, m);
                at += m;
            }
            assertThat(ri).containsExactly(1, 3, 0, 3, 2, 3, 1, 0, 2, 0, 3);
            assertThat(cb).containsExactly(2, 2, 2, 1, 2, 2);
            // nz = [2,1, 2,2, 3,2, 2, 2,2, 1,2], read back through the decoder
            float[] dense = sham.toDense();
            float[] nz = new float[11];
            at = 0;
            for (int r = 0; r < 6; r++) {
                for (int c = 0; c < 4; c++) {
                    if (dense[r * 4 + c] != 0) {
                        nz[at++] = dense[r * 4 + c];
                    }
                }
            }
            assertThat(nz).containsExactly(2, 1, 2, 2, 3, 2, 2, 2, 2, 1, 2);
            assertProducts(sham);
        }
    }

    private static void assertProducts(dev.tersor.format.WeightMatrix matrix) {
        for (Kernels kernels : Kernels.available()) {
            float[] y = new float[6];
            matrix.multiply(MemorySegment.ofArray(X), MemorySegment.ofArray(y), 1,
                    new Execution(kernels, Parallelism.of(1)));
            assertThat(y).as(matrix.formatName() + " on " + kernels.name()).containsExactly(EXPECTED);
        }
    }

    private static int[] indices(Layout layout, String name) {
        var array = layout.array(name);
        IndexArray indices = new IndexArray(array.data(), array.type().indexWidth());
        int[] values = new int[(int) indices.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = indices.get(i);
        }
        return values;
    }
}
