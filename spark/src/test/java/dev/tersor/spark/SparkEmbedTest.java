package dev.tersor.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tersor.embed.Embedder;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./tersor spark-embed}'s driver end to end, in this JVM: it starts and stops its own local
 * session, writes Spark's JSON lines, and says what is wrong with bad arguments in one line.
 */
class SparkEmbedTest {

    @TempDir
    static Path dir;

    static Embedder embedder;
    static Path tsr;

    @BeforeAll
    static void load() throws IOException {
        embedder = Embedder.load(LocalSpark.miniLm());
        tsr = LocalSpark.miniLmTsr(embedder, dir);
    }

    @AfterAll
    static void close() {
        embedder.close();
    }

    /** The command's exit code, standard output and error output. */
    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = SparkEmbed.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Every JSON line of the part files of {@code folder}, in part order (Spark numbers them by partition). */
    static List<JsonNode> records(Path folder) throws IOException {
        List<Path> parts;
        try (Stream<Path> files = Files.list(folder)) {
            parts = files.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
        }
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> records = new ArrayList<>();
        for (Path part : parts) {
            for (String line : Files.readAllLines(part, StandardCharsets.UTF_8)) {
                records.add(json.readTree(line));
            }
        }
        return records;
    }

    static float[] vector(JsonNode record) {
        JsonNode array = record.get("embedding");
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).floatValue();
        }
        return v;
    }

    @Test
    void aTextFileBecomesJsonLinesOfTextAndEmbeddingInInputOrder() throws IOException {
        List<String> lines = new ArrayList<>(LocalSpark.rawSentences(300));
        lines.add(150, "");
        Path input = dir.resolve("corpus.txt");
        Files.write(input, lines, StandardCharsets.UTF_8);
        Path output = dir.resolve("embedded");

        Run run = run("--model", tsr.toString(), "--input", input.toString(), "--output", output.toString(),
                "--master", "local[2]", "--batch", "16", "--partitions", "4");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("embedded 301 lines in ").containsPattern("on local\\[2] \\([45] partitions, batch 16\\)");
        List<JsonNode> records = records(output);
        assertThat(records).hasSize(lines.size());
        float[][] expected = embedder.embed(lines);
        for (int i = 0; i < records.size(); i++) {
            JsonNode record = records.get(i);
            List<String> keys = new ArrayList<>();
            record.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).containsExactly("text", "embedding");
            assertThat(record.get("text").asText()).isEqualTo(lines.get(i));
            assertThat(LocalSpark.cosine(vector(record), expected[i])).as("line " + i).isGreaterThanOrEqualTo(0.99999);
        }
        // The baseline without Spark writes the same records.
        Path plain = dir.resolve("embedded-plain");
        Run baseline = run("--model", tsr.toString(), "--input", input.toString(), "--output", plain.toString(),
                "--without-spark", "--threads", "2", "--batch", "16");
        assertThat(baseline.exitCode()).as(baseline.err()).isZero();
        assertThat(baseline.out()).startsWith("embedded 301 lines in ").contains("without Spark (2 threads, batch 16)");
        List<JsonNode> plainRecords = records(plain);
        assertThat(plainRecords).hasSize(records.size());
        for (int i = 0; i < records.size(); i++) {
            assertThat(plainRecords.get(i).get("text")).isEqualTo(records.get(i).get("text"));
            assertThat(LocalSpark.cosine(vector(plainRecords.get(i)), vector(records.get(i)))).isGreaterThanOrEqualTo(0.99999);
        }
        Run tokenized = run("--model", tsr.toString(), "--input", input.toString(), "--output", dir.resolve("unwritten").toString(),
                "--without-spark", "--tokenize-only", "--threads", "2");
        assertThat(tokenized.exitCode()).as(tokenized.err()).isZero();
        assertThat(tokenized.out()).startsWith("tokenized 301 lines in ").endsWith("nothing written" + System.lineSeparator());
        assertThat(dir.resolve("unwritten")).doesNotExist();
    }

    @Test
    void parquetOutputIsReadableBySpark() throws IOException {
        List<String> lines = LocalSpark.rawSentences(20);
        Path input = dir.resolve("small.txt");
        Files.write(input, lines, StandardCharsets.UTF_8);
        Path output = dir.resolve("embedded-parquet");
        Run run = run("--model", tsr.toString(), "--input", input.toString(), "--output", output.toString(),
                "--master", "local[1]", "--format", "parquet");
        assertThat(run.exitCode()).as(run.err()).isZero();
        SparkSession spark = LocalSpark.start();
        try {
            List<Row> rows = spark.read().parquet(output.toString()).collectAsList();
            assertThat(rows).hasSize(20);
            assertThat(rows.getFirst().schema().fieldNames()).containsExactly("text", "embedding");
            assertThat(rows.getFirst().getString(0)).isEqualTo(lines.getFirst());
            assertThat(rows.getFirst().getList(1)).hasSize(384);
        } finally {
            spark.stop();
        }
    }

    @Test
    void badArgumentsAreOneLineAndExitStatusOne() throws IOException {
        Path input = dir.resolve("one.txt");
        Files.writeString(input, "one line\n");
        Path existing = Files.createDirectories(dir.resolve("already-there"));
        String model = tsr.toString();
        assertOneLineError(run("--model", model, "--input", dir.resolve("none.txt").toString(), "--output", dir.resolve("o1").toString()),
                "--input " + dir.resolve("none.txt") + " does not exist");
        assertOneLineError(run("--model", model, "--input", input.toString(), "--output", existing.toString()),
                "--output " + existing + " already exists; give a new folder to write");
        assertOneLineError(run("--model", dir.resolve("none.tsr").toString(), "--input", input.toString(), "--output",
                dir.resolve("o2").toString()), "--model " + dir.resolve("none.tsr") + " does not exist");
        assertOneLineError(run("--model", model, "--input", input.toString(), "--output", dir.resolve("o3").toString(),
                "--format", "csv"), "--format is json or parquet, not 'csv'");
        assertOneLineError(run("--model", model, "--input", input.toString(), "--output", dir.resolve("o4").toString(),
                "--batch", "0"), "--batch must be at least 1, got 0");
        assertOneLineError(run("--model", model, "--input", input.toString(), "--output", dir.resolve("o5").toString(),
                "--pooling", "max"), "pooling is mean or cls, not 'max'");
        assertOneLineError(run("--model", model, "--input", input.toString(), "--output", dir.resolve("o6").toString(),
                "--tokenize-only"), "--tokenize-only goes with --without-spark");
        assertThat(dir.resolve("o1")).doesNotExist();
    }

    static void assertOneLineError(Run run, String message) {
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("tersor spark-embed: " + message + System.lineSeparator());
    }

    @Test
    void localCoresFollowTheMaster() {
        assertThat(DriverSession.localCores("local")).isEqualTo(1);
        assertThat(DriverSession.localCores("local[3]")).isEqualTo(3);
        assertThat(DriverSession.localCores("local[2, 4]")).isEqualTo(2);
        assertThat(DriverSession.localCores("local[*]")).isEqualTo(Runtime.getRuntime().availableProcessors());
    }
}
