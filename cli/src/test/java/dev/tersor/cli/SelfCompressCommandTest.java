package dev.tersor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tersor.format.Execution;
import dev.tersor.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.tersor.cli.ModelCommandsTest.execute;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code self-compress} on the real data sets, briefly: the command's contract, not the paper's figures (docs/training.md). */
class SelfCompressCommandTest {

    @TempDir
    Path dir;

    private JsonNode run(String... args) throws Exception {
        ModelCommandsTest.Result result = execute(args);
        assertThat(result.code()).as(result.err()).isZero();
        return new ObjectMapper().readTree(result.out());
    }

    @Test
    void trainsCompressesAndWritesARunnableModelOnFashionMnist() throws Exception {
        Path out = dir.resolve("fashion.tsr");
        JsonNode json = run("self-compress", "--net", "lenet-300-100", "--dataset", "fashion-mnist", "--steps", "300",
                "--gamma", "0.1", "-o", out.toString(), "--json");
        assertThat(json.get("net").asText()).isEqualTo("lenet-300-100");
        assertThat(json.get("dataset").asText()).isEqualTo("fashion-mnist");
        assertThat(json.get("baselineAccuracy").asDouble()).isGreaterThan(0.75);
        assertThat(json.get("accuracy").asDouble()).isGreaterThan(0.75);
        assertThat(json.get("fp32Bytes").asLong()).isEqualTo(4L * 266_610);
        assertThat(json.get("bytes").asLong()).isLessThan(json.get("fp32Bytes").asLong() / 6);
        assertThat(json.get("bitsPerWeight").asDouble()).isBetween(0.1, 6.0);
        assertThat(json.get("seconds").asDouble()).isPositive();
        assertThat(json.has("removedChannels")).isTrue();
        assertThat(json.get("layers")).hasSize(3);
        // Each layer in its smallest exact format (bit-packed integers, or the same integers entropy-coded), as reported.
        java.util.List<String> reported = new java.util.ArrayList<>();
        json.get("layers").forEach(l -> reported.add(l.get("format").asText()));
        assertThat(reported).isSubsetOf("bitpack", "ham", "sham", "cser", "cer", "csr", "xor");
        try (Model model = Model.load(out, Execution.defaults())) {
            assertThat(model.graph().weights().values().stream().map(w -> w.formatName()).sorted().toList())
                    .isEqualTo(reported.stream().sorted().toList());
        }
        assertThat(execute("verify", out.toString()).code()).isZero();
        assertThat(Files.exists(dir.resolve("fashion.tsr.checkpoints").resolve("checkpoint.bin"))).isTrue();
    }

    @Test
    void trainsOnMnistDigitsAndPrintsASummary() {
        Path out = dir.resolve("mnist.tsr");
        ModelCommandsTest.Result result = execute("self-compress", "--net", "lenet-300-100", "--dataset", "mnist",
                "--steps", "150", "-o", out.toString());
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(result.out()).contains("lenet-300-100 on mnist: 8,004 training and 1,996 test images")
                .contains("float baseline: test accuracy").contains("test accuracy: float").contains("bits per weight")
                .contains("wrote " + out);
    }

    @Test
    void sharesWeightsAfterPruningAndStoresThemEntropyCoded() throws Exception {
        Path out = dir.resolve("shared.tsr");
        JsonNode json = run("share-weights", "--net", "lenet-300-100", "--dataset", "mnist", "--steps", "150",
                "--method", "cws", "--bits", "4", "-o", out.toString(), "--json");
        assertThat(json.get("accuracy").asDouble()).isGreaterThan(0.8);
        // 8 %, 9 % and 26 % of the weights kept, 16 shared values each: far below a twentieth of the floats.
        assertThat(json.get("bytes").asLong()).isLessThan(json.get("fp32Bytes").asLong() / 20);
        try (Model model = Model.load(out, Execution.defaults())) {
            for (var w : model.graph().weights().values()) {
                float[] values = w.toDense();
                assertThat(new java.util.HashSet<>(java.util.Arrays.asList(box(values)))).hasSizeLessThanOrEqualTo(17);
            }
        }
        assertThat(execute("share-weights", "--net", "lenet-300-100", "--method", "kmeans", "-o", out.toString())
                .err().strip()).isEqualTo("tersor: --method must be cws or pws, got 'kmeans'");
        assertThat(execute("share-weights", "--net", "lenet-300-100", "--prune", "0.5,1.5", "-o", out.toString())
                .err().strip()).isEqualTo("tersor: --prune fractions must be in [0, 1), got 1.5");
    }

    private static Float[] box(float[] values) {
        Float[] boxed = new Float[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i] + 0f;
        }
        return boxed;
    }

    @Test
    void aDamagedCheckpointIsOneLine() throws Exception {
        Path checkpoints = Files.createDirectories(dir.resolve("c"));
        Files.write(checkpoints.resolve("checkpoint.bin"), new byte[100]);
        ModelCommandsTest.Result result = execute("self-compress", "--net", "lenet-300-100", "--steps", "10", "--resume",
                "--checkpoints", checkpoints.toString(), "-o", dir.resolve("x.tsr").toString());
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.err().strip()).startsWith("tersor: ").contains("checkpoint.bin").doesNotContain("\n")
                .doesNotContain("Exception");
        // --resume DIR names the folder itself.
        ModelCommandsTest.Result named = execute("self-compress", "--net", "lenet-300-100", "--steps", "10", "--resume",
                checkpoints.toString(), "-o", dir.resolve("x.tsr").toString());
        assertThat(named.code()).isEqualTo(1);
        assertThat(named.err().strip()).startsWith("tersor: ").contains(checkpoints.resolve("checkpoint.bin").toString())
                .doesNotContain("\n");
        assertThat(execute("self-compress", "--net", "lenet-300-100", "--resume", checkpoints.toString(), "--checkpoints",
                dir.resolve("elsewhere").toString(), "-o", dir.resolve("x.tsr").toString()).err().strip())
                .endsWith("name different folders");
    }

    @Test
    void badArgumentsFailBeforeAnyWork() {
        String o = dir.resolve("y.tsr").toString();
        assertThat(execute("self-compress", "--net", "resnet", "-o", o).err().strip())
                .isEqualTo("tersor: --net: unknown network 'resnet'; one of [lenet-300-100, lenet-5, mnist-cnn]");
        assertThat(execute("self-compress", "--net", "lenet-5", "--dataset", "cifar", "-o", o).err().strip())
                .isEqualTo("tersor: --dataset: unknown data set 'cifar'; one of [fashion-mnist, mnist]");
        assertThat(execute("self-compress", "--net", "lenet-5", "--batch", "0", "-o", o).err().strip())
                .isEqualTo("tersor: --batch must be between 1 and 4096, got 0");
        assertThat(execute("self-compress", "--net", "lenet-5", "--gamma", "NaN", "-o", o).err().strip())
                .isEqualTo("tersor: --gamma must be a non-negative number, got NaN");
        assertThat(execute("self-compress", "--net", "lenet-5", "--steps", "0", "-o", o).err().strip())
                .isEqualTo("tersor: --steps must be between 1 and 10000000, got 0");
        assertThat(Files.exists(dir.resolve("y.tsr"))).isFalse();
    }
}
