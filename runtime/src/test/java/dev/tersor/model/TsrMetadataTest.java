package dev.tersor.model;

import dev.tersor.format.Execution;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The free-form metadata of a container (the stored tokenizer above all) is covered by a checksum:
 * renaming one vocabulary entry without changing any length used to pass {@code verify} and change
 * embeddings silently.
 */
class TsrMetadataTest {

    @TempDir
    static Path dir;

    /** The tokenizer stored as header text, as files written before large entries were deflated. */
    static Path withTokenizer;
    /** The same container as written today: the tokenizer deflated into an array. */
    static Path withDeflatedTokenizer;

    @BeforeAll
    static void write() throws Exception {
        withTokenizer = dir.resolve("cls-tokenizer.tsr");
        withDeflatedTokenizer = dir.resolve("cls-deflated-tokenizer.tsr");
        String tokenizer = Files.readString(TestModels.miniLmTokenizer());
        try (Model m = Model.importOnnx(TestModels.ppOcrClassifier(), ImportOptions.defaults(), Execution.defaults())) {
            TsrFile.write(m.graph(), withTokenizer, Map.of("tokenizer.json", tokenizer), Integer.MAX_VALUE);
            m.save(withDeflatedTokenizer, Map.of("tokenizer.json", tokenizer));
        }
    }

    /** The deflated-tokenizer container with {@code bits} flipped in the middle byte of array {@code array}, as {@code name}. */
    private static Path withByteFlipped(String array, int bits, String name) throws Exception {
        byte[] file = Files.readAllBytes(withDeflatedTokenizer);
        TsrSurgery s = TsrSurgery.open(file);
        int[] range = s.range(array);
        file[file.length - s.data.length + (range[0] + range[1]) / 2] ^= (byte) bits;
        Path flipped = dir.resolve(name);
        Files.write(flipped, file);
        return flipped;
    }

    private static Path edited(String name, String from, String to) throws Exception {
        String file = new String(Files.readAllBytes(withTokenizer), StandardCharsets.ISO_8859_1);
        assertThat(from).hasSameSizeAs(to);
        int at = file.indexOf(from);
        assertThat(at).as(from).isPositive();
        Path bad = dir.resolve(name);
        Files.write(bad, (file.substring(0, at) + to + file.substring(at + from.length())).getBytes(StandardCharsets.ISO_8859_1));
        return bad;
    }

    @Test
    void theStoredTokenizerReadsBackUnchanged() throws Exception {
        try (Model m = Model.load(withTokenizer)) {
            assertThat(m.metadata()).containsEntry("tokenizer.json", Files.readString(TestModels.miniLmTokenizer()));
        }
        assertThat(TsrFile.verify(withTokenizer).weights()).isPositive();
    }

    @Test
    void aRenamedVocabularyEntryFailsTheChecksum() throws Exception {
        Path bad = edited("jello.tsr", "\\\"hello\\\"", "\\\"jello\\\"");
        assertThatThrownBy(() -> TsrFile.verify(bad)).isInstanceOf(TsrFormatException.class)
                .hasMessage("checksum mismatch in the metadata entries [tokenizer.json]");
        assertThatThrownBy(() -> Model.load(bad).close()).isInstanceOf(TsrFormatException.class)
                .hasMessage("checksum mismatch in the metadata entries [tokenizer.json]");
    }

    @Test
    void aLargeEntryIsStoredDeflatedAndReadsBackUnchanged() throws Exception {
        String tokenizer = Files.readString(TestModels.miniLmTokenizer());
        TsrSurgery s = TsrSurgery.open(Files.readAllBytes(withDeflatedTokenizer));
        Map<String, Object> header = Json.object(s.header.get("__metadata__"), "metadata");
        assertThat(header).doesNotContainKey("tokenizer.json").containsKey("tersor.deflated.tokenizer.json");
        assertThat(Files.size(withTokenizer) - Files.size(withDeflatedTokenizer))
                .as("bytes saved").isGreaterThan(tokenizer.length() / 2);
        try (Model m = Model.load(withDeflatedTokenizer)) {
            assertThat(m.metadata()).containsExactly(Map.entry("tokenizer.json", tokenizer));
        }
        assertThat(TsrFile.verify(withDeflatedTokenizer).metadata()).containsEntry("tokenizer.json", tokenizer);
    }

