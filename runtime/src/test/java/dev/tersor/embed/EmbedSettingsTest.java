package dev.tersor.embed;

import dev.tersor.model.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The per-call API integrations need: dimension, model id, token counts, prefixes, shortened vectors, truncation off. */
class EmbedSettingsTest {

    static Embedder embedder;

    @BeforeAll
    static void load() throws Exception {
        embedder = Embedder.load(TestModels.miniLm());
    }

    @AfterAll
    static void close() {
        embedder.close();
    }

    @Test
    void knowsItsDimensionAndName() {
        assertThat(embedder.dimension()).isEqualTo(384).isEqualTo(embedder.embed("x").length);
        assertThat(embedder.modelId()).isEqualTo(stem(TestModels.miniLm().getFileName().toString()));
    }

    @Test
    void defaultSettingsGiveTheSameBitsAsThePlainCall() {
        List<String> texts = EmbedderTest.SENTENCES;
        Embeddings result = embedder.embed(texts, EmbedSettings.DEFAULT);
        float[][] plain = embedder.embed(texts);
        assertThat(result.vectors()).isDeepEqualTo(plain);
        assertThat(result.tokenCounts()).containsExactly(embedder.tokenCounts(texts));
        // "short" is [CLS] short [SEP]; the golden sentence is nine words of one token each, plus two.
        assertThat(result.tokenCounts()[4]).isEqualTo(3);
        assertThat(result.tokenCounts()[0]).isEqualTo(11);
        assertThat(result.totalTokens()).isEqualTo(java.util.Arrays.stream(result.tokenCounts()).sum());
    }

    @Test
    void aPrefixIsTheSameAsWritingItBeforeEveryText() {
        Embeddings prefixed = embedder.embed(List.of("a cat", "a dog"), EmbedSettings.DEFAULT.withPrefix("query: "));
        float[][] written = embedder.embed(List.of("query: a cat", "query: a dog"));
        assertThat(prefixed.vectors()).isDeepEqualTo(written);
        assertThat(prefixed.vectors()[0]).isNotEqualTo(embedder.embed("a cat"));
    }

    @Test
    void fewerDimensionsAreTheLeadingOnesAtUnitLength() {
        float[] full = embedder.embed("a man is playing a guitar");
        float[] shortened = embedder.embed(List.of("a man is playing a guitar"), EmbedSettings.DEFAULT.withDimensions(128))
                .vectors()[0];
        assertThat(shortened).hasSize(128);
        double norm = 0;
        double scale = 0;
        for (int d = 0; d < 128; d++) {
            norm += shortened[d] * shortened[d];
            scale += full[d] * full[d];
        }
        assertThat(Math.sqrt(norm)).isCloseTo(1, within(1e-6));
        double factor = 1 / Math.sqrt(scale);
        for (int d = 0; d < 128; d++) {
            assertThat((double) shortened[d]).isCloseTo(full[d] * factor, within(1e-6));
        }
        assertThat(embedder.embed(List.of("x"), EmbedSettings.DEFAULT.withDimensions(384)).vectors()[0])
                .isEqualTo(embedder.embed("x"));
        assertThatThrownBy(() -> embedder.embed(List.of("x"), EmbedSettings.DEFAULT.withDimensions(385)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("384");
    }

    @Test
    void withoutTruncationATooLongTextIsNamedAndNothingIsEmbedded() {
        String tooLong = "word ".repeat(embedder.tokenizer().maxTokens());
        String fits = "word ".repeat(embedder.tokenizer().maxTokens() - 2).trim();
        List<String> texts = new java.util.ArrayList<>(java.util.Collections.nCopies(40, "fine"));
        texts.add(fits);
        texts.add(tooLong);
        assertThatThrownBy(() -> embedder.embed(texts, EmbedSettings.DEFAULT.withTruncate(false)))
                .isInstanceOfSatisfying(TextTooLongException.class, e -> {
                    assertThat(e.index()).isEqualTo(41);
                    assertThat(e.maxTokens()).isEqualTo(embedder.tokenizer().maxTokens());
                }).hasMessageContaining("text 41");
        assertThat(embedder.embed(List.of(fits), EmbedSettings.DEFAULT.withTruncate(false)).tokenCounts())
                .containsExactly(embedder.tokenizer().maxTokens());
        assertThat(embedder.embed(List.of(tooLong), EmbedSettings.DEFAULT).tokenCounts())
                .containsExactly(embedder.tokenizer().maxTokens());
    }

    private static String stem(String name) {
        return name.substring(0, name.lastIndexOf('.'));
    }
}
