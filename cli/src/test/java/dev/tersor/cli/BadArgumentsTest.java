package dev.tersor.cli;

import dev.tersor.kernels.Parallelism;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.tersor.cli.ModelCommandsTest.classifier;
import static dev.tersor.cli.ModelCommandsTest.execute;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Careless or hostile arguments, each a reproduction from the reliability review: exit 1 with one
 * line naming the argument, before any work or allocation; never a stack trace.
 */
class BadArgumentsTest {

    @TempDir
    Path dir;

    private static void failsWithOneLine(ModelCommandsTest.Result result, String expected) {
        assertThat(result.code()).as(result.err()).isEqualTo(1);
        assertThat(result.err().strip()).isEqualTo("tersor: " + expected);
        assertThat(result.out()).isEmpty();
    }

    @Test
    void matrixOptionsAreBoundedBeforeAnyAllocation() {
        failsWithOneLine(execute("matrix", "--rows", "10", "--cols", "10", "--density", "0.5", "--values", "2000000000"),
                "--values must be between 1 and 65536, got 2000000000");
        failsWithOneLine(execute("matrix", "--rows", "100000", "--cols", "100000", "--density", "0.5", "--values", "4"),
                "--rows × --cols must be at most 268435456 entries, got 100000 × 100000");
        failsWithOneLine(execute("matrix", "--rows", "0", "--cols", "10", "--density", "0.5", "--values", "4"),
                "--rows must be between 1 and 2147483647, got 0");
        failsWithOneLine(execute("matrix", "--rows", "10", "--cols", "10", "--density", "NaN", "--values", "4"),
                "--density must be in [0, 1], got NaN");
    }

    @Test
    void benchThreadsAreCappedAndSaySo() {
        failsWithOneLine(execute("bench", "matvec", "--rows", "8", "--cols", "8", "--density", "1", "--values", "4",
                "--threads", "10000"), "--threads must be between 1 and " + Parallelism.MAX_THREADS + ", got 10000");
        failsWithOneLine(execute("bench", "matvec", "--rows", "8", "--cols", "8", "--density", "1", "--values", "4",
                "--batch", "0"), "--batch must be between 1 and 4096, got 0");
    }

    @Test
    void benchModelChecksEveryArgumentBeforeWork() {
        String model = EmbedCommandsTest.miniLm().toString();
        failsWithOneLine(execute("bench", "model", "--model", model, "--tokens", "0"),
                "--tokens must be between 1 and 512, got 0");
        failsWithOneLine(execute("bench", "model", "--model", model, "--tokens", "11,abc"),
                "--tokens takes token counts separated by commas, e.g. 11,128; got '11,abc'");
        failsWithOneLine(execute("bench", "model", "--model", model, "--batch", "5000"),
                "--batch must be between 1 and 1024, got 5000");
        failsWithOneLine(execute("bench", "model", "--model", model, "--threads", "100000"),
                "--threads must be between 1 and " + Parallelism.MAX_THREADS + ", got 100000");
        failsWithOneLine(execute("bench", "model", "--model", model, "--runs", "0"),
                "--runs must be between 1 and 100000, got 0");
        failsWithOneLine(execute("bench", "model", "--model", model, "--warmup", "-1"),
                "--warmup must be 0 to 600 seconds, not -1.0");
        failsWithOneLine(execute("bench", "model", "--model", model, "--exec", "quickest"),
                "execution policy is stored, fastest or budget:MB, not 'quickest'");
        failsWithOneLine(execute("bench", "model", "--model", dir.resolve("missing.tsr").toString()),
                "model " + dir.resolve("missing.tsr") + " does not exist");
    }

    @Test
    void benchModelWithoutAModelNamesTheDemo() {
        String previous = System.getProperty(dev.tersor.cli.corpus.MavenArtifacts.CACHE_PROPERTY);
        System.setProperty(dev.tersor.cli.corpus.MavenArtifacts.CACHE_PROPERTY, dir.toString());
        try {
            failsWithOneLine(execute("bench", "model", "--no-ort"), "no --model given and no compressed model cached in "
                    + dir.resolve("demo") + ": run ./tersor demo first, or pass --model FILE");
        } finally {
            if (previous == null) {
                System.clearProperty(dev.tersor.cli.corpus.MavenArtifacts.CACHE_PROPERTY);
            } else {
                System.setProperty(dev.tersor.cli.corpus.MavenArtifacts.CACHE_PROPERTY, previous);
            }
        }
    }

