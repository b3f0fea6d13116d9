package dev.tersor.embed;

import dev.tersor.model.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The DJL-backed tokenizer on the real MiniLM and bge-small tokenizer.json files (fetched by the build). */
class TokenizerTest {

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
    void reproducesTheGoldenIdsOfDataMd() {
        assertThat(miniLm.encode("the quick brown fox jumps over the lazy dog"))
                .containsExactly(101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 102);
    }

    @Test
    void normalizesSplitsPunctuationAndUsesWordPieces() {
        // BertNormalizer lower-cases and strips accents; BertPreTokenizer splits punctuation off.
        long[] ids = miniLm.encode("Où est la GARE?");
        assertThat(ids).startsWith(101).endsWith(102);
        assertThat(ids).isEqualTo(miniLm.encode("ou est la gare ?"));
        // A word missing from the vocabulary becomes several ## pieces, never [UNK] (100).
        assertThat(miniLm.encode("tersorization")).hasSizeGreaterThan(3).doesNotContain(100L);
    }

    @Test
    void honoursTheTruncationOfTokenizerJsonAndIgnoresItsPadding() {
        assertThat(miniLm.maxTokens()).isEqualTo(128);
        String longText = "word ".repeat(500);
        long[] ids = miniLm.encode(longText);
        assertThat(ids).hasSize(128).startsWith(101).endsWith(102);
        // The file forces padding to 128; a short text still comes back short.
        assertThat(miniLm.encode("short")).hasSize(3);
    }

    @Test
    void tokenizerWithoutTruncationUsesTheDefaultLength() throws Exception {
        byte[] json = Files.readAllBytes(TestModels.bgeTokenizer());
        assertThat(new String(json, StandardCharsets.UTF_8)).containsPattern("\"truncation\":\\s*null");
        try (Tokenizer bge = Tokenizer.fromJson(json); Tokenizer short64 = Tokenizer.fromJson(json, 64)) {
            assertThat(bge.maxTokens()).isEqualTo(Tokenizer.DEFAULT_MAX_TOKENS);
            assertThat(bge.encode("word ".repeat(1000))).hasSize(512);
            assertThat(short64.encode("word ".repeat(1000))).hasSize(64).endsWith(102);
        }
    }

    @Test
    void batchesArePaddedToTheLongestWithAMask() {
        List<String> texts = List.of("a b c d e", "hello", "", "the quick brown fox jumps over the lazy dog");
        TokenBatch batch = miniLm.encode(texts);
        assertThat(batch.size()).isEqualTo(4);
        assertThat(batch.length()).isEqualTo(11);
        for (int i = 0; i < texts.size(); i++) {
            long[] single = miniLm.encode(texts.get(i));
            assertThat(batch.ids(i)).as(texts.get(i)).containsExactly(single);
            assertThat(batch.tokens(i)).isEqualTo(single.length);
            for (int t = 0; t < batch.length(); t++) {
                long mask = batch.attentionMask()[i * batch.length() + t];
                assertThat(mask).isEqualTo(t < single.length ? 1L : 0L);
                if (t >= single.length) {
                    assertThat(batch.ids()[i * batch.length() + t]).isZero();
                }
            }
        }
        assertThat(batch.typeIds()).containsOnly(0L);
        assertThat(batch.idsTensor().shape()).containsExactly(4, 11);
        assertThat(miniLm.encode(List.of()).size()).isZero();
    }

    @Test
    void rejectsWhatIsNotATokenizer() {
        assertThatThrownBy(() -> Tokenizer.fromJson("[1, 2]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tokenizer.fromJson("{\"model\": 3}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tokenizer.fromJson("{not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closedTokenizerThrows() throws Exception {
        Tokenizer t = Tokenizer.load(TestModels.miniLmTokenizer());
        t.close();
        t.close();
        assertThatThrownBy(() -> t.encode("x")).isInstanceOf(IllegalStateException.class);
    }
}
