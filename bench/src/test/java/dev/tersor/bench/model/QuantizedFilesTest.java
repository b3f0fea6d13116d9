package dev.tersor.bench.model;

import dev.tersor.bench.MatrixCases;
import dev.tersor.bench.RealCases;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.synthetic.MatrixGenerator;
import dev.tersor.synthetic.ValueDistribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuantizedFilesTest {

    @Test
    void matricesWithAndWithoutRowScalesRoundTrip(@TempDir Path dir) throws IOException {
        QuantizedMatrix plain = MatrixGenerator.builder().rows(37).cols(53).density(0.3).distinctValues(9)
                .distribution(ValueDistribution.PEAKED).seed(3).build().generate();
        float[] scales = new float[4];
        for (int r = 0; r < 4; r++) {
            scales[r] = 0.5f + r;
        }
        QuantizedMatrix scaled = QuantizedMatrix.of(4, 3, new float[]{0, 1, -2}, new int[]{0, 1, 2, 2, 1, 0, 0, 0, 1, 2, 2, 2},
                scales);
        for (QuantizedMatrix m : new QuantizedMatrix[]{plain, scaled}) {
            Path file = dir.resolve("m" + m.rows() + ".tqm");
            QuantizedFiles.write(m, file);
            assertThat(QuantizedFiles.read(file)).isEqualTo(m);
        }
        Path truncated = dir.resolve("truncated.tqm");
        byte[] whole = Files.readAllBytes(dir.resolve("m37.tqm"));
        Files.write(truncated, java.util.Arrays.copyOf(whole, 40));
        assertThatThrownBy(() -> QuantizedFiles.read(truncated)).hasMessageContaining("invalid header");
        Files.write(truncated, new byte[]{1, 2, 3, 4, 5, 6, 7, 8});
        assertThatThrownBy(() -> QuantizedFiles.read(truncated)).hasMessageContaining("not a quantized matrix file");
    }

    @Test
    void realCasesTakeTheFirstWeightOfEachShapeInModelOrder() {
        Map<String, QuantizedMatrix> weights = new LinkedHashMap<>();
        weights.put("q", QuantizedMatrix.of(384, 384, new float[]{0, 1}, new int[384 * 384], null));
        weights.put("up0", QuantizedMatrix.of(1536, 384, new float[]{0, 1}, new int[1536 * 384], null));
        weights.put("up1", QuantizedMatrix.of(1536, 384, new float[]{0, 2}, new int[1536 * 384], null));
        assertThat(RealCases.pick(weights, MatrixCases.MINILM_FFN_UP)).isSameAs(weights.get("up0"));
        assertThat(RealCases.pick(weights, RealCases.LAYERS.get(2))).isSameAs(weights.get("q"));
        assertThat(RealCases.pick(weights, MatrixCases.MINILM_FFN_DOWN)).isNull();
    }

    @Test
    void realCasesExistExactlyWhenTheBuildHasACompressor() {
        int expected = ModelCompressor.available().isEmpty() ? 0 : RealCases.LAYERS.size();
        assertThat(new RealCases().cases()).hasSize(expected).allMatch(c -> c.preset().equals(MatrixCases.REAL));
        assertThat(MatrixCases.ids().stream().filter(id -> id.endsWith("@" + MatrixCases.REAL))).hasSize(expected);
    }
}
