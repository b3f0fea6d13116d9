package dev.tersor.train;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LengthBatchesTest {

    /** Tokens a batching computes on: each batch padded to its longest sentence. */
    private static long padded(int[] order, int[] lengths, int batch, int batches) {
        long total = 0;
        for (int k = 0; k < batches; k++) {
            int longest = 0;
            for (int j = 0; j < batch; j++) {
                longest = Math.max(longest, lengths[order[k * batch + j]]);
            }
            total += (long) longest * batch;
        }
        return total;
    }

    @Test
    void batchesOfSimilarLengthsPadFarLessAndFollowFromTheSeed() {
        SplittableRandom random = new SplittableRandom(5);
        int[] lengths = new int[5_003];
        for (int i = 0; i < lengths.length; i++) {
            // long-tailed, as sentences are: mostly 8–40 tokens, some up to 128
            lengths[i] = random.nextInt(10) == 0 ? 40 + random.nextInt(89) : 8 + random.nextInt(33);
        }
        int batch = 16;
        LengthBatches batches = new LengthBatches(lengths, batch, 42);
        int perEpoch = batches.batchesPerEpoch();
        assertThat(perEpoch).isEqualTo(5_003 / 16);
        int[] epoch0 = batches.of(0).clone();
        assertThat(epoch0).hasSize(perEpoch * batch).doesNotHaveDuplicates();
        for (int i : epoch0) {
            assertThat(i).isBetween(0, lengths.length - 1);
        }
        int[] epoch1 = batches.of(1).clone();
        assertThat(epoch1).isNotEqualTo(epoch0);
        // the same epoch from a new instance (a resumed run) is the same order
        assertThat(new LengthBatches(lengths, batch, 42).of(1)).isEqualTo(epoch1);
        assertThat(batches.of(0)).isEqualTo(epoch0);

        int[] randomOrder = new EpochOrder(lengths.length, 42).of(0);
        long sortedTokens = padded(epoch0, lengths, batch, perEpoch);
        long randomTokens = padded(randomOrder, lengths, batch, perEpoch);
        assertThat(sortedTokens).as("padded tokens %d against %d", sortedTokens, randomTokens)
                .isLessThan(randomTokens * 6 / 10);

        assertThatThrownBy(() -> new LengthBatches(new int[3], 4, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
