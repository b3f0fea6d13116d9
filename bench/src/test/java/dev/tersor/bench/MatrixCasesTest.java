package dev.tersor.bench;

import dev.tersor.format.QuantizedMatrix;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MatrixCasesTest {

    @Test
    void theCatalogueHoldsTheIssuesShapesAndPresets() {
        Map<String, MatrixCase> cases = MatrixCases.all().stream().collect(Collectors.toMap(MatrixCase::id, c -> c));
        assertThat(cases).hasSize(4 + 3 * 6);
        assertThat(new HashSet<>(MatrixCases.ids())).hasSameSizeAs(MatrixCases.ids());

        assertCase(cases.get("vgg16-fc6@deep-compression"), 4096, 25088, 0.04, 32);
        assertCase(cases.get("vgg16-fc7@deep-compression"), 4096, 4096, 0.04, 32);
        assertCase(cases.get("vgg16-fc8@deep-compression"), 1000, 4096, 0.23, 32);
        assertCase(cases.get("alexnet-fc6@deep-compression"), 4096, 9216, 0.09, 32);
        for (String shape : List.of("vgg16-fc6", "vgg16-fc7", "vgg16-fc8", "alexnet-fc6", "minilm-ffn-up", "minilm-ffn-down")) {
            assertCase(cases.get(shape + "@quantized-dense-k16"), -1, -1, 1.0, 16);
            assertCase(cases.get(shape + "@quantized-dense-k256"), -1, -1, 1.0, 256);
            assertCase(cases.get(shape + "@extreme"), -1, -1, 0.01, 4);
        }
        assertCase(cases.get("minilm-ffn-up@extreme"), 1536, 384, 0.01, 4);
        assertCase(cases.get("minilm-ffn-down@extreme"), 384, 1536, 0.01, 4);
        assertThat(cases.get("minilm-ffn-up@quantized-dense-k16").description()).contains("peaked");
        assertThat(cases).doesNotContainKey("minilm-ffn-up@deep-compression");
    }

    private static void assertCase(MatrixCase c, int rows, int cols, double density, int k) {
        assertThat(c).isNotNull();
        if (rows > 0) {
            assertThat(c.rows()).isEqualTo(rows);
            assertThat(c.cols()).isEqualTo(cols);
        }
        assertThat(c.density()).isEqualTo(density);
        assertThat(c.distinctValues()).isEqualTo(k);
        assertThat(c.id()).isEqualTo(c.shape() + "@" + c.preset());
    }

    @Test
    void casesAreDeterministicAndHaveTheirStatistics() {
        MatrixCase c = MatrixCases.named("minilm-ffn-down@extreme");
        QuantizedMatrix a = c.load();
        assertThat(c.load()).isEqualTo(a);
        long nonZeros = (long) a.rows() * a.cols() - a.codeCounts()[0];
        assertThat((double) nonZeros / (a.rows() * a.cols())).isBetween(0.008, 0.012);
        try (Workload workload = new Workload(a, 1)) {
            assertThat(workload.nonZeros()).isEqualTo(nonZeros);
        }
    }

    @Test
    void unknownCasesAreNamedInTheError() {
        assertThatThrownBy(() -> MatrixCases.named("vgg16-fc9@extreme")).hasMessageContaining("unknown matrix case")
                .hasMessageContaining("vgg16-fc6@deep-compression");
    }

    @Test
    void adHocCasesAreGeneratedFromTheirName() {
        MatrixCase c = MatrixCases.named("300x200@d0.1-k16");
        assertThat(c.id()).isEqualTo("300x200@d0.1-k16");
        QuantizedMatrix q = c.load();
        assertThat(q.rows()).isEqualTo(300);
        assertThat(q.cols()).isEqualTo(200);
        long nonZeros = (long) q.rows() * q.cols() - q.codeCounts()[0];
        assertThat((double) nonZeros / (q.rows() * q.cols())).isBetween(0.09, 0.11);
        assertThat(q.codebookSize()).isLessThanOrEqualTo(17);
        assertThatThrownBy(() -> MatrixCases.named("300x200@d1.5-k16")).hasMessageContaining("density in [0, 1]");
        assertThatThrownBy(() -> MatrixCases.named("300x200@d0.1")).hasMessageContaining("ROWSxCOLS@dDENSITY-kK");
    }
}
