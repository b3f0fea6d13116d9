package dev.tersor.spark;

import dev.tersor.embed.Embedder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** README's "Scale out on Spark" Java example runs as written, on files of the names it uses. */
class ReadmeExampleTest {

    @Test
    void theReadmeExampleEmbedsAndCompares(@TempDir Path dir) throws IOException {
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        Files.write(corpus.resolve("part-1.txt"), LocalSpark.rawSentences(40));
        Path tsr;
        try (Embedder fp32 = Embedder.load(LocalSpark.miniLm())) {
            tsr = LocalSpark.miniLmTsr(fp32, dir);
        }
        Files.copy(tsr, dir.resolve("m.tsr"));
        try (Embedder int8 = Embedder.load(LocalSpark.miniLmInt8())) {   // a compressed model, as a self-contained .tsr
            int8.model().save(dir.resolve("small.tsr"), java.util.Map.of(Embedder.TOKENIZER_METADATA,
                    Files.readString(Embedder.tokenizerCandidates(LocalSpark.miniLmInt8()).getFirst())));
        }
        Files.copy(LocalSpark.miniLm(), dir.resolve("all-minilm-l6-v2.onnx"));
        Files.copy(Embedder.tokenizerCandidates(LocalSpark.miniLm()).getFirst(), dir.resolve("all-minilm-l6-v2-tokenizer.json"));

        SparkSession spark = LocalSpark.start();
        List<Row> rows;
        List<Row> sameRows;
        CorpusComparison c;
        double p1;
        try {
            // The README's paths, resolved in the test's folder.
            String m = dir.resolve("m.tsr").toString();
            String hdfsCorpus = corpus.toString();
            // From here to the end of the block: README.md, with the paths above.
            Dataset<Row> sentences = spark.read().text(hdfsCorpus).withColumnRenamed("value", "text");
            Dataset<Row> embedded = new TersorEmbeddings()          // a Spark ML Transformer: fits in a Pipeline
                    .setModel(m).setInputCol("text").setOutputCol("embedding").setBatchSize(32)
                    .transform(sentences);                          // adds array<float>; rows and their order kept
            Dataset<Row> same = TersorSpark.embed(sentences, "text", "embedding", m, 32);   // without ML
            c = TersorSpark.compare(sentences, "text", dir.resolve("small.tsr").toString(),
                    dir.resolve("all-minilm-l6-v2.onnx").toString(), 2000);
            p1 = c.p1Cosine();                                      // eval-embed's figures, over the whole corpus
            // End of the README's block.
            rows = embedded.collectAsList();
            sameRows = same.collectAsList();
        } finally {
            ExecutorEmbedders.closeAll();
            spark.stop();
        }
        assertThat(rows).hasSize(40);
        assertThat(rows.getFirst().getList(1)).hasSize(384);
        assertThat(sameRows.getFirst().getList(1)).isEqualTo(rows.getFirst().getList(1));
        assertThat(c.sentences()).isEqualTo(40);
        assertThat(c.neighbourSample()).isEqualTo(40);
        assertThat(p1).isBetween(0.9, 1.0).isLessThan(c.meanCosine());
    }
}
