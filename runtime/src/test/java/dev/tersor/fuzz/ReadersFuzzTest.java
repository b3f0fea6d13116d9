package dev.tersor.fuzz;

import dev.tersor.embed.InvalidTokenizerException;
import dev.tersor.embed.Tokenizer;
import dev.tersor.format.Execution;
import dev.tersor.format.InvalidLayoutException;
import dev.tersor.graph.ModelException;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.ValueInfo;
import dev.tersor.graph.plan.Plan;
import dev.tersor.io.Npy;
import dev.tersor.model.ImportOptions;
import dev.tersor.model.Model;
import dev.tersor.model.TestModels;
import dev.tersor.model.TsrFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every reader of untrusted bytes under {@link MutationFuzzer}: {@code .npy}, {@code tokenizer.json},
 * ONNX models and the {@code .tsr} header (graph JSON, layouts, stored tokenizer). A short run per
 * target in the test suite; {@code -Dtersor.fuzz.seconds=S} and {@code -Dtersor.fuzz.executions=N}
 * make it a long campaign (docs/reliability.md has the command).
 */
class ReadersFuzzTest {

    static final Duration BUDGET = Duration.ofSeconds(Long.getLong("tersor.fuzz.seconds", 20));
    static final long EXECUTIONS = Long.getLong("tersor.fuzz.executions", Long.MAX_VALUE);
    static final long SEED = Long.getLong("tersor.fuzz.seed", 1);

    /** What a reader may throw for bad bytes: Tersor's typed errors, and I/O errors of the file itself. */
    static final Predicate<Throwable> TYPED = t -> t instanceof ModelException || t instanceof InvalidLayoutException
            || t instanceof InvalidTokenizerException || t instanceof IOException || t instanceof UncheckedIOException;

    @TempDir
    static Path dir;

    static String previousLimit;

