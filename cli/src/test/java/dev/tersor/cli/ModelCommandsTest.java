package dev.tersor.cli;

import dev.tersor.graph.Tensor;
import dev.tersor.io.Npy;
import dev.tersor.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * import, inspect, verify and run through the command line, on the PP-OCR classifier that the
 * runtime module's build fetches into the model cache.
 */
class ModelCommandsTest {

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    static Result execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    static Path classifier() {
        Path path = Path.of(System.getProperty("tersor.models.dir"), "ppocr", "ch_ppocr_mobile_v2.0_cls_infer.onnx");
        assertThat(path).as("fetched by the runtime module's build").isRegularFile();
        return path;
    }

    @Test
    void importInspectVerifyRun() throws Exception {
        Path tsr = dir.resolve("cls.tsr");
        Result imported = execute("import", classifier().toString(), "-o", tsr.toString());
        assertThat(imported.code()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("54 matrices in dense");

        Result table = execute("inspect", tsr.toString());
        assertThat(table.code()).isZero();
        String[] lines = table.out().strip().split("\n");
        assertThat(lines).hasSize(1 + 54 + 1 + 2);
        assertThat(lines[0]).contains("name", "shape", "format", "bytes", "bits/weight", "K", "H", "density");
        assertThat(lines[55]).startsWith("total (54)");
        assertThat(lines[56]).startsWith("file " + Files.size(tsr) + " bytes");
        assertThat(lines[57]).contains("energy", "estimate");
        assertThat(table.out()).contains("fc_0.w_0", "2x200", "dense", "1616", "32.320");

        Result json = execute("inspect", tsr.toString(), "--json");
        assertThat(json.out()).contains("\"name\" : \"fc_0.w_0\"", "\"format\" : \"dense\"", "\"total\"");
        com.fasterxml.jackson.databind.JsonNode root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
        assertThat(root.get("energyNote").asText()).contains("estimate");
        for (com.fasterxml.jackson.databind.JsonNode w : root.get("weights")) {
            assertThat(w.has("levels") && w.has("entropyBits") && w.has("density") && w.has("residentFormat")
                    && w.has("residentBytes") && w.has("estimatedEnergyPicojoules")).as(w.toString()).isTrue();
            assertThat(w.get("estimatedEnergyPicojoules").asDouble()).isEqualTo(w.get("estimatedDenseEnergyPicojoules").asDouble());
        }
        assertThat(root.get("total").get("fileBytes").asLong()).isEqualTo(Files.size(tsr));
        assertThat(root.get("total").get("residentBytes").asLong()).isEqualTo(root.get("total").get("bytes").asLong());

        // Stored in CSER, run as the fastest layout: resident bytes change, file bytes do not.
        Path cser = dir.resolve("cls-cser.tsr");
        assertThat(execute("import", classifier().toString(), "-o", cser.toString(), "--format", "cser").code()).isZero();
        Result fastest = execute("inspect", cser.toString(), "--exec", "fastest", "--json");
        assertThat(fastest.code()).as(fastest.err()).isZero();
        com.fasterxml.jackson.databind.JsonNode f = new com.fasterxml.jackson.databind.ObjectMapper().readTree(fastest.out());
        assertThat(f.get("execution").asText()).isEqualTo("fastest");
        assertThat(f.get("weights").findValuesAsText("format")).containsOnly("cser");
        assertThat(f.get("weights").findValuesAsText("residentFormat")).contains("dense");

        assertThat(execute("verify", tsr.toString()).code()).isZero();
        Path broken = dir.resolve("broken.tsr");
        byte[] bytes = Files.readAllBytes(tsr);
        bytes[bytes.length - 10] ^= 1;
        Files.write(broken, bytes);
        Result bad = execute("verify", broken.toString());
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("checksum mismatch");

        float[] pixels = new float[3 * 48 * 64];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) Math.cos(i * 0.003);
        }
        Tensor x = Tensor.of(pixels, 1, 3, 48, 64);
        Path input = dir.resolve("x.npy");
        Npy.write(x, input);
        Path outDir = dir.resolve("out");
        Result run = execute("run", tsr.toString(), "--input", "x=" + input, "--output", outDir.toString());
        assertThat(run.code()).as(run.err()).isZero();
        Tensor written = Npy.read(outDir.resolve("softmax_0.tmp_0.npy"));
        try (Model model = Model.load(classifier())) {
            Tensor expected = model.run(Map.of("x", x)).get("softmax_0.tmp_0");
            assertThat(written.contentEquals(expected)).as(Arrays.toString(written.toFloatArray())).isTrue();
        }
        Result missing = execute("run", tsr.toString(), "--input", "y=" + input);
        assertThat(missing.code()).isNotZero();
        assertThat(missing.err()).contains("missing input 'x'");
    }
}
