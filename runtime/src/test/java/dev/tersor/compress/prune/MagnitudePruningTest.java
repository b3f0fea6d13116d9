package dev.tersor.compress.prune;

import dev.tersor.compress.TestWeights;
import dev.tersor.format.DenseMatrixView;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MagnitudePruningTest {

    @Test
    void prunesExactlyTheRequestedCountOfSmallestMagnitudes() {
        DenseMatrixView w = TestWeights.gaussian(97, 131, 1, 7);
        for (double sparsity : new double[]{0, 0.001, 0.3, 0.5, 0.9, 0.999, 1}) {
            PruningMask mask = MagnitudePruning.perLayer(w, sparsity);
            long expected = Math.round(sparsity * w.size());
            assertThat(mask.prunedCount()).as("sparsity %s", sparsity).isEqualTo(expected);
            assertPrunedAreSmallest(w, mask);
            float[] pruned = mask.apply(w).toArray();
            for (int r = 0; r < w.rows(); r++) {
                for (int c = 0; c < w.cols(); c++) {
                    float expectedValue = mask.isPruned(r, c) ? 0f : w.get(r, c);
                    assertThat(pruned[r * w.cols() + c]).isEqualTo(expectedValue);
                }
            }
        }
    }

    @Test
    void tiesAreBrokenByPositionSoTheCountIsStillExact() {
        // Magnitudes 1, 2, 3 with many ties; 10 entries must go: all six 1s, then the first four 2s.
        float[] values = {2, -1, 3, 1, -2, 1, 2, -2, 1, 3, -1, 2, 2, 1, -3, 2};
        DenseMatrixView w = DenseMatrixView.of(4, 4, values);
        PruningMask mask = MagnitudePruning.perLayer(w, 10.0 / 16);
        assertThat(mask.prunedCount()).isEqualTo(10);
        boolean[] expected = {true, true, false, true, true, true, true, true, true, false, true, false, false, true,
                false, false};
        for (int i = 0; i < 16; i++) {
            assertThat(mask.isPruned(i / 4, i % 4)).as("entry %d", i).isEqualTo(expected[i]);
        }
        assertThat(MagnitudePruning.perLayer(w, 10.0 / 16)).isEqualTo(mask);
    }

    @Test
    void existingZerosCountAndNegativeZeroIsZero() {
        float[] values = {0f, -0f, 5f, -4f, 0.5f, 0f};
        PruningMask mask = MagnitudePruning.perLayer(DenseMatrixView.of(2, 3, values), 0.5);
        assertThat(mask.prunedCount()).isEqualTo(3);
        assertThat(mask.isPruned(0, 0)).isTrue();
        assertThat(mask.isPruned(0, 1)).isTrue();
        assertThat(mask.isPruned(1, 2)).isTrue();
        assertThat(mask.isPruned(1, 1)).isFalse();
    }

    @Test
    void globalPruningSharesOneThreshold() {
        DenseMatrixView small = TestWeights.gaussian(40, 50, 0.05, 1);
        DenseMatrixView large = TestWeights.gaussian(30, 70, 1.0, 2);
        List<PruningMask> masks = MagnitudePruning.global(List.of(small, large), 0.4);
        long total = small.size() + large.size();
        assertThat(masks.get(0).prunedCount() + masks.get(1).prunedCount()).isEqualTo(Math.round(0.4 * total));
        // The small-scale matrix loses far more than 40 % (about 77 %), the large one far less (about 5 %).
        assertThat(masks.get(0).sparsity()).isGreaterThan(0.7);
        assertThat(masks.get(1).sparsity()).isLessThan(0.1);
        float maxPruned = 0;
        float minKept = Float.MAX_VALUE;
        List<DenseMatrixView> matrices = List.of(small, large);
        for (int m = 0; m < 2; m++) {
            DenseMatrixView w = matrices.get(m);
            for (int r = 0; r < w.rows(); r++) {
                for (int c = 0; c < w.cols(); c++) {
                    float a = Math.abs(w.get(r, c));
                    if (masks.get(m).isPruned(r, c)) {
                        maxPruned = Math.max(maxPruned, a);
                    } else {
                        minKept = Math.min(minKept, a);
                    }
                }
            }
        }
        assertThat(maxPruned).isLessThanOrEqualTo(minKept);
    }

    @Test
    void globalTiesFollowListOrder() {
        DenseMatrixView a = DenseMatrixView.of(1, 3, new float[]{1, 1, 1});
        DenseMatrixView b = DenseMatrixView.of(1, 3, new float[]{1, 1, 1});
        List<PruningMask> masks = MagnitudePruning.global(List.of(a, b), 4.0 / 6);
        assertThat(masks.get(0).prunedCount()).isEqualTo(3);
        assertThat(masks.get(1).prunedCount()).isEqualTo(1);
        assertThat(masks.get(1).isPruned(0, 0)).isTrue();
    }

    @Test
    void emptyMatricesAndBadArguments() {
        assertThat(MagnitudePruning.perLayer(DenseMatrixView.of(0, 5, new float[0]), 0.5).prunedCount()).isZero();
        DenseMatrixView w = DenseMatrixView.of(1, 2, new float[]{1, Float.NaN});
        assertThatThrownBy(() -> MagnitudePruning.perLayer(w, 0.5)).hasMessageContaining("not finite");
        DenseMatrixView ok = DenseMatrixView.of(1, 2, new float[]{1, 2});
        assertThatThrownBy(() -> MagnitudePruning.perLayer(ok, 1.5)).hasMessageContaining("sparsity");
        assertThatThrownBy(() -> MagnitudePruning.perLayer(ok, Double.NaN)).hasMessageContaining("sparsity");
        PruningMask mask = MagnitudePruning.perLayer(ok, 0.5);
        assertThatThrownBy(() -> mask.apply(DenseMatrixView.of(2, 1, new float[2]))).hasMessageContaining("1x2");
        assertThatThrownBy(() -> mask.isPruned(1, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    private static void assertPrunedAreSmallest(DenseMatrixView w, PruningMask mask) {
        float maxPruned = -1;
        float minKept = Float.MAX_VALUE;
        for (int r = 0; r < w.rows(); r++) {
            for (int c = 0; c < w.cols(); c++) {
                float a = Math.abs(w.get(r, c));
                if (mask.isPruned(r, c)) {
                    maxPruned = Math.max(maxPruned, a);
                } else {
                    minKept = Math.min(minKept, a);
                }
            }
        }
        assertThat(maxPruned).isLessThanOrEqualTo(minKept);
    }
}
