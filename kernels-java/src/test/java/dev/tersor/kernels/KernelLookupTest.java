package dev.tersor.kernels;

import dev.tersor.kernels.arrays.CsrArrays;
import dev.tersor.kernels.arrays.DenseArrays;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KernelLookupTest {

    static final boolean EXPECT_VECTOR = !"false".equals(System.getProperty("tersor.test.expectVectorModule"));

    @Test
    void vectorProviderLoadsExactlyWhenTheModuleIsPresent() {
        assertThat(KernelLookup.vectorModulePresent()).isEqualTo(EXPECT_VECTOR);
        assertThat(Kernels.available().getFirst().name()).isEqualTo("scalar");
        if (EXPECT_VECTOR) {
            assertThat(Kernels.named("vector").isa()).startsWith("Vector API");
        } else {
            assertThatThrownBy(() -> Kernels.named("vector"))
                    .isInstanceOf(KernelUnavailableException.class)
                    .hasMessageContaining("--add-modules jdk.incubator.vector");
            assertThat(Kernels.preferred().name()).isEqualTo("scalar");
        }
    }

    @Test
    void unknownOrUnavailableNamesAreClearErrors() {
        assertThatThrownBy(() -> Kernels.named("gpu")).hasMessageContaining("expected scalar, vector or native");
        assertThat(Kernels.named("SCALAR")).isSameAs(Kernels.named("scalar"));
    }

    @Test
    void publicEntryPointsCheckTheirArguments() {
        Kernels k = Kernels.named("scalar");
        MemorySegment w = MemorySegment.ofArray(new float[6]);
        MemorySegment x = MemorySegment.ofArray(new float[3]);
        MemorySegment y = MemorySegment.ofArray(new float[2]);
        assertThatThrownBy(() -> k.matMul(new DenseArrays(2, 3, w), 1, MemorySegment.ofArray(new float[2]), y, 0, 2))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("x holds 8 bytes, needs 12");
        assertThatThrownBy(() -> k.matMul(new DenseArrays(2, 3, w), 1, x, y, 1, 3))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("row range");
        assertThatThrownBy(() -> k.matMul(new DenseArrays(2, 3, w), 0, x, y, 0, 2)).hasMessageContaining("batch");
        assertThatThrownBy(() -> k.matMul(new DenseArrays(3, 3, w), 1, x, MemorySegment.ofArray(new float[3]), 0, 3))
                .hasMessageContaining("w holds 24 bytes, needs 36");
        IndexArray rowPtr = new IndexArray(MemorySegment.ofArray(new byte[]{0, 1, 5}), IndexWidth.U8);
        IndexArray colIdx = new IndexArray(MemorySegment.ofArray(new byte[]{0, 1}), IndexWidth.U8);
        assertThatThrownBy(() -> k.matMul(new CsrArrays(2, 3, MemorySegment.ofArray(new float[2]), colIdx, rowPtr), 1,
                x, y, 0, 2))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("colIdx holds 2 elements, needs 5");
    }
}
