package dev.tersor.model;

import dev.tersor.format.Execution;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.compile.WeightEncoder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code .tsr} container on the PP-OCR classifier the build fetches, with weights in every registered format. */
class TsrFileTest {

    @TempDir
    static Path dir;

    static Path mixed;
    static Path dense;

    /**
     * Cycles through the registered formats, so each one is stored and read back. Weights are first
     * rounded to 16 levels times one power of two per matrix, which every format can hold exactly (the
     * bit-packed and XOR formats cannot hold arbitrary floats); a format that still refuses a matrix
     * passes it to the next one.
     */
    static WeightEncoder everyFormat() {
        List<MatrixFormat> formats = MatrixFormats.all();
        int[] next = {0};
        return new WeightEncoder() {
            @Override
            public WeightMatrix encode(String name, dev.tersor.format.DenseMatrixView weights) {
                return encode(name, sixteenLevels(weights));
            }

            @Override
            public WeightMatrix encode(String name, dev.tersor.format.QuantizedMatrix weights) {
                dev.tersor.format.QuantizedMatrix q = sixteenLevels(weights.toDenseView());
                IllegalArgumentException refused = null;
                for (int attempt = 0; attempt < formats.size(); attempt++) {
                    MatrixFormat format = formats.get(next[0]++ % formats.size());
                    try {
                        return format.encode(q);
                    } catch (IllegalArgumentException e) {
                        refused = e;
                    }
                }
                throw refused;
            }
        };
    }

    /** {@code round(w / 2^e)·2^e} with levels in [−8, 7], {@code 2^e} the power of two that fits the largest weight. */
    static dev.tersor.format.QuantizedMatrix sixteenLevels(dev.tersor.format.DenseMatrixView w) {
        float max = 0;
        for (int r = 0; r < w.rows(); r++) {
            for (int c = 0; c < w.cols(); c++) {
                max = Math.max(max, Math.abs(w.get(r, c)));
            }
        }
        float step = max == 0 ? 1f : (float) Math.pow(2, Math.ceil(Math.log(max / 7.0) / Math.log(2)));
        float[] codebook = new float[16];
        for (int k = 0; k < 16; k++) {
            codebook[k] = (k - 8) * step;
        }
        int[] codes = new int[w.rows() * w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            for (int c = 0; c < w.cols(); c++) {
                codes[r * w.cols() + c] = Math.clamp(Math.round(w.get(r, c) / step), -8, 7) + 8;
            }
        }
        return dev.tersor.format.QuantizedMatrix.of(w.rows(), w.cols(), codebook, codes, null);
    }

    @BeforeAll
    static void write() throws Exception {
        mixed = dir.resolve("cls-mixed.tsr");
        dense = dir.resolve("cls-dense.tsr");
        try (Model m = Model.importOnnx(TestModels.ppOcrClassifier(), new ImportOptions(everyFormat()), Execution.defaults())) {
            m.save(mixed);
        }
        try (Model m = Model.load(TestModels.ppOcrClassifier())) {
            m.save(dense);
        }
    }

    @Test
    void roundTripGivesIdenticalOutputs() throws Exception {
        Map<String, Tensor> in = ModelApiTest.image(2, 96);
        try (Model onnx = Model.importOnnx(TestModels.ppOcrClassifier(), new ImportOptions(everyFormat()), Execution.defaults());
             Model tsr = Model.load(mixed)) {
            assertThat(tsr.graph().weights().values().stream().map(WeightMatrix::formatName).distinct())
                    .containsExactlyInAnyOrderElementsOf(MatrixFormats.names());
            for (var e : onnx.graph().weights().entrySet()) {
                WeightMatrix loaded = tsr.graph().weights().get(e.getKey());
                assertThat(loaded.formatName()).isEqualTo(e.getValue().formatName());
                assertThat(loaded.toDense()).as(e.getKey()).isEqualTo(e.getValue().toDense());
            }
            assertThat(tsr.run(in).get("softmax_0.tmp_0").contentEquals(onnx.run(in).get("softmax_0.tmp_0"))).isTrue();
        }
    }

    @Test
    void weightsAreMappedNotCopied() throws Exception {
        try (Model tsr = Model.load(dense)) {
            for (WeightMatrix w : tsr.graph().weights().values()) {
                for (LayoutArray array : w.layout().arrays().values()) {
                    assertThat(array.data().isMapped()).isTrue();
                    assertThat(array.data().address() % 64).isZero();
                }
            }
        }
    }

    /**
     * Constants (biases, norm scales) are copied out of the mapping: kernels load them beside native
     * activations, and a vector load site that sees mapped and native segments loses C2's intrinsic.
     */
    @Test
    void constantsAreNativeCopiesNotMappings() throws Exception {
        try (Model tsr = Model.load(dense)) {
            assertThat(tsr.graph().constants()).isNotEmpty();
            for (Tensor constant : tsr.graph().constants().values()) {
                assertThat(constant.data().isMapped()).isFalse();
                assertThat(constant.data().isNative()).isTrue();
            }
        }
    }