    @Test
    void aDamagedDeflatedEntryIsRejected() throws Exception {
        TsrSurgery s = TsrSurgery.open(Files.readAllBytes(withDeflatedTokenizer));
        Path bad = withByteFlipped("metadata::tokenizer.json", 0x04, "deflated-flipped.tsr");
        assertThatThrownBy(() -> Model.load(bad).close()).isInstanceOf(TsrFormatException.class)
                .hasMessageContaining("checksum mismatch in array 'metadata::tokenizer.json'");

        Map<String, Object> header = Json.object(s.header.get("__metadata__"), "metadata");
        String marker = (String) header.get("tersor.deflated.tokenizer.json");
        String[] fields = marker.split(" ");
        for (String length : new String[]{String.valueOf(Long.parseLong(fields[2]) - 1),
                String.valueOf(Long.parseLong(fields[2]) + 1), "-1", "99999999999", "x"}) {
            header.put("tersor.deflated.tokenizer.json", fields[0] + " " + fields[1] + " " + length);
            Path wrong = dir.resolve("deflated-length.tsr");
            Files.write(wrong, s.toBytes());
            assertThatThrownBy(() -> Model.load(wrong).close()).as(length).isInstanceOf(TsrFormatException.class)
                    .hasMessageContaining("tokenizer.json");
        }
    }

    @Test
    void aLargeGraphDescriptionIsStoredDeflatedAndReadsBackTheSame() throws Exception {
        Map<String, Object> inline = Json.object(TsrSurgery.open(Files.readAllBytes(withTokenizer)).header.get("__metadata__"), "m");
        String graph = (String) inline.get("tersor.graph");
        assertThat(graph.length()).as("graph JSON bytes").isGreaterThanOrEqualTo(DeflatedMetadata.THRESHOLD);
        TsrSurgery deflated = TsrSurgery.open(Files.readAllBytes(withDeflatedTokenizer));
        assertThat(deflated.graph).isNull();
        assertThat(Json.object(deflated.header.get("__metadata__"), "m")).doesNotContainKey("tersor.graph")
                .containsKey("tersor.deflated.tersor.graph").containsEntry("tersor.graph.crc32c", inline.get("tersor.graph.crc32c"));
        assertThat(deflated.range("graph")[1] - deflated.range("graph")[0]).isLessThan(graph.length() / 3);
        try (Model a = Model.load(withTokenizer); Model b = Model.load(withDeflatedTokenizer)) {
            assertThat(b.graph().nodes()).isEqualTo(a.graph().nodes());
            assertThat(b.graph().weights().keySet()).containsExactlyElementsOf(a.graph().weights().keySet());
        }
    }

    @Test
    void aDamagedOrDoubledGraphDescriptionIsRejected() throws Exception {
        TsrSurgery s = TsrSurgery.open(Files.readAllBytes(withDeflatedTokenizer));
        Path bad = withByteFlipped("graph", 0x20, "graph-flipped.tsr");
        assertThatThrownBy(() -> Model.load(bad).close()).isInstanceOf(TsrFormatException.class)
                .hasMessageContaining("checksum mismatch in array 'graph'");

        Map<String, Object> metadata = Json.object(s.header.get("__metadata__"), "m");
        metadata.put("tersor.graph", Json.object(TsrSurgery.open(Files.readAllBytes(withTokenizer)).header.get("__metadata__"), "m")
                .get("tersor.graph"));
        Path doubled = dir.resolve("graph-doubled.tsr");
        Files.write(doubled, s.toBytes());
        assertThatThrownBy(() -> Model.load(doubled).close()).isInstanceOf(TsrFormatException.class)
                .hasMessage("the graph description is stored twice, in the header and deflated");
    }

    @Test
    void metadataWithoutItsChecksumIsRejected() throws Exception {
        Path bad = edited("no-crc.tsr", "\"tersor.metadata.crc32c\"", "\"tersor.metadata.crc32x\"");
        assertThatThrownBy(() -> TsrFile.verify(bad)).isInstanceOf(TsrFormatException.class)
                .hasMessageStartingWith("the metadata entries [tokenizer.json, tersor.metadata.crc32x] carry no checksum");
    }

    @Test
    void verifyChecksConstantsAtTheirUses() throws Exception {
        // A float constant re-typed as int32 keeps its bytes and its checksum; only binding notices.
        try (Model m = Model.importOnnx(TestModels.miniLm(), ImportOptions.defaults(), Execution.defaults())) {
            TsrFile.write(m.graph(), dir.resolve("minilm.tsr"), Map.of(), Integer.MAX_VALUE);
        }
        TsrSurgery s = TsrSurgery.open(Files.readAllBytes(dir.resolve("minilm.tsr")));
        String retyped = null;
        for (var c : Json.object(s.graph.get("constants"), "constants").entrySet()) {
            String key = (String) Json.object(c.getValue(), c.getKey()).get("array");
            Map<String, Object> entry = Json.object(s.header.get(key), key);
            if (c.getKey().endsWith("LayerNorm.bias") && entry.get("dtype").equals("F32")) {
                entry.put("dtype", "I32");
                retyped = c.getKey();
                break;
            }
        }
        assertThat(retyped).as("a LayerNorm bias among the constants").isNotNull();
        Path bad = dir.resolve("retyped.tsr");
        Files.write(bad, s.toBytes());
        assertThatThrownBy(() -> TsrFile.verify(bad)).isInstanceOf(dev.tersor.graph.ModelException.class);
    }
}
