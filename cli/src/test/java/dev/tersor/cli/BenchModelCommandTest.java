package dev.tersor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tersor.bench.model.ModelForm;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.tersor.cli.EmbedCommandsTest.miniLm;
import static dev.tersor.cli.ModelCommandsTest.execute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code tersor bench model} on the real all-MiniLM-L6-v2 and its int8 twin, which the runtime module's
 * build fetches into the cache (so ONNX Runtime's forms always run here). Timings are never asserted.
 */
class BenchModelCommandTest {

    @Test
    void jsonHasOneObjectPerFormWithTheDocumentedKeysAndOutputsAgree() throws Exception {
        ModelCommandsTest.Result r = execute("bench", "model", "--model", miniLm().toString(), "--runs", "1", "--warmup", "0.2",
                "--tokens", "3", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> rows = new ArrayList<>();
        new ObjectMapper().readTree(r.out()).forEach(rows::add);
        assertThat(rows).extracting(row -> row.get("form").asText())
                .containsExactly("tersor:all-minilm-l6-v2.onnx", "ort-fp32", "ort-int8");
        for (JsonNode row : rows) {
            boolean tersor = row.get("form").asText().startsWith("tersor:");
            List<String> keys = new ArrayList<>();
            row.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).containsExactlyElementsOf(tersor
                    ? List.of("form", "tokens", "batch", "threads", "msMedian", "loadMs", "residentWeightBytes", "cosineToOrtFp32")
                    : List.of("form", "tokens", "batch", "threads", "msMedian", "loadMs", "cosineToOrtFp32"));
            assertThat(row.get("tokens").asInt()).isEqualTo(3);
            assertThat(row.get("batch").asInt()).isEqualTo(1);
            assertThat(row.get("threads").asInt()).isEqualTo(1);
            assertThat(row.get("msMedian").asDouble()).isPositive();
            assertThat(row.get("loadMs").asDouble()).isPositive();
        }
        // fp32 weights imported dense: all of them resident, the output that of ONNX Runtime to float rounding
        assertThat(rows.get(0).get("residentWeightBytes").asLong()).isGreaterThan(80_000_000L);
        assertThat(rows.get(0).get("cosineToOrtFp32").asDouble()).isGreaterThanOrEqualTo(ModelForm.EXACT_COSINE);
        assertThat(rows.get(1).get("cosineToOrtFp32").asDouble()).isEqualTo(1.0);
        assertThat(rows.get(2).get("cosineToOrtFp32").asDouble()).isBetween(ModelForm.QUANTIZED_COSINE, 1.0);
    }

    /** MiniLM's weight products: 6 layers of four 384² and two 384 × 1536 matrices, once per token. */
    @Test
    void profileSplitsThePassByOperatorAndRatesTheWeightProducts() throws Exception {
        ModelCommandsTest.Result r = execute("bench", "model", "--model", miniLm().toString(), "--no-ort", "--runs", "1",
                "--warmup", "0.2", "--tokens", "5", "--batch", "2", "--profile", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode row = new ObjectMapper().readTree(r.out()).get(0);
        JsonNode operators = row.get("operatorsMs");
        List<String> names = new ArrayList<>();
        operators.fieldNames().forEachRemaining(names::add);
        assertThat(names).contains("Linear", "LayerNormalization", "Attention");
        double total = 0;
        for (String name : names) {
            assertThat(operators.get(name).asDouble()).as(name).isGreaterThanOrEqualTo(0);
            total += operators.get(name).asDouble();
        }
        long multiplyAdds = 6L * (4 * 384 * 384 + 2 * 384 * 1536) * 2 * 5;
        assertThat(row.get("gemmGmacPerSecond").asDouble())
                .isCloseTo(multiplyAdds / operators.get("Linear").asDouble() / 1e6, within(0.1 + 1e-3 * multiplyAdds));
        assertThat(row.get("nonGemmShare").asDouble())
                .isCloseTo(1 - operators.get("Linear").asDouble() / total, within(0.002));

        ModelCommandsTest.Result table = execute("bench", "model", "--model", miniLm().toString(), "--no-ort", "--runs", "1",
                "--warmup", "0.2", "--tokens", "5", "--profile");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("operator profile: mean ms of 50 profiled passes")
                .containsPattern("tersor:all-minilm-l6-v2.onnx, 5 tokens, batch 1: total [0-9.]+ ms, GEMM [0-9.]+ GMAC/s, "
                        + "non-GEMM [0-9]+%; Linear [0-9.]+");
    }

    /** Another model than MiniLM is compared with ONNX Runtime on that same model, the first --ort-model. */
    @Test
    void ortModelsReplaceTheMiniLmPair() throws Exception {
        Path int8 = Path.of(System.getProperty("tersor.models.dir"), "all-minilm-l6-v2-q", "all-minilm-l6-v2-q.onnx");
        ModelCommandsTest.Result r = execute("bench", "model", "--model", miniLm().toString(), "--runs", "1", "--warmup", "0.2",
                "--tokens", "4", "--ort-model", miniLm().toString(), "--ort-model", int8.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> rows = new ArrayList<>();
        new ObjectMapper().readTree(r.out()).forEach(rows::add);
        assertThat(rows).extracting(row -> row.get("form").asText()).containsExactly("tersor:all-minilm-l6-v2.onnx",
                "ort:all-minilm-l6-v2.onnx", "ort:all-minilm-l6-v2-q.onnx");
        assertThat(rows.get(1).get("cosineToOrtFp32").asDouble()).isEqualTo(1.0);
        assertThat(rows.get(0).get("cosineToOrtFp32").asDouble()).isGreaterThanOrEqualTo(ModelForm.EXACT_COSINE);

        ModelCommandsTest.Result both = execute("bench", "model", "--model", miniLm().toString(), "--no-ort",
                "--ort-model", miniLm().toString());
        assertThat(both.code()).isEqualTo(1);
        assertThat(both.err()).contains("--ort-model and --no-ort exclude each other");
    }

    @Test
    void tableWithoutOnnxRuntimeHasOneBlockPerWorkload() {
        ModelCommandsTest.Result r = execute("bench", "model", "--model", miniLm().toString(), "--no-ort", "--runs", "2", "--warmup", "0.2",
                "--tokens", "1,2", "--batch", "2", "--exec", "stored");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("1 tokens, batch 2, 1 thread, Tersor --exec stored", "2 tokens, batch 2",
                "2 alternating runs");
        assertThat(r.out().lines().filter(line -> line.startsWith("ort-"))).isEmpty();
        assertThat(r.out().lines().filter(line -> line.startsWith("tersor:all-minilm-l6-v2.onnx "))).hasSize(2)
                .allSatisfy(line -> assertThat(line).endsWith(" -"));
    }
}
