package dev.tersor.bench.matvec;

import dev.tersor.bench.RefusingFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import dev.tersor.synthetic.MatrixGenerator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The shape of the harness's answer on a tiny matrix; never its timings. */
class MatVecHarnessTest {

    private static final MatVecHarness.Settings FAST = new MatVecHarness.Settings(5_000_000L, 1_000_000L, 5);

    @Test
    void everyFormatIsMeasuredOrSkippedWithItsReason() {
        QuantizedMatrix source = MatrixGenerator.builder().rows(40).cols(33).density(0.25).distinctValues(5).seed(1)
                .build().generate();
        for (int batch : new int[]{1, 8}) {
            MatVecHarness.Result result = MatVecHarness.run(source, batch, 2, "scalar", FAST);
            assertThat(result.blasRoutine()).isEqualTo(batch == 1 ? "sgemv" : "sgemm");
            assertThat(result.blasBytes()).isEqualTo(4L * 40 * 33);
            assertThat(result.blasTime().median()).isPositive();
            assertThat(result.formats()).extracting(MatVecHarness.FormatResult::format)
                    .containsExactlyElementsOf(MatrixFormats.names());
            for (MatVecHarness.FormatResult format : result.formats()) {
                if (format.format().equals(RefusingFormat.NAME)) {
                    assertThat(format.status()).isEqualTo("skipped");
                    assertThat(format.message()).contains(RefusingFormat.REASON);
                    assertThat(format.time()).isNull();
                    continue;
                }
                assertThat(format.ok()).as(format.format()).isTrue();
                assertThat(format.time().count()).isEqualTo(FAST.runs());
                assertThat(format.time().p25()).isLessThanOrEqualTo(format.time().median());
                assertThat(format.time().median()).isLessThanOrEqualTo(format.time().p75()).isPositive();
                assertThat(format.speedUpVsBlas())
                        .isCloseTo(result.blasTime().median() / format.time().median(), within(1e-9));
                try (WeightMatrix encoded = MatrixFormats.named(format.format()).encode(source)) {
                    assertThat(format.bytes()).isEqualTo(encoded.byteSize());
                }
            }
        }
    }
}
