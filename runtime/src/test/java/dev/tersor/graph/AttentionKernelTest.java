package dev.tersor.graph;

import dev.tersor.kernels.tensor.AttentionShape;
import dev.tersor.kernels.tensor.TensorKernels;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The attention kernel of every provider against attention computed in double, over head shapes
 * around the vector width (one query, one key, odd depths, keys fewer than a vector's lanes), heads
 * interleaved in one buffer as the graph lays them out, and masks with −∞ and the dtype-minimum
 * values exporters use. Tolerance: outputs are convex combinations of value rows, and float rounding
 * of scores, exp and sums stays within 1e-5 of the values' magnitude (observed about 1e-6).
 */
class AttentionKernelTest {

    /** out[i] = Σ_j softmax_j(scale·q_i·k_j + mask_ij)·v_j in double; all-−∞ rows give NaN. */
    static double[] reference(AttentionShape s, float[] q, int qi, float[] k, int ki, float[] v, int vi, float[] mask,
                              int mi) {
        double[] out = new double[s.queries() * s.valueDepth()];
        for (int i = 0; i < s.queries(); i++) {
            double[] scores = new double[s.keys()];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < s.keys(); j++) {
                double dot = 0;
                for (int p = 0; p < s.depth(); p++) {
                    dot += (double) q[qi + i * s.queryStride() + p] * k[ki + j * s.keyStride() + p];
                }
                scores[j] = dot * s.scale() + (mask == null ? 0 : mask[mi + i * s.maskStride() + j]);
                max = Math.max(max, scores[j]);
            }
            double sum = 0;
            for (int j = 0; j < s.keys(); j++) {
                scores[j] = Math.exp(scores[j] - max);
                sum += scores[j];
            }
            for (int c = 0; c < s.valueDepth(); c++) {
                double acc = 0;
                for (int j = 0; j < s.keys(); j++) {
                    acc += scores[j] / sum * v[vi + j * s.valueStride() + c];
                }
                out[i * s.valueDepth() + c] = acc;
            }
        }
        return out;
    }

    static float[] gaussian(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    /** Runs {@code s} on random data with {@code heads} heads side by side and checks head 1 (or 0) against the reference. */
    static void check(TensorKernels kernels, Random random, int queries, int keys, int depth, int valueDepth,
                      boolean masked, boolean sharedMask, float maskedValue) {
        int heads = 3;
        int head = 1;
        AttentionShape s = new AttentionShape(queries, keys, depth, valueDepth, queries == 1 ? 0 : heads * depth,
                heads * depth, heads * valueDepth, sharedMask ? 0 : keys + 2, heads * valueDepth, 0.35f);
        float[] q = gaussian(random, queries * heads * depth + 1);
        float[] k = gaussian(random, keys * heads * depth + 1);
        float[] v = gaussian(random, keys * heads * valueDepth + 1);
        float[] mask = masked ? gaussian(random, queries * (keys + 2) + 1) : null;
        if (masked) {
            for (int i = 0; i < mask.length; i++) {
                if (random.nextInt(4) == 0) {
                    mask[i] = maskedValue;
                }
            }
        }
        float[] y = new float[queries * heads * valueDepth + 1];
        kernels.attention(s, MemorySegment.ofArray(q), 1 + head * depth, MemorySegment.ofArray(k), 1 + head * depth,
                MemorySegment.ofArray(v), 1 + head * valueDepth, masked ? MemorySegment.ofArray(mask) : null, 1,
                MemorySegment.ofArray(y), 1 + head * valueDepth);
        double[] expected = reference(s, q, 1 + head * depth, k, 1 + head * depth, v, 1 + head * valueDepth, mask, 1);
        for (int i = 0; i < queries; i++) {
            for (int c = 0; c < valueDepth; c++) {
                double e = expected[i * valueDepth + c];
                float actual = y[1 + head * valueDepth + i * heads * valueDepth + c];
                String what = kernels + " queries=" + queries + " keys=" + keys + " depth=" + depth + "/" + valueDepth
                        + " mask=" + (masked ? maskedValue : "none") + " at " + i + "," + c;
                if (Double.isNaN(e)) {
                    assertThat(actual).as(what).isNaN();
                } else {
                    assertThat((double) actual).as(what).isCloseTo(e, within(1e-5));
                }
            }
        }
    }

    @Test
    void everyProviderMatchesDoubleMathOverHeadShapes() {
        Random random = new Random(11);
        for (TensorKernels kernels : TensorKernelsTest.providers()) {
            for (int queries : new int[]{1, 2, 11, 17, 40}) {
                for (int keys : new int[]{1, 3, 11, 15, 16, 17, 33, 64, 70}) {
                    for (int depth : new int[]{1, 5, 16, 32, 33}) {
                        int valueDepth = random.nextBoolean() ? depth : 1 + random.nextInt(40);
                        check(kernels, random, queries, keys, depth, valueDepth, false, false, 0);
                        check(kernels, random, queries, keys, depth, valueDepth, true, random.nextBoolean(), -1e30f);
                    }
                }
            }
        }
    }

    @Test
    void maskedKeysGetNoWeightWhateverTheMaskValue() {
        Random random = new Random(12);
        for (TensorKernels kernels : TensorKernelsTest.providers()) {
            for (float maskedValue : new float[]{Float.NEGATIVE_INFINITY, -Float.MAX_VALUE, -1e30f}) {
                for (int keys : new int[]{1, 2, 9, 16, 31}) {
                    check(kernels, random, 4, keys, 32, 32, true, false, maskedValue);
                    check(kernels, random, 4, keys, 7, 9, true, true, maskedValue);
                }
            }
        }
    }

    /** ONNX Softmax of a row of −∞ is NaN (−∞ − −∞); a row masked with the dtype minimum averages the values evenly. */
    @Test
    void fullyMaskedRowsFollowSoftmax() {
        for (TensorKernels kernels : TensorKernelsTest.providers()) {
            AttentionShape s = new AttentionShape(2, 5, 4, 3, 4, 4, 3, 5, 3, 0.5f);
            float[] q = gaussian(new Random(13), 8);
            float[] k = gaussian(new Random(14), 20);
            float[] v = gaussian(new Random(15), 15);
            float[] mask = new float[10];
            java.util.Arrays.fill(mask, 0, 5, Float.NEGATIVE_INFINITY);
            java.util.Arrays.fill(mask, 5, 10, -Float.MAX_VALUE);
            float[] y = new float[6];
            kernels.attention(s, MemorySegment.ofArray(q), 0, MemorySegment.ofArray(k), 0, MemorySegment.ofArray(v), 0,
                    MemorySegment.ofArray(mask), 0, MemorySegment.ofArray(y), 0);
            for (int c = 0; c < 3; c++) {
                assertThat(y[c]).as("%s all −∞", kernels).isNaN();
                double mean = 0;
                for (int j = 0; j < 5; j++) {
                    mean += v[j * 3 + c] / 5.0;
                }
                assertThat((double) y[3 + c]).as("%s all −MAX", kernels).isCloseTo(mean, within(1e-6));
            }
        }
    }

    /** A query's output is the same bits whether the kernel runs it with other rows or alone (no dependence on blocking). */
    @Test
    void eachQueryRowGivesTheSameBitsAloneOrWithOthers() {
        Random random = new Random(16);
        for (TensorKernels kernels : TensorKernelsTest.providers()) {
            for (int depth : new int[]{7, 32, 40}) {
                int queries = 9;
                int keys = 13;
                AttentionShape all = new AttentionShape(queries, keys, depth, depth, depth, depth, depth, keys, depth, 0.3f);
                AttentionShape one = new AttentionShape(1, keys, depth, depth, depth, depth, depth, keys, depth, 0.3f);
                MemorySegment q = MemorySegment.ofArray(gaussian(random, queries * depth));
                MemorySegment k = MemorySegment.ofArray(gaussian(random, keys * depth));
                MemorySegment v = MemorySegment.ofArray(gaussian(random, keys * depth));
                MemorySegment mask = MemorySegment.ofArray(gaussian(random, queries * keys));
                float[] together = new float[queries * depth];
                kernels.attention(all, q, 0, k, 0, v, 0, mask, 0, MemorySegment.ofArray(together), 0);
                float[] alone = new float[queries * depth];
                for (int i = 0; i < queries; i++) {
                    kernels.attention(one, q, (long) i * depth, k, 0, v, 0, mask, (long) i * keys,
                            MemorySegment.ofArray(alone), (long) i * depth);
                }
                assertThat(alone).as("%s depth %d", kernels, depth).containsExactly(together);
            }
        }
    }

    /**
     * Keys a mask removes change no bit of the output: a sentence gives the same result alone and
     * padded to a longer one in a batch, whatever the padding's mask value.
     */
    @Test
    void maskedPaddingKeysChangeNoBit() {
        Random random = new Random(17);
        for (TensorKernels kernels : TensorKernelsTest.providers()) {
            for (float maskedValue : new float[]{Float.NEGATIVE_INFINITY, -Float.MAX_VALUE, -10000f}) {
                int queries = 19;
                int keys = 11;
                int padded = 29;
                int depth = 32;
                float[] q = gaussian(random, queries * depth);
                float[] k = gaussian(random, padded * depth);
                float[] v = gaussian(random, padded * depth);
                float[] mask = new float[padded];
                java.util.Arrays.fill(mask, keys, padded, maskedValue);
                float[] alone = new float[queries * depth];
                float[] inBatch = new float[queries * depth];
                for (int keyCount : new int[]{keys, padded}) {
                    AttentionShape s = new AttentionShape(queries, keyCount, depth, depth, depth, depth, depth, 0, depth, 0.3f);
                    kernels.attention(s, MemorySegment.ofArray(q), 0, MemorySegment.ofArray(k), 0, MemorySegment.ofArray(v), 0,
                            MemorySegment.ofArray(mask), 0, MemorySegment.ofArray(keyCount == keys ? alone : inBatch), 0);
                }
                assertThat(inBatch).as("%s mask %s", kernels, maskedValue).containsExactly(alone);
            }
        }
    }

    @Test
    void noKeysGiveZerosAsTheUnfusedProductDoes() {
        for (TensorKernels kernels : TensorKernelsTest.providers()) {
            AttentionShape s = new AttentionShape(3, 0, 4, 5, 4, 4, 5, 0, 5, 1f);
            float[] y = new float[15];
            java.util.Arrays.fill(y, 7f);
            kernels.attention(s, MemorySegment.ofArray(new float[12]), 0, MemorySegment.ofArray(new float[0]), 0,
                    MemorySegment.ofArray(new float[0]), 0, null, 0, MemorySegment.ofArray(y), 0);
            assertThat(y).containsOnly(0f);
        }
    }

    @Test
    void rangesOutsideTheSegmentsAreRejectedBeforeAnyRead() {
        AttentionShape s = new AttentionShape(4, 6, 8, 8, 8, 8, 8, 6, 8, 1f);
        MemorySegment q = MemorySegment.ofArray(new float[32]);
        MemorySegment k = MemorySegment.ofArray(new float[48]);
        MemorySegment v = MemorySegment.ofArray(new float[48]);
        MemorySegment mask = MemorySegment.ofArray(new float[24]);
        MemorySegment y = MemorySegment.ofArray(new float[32]);
        MemorySegment small = MemorySegment.ofArray(new float[31]);
        for (TensorKernels kernels : TensorKernelsTest.providers()) {
            kernels.attention(s, q, 0, k, 0, v, 0, mask, 0, y, 0);
            assertThatThrownBy(() -> kernels.attention(s, small, 0, k, 0, v, 0, mask, 0, y, 0))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> kernels.attention(s, q, 0, k, 1, v, 0, mask, 0, y, 0))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> kernels.attention(s, q, 0, k, 0, v, -1, mask, 0, y, 0))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> kernels.attention(s, q, 0, k, 0, v, 0, mask, 1, y, 0))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> kernels.attention(s, q, 0, k, 0, v, 0, mask, 0, small, 0))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }
        assertThatThrownBy(() -> new AttentionShape(1, 1, 1, 4, 1, 1, 1, 1, 3, 1f))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AttentionShape(1, -1, 1, 1, 1, 1, 1, 1, 1, 1f))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
