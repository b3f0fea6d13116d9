package dev.tersor.format;

import dev.tersor.format.cer.CerMatrix;
import dev.tersor.format.cser.CserMatrix;
import dev.tersor.format.csr.CsrMatrix;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Parallelism;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worked example of methods.md §1.4 reproduced array for array, and the storage formulas of §1.3
 * checked against the exact byte counts.
 */
class WorkedExampleTest {

    static final float[] W = {
            0, 2, 0, 0, 2, 1,
            2, 0, 0, 2, 0, 0,
            0, 0, 3, 0, 2, 0,
            1, 2, 2, 0, 0, 2,
    };
    static final float[] X = {1, 2, 3, 4, 5, 6};
    static final float[] Y = {20, 10, 19, 23};

    static DenseMatrixView w() {
        return DenseMatrixView.of(4, 6, W);
    }

    @Test
    void cerArraysAreThoseOfTheBrief() {
        try (CerMatrix cer = CerMatrix.encode(QuantizedMatrix.fromDense(w()))) {
            var a = cer.arrays();
            assertThat(floats(a.omega())).containsExactly(0f, 2f, 1f, 3f);
            assertThat(ints(a.colIdx())).containsExactly(1, 4, 5, 0, 3, 4, 2, 1, 2, 5, 0);
            assertThat(ints(a.groupPtr())).containsExactly(0, 2, 3, 5, 6, 6, 7, 10, 11);
            assertThat(ints(a.rowPtr())).containsExactly(0, 2, 3, 6, 8);
            assertThat(a.groupValue()).isNull();
            assertThat(a.colIdx().width()).isEqualTo(IndexWidth.U8);
            assertProducts(cer);
        }
    }

    @Test
    void cserArraysAreThoseOfTheBrief() {
        try (CserMatrix cser = CserMatrix.encode(QuantizedMatrix.fromDense(w()))) {
            var a = cser.arrays();
            assertThat(floats(a.omega())).containsExactly(0f, 2f, 1f, 3f);
            assertThat(ints(a.colIdx())).containsExactly(1, 4, 5, 0, 3, 4, 2, 1, 2, 5, 0);
            assertThat(ints(a.groupValue())).containsExactly(1, 2, 1, 1, 3, 1, 2);
            assertThat(ints(a.groupPtr())).containsExactly(0, 2, 3, 5, 6, 7, 10, 11);
            assertThat(ints(a.rowPtr())).containsExactly(0, 2, 3, 5, 7);
            assertProducts(cser);
        }
    }

    @Test
    void csrGivesTheSameProduct() {
        try (CsrMatrix csr = CsrMatrix.encode(w())) {
            assertThat(csr.nonZeros()).isEqualTo(11);
            assertProducts(csr);
        }
    }

    private static void assertProducts(WeightMatrix matrix) {
        for (Kernels kernels : Kernels.available()) {
            float[] y = new float[4];
            matrix.multiply(MemorySegment.ofArray(X), MemorySegment.ofArray(y), 1,
                    new Execution(kernels, Parallelism.single()));
            assertThat(y).as(matrix.formatName() + " on " + kernels.name()).containsExactly(Y);
        }
    }

    /**
     * §1.3: S_CSR = nnz·(b_w + b_c) + (m+1)·b_r; S_CER = nnz·b_c + (G+1)·b_g + (m+1)·b_r + K·b_w;
     * S_CSER = S_CER (no padding groups) + G·b_v, all with the widths actually used, plus the header.
     */
    @Test
    void byteCountsFollowTheStorageFormulas() {
        QuantizedMatrix source = dev.tersor.synthetic.MatrixGenerator.builder().rows(4096).cols(4096).density(0.1)
                .distinctValues(16).seed(42).build().generate();
        long nnz = (long) 4096 * 4096 - source.codeCounts()[0];
        try (CsrMatrix csr = CsrMatrix.encode(source.toDenseView());
             CerMatrix cer = CerMatrix.encode(source);
             CserMatrix cser = CserMatrix.encode(source)) {
            long m = 4096;
            int bc = 2; // 4096 columns: u16 indices
            long csrBits = nnz * (32 + 8 * bc) + (m + 1) * 8L * IndexWidth.forMaxValue(nnz).bytes();
            assertThat(csr.byteSize()).isEqualTo(csrBits / 8 + WeightMatrix.HEADER_BYTES);

            long g = cer.arrays().groups();
            int k = cer.arrays().distinctValues();
            long cerBits = nnz * 8L * bc + (g + 1) * 8L * IndexWidth.forMaxValue(nnz).bytes()
                    + (m + 1) * 8L * IndexWidth.forMaxValue(g).bytes() + k * 32L;
            assertThat(cer.byteSize()).isEqualTo(cerBits / 8 + WeightMatrix.HEADER_BYTES);

            long gs = cser.arrays().groups();
            long cserBits = nnz * 8L * bc + (gs + 1) * 8L * IndexWidth.forMaxValue(nnz).bytes()
                    + (m + 1) * 8L * IndexWidth.forMaxValue(gs).bytes() + k * 32L
                    + gs * 8L * IndexWidth.forMaxValue(k - 1).bytes();
            assertThat(cser.byteSize()).isEqualTo(cserBits / 8 + WeightMatrix.HEADER_BYTES);

            assertThat(cer.byteSize()).isLessThan(csr.byteSize());
            assertThat(cser.byteSize()).isLessThan(csr.byteSize());
        }
    }

    static int[] ints(IndexArray array) {
        int[] values = new int[(int) array.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i);
        }
        return values;
    }

    static float[] floats(MemorySegment segment) {
        return segment.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
    }
}
