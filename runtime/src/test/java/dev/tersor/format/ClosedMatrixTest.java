package dev.tersor.format;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Use after close is a clear exception for every format, never a crash. */
class ClosedMatrixTest {

    @Test
    void everyMethodFailsCleanlyAfterClose() {
        for (MatrixFormat format : MatrixFormats.all()) {
            WeightMatrix matrix = format.encode(QuantizedMatrix.fromDense(WorkedExampleTest.w()));
            matrix.close();
            matrix.close(); // idempotent
            assertThat(matrix.isClosed()).isTrue();
            assertThat(matrix.rows()).isEqualTo(4);
            assertThatThrownBy(() -> matrix.multiply(new float[6]))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            assertThatThrownBy(() -> matrix.decodeRow(0, MemorySegment.ofArray(new float[6])))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            assertThatThrownBy(matrix::toDense).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(matrix::layout).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(matrix::byteSize).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void closingTheOwnerArenaReleasesTheMemory() {
        for (MatrixFormat format : MatrixFormats.all()) {
            try (WeightMatrix source = format.encode(QuantizedMatrix.fromDense(WorkedExampleTest.w()))) {
                Arena owner = Arena.ofShared();
                java.util.Map<String, LayoutArray> copies = new java.util.LinkedHashMap<>();
                source.layout().arrays().forEach((name, array) -> copies.put(name,
                        new LayoutArray(array.type(), owner.allocate(Math.max(1, array.byteSize()))
                                .asSlice(0, array.byteSize()).copyFrom(array.data()))));
                Layout layout = new Layout(format.name(), 4, 6, source.layout().params(), copies);
                WeightMatrix matrix = format.fromLayout(layout, owner);
                assertThat(matrix.multiply(WorkedExampleTest.X)).containsExactly(WorkedExampleTest.Y);
                matrix.close();
                assertThat(owner.scope().isAlive()).isFalse();
            }
        }
    }

    @Test
    void memoryOwnedElsewhereFailsCleanlyOnceReleased() {
        Arena elsewhere = Arena.ofShared();
        WeightMatrix matrix;
        try (WeightMatrix source = MatrixFormats.named("cser").encode(QuantizedMatrix.fromDense(WorkedExampleTest.w()))) {
            java.util.Map<String, LayoutArray> copies = new java.util.LinkedHashMap<>();
            source.layout().arrays().forEach((name, array) -> copies.put(name,
                    new LayoutArray(array.type(), elsewhere.allocate(Math.max(1, array.byteSize()))
                            .asSlice(0, array.byteSize()).copyFrom(array.data()))));
            matrix = MatrixFormats.named("cser").fromLayout(new Layout("cser", 4, 6, java.util.Map.of(), copies), null);
        }
        elsewhere.close();
        assertThatThrownBy(() -> matrix.multiply(WorkedExampleTest.X)).isInstanceOf(IllegalStateException.class);
        matrix.close();
    }
}
