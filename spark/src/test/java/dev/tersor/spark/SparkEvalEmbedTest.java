package dev.tersor.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbeddingComparison;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@code ./tersor spark-eval-embed}'s driver end to end: eval-embed's figures for a file, as JSON and as a table. */
class SparkEvalEmbedTest {

    static SparkEmbedTest.Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = SparkEvalEmbed.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new SparkEmbedTest.Run(code, out.toString(), err.toString());
    }

    @Test
    void theFiguresOfAFileMatchEvalEmbedsArithmetic(@TempDir Path dir) throws IOException {
        List<String> lines = LocalSpark.rawSentences(200);
        Path input = dir.resolve("corpus.txt");
        Files.write(input, lines, StandardCharsets.UTF_8);
        String int8 = LocalSpark.miniLmInt8().toString();
        String fp32 = LocalSpark.miniLm().toString();

        SparkEmbedTest.Run json = run("--model", int8, "--reference", fp32, "--input", input.toString(), "--master", "local[2]",
                "--sample", "200", "--json");

        assertThat(json.exitCode()).as(json.err()).isZero();
        JsonNode figures = new ObjectMapper().readTree(json.out());
        EmbeddingComparison local;
        try (Embedder a = Embedder.load(LocalSpark.miniLmInt8()); Embedder b = Embedder.load(LocalSpark.miniLm())) {
            local = EmbeddingComparison.of(a, b, lines);
        }
        assertThat(figures.get("sentences").asLong()).isEqualTo(200);
        assertThat(figures.get("meanCosine").asDouble()).isCloseTo(local.meanCosine(), within(1e-6));
        assertThat(figures.get("minCosine").asDouble()).isCloseTo(local.minCosine(), within(1e-6));
        assertThat(figures.get("p1Cosine").asDouble()).isCloseTo(local.p1Cosine(), within(1e-6));
        assertThat(figures.get("neighbourSample").asInt()).isEqualTo(200);
        assertThat(figures.get("top10Overlap").asDouble()).isCloseTo(local.top10Overlap(), within(1e-3));

        SparkEmbedTest.Run table = run("--model", int8, "--reference", fp32, "--input", input.toString(), "--master", "local[1]",
                "--sample", "0");
        assertThat(table.exitCode()).as(table.err()).isZero();
        assertThat(table.out()).contains("sentences  mean cos   min cos    1% cos   top-10")
                .containsPattern("\\n +200 +0\\.9\\d{4} +0\\.\\d{5} +0\\.\\d{5} +-\\n");
    }

    @Test
    void badArgumentsAreOneLine(@TempDir Path dir) {
        String fp32 = LocalSpark.miniLm().toString();
        SparkEmbedTest.Run missing = run("--model", dir.resolve("none.tsr").toString(), "--reference", fp32, "--input", fp32);
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("tersor spark-eval-embed: --model " + dir.resolve("none.tsr") + " does not exist"
                + System.lineSeparator());
        SparkEmbedTest.Run sample = run("--model", fp32, "--reference", fp32, "--input", fp32, "--sample", "-1");
        assertThat(sample.err()).isEqualTo("tersor spark-eval-embed: --sample must be between 0 and 100000, got -1"
                + System.lineSeparator());
    }
}
