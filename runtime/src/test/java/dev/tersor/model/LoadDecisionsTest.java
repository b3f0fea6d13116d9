package dev.tersor.model;

import dev.tersor.format.ElementType;
import dev.tersor.format.Execution;
import dev.tersor.format.FormatCostModel;
import dev.tersor.format.MatrixFormats;
import dev.tersor.graph.Attributes;
import dev.tersor.graph.Node;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.ValueInfo;
import dev.tersor.graph.compile.GraphCompiler;
import dev.tersor.graph.compile.MutableGraph;
import dev.tersor.graph.compile.WeightEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Remembered load decisions: a later load runs each weight in the format an earlier one chose
 * without rating it, but a damaged, stale or unfitting entry is ignored and rewritten, and the file
 * is checked in full whatever an entry says.
 */
class LoadDecisionsTest {

    private static Model fastest(Path file, LoadDecisions cache) throws Exception {
        return Model.load(file, Execution.defaults(), ExecutionPolicy.FASTEST, FormatCostModel.ruleOfThumb(),
                Optional.of(cache), Optional.empty());
    }

    private static Map<String, String> resident(Model model) {
        return model.placements().stream().collect(Collectors.toMap(Model.WeightPlacement::weight,
                Model.WeightPlacement::residentFormat));
    }

