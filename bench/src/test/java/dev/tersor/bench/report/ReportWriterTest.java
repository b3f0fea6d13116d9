package dev.tersor.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The report of a small recorded run (JMH JSON, trial log, plan and machine from a real smoke run of
 * two MiniLM cases), with two trials removed afterwards to stand for a fork lost while measuring and
 * one lost before its set-up finished. Expected cells were computed by hand from the raw samples.
 */
class ReportWriterTest {

    private static final String FIXTURE = "report-fixture/";

    private static Path copyFixture(Path dir) throws IOException {
        for (String name : List.of(BenchResults.PLAN, BenchResults.MACHINE, BenchResults.JMH, BenchResults.TRIALS)) {
            try (InputStream in = ReportWriterTest.class.getClassLoader().getResourceAsStream(FIXTURE + name)) {
                assertThat(in).as(name).isNotNull();
                Files.copy(in, dir.resolve(name));
            }
        }
        return dir;
    }

    @Test
    void theReportQuotesMediansRatiosRooflineAndEveryMissingTrial(@TempDir Path tmp) throws IOException {
        Path dir = copyFixture(tmp);
        Path report = ReportWriter.write(dir, List.of(new MatrixReport()));
        String md = Files.readString(report);

        assertThat(md).startsWith("# Tersor benchmark report")
                .contains("Run of 2026-11-23 22:08 UTC, preset **quick**")
                .contains("CPU: AMD EPYC, 2 cores, last-level cache 32.0 MiB")
                .contains("OpenBLAS: OpenBLAS 0.3.21")
                .contains("1 timed warm-up iterations of 100 ms and 3 measured iterations of 50 ms per trial")
                .contains("Every trial runs in its own JVM fork (1 per trial).")
                .contains("Quick covers: read bandwidth; VGG-16 fc6 under deep-compression");

        // read bandwidth: 64 MiB over the median of 10048.9, 3452.8, 3173.9 µs
        assertThat(md).contains("| 1 | 64.0 MiB | 19.4 | 9.94–20.3 |");

        assertThat(md).contains("#### minilm-ffn-up@extreme", "#### minilm-ffn-up@quantized-dense-k16",
                "Measured density 0.99 % (5852 non-zeros of 589824).");
        // time: median 70.67 µs, quartiles 60.48 and 74.20
        assertThat(md).contains("| `openblas` | 2.25 MiB | 32.0 | 70.7 µs (60.5–74.2) |");
        // speed-ups: OpenBLAS 70.67 / CSR 39.35; CSR 39.35 / CSER 36.45
        assertThat(md).containsPattern("\\| `csr/vector` \\| 1\\.80× \\|");
        assertThat(md).containsPattern("\\| `cser/vector` \\| 1\\.08× \\|");
        // roofline: (26168 + 4·384 + 4·1536 bytes) / 19.44 GB/s / 36.45 µs, weights in the LLC
        assertThat(md).containsPattern("\\| `cser/vector` \\| 5 % † \\|");

        // summary: fastest variant and its speed-up, smallest format
        assertThat(md).contains("| minilm-ffn-up@extreme | cer (24.6 KiB, 0.341 bits/weight) | `cser/vector` 1.94× | "
                + "`csr/vector` 2.45× |");

        // goals whose case this run did not measure say so
        assertThat(md).contains("| VGG-16 fc6, deep-compression, B=1 T=1: best format ≥ 10× faster than OpenBLAS sgemv "
                + "| not measured | — |");

        // nothing is dropped silently
        assertThat(md).contains("- `refusing/vector` on minilm-ffn-up@extreme — skipped: refusing cannot encode this "
                + "matrix: the refusing test format encodes no matrix (B=1 T=1, B=8 T=1)");
        assertThat(md).contains("- `cser/vector` on minilm-ffn-up@quantized-dense-k16 — set up and checked, but no "
                + "timing: the fork failed while measuring (see the JMH output) (B=8 T=1)");
        assertThat(md).contains("- `cer/vector` on minilm-ffn-up@quantized-dense-k16 — no result and no trial record: "
                + "the fork failed before its set-up finished (see the JMH output) (B=8 T=1)");
        assertThat(md).containsPattern("\\| `refusing/vector` \\| — \\| — \\| skipped \\| skipped \\|");

        assertThat(md).contains("## Against ONNX Runtime", "No suite of this run compares with ONNX Runtime");

        for (String chart : List.of("size-time-minilm-ffn-up-extreme-b1-t1.png",
                "size-time-minilm-ffn-up-quantized-dense-k16-b1-t1.png", "density-minilm-ffn-up-b1-t1.png")) {
            assertThat(md).contains("](charts/" + chart + ")");
            BufferedImage image = ImageIO.read(dir.resolve(ReportWriter.CHARTS).resolve(chart).toFile());
            assertThat(image).as(chart).isNotNull();
            assertThat(image.getWidth()).isEqualTo(1000);
            assertThat(image.getHeight()).isEqualTo(620);
        }

        // rebuilding gives the same report
        assertThat(Files.readString(ReportWriter.write(dir, List.of(new MatrixReport())))).isEqualTo(md);
    }

    /** A run stopped before one of its cases: the case is named once as not measured, with no empty tables. */
    @Test
    void aCaseThatNeverRanIsNamedOnceAsNotMeasured(@TempDir Path tmp) throws IOException {
        Path dir = copyFixture(tmp);
        String stopped = "minilm-ffn-up@extreme";
        ObjectMapper json = new ObjectMapper();
        ArrayNode kept = json.createArrayNode();
        json.readTree(dir.resolve(BenchResults.JMH).toFile()).forEach(r -> {
            if (!r.path("params").path("matrix").asText().equals(stopped)) {
                kept.add(r);
            }
        });
        json.writeValue(dir.resolve(BenchResults.JMH).toFile(), kept);
        Path trials = dir.resolve(BenchResults.TRIALS);
        Files.write(trials, Files.readAllLines(trials).stream().filter(l -> !l.contains(stopped)).toList());

        String md = Files.readString(ReportWriter.write(dir, List.of(new MatrixReport())));

        assertThat(md).contains("**Not measured**, so absent from every table above: `" + stopped + "`.",
                "`./tersor bench --resume DIR` continues it", "#### minilm-ffn-up@quantized-dense-k16");
        assertThat(md).doesNotContain("#### " + stopped, "| " + stopped + " |", "on " + stopped + " —");
    }

    @Test
    void aFolderWithoutResultsIsRejected(@TempDir Path dir) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchResults.read(dir))
                .hasMessageContaining("holds no plan.json");
    }
}
