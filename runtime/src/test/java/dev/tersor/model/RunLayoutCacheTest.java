package dev.tersor.model;

import dev.tersor.format.Execution;
import dev.tersor.format.FormatCostModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Transcoded containers kept in their run layouts: a later load of the same bytes runs the kept file
 * (the same placements, metadata and outputs, bit for bit), and any change to the source, or a
 * damaged, foreign or mislabelled entry, falls back to loading the source in full.
 */
class RunLayoutCacheTest {

    private static final Map<String, String> METADATA = Map.of("tokenizer.json", "{\"model\":\"a stand-in\"}");

    /** {@link ExecutionPolicyTest#storedInHam} with a metadata entry: an embedding table and two products, all in HAM. */
    private static Path source(Path dir) throws Exception {
        Path plain = ExecutionPolicyTest.storedInHam(dir);
        Path file = dir.resolve("with-metadata.tsr");
        try (Model m = Model.load(plain)) {
            m.save(file, METADATA);
        }
        return file;
    }

    private static Model fastest(Path file, RunLayoutCache runs) throws Exception {
        return Model.load(file, Execution.defaults(), ExecutionPolicy.FASTEST, FormatCostModel.ruleOfThumb(),
                Optional.empty(), Optional.of(runs));
    }

    private static float[] output(Model model) {
        return model.run(ExecutionPolicyTest.INPUT).get("y").toFloatArray();
    }