    /** The one entry in {@code dir}. */
    private static Path entry(Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            List<Path> entries = files.filter(f -> f.toString().endsWith(".properties")).toList();
            assertThat(entries).hasSize(1);
            return entries.getFirst();
        }
    }

    private static Properties read(Path entry) throws Exception {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(entry)) {
            p.load(in);
        }
        return p;
    }

    private static void write(Path entry, Properties p) throws Exception {
        try (OutputStream out = Files.newOutputStream(entry)) {
            p.store(out, null);
        }
    }

    /** ids → Gather(table[60, 32]) → MatMul(w[32, 48]) with unquantized values, stored dense. */
    private static Path storedDense(Path dir) throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        float[] table = new float[60 * 32];
        float[] w = new float[32 * 48];
        for (int i = 0; i < table.length; i++) {
            table[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        MutableGraph g = new MutableGraph();
        g.addInput(new ValueInfo("ids", ElementType.I64, new int[]{1, -1}));
        g.addOutput("y");
        g.addConstant("table", Tensor.of(table, 60, 32));
        g.addConstant("w", Tensor.of(w, 32, 48));
        g.addNode(new Node("lookup", "Gather", List.of("table", "ids"), List.of("h"), Attributes.NONE));
        g.addNode(new Node("mm", "MatMul", List.of("h", "w"), List.of("y"), Attributes.NONE));
        Path file = dir.resolve("dense.tsr");
        try (Model m = Model.of(GraphCompiler.compile(g, WeightEncoder.of(MatrixFormats.named("dense")),
                ExecutionPolicyTest.FOLDING), Execution.defaults())) {
            m.save(file);
        }
        return file;
    }

    @Test
    void aLaterLoadRunsEachWeightInTheRememberedFormat(@TempDir Path dir) throws Exception {
        Path file = ExecutionPolicyTest.storedInHam(dir);
        LoadDecisions cache = LoadDecisions.in(dir.resolve("cache"));
        float[] expected;
        Map<String, String> rated;
        try (Model first = fastest(file, cache); Model stored = Model.load(file)) {
            rated = resident(first);
            expected = stored.run(ExecutionPolicyTest.INPUT).get("y").toFloatArray();
        }
        Path entry = entry(dir.resolve("cache"));
        Properties remembered = read(entry);
        assertThat(remembered.getProperty("weight.w")).isEqualTo(rated.get("w"));
        assertThat(rated.get("w")).isNotEqualTo("dense");

        // Another lossless choice, as if an earlier build had rated differently: followed, not rated again.
        remembered.setProperty("weight.w", "dense");
        remembered.setProperty("weight.w2", "dense");
        write(entry, remembered);
        try (Model second = fastest(file, cache)) {
            assertThat(resident(second)).containsEntry("w", "dense").containsEntry("w2", "dense")
                    .containsEntry("table", "ham");
            float[] actual = second.run(ExecutionPolicyTest.INPUT).get("y").toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).isCloseTo(expected[i], within(1e-5f * Math.max(1, Math.abs(expected[i]))));
            }
        }
        assertThat(read(entry).getProperty("weight.w")).as("a followed entry is left as it is").isEqualTo("dense");
    }

    @Test
    void aDamagedOrForeignEntryIsIgnoredAndRewritten(@TempDir Path dir) throws Exception {
        Path file = ExecutionPolicyTest.storedInHam(dir);
        Path cacheDir = dir.resolve("cache");
        LoadDecisions cache = LoadDecisions.in(cacheDir);
        Map<String, String> rated;
        try (Model first = fastest(file, cache)) {
            rated = resident(first);
        }
        Path entry = entry(cacheDir);
        Properties sound = read(entry);

        Properties unknownFormat = (Properties) sound.clone();
        unknownFormat.setProperty("weight.w", "no-such-format");
        Properties otherContents = (Properties) sound.clone();
        otherContents.setProperty("identity", sound.getProperty("identity") + "0");
        otherContents.setProperty("weight.w", "dense");
        for (Properties damaged : List.of(unknownFormat, otherContents)) {
            write(entry, damaged);
            try (Model again = fastest(file, cache)) {
                assertThat(resident(again)).isEqualTo(rated);
            }
            assertThat(read(entry)).isEqualTo(sound);
        }
        Files.write(entry, new byte[]{'w', 'e', 'i', 'g', 'h', 't', '.', 'w', '=', '\\', 'u', 'z', 'z', 'z', 'z'});
        try (Model again = fastest(file, cache)) {
            assertThat(resident(again)).isEqualTo(rated);
        }
        assertThat(read(entry)).isEqualTo(sound);
    }

    @Test
    void aRememberedFormatThatCannotHoldTheWeightIsRatedAfresh(@TempDir Path dir) throws Exception {
        Path file = storedDense(dir);
        LoadDecisions cache = LoadDecisions.in(dir.resolve("cache"));
        try (Model first = fastest(file, cache)) {
            assertThat(resident(first)).containsEntry("w", "dense");
        }
        Path entry = entry(dir.resolve("cache"));
        Properties p = read(entry);
        p.setProperty("weight.w", "q8"); // Gaussian values are no integer steps of a row scale
        write(entry, p);
        try (Model again = fastest(file, cache)) {
            assertThat(resident(again)).containsEntry("w", "dense");
        }
        assertThat(read(entry).getProperty("weight.w")).isEqualTo("dense");
    }

    @Test
    void aCorruptedFileIsRejectedWhateverTheEntrySays(@TempDir Path dir) throws Exception {
        Path file = ExecutionPolicyTest.storedInHam(dir);
        LoadDecisions cache = LoadDecisions.in(dir.resolve("cache"));
        fastest(file, cache).close();
        byte[] bytes = Files.readAllBytes(file);
        // a flipped bit in w's coded stream leaves the header, and so the entry's identity, unchanged
        TsrSurgery.flipFirstByte(bytes, "w::stream", 0x04);
        Files.write(file, bytes);
        assertThatThrownBy(() -> fastest(file, cache).close()).isInstanceOf(TsrFormatException.class)
                .hasMessageContaining("checksum mismatch").hasMessageNotContaining("\n");
        assertThat(entry(dir.resolve("cache"))).exists();
    }

    @Test
    void offTurnsRememberingOff() {
        String before = System.getProperty(LoadDecisions.PROPERTY);
        try {
            System.setProperty(LoadDecisions.PROPERTY, "off");
            assertThat(LoadDecisions.configured()).isEmpty();
            System.setProperty(LoadDecisions.PROPERTY, "/tmp/somewhere");
            assertThat(LoadDecisions.configured()).isPresent();
        } finally {
            if (before == null) {
                System.clearProperty(LoadDecisions.PROPERTY);
            } else {
                System.setProperty(LoadDecisions.PROPERTY, before);
            }
        }
    }
}
