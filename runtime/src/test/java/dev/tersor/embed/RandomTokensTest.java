package dev.tersor.embed;

import dev.tersor.model.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Random token sequences over MiniLM's real vocabulary: framed as the tokenizer frames text, uniform over the ordinary rows. */
class RandomTokensTest {

    static Tokenizer miniLm;

    @BeforeAll
    static void load() throws Exception {
        miniLm = Tokenizer.load(TestModels.miniLmTokenizer());
    }

    @AfterAll
    static void close() {
        miniLm.close();
    }

    @Test
    void ordinaryIdsAreTheVocabularyButItsSpecialTokens() {
        long[] ids = miniLm.ordinaryIds();
        // 30,522 rows less [PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103
        assertThat(ids).hasSize(30_522 - 5).doesNotContain(0L, 100L, 101L, 102L, 103L).contains(1L, 99L, 104L, 30_521L);
        assertThat(miniLm.framing()).isDeepEqualTo(new long[][]{{101}, {102}});
    }

    @Test
    void sequencesAreFramedCycleThroughTheLengthsAndRepeatWithTheSeed() {
        List<long[]> sequences = RandomTokens.sequences(miniLm, 9, RandomTokens.SEED);
        assertThat(sequences).hasSize(9);
        for (int i = 0; i < sequences.size(); i++) {
            long[] s = sequences.get(i);
            assertThat(s).hasSize(RandomTokens.LENGTHS[i % 3] + 2).startsWith(101).endsWith(102);
            assertThat(Arrays.copyOfRange(s, 1, s.length - 1)).doesNotContain(0L, 100L, 101L, 102L, 103L);
        }
        // the longest fills the model's 128 positions exactly
        assertThat(sequences.get(2)).hasSize(miniLm.maxTokens());
        assertThat(RandomTokens.sequences(miniLm, 9, RandomTokens.SEED)).usingRecursiveComparison().isEqualTo(sequences);
        assertThat(RandomTokens.sequences(miniLm, 9, RandomTokens.SEED + 1).getFirst()).isNotEqualTo(sequences.getFirst());
        assertThatThrownBy(() -> RandomTokens.sequences(miniLm, -1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyOrdinaryRowIsEquallyLikely() {
        long[] ordinary = miniLm.ordinaryIds();
        int[] counts = new int[(int) miniLm.maxTokenId() + 1];
        int draws = 0;
        for (long[] s : RandomTokens.sequences(miniLm, 3_000, RandomTokens.SEED)) {
            for (int t = 1; t < s.length - 1; t++) {
                counts[(int) s[t]]++;
                draws++;
            }
        }
        // ten equal slices of the ordinary ids each get a tenth of the draws (sd ≈ 0.3 % of the draws)
        int slice = ordinary.length / 10;
        for (int k = 0; k < 10; k++) {
            long inSlice = 0;
            for (int j = k * slice; j < (k + 1) * slice; j++) {
                inSlice += counts[(int) ordinary[j]];
            }
            assertThat((double) inSlice / draws).as("slice " + k).isBetween(0.095, 0.105);
        }
        // 166,000 draws over 30,517 rows: all but e^-5.4 ≈ 0.5 % of them are reached (text reaches a few thousand)
        Set<Long> reached = new HashSet<>();
        for (long id : ordinary) {
            if (counts[(int) id] > 0) {
                reached.add(id);
            }
        }
        assertThat(reached.size()).isGreaterThan((int) (0.98 * ordinary.length));
        assertThat(counts[0] + counts[100] + counts[101] + counts[102] + counts[103]).isZero();
    }

    @Test
    void aBatchOfTokenizedTextsEqualsTheTokenizersOwn() {
        List<String> texts = List.of("a short one", "a somewhat longer sentence than the first");
        List<long[]> ids = texts.stream().map(miniLm::encode).toList();
        TokenBatch batch = miniLm.batch(ids);
        TokenBatch own = miniLm.encode(texts);
        assertThat(batch.ids()).isEqualTo(own.ids());
        assertThat(batch.attentionMask()).isEqualTo(own.attentionMask());
        assertThat(batch.typeIds()).isEqualTo(own.typeIds());
        assertThatThrownBy(() -> miniLm.batch(List.of(new long[miniLm.maxTokens() + 1])))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
