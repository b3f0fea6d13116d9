package dev.tersor.embed;

import dev.tersor.model.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tokenizer files that the native tokenizer accepts at construction but that abort the process
 * (exit 134, a Rust panic) on the first text needing the unknown token: each must be a typed
 * exception at load. If validation let one through, the assertions here could not save the test
 * JVM; the fork's crash fails the build instead, which is the point.
 */
class TokenizerValidationTest {

    static String miniLm;

    @BeforeAll
    static void read() throws Exception {
        miniLm = Files.readString(TestModels.miniLmTokenizer());
    }

    private static Tokenizer edited(UnaryOperator<String> edit) {
        return Tokenizer.fromJson(edit.apply(miniLm).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theRealTokenizerPassesAndEncodesUnknownCharacters() {
        try (Tokenizer t = edited(UnaryOperator.identity())) {
            // U+A66E (multiocular o) is not in MiniLM's vocabulary: it needs [UNK] (100), which the check guarantees exists.
            assertThat(t.encode("\uA66E")).containsExactly(101, 100, 102);
            assertThat(t.maxTokenId()).isEqualTo(30521);
        }
    }

    @Test
    void aWordPieceVocabularyWithoutItsUnknownTokenIsRejectedAtLoad() {
        assertThatThrownBy(() -> edited(s -> s.replaceFirst("\"\\[UNK]\": *100,", "")))
                .isInstanceOf(InvalidTokenizerException.class)
                .hasMessage("tokenizer.json: the WordPiece model's unknown token '[UNK]' is not in its vocabulary");
        assertThatThrownBy(() -> edited(s -> s.replaceFirst("\"unk_token\": *\"\\[UNK]\",", "")))
                .isInstanceOf(InvalidTokenizerException.class)
                .hasMessageContaining("unknown token (model.unk_token) is missing");
    }

    @Test
    void anEmptyVocabularyIsRejectedAtLoad() {
        String empty = "{\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\","
                + "\"max_input_chars_per_word\":100,\"vocab\":{}}}";
        assertThatThrownBy(() -> Tokenizer.fromJson(empty.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidTokenizerException.class)
                .hasMessage("tokenizer.json: the WordPiece model has an empty vocabulary");
    }

    @Test
    void otherModelsNeedTheirUnknownTokenToo() {
        String unigram = "{\"model\":{\"type\":\"Unigram\",\"vocab\":[[\"a\",-1.0],[\"b\",-2.0]]}}";
        assertThatThrownBy(() -> Tokenizer.fromJson(unigram.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidTokenizerException.class).hasMessageContaining("unk_id) is missing");
        String unigramOut = "{\"model\":{\"type\":\"Unigram\",\"unk_id\":2,\"vocab\":[[\"a\",-1.0],[\"b\",-2.0]]}}";
        assertThatThrownBy(() -> Tokenizer.fromJson(unigramOut.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidTokenizerException.class).hasMessageContaining("2, outside its 2 pieces");
        String bpe = "{\"model\":{\"type\":\"BPE\",\"unk_token\":\"<unk>\",\"vocab\":{\"a\":0},\"merges\":[]}}";
        assertThatThrownBy(() -> Tokenizer.fromJson(bpe.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidTokenizerException.class).hasMessageContaining("'<unk>' is not in its vocabulary");
        String unknownType = "{\"model\":{\"type\":\"Magic\",\"vocab\":{\"a\":0}}}";
        assertThatThrownBy(() -> Tokenizer.fromJson(unknownType.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidTokenizerException.class).hasMessageContaining("model.type is 'Magic'");
    }

    @Test
    void negativeOrHugeTokenIdsAreRejected() {
        assertThatThrownBy(() -> edited(s -> s.replaceFirst("\"\\[UNK]\": *100,", "\"[UNK]\": -5,")))
                .isInstanceOf(InvalidTokenizerException.class).hasMessageContaining("has token id -5");
        assertThatThrownBy(() -> edited(s -> s.replaceFirst("\"pad_id\": *0", "\"pad_id\": 9999999999")))
                .isInstanceOf(InvalidTokenizerException.class).hasMessageContaining("padding.pad_id");
    }

    @Test
    void aTruncationTooShortForTheSpecialTokensIsRejected() {
        assertThatThrownBy(() -> edited(s -> s.replaceFirst("\"max_length\": *128", "\"max_length\": 2")))
                .isInstanceOf(InvalidTokenizerException.class)
                .hasMessage("tokenizer.json truncates to 2 tokens, too few for its 2 special tokens and any text");
        try (Tokenizer three = edited(s -> s.replaceFirst("\"max_length\": *128", "\"max_length\": 3"))) {
            assertThat(three.encode("hello world")).containsExactly(101, 7592, 102);
        }
    }

    @Test
    void whatIsStoredInAContainerIsCheckedFirst(@TempDir Path dir) throws Exception {
        Path good = TestModels.miniLmTokenizer();
        assertThat(Tokenizer.readChecked(good)).isEqualTo(miniLm);
        for (String bad : new String[]{"", "{}", "not json", "[1]"}) {
            Path file = Files.writeString(dir.resolve("bad.json"), bad);
            assertThatThrownBy(() -> Tokenizer.readChecked(file)).as(bad)
                    .isInstanceOf(InvalidTokenizerException.class).hasMessageStartingWith(file + ": ");
        }
        Path binary = Files.write(dir.resolve("binary.json"), new byte[]{'{', (byte) 0xff, (byte) 0xfe, '}'});
        assertThatThrownBy(() -> Tokenizer.readChecked(binary))
                .isInstanceOf(InvalidTokenizerException.class).hasMessage("tokenizer " + binary + " is not UTF-8 text");
        assertThatThrownBy(() -> Tokenizer.readChecked(dir.resolve("missing.json")))
                .isInstanceOf(InvalidTokenizerException.class).hasMessageEndingWith("missing.json does not exist");
        assertThatThrownBy(() -> Tokenizer.readChecked(dir))
                .isInstanceOf(InvalidTokenizerException.class).hasMessageEndingWith(": it is a directory");
    }

    @Test
    void aTemplateNamingAnUndefinedSpecialTokenIsRejected() {
        // Found by the fuzzer: the native post-processor panics looking up the template's [SEP].
        assertThatThrownBy(() -> edited(s -> s.replaceFirst("\"\\[SEP]\": *\\{", "\"\": {")))
                .isInstanceOf(InvalidTokenizerException.class)
                .hasMessage("tokenizer.json: the post-processor's template uses special token '[SEP]', which its special_tokens do not define");
    }

    @Test
    void aTemplateUnderANullTypeIsCheckedToo() throws Exception {
        // Found by the fuzz campaign, kept as found: with "type": null the native library still reads the
        // post-processor as a template, and panics looking up the special token [CLSLS] it does not define.
        byte[] input;
        try (var in = TokenizerValidationTest.class.getResourceAsStream("template-under-a-null-type.json")) {
            input = in.readAllBytes();
        }
        assertThatThrownBy(() -> Tokenizer.fromJson(input)).isInstanceOf(InvalidTokenizerException.class)
                .hasMessage("tokenizer.json: the post-processor's template uses special token '[CLSLS]', which its special_tokens do not define");
    }

    @Test
    void halfASurrogatePairIsRejected() {
        // Found by the fuzzer: the native library's nested deserializers panic on a lone \\uD800 (replaceFirst
        // reads a doubled backslash as one).
        assertThatThrownBy(() -> edited(s -> s.replaceFirst("\"\\[PAD]\"", "\"\\\\uD800\"")))
                .isInstanceOf(InvalidTokenizerException.class)
                .hasMessageStartingWith("tokenizer.json escapes half a surrogate pair (\\uD800) at byte ");
        try (Tokenizer paired = edited(s -> s.replaceFirst("\"\\[PAD]\"", "\"\\\\uD83E\\\\uDD96\""))) {
            assertThat(paired.maxTokens()).isEqualTo(128);
        }
    }
}
