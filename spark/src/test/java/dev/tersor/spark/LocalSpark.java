package dev.tersor.spark;

import dev.tersor.embed.Embedder;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The tests' Spark: local mode on two threads, bound to the loopback address, without the web UI. */
final class LocalSpark {

    private LocalSpark() {
    }

    /** A session for one test class; stop it (and {@link ExecutorEmbedders#closeAll()}) after the class. */
    static SparkSession start() {
        return SparkSession.builder()
                .master("local[2]")
                .appName("tersor-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    static Path miniLm() {
        Path path = Path.of(System.getProperty("tersor.models.dir"), "all-minilm-l6-v2", "all-minilm-l6-v2.onnx");
        assertThat(path).as("fetched by the build").isRegularFile();
        return path;
    }

    static Path miniLmInt8() {
        Path path = Path.of(System.getProperty("tersor.models.dir"), "all-minilm-l6-v2-q", "all-minilm-l6-v2-q.onnx");
        assertThat(path).as("fetched by the build").isRegularFile();
        return path;
    }

    /** MiniLM as a self-contained .tsr (its tokenizer inside), as {@code ./tersor import} writes it, in {@code dir}. */
    static Path miniLmTsr(Embedder onnx, Path dir) throws IOException {
        Path tsr = dir.resolve("minilm.tsr");
        if (!Files.isRegularFile(tsr)) {
            String json = Files.readString(Embedder.tokenizerCandidates(miniLm()).getFirst(), StandardCharsets.UTF_8);
            onnx.model().save(tsr, Map.of(Embedder.TOKENIZER_METADATA, json));
        }
        return tsr;
    }

    /** The first {@code count} distinct sentences of raw_sentences.txt. */
    static List<String> rawSentences(int count) throws IOException {
        Path file = Path.of(System.getProperty("tersor.cache.dir"), "corpus", "raw_sentences.txt");
        assertThat(file).as("fetched by the build").isRegularFile();
        LinkedHashSet<String> distinct = new LinkedHashSet<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                distinct.add(line.strip());
            }
            if (distinct.size() == count) {
                break;
            }
        }
        return List.copyOf(distinct);
    }

    static double cosine(float[] a, float[] b) {
        return CosineBatches.cosine(a, b);
    }
}
