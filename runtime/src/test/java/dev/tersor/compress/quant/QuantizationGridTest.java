package dev.tersor.compress.quant;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuantizationGridTest {

    @Test
    void levelsAreSortedDistinctAndAlwaysHoldZero() {
        QuantizationGrid grid = QuantizationGrid.of(new float[]{3f, -1f, 3f, -0f, 2f}, true, null);
        assertThat(grid.size()).isEqualTo(4);
        assertThat(new float[]{grid.level(0), grid.level(1), grid.level(2), grid.level(3)})
                .containsExactly(-1f, 0f, 2f, 3f);
        assertThat(Float.floatToRawIntBits(grid.level(grid.zeroCode()))).isZero();
    }

    @Test
    void nearestBreaksTiesTowardZeroAndClampsAtTheEnds() {
        QuantizationGrid grid = QuantizationGrid.of(new float[]{-2f, 1f, 3f}, true, null);
        assertThat(grid.level(grid.nearest(0, 0.5))).isEqualTo(0f);
        assertThat(grid.level(grid.nearest(0, 2.0))).isEqualTo(1f);
        assertThat(grid.level(grid.nearest(0, -1.0))).isEqualTo(0f);
        assertThat(grid.level(grid.nearest(0, 2.01))).isEqualTo(3f);
        assertThat(grid.level(grid.nearest(0, 100))).isEqualTo(3f);
        assertThat(grid.level(grid.nearest(0, -100))).isEqualTo(-2f);
    }

    @Test
    void reservedZeroIsSkippedByNonZeros() {
        QuantizationGrid grid = QuantizationGrid.of(new float[]{-2f, 1f}, false, null);
        assertThat(grid.level(grid.nearest(0, 0.1))).isEqualTo(1f);
        assertThat(grid.level(grid.nearest(0, -0.6))).isEqualTo(-2f);
        assertThat(grid.level(grid.nearest(0, -0.4))).isEqualTo(1f);
        QuantizedMatrix q = grid.roundToNearest(DenseMatrixView.of(1, 3, new float[]{0f, 1e-9f, -1e-9f}));
        assertThat(q.toDense()).containsExactly(0f, 1f, 1f);
    }

    @Test
    void rowScalesMultiplyInFloatAndNearestWorksPerRow() {
        QuantizationGrid grid = QuantizationGrid.of(new float[]{-1f, 1f, 2f}, true, new float[]{0.5f, 3f});
        assertThat(grid.value(1, grid.nearest(1, 5.0))).isEqualTo(6f);
        assertThat(grid.value(0, grid.nearest(0, 0.8))).isEqualTo(1f);
        QuantizedMatrix q = grid.roundToNearest(DenseMatrixView.of(2, 2, new float[]{0.8f, -0.4f, 4f, -30f}));
        assertThat(q.toDense()).containsExactly(1f, -0.5f, 3f, -3f);
    }

    @Test
    void toMatrixKeepsOnlyUsedLevelsAndZero() {
        QuantizationGrid grid = QuantizationGrid.of(new float[]{-3f, -1f, 1f, 3f}, true, null);
        int minusOne = grid.codeOf(-1f);
        int three = grid.codeOf(3f);
        QuantizedMatrix q = grid.toMatrix(1, 3, new int[]{three, minusOne, three});
        assertThat(q.codebookSize()).isEqualTo(3);
        assertThat(q.toDense()).containsExactly(3f, -1f, 3f);
        assertThatThrownBy(() -> grid.toMatrix(1, 1, new int[]{9})).hasMessageContaining("outside the grid");
    }

    @Test
    void rejectsBadLevelsAndScales() {
        assertThatThrownBy(() -> QuantizationGrid.of(new float[]{Float.NaN}, true, null))
                .hasMessageContaining("not finite");
        assertThatThrownBy(() -> QuantizationGrid.of(new float[]{1f}, true, new float[]{0f}))
                .hasMessageContaining("row scale");
        QuantizationGrid scaled = QuantizationGrid.of(new float[]{1f}, true, new float[]{1f, 2f});
        assertThatThrownBy(() -> scaled.roundToNearest(DenseMatrixView.of(3, 1, new float[3])))
                .hasMessageContaining("2 rows");
    }
}