    /** The layout safetensors readers expect: header length, JSON, arrays tiling the data exactly. */
    @Test
    void isAValidSafetensorsFile() throws Exception {
        byte[] file = Files.readAllBytes(mixed);
        long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat((8 + n) % 64).isZero();
        Map<String, Object> header = Json.object(Json.parse(new String(file, 8, (int) n, StandardCharsets.UTF_8), "h"), "h");
        Map<String, Object> metadata = Json.object(header.get("__metadata__"), "m");
        assertThat(metadata).containsEntry("format", "tersor");
        assertThat(metadata).as("the graph description, inline or deflated").containsAnyOf(
                Map.entry("tersor.graph", metadata.getOrDefault("tersor.graph", "")),
                Map.entry("tersor.deflated.tersor.graph", metadata.getOrDefault("tersor.deflated.tersor.graph", "")));
        List<long[]> ranges = new ArrayList<>();
        for (var e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            Map<String, Object> entry = Json.object(e.getValue(), e.getKey());
            assertThat(List.of("F32", "U8", "U16", "U32", "I32", "I64", "I8", "U64", "BOOL")).contains((String) entry.get("dtype"));
            List<Object> offsets = Json.array(entry.get("data_offsets"), "o");
            ranges.add(new long[]{(Long) offsets.get(0), (Long) offsets.get(1)});
            if (!e.getKey().startsWith("__pad_")) {
                assertThat((8 + n + (Long) offsets.get(0)) % 64).as(e.getKey()).isZero();
            }
        }
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        long end = 0;
        for (long[] r : ranges) {
            assertThat(r[0]).isEqualTo(end);
            end = r[1];
        }
        assertThat(end).isEqualTo(file.length - 8 - n);
    }

    @Test
    void truncatedFilesAreRejected() throws Exception {
        byte[] file = Files.readAllBytes(dense);
        for (int length : new int[]{0, 3, 8, 9, 100, file.length / 2, file.length - 1}) {
            Path cut = dir.resolve("cut-" + length + ".tsr");
            Files.write(cut, java.util.Arrays.copyOf(file, length));
            assertThatThrownBy(() -> Model.load(cut).close()).as("length %d", length).isInstanceOf(TsrFormatException.class);
        }
    }

    @Test
    void aFlippedDataByteFailsItsChecksum() throws Exception {
        byte[] file = Files.readAllBytes(dense);
        file[file.length - 100] ^= 0x10;
        Path bad = dir.resolve("flipped.tsr");
        Files.write(bad, file);
        assertThatThrownBy(() -> Model.load(bad).close()).isInstanceOf(TsrFormatException.class)
                .hasMessageContaining("checksum mismatch");
    }

    @Test
    void aByteSetInAlignmentPaddingIsRejected() throws Exception {
        byte[] file = Files.readAllBytes(mixed);
        TsrSurgery s = TsrSurgery.open(file);
        String pad = s.header.keySet().stream().filter(k -> k.startsWith("__pad_")).findFirst().orElseThrow();
        long dataStart = file.length - s.data.length;
        file[(int) (dataStart + s.range(pad)[0])] = 1;
        Path bad = dir.resolve("padding.tsr");
        Files.write(bad, file);
        assertThatThrownBy(() -> Model.load(bad).close()).isInstanceOf(TsrFormatException.class)
                .hasMessageContaining("'" + pad + "'").hasMessageContaining("zero padding");
    }

    @Test
    void otherVersionsAreRejected() throws Exception {
        TsrSurgery s = TsrSurgery.open(Files.readAllBytes(dense));
        Json.object(s.header.get("__metadata__"), "m").put("tersor.version", "2");
        Path bad = dir.resolve("v2.tsr");
        Files.write(bad, s.toBytes());
        assertThatThrownBy(() -> Model.load(bad).close()).isInstanceOf(TsrFormatException.class)
                .hasMessageContaining("version 2");
    }

    @Test
    void verifyAcceptsSoundFiles() throws Exception {
        TsrFile.Report report = TsrFile.verify(mixed);
        assertThat(report.weights()).isEqualTo(54);
    }

    /** A container held in memory goes through the file's checks and loads to the same model. */
    @Test
    void aContainerInMemoryReadsAsItsFile() throws Exception {
        byte[] file = Files.readAllBytes(dense);
        Map<String, Tensor> in = ModelApiTest.image(1, 96);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment copy = arena.allocate(file.length, 64).copyFrom(MemorySegment.ofArray(file));
            assertThat(TsrFile.verify(copy, "copy")).isEqualTo(TsrFile.verify(dense));
            try (Model fromMemory = Model.loadTsr(copy, Execution.defaults(), "copy"); Model fromFile = Model.load(dense)) {
                assertThat(fromMemory.run(in).get("softmax_0.tmp_0").contentEquals(fromFile.run(in).get("softmax_0.tmp_0")))
                        .isTrue();
            }
            copy.set(ValueLayout.JAVA_BYTE, file.length - 100, (byte) (file[file.length - 100] ^ 0x10));
            assertThatThrownBy(() -> TsrFile.verify(copy, "copy")).isInstanceOf(TsrFormatException.class)
                    .hasMessageContaining("checksum mismatch");
        }
    }
}
