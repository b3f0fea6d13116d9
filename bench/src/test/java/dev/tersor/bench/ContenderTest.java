package dev.tersor.bench;

import dev.tersor.bench.blas.OpenBlas;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Layouts;
import dev.tersor.synthetic.MatrixGenerator;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContenderTest {

    private static final QuantizedMatrix W = MatrixGenerator.builder().rows(70).cols(45).density(0.2)
            .distinctValues(5).seed(11).build().generate();

    @Test
    void everyFormatOnEveryProviderAndOpenBlasPassItsReferenceCheck() {
        for (int batch : new int[]{1, 4}) {
            for (int threads : new int[]{1, 2}) {
                try (Workload workload = new Workload(W, batch)) {
                    try (Contender blas = Contender.open(Variant.openBlas(), workload, threads)) {
                        blas.verify();
                        assertThat(blas.bytes()).isEqualTo(4L * 70 * 45);
                    }
                    for (String format : MatrixFormats.names()) {
                        if (format.equals(RefusingFormat.NAME)) {
                            continue;
                        }
                        for (Kernels kernels : Kernels.available()) {
                            try (Contender c = Contender.open(Variant.of(format, kernels.name()), workload, threads)) {
                                c.verify();
                                try (var encoded = MatrixFormats.named(format).encode(W)) {
                                    assertThat(c.bytes()).isEqualTo(encoded.byteSize());
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void aWrongProductFailsVerification() {
        try (Workload workload = new Workload(W, 2); Contender c = Contender.open(Variant.of("csr", "scalar"), workload, 1)) {
            c.verify();
            c.output().setAtIndex(Layouts.F32, 5, c.output().getAtIndex(Layouts.F32, 5) + 1f);
            assertThatThrownBy(() -> ReferenceCheck.verify(W, workload.x(), c.output(), 2, "csr/scalar"))
                    .hasMessageContaining("csr/scalar gives a wrong product");
        }
    }

    @Test
    void aFormatThatCannotEncodeIsSkippedWithItsReason() {
        try (Workload workload = new Workload(W, 1)) {
            assertThatThrownBy(() -> Contender.open(Variant.of(RefusingFormat.NAME, "scalar"), workload, 1))
                    .isInstanceOf(TrialSkippedException.class)
                    .hasMessageContaining("refusing cannot encode this matrix: " + RefusingFormat.REASON);
            assertThatThrownBy(() -> Contender.open(Variant.of("no-such-format", "scalar"), workload, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown format");
        }
    }

    @Test
    void theBlasContenderMatchesTheThreadCount() {
        OpenBlas blas = OpenBlas.load();
        try (Workload workload = new Workload(W, 1)) {
            try (Contender c = Contender.open(Variant.openBlas(), workload, 1)) {
                assertThat(blas.threads()).isEqualTo(c.threads());
            }
            try (Contender c = Contender.open(Variant.openBlas(), workload, 2)) {
                assertThat(blas.threads()).isEqualTo(Math.min(c.threads(), Runtime.getRuntime().availableProcessors()));
            }
        }
    }

    @Test
    void warmingUpPrimesOnTheFirstRowsAndLeavesTheProductCorrect() {
        QuantizedMatrix scaled = QuantizedMatrix.of(3, 4, new float[]{0f, 2f, -1f},
                new int[]{0, 1, 2, 0, 1, 1, 0, 0, 2, 0, 0, 1}, new float[]{1f, -2f, 0.5f});
        try (Workload workload = new Workload(scaled, 2)) {
            QuantizedMatrix two = workload.firstRows(2);
            assertThat(two.rows()).isEqualTo(2);
            assertThat(two.toDense()).containsExactly(Arrays.copyOf(scaled.toDense(), 8));
            assertThat(workload.firstRows(10)).isEqualTo(scaled);
        }
        try (Workload workload = new Workload(W, 3); Contender c = Contender.open(Variant.of("cser", "scalar"), workload, 2)) {
            assertThat(c.warmUp(1_000_000L)).isGreaterThanOrEqualTo(3);
            c.verify();
        }
    }

    @Test
    void variantsParseAndPrint() {
        assertThat(Variant.parse("cser/vector")).isEqualTo(Variant.of("cser", "vector"));
        assertThat(Variant.parse("openblas").isOpenBlas()).isTrue();
        assertThat(Variant.of("csr", "native").id()).isEqualTo("csr/native");
        for (String bad : new String[]{"cser", "/vector", "cser/", "a/b/c"}) {
            assertThatThrownBy(() -> Variant.parse(bad)).hasMessageContaining("format/provider");
        }
        assertThatThrownBy(() -> new Variant("openblas", "vector")).isInstanceOf(IllegalArgumentException.class);
    }
}
