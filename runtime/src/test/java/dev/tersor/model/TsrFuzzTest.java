package dev.tersor.model;

import dev.tersor.format.Execution;
import dev.tersor.graph.ModelException;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.plan.Plan;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Thousands of mutations of a real {@code .tsr} (the PP-OCR classifier, its weights spread over every
 * registered format): random byte flips, truncations, and a hostile writer's edits that keep every
 * checksum and the padding valid (numbers, names and keys changed in the header and the graph, bytes
 * changed inside weight arrays). Each mutated file must either load, and then run or fail with a
 * {@link ModelException}, or fail to load with a {@link ModelException}. Anything else (another
 * exception, a crash, a hang) fails the test.
 */
class TsrFuzzTest {

    @TempDir
    static Path dir;

    static byte[] original;
    /** The same model with its graph description in the header, where the hostile edits can reach it. */
    static byte[] inlineGraph;
    static String previousLimit;

    @BeforeAll
    static void write() throws Exception {
        Path file = dir.resolve("cls.tsr");
        try (Model m = Model.importOnnx(TestModels.ppOcrClassifier(), new ImportOptions(TsrFileTest.everyFormat()),
                Execution.defaults())) {
            m.save(file);
            TsrFile.write(m.graph(), dir.resolve("cls-inline.tsr"), Map.of(), Integer.MAX_VALUE);
        }
        original = Files.readAllBytes(file);
        inlineGraph = Files.readAllBytes(dir.resolve("cls-inline.tsr"));
        // A hostile graph may ask for huge activations; keep what one may allocate small here.
        previousLimit = System.setProperty(Plan.MAX_BYTES_PROPERTY, String.valueOf(64L << 20));
    }

    @AfterAll
    static void restore() {
        if (previousLimit == null) {
            System.clearProperty(Plan.MAX_BYTES_PROPERTY);
        } else {
            System.setProperty(Plan.MAX_BYTES_PROPERTY, previousLimit);
        }
    }

    /** Loads {@code bytes} from memory as loading a file would, then runs once; returns how it ended. */
    private static String attempt(byte[] bytes) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment file = arena.allocate(Math.max(bytes.length, 1), 64).asSlice(0, bytes.length);
            MemorySegment.copy(bytes, 0, file, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
            dev.tersor.graph.Graph graph;
            try {
                graph = TsrFile.parse(file).graph();
            } catch (ModelException e) {
                return "rejected";
            }
            try (Model model = new Model(graph, null, Execution.defaults(), "fuzz")) {
                Map<String, Tensor> out = model.run(ModelApiTest.image(1, 32));
                return out.isEmpty() ? "empty" : "ran";
            } catch (ModelException e) {
                return "failed cleanly";
            }
        }
    }

    private static void check(String what, byte[] bytes, List<String> outcomes) {
        try {
            outcomes.add(attempt(bytes));
        } catch (Throwable t) {
            throw new AssertionError(what + " escaped as " + t, t);
        }
    }

    @Test
    void randomByteFlipsAndTruncations() {
        Random random = new Random(11);
        List<String> outcomes = new ArrayList<>();
        long headerEnd = 8 + java.nio.ByteBuffer.wrap(original).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertTimeoutPreemptively(Duration.ofMinutes(5), () -> {
            for (int i = 0; i < 1500; i++) {
                byte[] bytes = original.clone();
                int flips = 1 + random.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    // Half of the flips hit the header, where structure lives.
                    int at = random.nextBoolean() ? random.nextInt((int) headerEnd) : random.nextInt(bytes.length);
                    bytes[at] = (byte) (random.nextBoolean() ? bytes[at] ^ (1 << random.nextInt(8)) : random.nextInt(256));
                }
                check("flips #" + i, bytes, outcomes);
            }
            for (int i = 0; i < 200; i++) {
                int length = random.nextInt(original.length);
                check("truncation to " + length, Arrays.copyOf(original, length), outcomes);
            }
        });
        assertThat(outcomes).contains("rejected");
    }

    @Test
    void hostileEditsWithValidChecksums() throws Exception {
        Random random = new Random(12);
        List<String> outcomes = new ArrayList<>();
        assertTimeoutPreemptively(Duration.ofMinutes(8), () -> {
            for (int i = 0; i < 1600; i++) {
                TsrSurgery s = TsrSurgery.open(inlineGraph);
                String what = switch (i % 4) {
                    case 0 -> JsonMutator.mutateNumber(s.header, random);
                    case 1 -> JsonMutator.mutateNumber(s.graph, random);
                    case 2 -> JsonMutator.mutateStructure(random.nextBoolean() ? s.graph : s.header, random);
                    default -> mutateArray(s, random);
                };
                check("hostile edit #" + i + " (" + what + ")", s.toBytes(), outcomes);
            }
        });
        assertThat(outcomes).contains("rejected", "ran");
    }

    /** Overwrites a few elements of one weight array and fixes its checksum: only the format's validator stands guard. */
    private static String mutateArray(TsrSurgery s, Random random) {
        List<String> keys = new ArrayList<>();
        for (String key : s.header.keySet()) {
            if (key.contains("::")) {
                keys.add(key);
            }
        }
        String key = keys.get(random.nextInt(keys.size()));
        int[] r = s.range(key);
        if (r[1] > r[0]) {
            for (int k = 0; k < 1 + random.nextInt(3); k++) {
                int at = r[0] + random.nextInt(r[1] - r[0]);
                s.data[at] = (byte) (random.nextInt(4) == 0 ? 0xFF : random.nextInt(256));
            }
        }
        s.fixChecksum(key);
        return "bytes of " + key;
    }
}
