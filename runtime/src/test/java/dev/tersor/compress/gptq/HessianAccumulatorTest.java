package dev.tersor.compress.gptq;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HessianAccumulatorTest {

    private static final int IN = 37;
    private static final int TOKENS = 150;   // more than two chunks, not a multiple of one

    @Test
    void sumsOuterProductsOfTokens() {
        float[] x = activations(TOKENS, 3);
        HessianAccumulator acc = new HessianAccumulator(IN);
        acc.addTokens(x, 100);
        acc.addTokens(java.util.Arrays.copyOfRange(x, 100 * IN, TOKENS * IN), TOKENS - 100);
        assertThat(acc.samples()).isEqualTo(TOKENS);
        double[] h = acc.hessian();
        for (int i = 0; i < IN; i++) {
            for (int j = 0; j < IN; j++) {
                double expected = 0;
                for (int t = 0; t < TOKENS; t++) {
                    expected += (double) x[t * IN + i] * x[t * IN + j];
                }
                assertThat(h[i * IN + j]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9 * (1 + Math.abs(expected))));
            }
        }
    }

    @Test
    void batchLayoutAndMergingGiveTheSameStatistics() {
        float[] x = activations(TOKENS, 4);
        float[] columns = new float[IN * TOKENS];   // [in][B]
        for (int t = 0; t < TOKENS; t++) {
            for (int i = 0; i < IN; i++) {
                columns[i * TOKENS + t] = x[t * IN + i];
            }
        }
        HessianAccumulator tokens = new HessianAccumulator(IN);
        tokens.addTokens(x, TOKENS);
        HessianAccumulator batch = new HessianAccumulator(IN);
        batch.addBatch(MemorySegment.ofArray(columns), TOKENS);
        assertThat(batch.hessian()).containsExactly(tokens.hessian());

        HessianAccumulator first = new HessianAccumulator(IN);
        first.addTokens(x, 70);
        HessianAccumulator second = new HessianAccumulator(IN);
        second.addTokens(java.util.Arrays.copyOfRange(x, 70 * IN, TOKENS * IN), TOKENS - 70);
        first.merge(second);
        assertThat(first.samples()).isEqualTo(TOKENS);
        double[] merged = first.hessian();
        double[] all = tokens.hessian();
        for (int i = 0; i < all.length; i++) {
            assertThat(merged[i]).isCloseTo(all[i], org.assertj.core.data.Offset.offset(1e-9 * (1 + Math.abs(all[i]))));
        }
    }

    @Test
    void rejectsBadInput() {
        HessianAccumulator acc = new HessianAccumulator(2);
        assertThatThrownBy(() -> acc.addTokens(new float[3], 2)).hasMessageContaining("2 tokens");
        assertThatThrownBy(() -> acc.addTokens(new float[]{1, Float.NaN}, 1)).hasMessageContaining("not finite");
        assertThatThrownBy(() -> acc.addBatch(MemorySegment.ofArray(new float[3]), 2)).hasMessageContaining("2 columns");
        assertThatThrownBy(() -> acc.merge(new HessianAccumulator(3))).hasMessageContaining("merge");
        assertThatThrownBy(() -> new HessianAccumulator(0)).isInstanceOf(IllegalArgumentException.class);
    }

    static float[] activations(int tokens, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[tokens * IN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 4 - 2);
        }
        return x;
    }
}
