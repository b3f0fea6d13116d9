package dev.tersor.embed;

import dev.tersor.model.TestModels;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A tokenizer.json kept as its words: what is stored, what is put back, and what is refused. */
class StoredTokenizerTest {

    private static final List<String> TEXTS = List.of("the quick brown fox jumps over the lazy dog",
            "Où est la GARE? Straße, naïve café — 東京 Ελλάδα ﷺ 🙂", "tersorization of [unused0] and ##s", "",
            "Mr President, the Commission's proposal (COM(2000) 123) is 12.5% late!");

    @Test
    void miniLmIsStoredAsItsWordsAndTokenizesAsTheOriginal() throws Exception {
        String json = Files.readString(TestModels.miniLmTokenizer(), StandardCharsets.UTF_8);
        Map<String, String> entries = StoredTokenizer.entries(json);
        assertThat(entries).containsOnlyKeys(Embedder.TOKENIZER_METADATA, StoredTokenizer.VOCABULARY_METADATA);
        String words = entries.get(StoredTokenizer.VOCABULARY_METADATA);
        assertThat(words.split("\n", -1)).hasSize(30522).startsWith("[PAD]", "[unused0]");
        assertThat(entries.get(Embedder.TOKENIZER_METADATA)).hasSizeLessThan(4096).contains("\"vocab\":{}");
        String rebuilt = StoredTokenizer.json(entries);
        try (Tokenizer original = Tokenizer.fromJson(json.getBytes(StandardCharsets.UTF_8));
             Tokenizer restored = Tokenizer.fromJson(rebuilt.getBytes(StandardCharsets.UTF_8))) {
            assertThat(restored.maxTokens()).isEqualTo(original.maxTokens());
            assertThat(restored.maxTokenId()).isEqualTo(original.maxTokenId());
            assertThat(restored.ordinaryIds()).isEqualTo(original.ordinaryIds());
            for (String text : TEXTS) {
                assertThat(restored.encode(text)).as(text).isEqualTo(original.encode(text));
            }
        }
        // Stored again, the rebuilt file gives the same entries: nothing drifts from save to save.
        assertThat(StoredTokenizer.entries(rebuilt)).isEqualTo(entries);
    }

    @Test
    void aFileWithoutTheWordsEntryIsReadAsItIs() {
        assertThat(StoredTokenizer.json(Map.of(Embedder.TOKENIZER_METADATA, "{\"x\":1}"))).isEqualTo("{\"x\":1}");
        assertThat(StoredTokenizer.json(Map.of())).isNull();
    }

    @Test
    void vocabulariesThatAreNotOneWordALineAreStoredAsTheyAre() {
        for (String json : List.of(
                wordPiece("{\"[UNK]\":0,\"a\":2,\"b\":1}"),           // ids out of file order
                wordPiece("{\"[UNK]\":0,\"a\\nb\":1}"),               // a word with a line break
                wordPiece("{}"),                                     // nothing to gain
                wordPiece("{\"[UNK]\":0,\"a\":1.5}"),                // not an integer id
                "{\"model\":{\"type\":\"Unigram\",\"unk_id\":0,\"vocab\":[[\"<unk>\",0.0],[\"a\",-1.0]]}}",
                "[1, 2]",
                "not json")) {
            assertThat(StoredTokenizer.entries(json)).as(json).isEqualTo(Map.of(Embedder.TOKENIZER_METADATA, json));
        }
    }

    @Test
    void aSmallWordPieceRoundTripsWithEscapes() {
        String json = wordPiece("{\"[UNK]\":0,\"\\\"q\\\"\":1,\"back\\\\slash\":2,\"tab\\tx\":3,\"é\":4}");
        Map<String, String> entries = StoredTokenizer.entries(json);
        assertThat(entries.get(StoredTokenizer.VOCABULARY_METADATA)).isEqualTo("[UNK]\n\"q\"\nback\\slash\ntab\tx\né");
        assertThat(StoredTokenizer.json(entries)).isEqualTo(
                "{\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"vocab\":{\"[UNK]\":0,\"\\\"q\\\"\":1,"
                        + "\"back\\\\slash\":2,\"tab\\tx\":3,\"é\":4}},\"decoder\":null}");
    }

    @Test
    void damagedEntriesAreTypedErrors() {
        String skeleton = wordPiece("{}");
        assertThatThrownBy(() -> StoredTokenizer.json(Map.of(StoredTokenizer.VOCABULARY_METADATA, "a")))
                .isInstanceOf(InvalidTokenizerException.class).hasMessageContaining("without its tokenizer.json");
        assertThatThrownBy(() -> StoredTokenizer.json(stored(wordPiece("{\"a\":0}"), "[UNK]\nb")))
                .isInstanceOf(InvalidTokenizerException.class).hasMessageContaining("vocabulary of its own");
        assertThatThrownBy(() -> StoredTokenizer.json(stored(skeleton, "[UNK]\na\na")))
                .isInstanceOf(InvalidTokenizerException.class).hasMessageContaining("'a' twice (ids 1 and 2)");
        assertThatThrownBy(() -> StoredTokenizer.json(stored("{\"model\":{\"type\":\"WordPiece\"}}", "[UNK]")))
                .isInstanceOf(InvalidTokenizerException.class).hasMessageContaining("no model.vocab");
        assertThatThrownBy(() -> StoredTokenizer.json(stored("{\"model\":", "[UNK]")))
                .isInstanceOf(InvalidTokenizerException.class).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> StoredTokenizer.json(stored("[]", "[UNK]")))
                .isInstanceOf(InvalidTokenizerException.class).hasMessageContaining("not a JSON object");
    }

    private static String wordPiece(String vocab) {
        return "{\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"vocab\":" + vocab + "},\"decoder\":null}";
    }

    private static Map<String, String> stored(String skeleton, String words) {
        Map<String, String> m = new HashMap<>();
        m.put(Embedder.TOKENIZER_METADATA, skeleton);
        m.put(StoredTokenizer.VOCABULARY_METADATA, words);
        return m;
    }
}