    @Test
    void compressChecksEveryArgumentBeforeWork() throws Exception {
        String model = classifier().toString();
        String out = dir.resolve("out.tsr").toString();
        failsWithOneLine(execute("compress", model, "-o", out, "--calib-sentences", "0"),
                "--calib-sentences must be between 1 and 1000000, got 0");
        failsWithOneLine(execute("compress", model, "-o", out, "--calib-sentences", "-1"),
                "--calib-sentences must be between 1 and 1000000, got -1");
        failsWithOneLine(execute("compress", model, "-o", out, "--target-cosine", "2"),
                "--target-cosine must be in [0, 1], got 2.0");
        failsWithOneLine(execute("compress", model, "-o", out, "--prune", "1"), "--prune must be in [0, 1), got 1.0");
        failsWithOneLine(execute("compress", model, "-o", dir.toString()),
                "-o " + dir + " is a directory; name the file to write");
        failsWithOneLine(execute("compress", model, "-o", dir.resolve("no/such/out.tsr").toString()),
                "-o " + dir.resolve("no/such/out.tsr") + ": the folder " + dir.resolve("no/such") + " does not exist");
        failsWithOneLine(execute("compress", model, "-o", model), "-o " + model + " is the input itself; write to another file");
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n  \n");
        failsWithOneLine(execute("compress", model, "-o", out, "--calib", empty.toString()),
                "--calib " + empty + " holds no sentences (one a line)");
        Path binary = Files.write(dir.resolve("binary.txt"), new byte[]{'a', (byte) 0xc3, (byte) 0x28, '\n'});
        failsWithOneLine(execute("compress", model, "-o", out, "--calib", binary.toString()),
                binary + " is not UTF-8 text (a corpus holds one sentence a line)");
        failsWithOneLine(execute("compress", dir.resolve("missing.onnx").toString(), "-o", out),
                "model " + dir.resolve("missing.onnx") + " does not exist");
        assertThat(dir.resolve("out.tsr")).doesNotExist();
    }

    @Test
    void runRejectsRepeatedInputsAndWarnsOfNonFiniteValues() throws Exception {
        Path tsr = dir.resolve("cls.tsr");
        assertThat(execute("import", classifier().toString(), "-o", tsr.toString()).code()).isZero();
        Path npy = dir.resolve("x.npy");
        float[] values = new float[3 * 48 * 192];
        values[7] = Float.NaN;
        values[8] = Float.POSITIVE_INFINITY;
        dev.tersor.io.Npy.write(dev.tersor.graph.Tensor.of(values, 1, 3, 48, 192), npy);
        failsWithOneLine(execute("run", tsr.toString(), "--input", "x=" + npy, "--input", "x=" + npy),
                "--input x is given twice; give each input once");
        failsWithOneLine(execute("run", tsr.toString(), "--input", "x=" + dir.resolve("none.npy")),
                "--input x " + dir.resolve("none.npy") + " does not exist");
        ModelCommandsTest.Result run = execute("run", tsr.toString(), "--input", "x=" + npy);
        assertThat(run.err()).contains("tersor: warning: input x holds 2 NaN or infinite values");
    }

    @Test
    void fileSystemErrorsAreSaidInWords() {
        assertThat(Main.describe(new java.io.UncheckedIOException(new java.nio.file.NoSuchFileException("/x/y.tsr"))))
                .isEqualTo("/x/y.tsr does not exist");
        assertThat(Main.describe(new java.nio.file.FileSystemException("/x", null, "Is a directory")))
                .isEqualTo("/x: is a directory");
        assertThat(Main.describe(new java.nio.file.AccessDeniedException("/root/secret")))
                .isEqualTo("/root/secret: permission denied");
        assertThat(Main.describe(new IllegalStateException())).isEqualTo("IllegalStateException");
    }

    @Test
    void importStoresOnlyUsableTokenizersAndVerifyChecksTheStoredOne() throws Exception {
        Path tsr = dir.resolve("cls.tsr");
        for (String bad : new String[]{"", "not json", "{}"}) {
            Path tokenizer = Files.writeString(dir.resolve("tokenizer.json"), bad);
            ModelCommandsTest.Result result = execute("import", classifier().toString(), "-o", tsr.toString(),
                    "--tokenizer", tokenizer.toString());
            assertThat(result.code()).as(bad).isEqualTo(1);
            assertThat(result.err()).as(bad).startsWith("tersor: " + tokenizer + ": ");
            assertThat(tsr).doesNotExist();
        }
        ModelCommandsTest.Result onnx = execute("verify", classifier().toString());
        failsWithOneLine(onnx, classifier() + " is not a .tsr file: it does not start with a safetensors header"
                + " (an ONNX model becomes one with tersor import)");
        failsWithOneLine(execute("verify", dir.resolve("none.tsr").toString()), "model " + dir.resolve("none.tsr") + " does not exist");
    }

    @Test
    void embeddingCountsAreBounded() {
        String model = EmbedCommandsTest.miniLm().toString();
        failsWithOneLine(execute("embed", "--model", model, "--batch-size", "0", "a"), "--batch-size must be between 1 and 1024, got 0");
        failsWithOneLine(execute("eval-embed", "--model", model, "--reference", model, "--limit", "0"),
                "--limit must be between 1 and 100000, got 0");
        failsWithOneLine(execute("eval-embed", "--model", model, "--reference", model, "--corpora", "europarl,wikipedia"),
                "--corpora: no corpus 'wikipedia'; the corpora are europarl, fortunes, package-descriptions, raw-sentences, random-tokens");
        failsWithOneLine(execute("eval-embed", "--model", model, "--reference", model, "--corpora", "europarl", "--corpus", model),
                "--corpus and --corpora exclude each other: one file, or built-in corpora");
        failsWithOneLine(execute("demo", "--sentences", "-5"), "--sentences must be between 1 and 100000, got -5");
    }
}
