package dev.tersor.cli;

import dev.tersor.bench.MatrixCases;
import dev.tersor.bench.blas.OpenBlas;
import dev.tersor.format.MatrixFormats;
import dev.tersor.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.tersor.cli.MatrixCommandTest.parseArray;
import static dev.tersor.cli.MatrixCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code tersor bench}: output shapes and the missing-OpenBLAS stop. Timings are never asserted. */
class BenchCommandTest {

    /**
     * A fresh clone has no model cache: bench fills an empty one as demo does, in the layout the model
     * suite reads. The jars are in the local Maven repository (the build fetched them), so nothing is downloaded.
     */
    @Test
    void benchFetchesItsModelsIntoAnEmptyCache(@TempDir Path cache) throws IOException {
        Path models = BenchCommand.fetchModels(cache);
        assertThat(models).isEqualTo(cache.resolve("models").toAbsolutePath());
        Path fp32 = models.resolve("all-minilm-l6-v2/all-minilm-l6-v2.onnx");
        Path int8 = models.resolve("all-minilm-l6-v2-q/all-minilm-l6-v2-q.onnx");
        Path built = Path.of(System.getProperty("tersor.models.dir"));
        assertThat(fp32).hasSameBinaryContentAs(built.resolve("all-minilm-l6-v2/all-minilm-l6-v2.onnx"));
        assertThat(int8).hasSameBinaryContentAs(built.resolve("all-minilm-l6-v2-q/all-minilm-l6-v2-q.onnx"));
    }

    @Test
    void matvecJsonHasOneObjectPerFormatWithTheFourKeys() throws IOException {
        MatrixCommandTest.Run run = run("bench", "matvec", "--rows", "48", "--cols", "40", "--density", "0.2",
                "--values", "4", "--batch", "3", "--threads", "2", "--provider", "scalar", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<Map<String, Object>> rows = parseArray(run.out());
        assertThat(rows).extracting(r -> r.get("format")).containsExactlyElementsOf(MatrixFormats.names());
        for (Map<String, Object> row : rows) {
            assertThat(row.keySet()).containsExactly("format", "nsPerOp", "bytes", "speedupVsBlas");
            assertThat(((Number) row.get("nsPerOp")).doubleValue()).isPositive();
            assertThat(((Number) row.get("speedupVsBlas")).doubleValue()).isPositive();
        }
        Map<String, Object> dense = rows.stream().filter(r -> r.get("format").equals("dense")).findFirst().orElseThrow();
        assertThat(dense.get("bytes")).isEqualTo(16L + 4 * 48 * 40);
    }

    @Test
    void matvecTableNamesTheBaselineAndEveryFormat() {
        MatrixCommandTest.Run run = run("bench", "matvec", "--rows", "30", "--cols", "20", "--density", "0.5",
                "--values", "3");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("OpenBLAS sgemv", "vs OpenBLAS", "kernels " + Kernels.preferred().name());
        for (String format : MatrixFormats.names()) {
            assertThat(run.out()).containsPattern("(?m)^" + format + " ");
        }
    }

    @Test
    void withoutOpenBlasNothingIsMeasuredAndTheInstallCommandIsShown() {
        String previous = System.getProperty(OpenBlas.LIBRARY_PROPERTY);
        System.setProperty(OpenBlas.LIBRARY_PROPERTY, "/nonexistent/libopenblas.so.0");
        try {
            MatrixCommandTest.Run run = run("bench", "matvec", "--rows", "30", "--cols", "20", "--density", "0.5",
                    "--values", "3", "--json");
            assertThat(run.exitCode()).isNotZero();
            assertThat(run.out()).isEmpty();
            assertThat(run.err()).contains("OpenBLAS could not be loaded", "apt-get install libopenblas-dev");

            MatrixCommandTest.Run suite = run("bench", "--smoke", "--out", "target/never-written");
            assertThat(suite.exitCode()).isNotZero();
            assertThat(suite.err()).contains("apt-get install libopenblas-dev");
            assertThat(new File("target/never-written")).doesNotExist();
        } finally {
            if (previous == null) {
                System.clearProperty(OpenBlas.LIBRARY_PROPERTY);
            } else {
                System.setProperty(OpenBlas.LIBRARY_PROPERTY, previous);
            }
        }
    }

    @Test
    void dryRunPrintsThePlanWithEveryFormatAndProvider() {
        MatrixCommandTest.Run quick = run("bench", "--dry-run");
        assertThat(quick.exitCode()).as(quick.err()).isZero();
        assertThat(quick.out()).startsWith("plan quick:").contains("ReadBandwidthBenchmark", "MatVecBenchmark",
                "MiniLmBenchmark", "MiniLmLoadBenchmark", "workload = b1-t128", "tersor-compressed, ort-fp32, ort-int8");
        MatrixCommandTest.Run model = run("bench", "--dry-run", "--suite", "model");
        assertThat(model.out()).contains("MiniLmBenchmark").doesNotContain("MatVecBenchmark");
        assertThat(run("bench", "--dry-run", "--suite", "nothing").exitCode()).isNotZero();
        for (String format : MatrixFormats.names()) {
            assertThat(quick.out()).contains(format + "/");
        }
        MatrixCommandTest.Run full = run("bench", "--full", "--rounds", "2", "--dry-run", "--out", "somewhere");
        assertThat(full.out()).startsWith("plan full:").contains("2 round(s)", "somewhere", "batch = 1, 8, 32");
        for (String id : MatrixCases.ids()) {
            assertThat(full.out()).contains(id);
        }
        for (Kernels kernels : Kernels.available()) {
            assertThat(full.out()).contains("csr/" + kernels.name());
        }
        assertThat(run("bench", "--quick", "--full").exitCode()).isNotZero();
    }

    @Test
    void resumeTakesTheRunsOwnPlanAndNothingElse() {
        MatrixCommandTest.Run mixed = run("bench", "--resume", "target", "--full");
        assertThat(mixed.exitCode()).isNotZero();
        assertThat(mixed.err()).contains("--resume continues a run with the plan it started with");
        MatrixCommandTest.Run notARun = run("bench", "--resume", "target", "--dry-run");
        assertThat(notARun.exitCode()).isNotZero();
        assertThat(notARun.err()).contains("is not the folder of a ./tersor bench run");
    }

    @Test
    void reportNeedsAnOutputFolder() {
        MatrixCommandTest.Run run = run("bench", "report", "target");
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains("holds no plan.json");
    }
}