    private static Path entry(Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            List<Path> entries = files.toList();
            assertThat(entries).as("the cache holds one entry and nothing partial").hasSize(1);
            assertThat(entries.getFirst().toString()).endsWith(".tsr");
            return entries.getFirst();
        }
    }

    @Test
    void aLaterLoadOfTheSameBytesRunsTheKeptLayouts(@TempDir Path dir) throws Exception {
        Path file = source(dir);
        RunLayoutCache runs = new RunLayoutCache(dir.resolve("run"));
        float[] expected;
        List<Model.WeightPlacement> placements;
        try (Model first = fastest(file, runs)) {
            expected = output(first);
            placements = first.placements();
            assertThat(first.metadata()).isEqualTo(METADATA);
        }
        assertThat(placements).anyMatch(p -> !p.storedFormat().equals(p.residentFormat()));
        Path entry = entry(dir.resolve("run"));
        assertThat(TsrFile.verify(entry).weights()).isEqualTo(placements.size());
        try (Model kept = Model.load(entry)) {
            assertThat(kept.placements()).as("the entry stores the run layouts as they are")
                    .allMatch(p -> p.storedFormat().equals(p.residentFormat()));
            assertThat(kept.metadata()).containsKeys(RunLayoutCache.SOURCE_KEY, RunLayoutCache.PLACEMENTS_KEY);
        }
        assertThat(runs.open(file, Execution.defaults())).hasValueSatisfying(Model::close);

        try (Model second = fastest(file, runs)) {
            assertThat(second.placements()).isEqualTo(placements);
            assertThat(second.metadata()).as("the cache's own entries are not the model's").isEqualTo(METADATA);
            assertThat(output(second)).isEqualTo(expected);
        }
    }

    @Test
    void aChangedSourceIsLoadedInFullAndItsCorruptionReported(@TempDir Path dir) throws Exception {
        Path file = source(dir);
        RunLayoutCache runs = new RunLayoutCache(dir.resolve("run"));
        fastest(file, runs).close();
        byte[] bytes = Files.readAllBytes(file);
        // a flipped bit in w's coded stream leaves the header, and so the entry's file name, unchanged
        TsrSurgery.flipFirstByte(bytes, "w::stream", 0x04);
        Files.write(file, bytes);
        assertThat(runs.fileFor(file)).as("found by the header, refused by the checksum of all bytes").exists();
        assertThat(runs.open(file, Execution.defaults())).isEmpty();
        assertThatThrownBy(() -> fastest(file, runs).close()).isInstanceOf(TsrFormatException.class)
                .hasMessageContaining("checksum mismatch");
    }

    @Test
    void aDamagedEntryIsIgnoredAndReplaced(@TempDir Path dir) throws Exception {
        Path file = source(dir);
        RunLayoutCache runs = new RunLayoutCache(dir.resolve("run"));
        float[] expected;
        try (Model first = fastest(file, runs)) {
            expected = output(first);
        }
        Path entry = entry(dir.resolve("run"));
        byte[] sound = Files.readAllBytes(entry);
        byte[] damaged = sound.clone();
        damaged[damaged.length - 1] ^= 0x10;
        Files.write(entry, damaged);
        String key = RunLayoutCache.key(file);
        assertThat(runs.open(file, Execution.defaults())).isEmpty();
        try (Model again = fastest(file, runs)) {
            assertThat(output(again)).isEqualTo(expected);
        }
        assertThat(Files.readAllBytes(entry(dir.resolve("run")))).isEqualTo(sound);
        assertThat(runs.open(file, Execution.defaults())).hasValueSatisfying(Model::close);
    }

    @Test
    void anEntryMadeFromAnotherSourceOrDescribingOtherWeightsIsIgnored(@TempDir Path dir) throws Exception {
        Path file = source(dir);
        RunLayoutCache runs = new RunLayoutCache(dir.resolve("run"));
        fastest(file, runs).close();
        Path entry = entry(dir.resolve("run"));
        String key = RunLayoutCache.key(file);
        Map<String, String> metadata;
        try (Model kept = Model.load(entry)) {
            metadata = kept.metadata();
        }
        String placements = metadata.get(RunLayoutCache.PLACEMENTS_KEY);
        List<Map<String, String>> edits = List.of(
                Map.of(RunLayoutCache.SOURCE_KEY, key + "0"),
                Map.of(RunLayoutCache.PLACEMENTS_KEY, placements.replace("\"w2\"", "\"w3\"")),
                Map.of(RunLayoutCache.PLACEMENTS_KEY, placements.replaceFirst("\"residentBytes\":[0-9]+", "\"residentBytes\":1")),
                Map.of(RunLayoutCache.PLACEMENTS_KEY, "[{\"weight\":"));
        for (Map<String, String> edit : edits) {
            Path edited = dir.resolve("edited.tsr");
            try (Model kept = Model.load(entry)) {
                kept.save(edited, edit);
            }
            Files.move(edited, entry, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertThat(runs.open(file, Execution.defaults())).as(edit.toString()).isEmpty();
        }
    }

    @Test
    void aCacheThatCannotBeWrittenCostsNothingButTime(@TempDir Path dir) throws Exception {
        Path file = source(dir);
        Path blocked = dir.resolve("not-a-folder");
        Files.writeString(blocked, "a file where the cache's folder would be");
        RunLayoutCache runs = new RunLayoutCache(blocked);
        float[] expected;
        try (Model uncached = Model.load(file, Execution.defaults(), ExecutionPolicy.FASTEST, FormatCostModel.ruleOfThumb())) {
            expected = output(uncached);
        }
        for (int load = 0; load < 2; load++) {
            try (Model m = fastest(file, runs)) {
                assertThat(m.placements()).anyMatch(p -> !p.storedFormat().equals(p.residentFormat()));
                assertThat(output(m)).isEqualTo(expected);
            }
        }
        assertThat(Files.readString(blocked)).startsWith("a file");
    }

    @Test
    void aModelLeftAsStoredIsNotKept(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("dense.tsr");
        try (Model ham = Model.load(source(dir), Execution.defaults(), ExecutionPolicy.FASTEST, FormatCostModel.ruleOfThumb())) {
            ham.save(file);
        }
        RunLayoutCache runs = new RunLayoutCache(dir.resolve("run"));
        try (Model m = fastest(file, runs)) {
            assertThat(m.placements()).allMatch(p -> p.storedFormat().equals(p.residentFormat()));
        }
        assertThat(dir.resolve("run")).doesNotExist();
    }
}