    @BeforeAll
    static void limitActivations() {
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

    private static void fuzz(String name, List<byte[]> seeds, MutationFuzzer.Target target) throws Exception {
        long start = System.nanoTime();
        MutationFuzzer.Result result = new MutationFuzzer(seeds, target, TYPED, Duration.ofSeconds(20))
                .keepingLastInput(Path.of("target", "fuzz-" + name + "-last.bin"))
                .run(EXECUTIONS, BUDGET, SEED);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("fuzz %s: %d executions, %d accepted, %d failures, in %.0f s (%.0f per second)%n", name,
                result.executions(), result.accepted(), result.failures().size(), seconds, result.executions() / seconds);
        if (!result.failures().isEmpty()) {
            MutationFuzzer.Failure first = result.failures().getFirst();
            Path saved = Files.write(Path.of("target", "fuzz-" + name + "-failure.bin"), first.input());
            throw new AssertionError(name + ": " + first + "; input saved as " + saved, first.cause());
        }
        assertThat(result.executions()).isPositive();
    }

    private static byte[] file(Path path) throws IOException {
        return Files.readAllBytes(path);
    }

    @Test
    void npy() throws Exception {
        List<byte[]> seeds = new ArrayList<>();
        Tensor[] tensors = {Tensor.of(new float[]{1.5f, -2, 0, Float.MIN_VALUE}, 2, 2), Tensor.ofLongs(new long[]{101, 2, 3}, 1, 3),
                Tensor.ofInts(new int[]{7}, 1), Tensor.scalar(3f)};
        for (int i = 0; i < tensors.length; i++) {
            Path p = dir.resolve("seed" + i + ".npy");
            Npy.write(tensors[i], p);
            seeds.add(file(p));
        }
        Path input = dir.resolve("fuzz.npy");
        fuzz("npy", seeds, bytes -> {
            Files.write(input, bytes);
            Tensor t = Npy.read(input);
            assertThat((long) t.size() * t.type().bytes()).as("elements read").isLessThanOrEqualTo(bytes.length);
        });
    }

    @Test
    void tokenizerJson() throws Exception {
        List<byte[]> seeds = List.of(TokenizerSeeds.wordPiece(), TokenizerSeeds.bpe(), TokenizerSeeds.unigram());
        List<String> texts = List.of("hello world", "ꙮ 漢字 \u0000 \uD83E\uDD96", "", "a".repeat(300));
        // Construction is the gate; once a tokenizer is accepted, encoding any text must not abort the JVM.
        fuzz("tokenizer", seeds, bytes -> {
            try (Tokenizer t = Tokenizer.fromJson(bytes, 16)) {
                for (String text : texts) {
                    t.encode(text);
                }
                t.encode(texts);
            }
        });
    }

    @Test
    void onnx() throws Exception {
        Path data = Path.of(System.getProperty("tersor.onnx.testdata", "/usr/share/libonnx-testdata/data"), "node");
        List<byte[]> seeds = new ArrayList<>();
        for (String test : List.of("test_gemm_default_single_elem_vector_bias", "test_matmul_2d", "test_gather_0",
                "test_conv_with_strides_padding", "test_softmax_axis_0", "test_layer_normalization_2d_axis0",
                "test_reshape_reordered_all_dims", "test_relu")) {
            seeds.add(file(data.resolve(test).resolve("model.onnx")));
        }
        Path input = dir.resolve("fuzz.onnx");
        fuzz("onnx", seeds, bytes -> {
            Files.write(input, bytes);
            try (Model m = Model.importOnnx(input, ImportOptions.defaults(), Execution.defaults())) {
                Map<String, int[]> shapes = new HashMap<>();
                for (ValueInfo in : m.inputs()) {
                    shapes.put(in.name(), Arrays.stream(in.dims()).map(d -> d < 0 ? 2 : d).toArray());
                }
                m.plan(shapes);
            }
        });
    }

    /**
     * The header of a real container (the PP-OCR classifier with a stored tokenizer) is mutated as
     * JSON text and put back with a correct length and padding, so mutations reach the parser of the
     * graph, the layouts and the metadata. Checksums are left as they were: an accepted file must
     * therefore load to the same model, with the same outputs and the same metadata.
     */
    @Test
    void tsrHeader() throws Exception {
        Path original = dir.resolve("cls.tsr");
        String tokenizer = new String(TokenizerSeeds.wordPiece(), StandardCharsets.UTF_8);
        try (Model m = Model.importOnnx(TestModels.ppOcrClassifier(), ImportOptions.defaults(), Execution.defaults())) {
            m.save(original, Map.of("tokenizer.json", tokenizer));
        }
        byte[] file = file(original);
        long headerLength = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        byte[] header = Arrays.copyOfRange(file, 8, (int) (8 + headerLength));
        byte[] data = Arrays.copyOfRange(file, (int) (8 + headerLength), file.length);
        Map<String, Tensor> image = image();
        Tensor expected;
        Map<String, String> metadata;
        try (Model m = Model.load(original)) {
            expected = m.run(image).values().iterator().next();
            metadata = m.metadata();
        }
        // In memory rather than through a file: mapping a file per input held the rate near 60 per second.
        // One off-heap buffer, aligned like a mapping, serves every input: the fuzzer runs them one at a time.
        MemorySegment[] buffer = {MemorySegment.NULL};
        fuzz("tsr-header", List.of(header), bytes -> {
            byte[] container = withHeader(bytes, data);
            if (buffer[0].byteSize() < container.length) {
                buffer[0] = Arena.ofAuto().allocate(container.length, 64);
            }
            MemorySegment input = buffer[0].asSlice(0, container.length).copyFrom(MemorySegment.ofArray(container));
            TsrFile.verify(input, "fuzz.tsr");
            try (Model m = Model.loadTsr(input, Execution.defaults(), "fuzz.tsr")) {
                assertThat(m.metadata()).as("metadata of an accepted mutation").isEqualTo(metadata);
                assertThat(m.run(image).values().iterator().next().contentEquals(expected))
                        .as("outputs of an accepted mutation").isTrue();
            }
        });
    }

    /** The header text padded with spaces to the data's alignment, behind its little-endian length. */
    private static byte[] withHeader(byte[] header, byte[] data) {
        int padded = (header.length + 8 + 63) / 64 * 64 - 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(header);
        for (int i = header.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        return out.put(data).array();
    }

    private static Map<String, Tensor> image() {
        float[] pixels = new float[3 * 48 * 32];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) Math.sin(i * 0.01);
        }
        return Map.of("x", Tensor.of(pixels, 1, 3, 48, 32));
    }
}
