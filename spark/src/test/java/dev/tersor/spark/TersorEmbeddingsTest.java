package dev.tersor.spark;

import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbedderOptions;
import dev.tersor.embed.Pooling;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Transformer and the Dataset function on the real all-MiniLM-L6-v2, in local mode on two
 * threads: vectors as the {@link Embedder} computes them, rows kept in order, one load per JVM, bad
 * rows as documented.
 */
class TersorEmbeddingsTest {

    static final StructType ID_TEXT = new StructType().add("id", DataTypes.IntegerType, false)
            .add("text", DataTypes.StringType, true);

    @TempDir
    static Path dir;

    static SparkSession spark;
    static Embedder embedder;
    static Path tsr;

    @BeforeAll
    static void start() throws IOException {
        spark = LocalSpark.start();
        embedder = Embedder.load(LocalSpark.miniLm());
        tsr = LocalSpark.miniLmTsr(embedder, dir);
    }

    @AfterAll
    static void stop() {
        ExecutorEmbedders.closeAll();
        spark.stop();
        embedder.close();
    }

    /** {@code texts} with their positions as ids, in {@code partitions} partitions, their order kept. */
    static Dataset<Row> rows(List<String> texts, int partitions) {
        List<Row> rows = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create(i, texts.get(i)));
        }
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(context.parallelize(rows, partitions), ID_TEXT);
    }

    static float[] vector(Row row, String column) {
        List<Float> values = row.getList(row.fieldIndex(column));
        if (values == null) {
            return null;
        }
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    @Test
    void twoThousandSentencesInFourPartitionsComeBackInOrderWithTheEmbeddersVectorsAndOneLoad() throws IOException {
        List<String> texts = LocalSpark.rawSentences(2000);
        ExecutorEmbedders.closeAll();
        Dataset<Row> input = rows(texts, 4);
        assertThat(input.rdd().getNumPartitions()).isEqualTo(4);

        List<Row> out = new TersorEmbeddings().setModel(tsr.toString()).setInputCol("text").setOutputCol("vector")
                .setBatchSize(16).transform(input).collectAsList();

        float[][] expected = embedder.embed(texts);
        assertThat(out).hasSize(texts.size());
        double worst = 1;
        for (int i = 0; i < out.size(); i++) {
            Row row = out.get(i);
            assertThat(row.getInt(0)).isEqualTo(i);
            assertThat(row.getString(1)).isEqualTo(texts.get(i));
            float[] vector = vector(row, "vector");
            assertThat(vector).hasSize(384);
            worst = Math.min(worst, LocalSpark.cosine(vector, expected[i]));
        }
        assertThat(worst).isGreaterThanOrEqualTo(0.99999);
        // Four partitions on two task threads, and a second job: still one mapping in this JVM.
        new TersorEmbeddings().setModel(tsr.toString()).transform(rows(texts.subList(0, 100), 4).select("text")).count();
        assertThat(ExecutorEmbedders.loads()).isEqualTo(1);
    }

    @Test
    void anOnnxFileIsShippedWithItsTokenizerAndOptionsReachTheExecutors() {
        List<String> texts = List.of("the quick brown fox jumps over the lazy dog", "a second sentence", "and a third");
        List<Row> out = new TersorEmbeddings().setModel(LocalSpark.miniLm().toString()).setPooling("cls")
                .setNormalize(false).setBatchSize(2).transform(rows(texts, 2)).collectAsList();
        try (Embedder cls = loadWith(EmbedderOptions.defaults().withPooling(Pooling.CLS).withNormalize(false))) {
            float[][] expected = cls.embed(texts);
            for (int i = 0; i < texts.size(); i++) {
                float[] vector = vector(out.get(i), "embedding");
                assertThat(LocalSpark.cosine(vector, expected[i])).isGreaterThanOrEqualTo(0.99999);
                double norm = 0;
                for (float x : vector) {
                    norm += x * x;
                }
                assertThat(Math.sqrt(norm)).as("not normalized").isNotCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
            }
        }
    }

    static Embedder loadWith(EmbedderOptions options) {
        try {
            return Embedder.load(LocalSpark.miniLm(), null, options);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void badRowsGetTheDocumentedVectorsAndNeverFailTheJob() {
        String longText = String.join(" ", java.util.Collections.nCopies(3000, "word"));
        List<String> texts = Arrays.asList("a good sentence", null, "", "   ", longText, "half a pair \uD800 here",
                "another good sentence");
        List<Row> out = new TersorEmbeddings().setModel(tsr.toString()).setBatchSize(8).transform(rows(texts, 2))
                .collectAsList();

        assertThat(out).hasSize(texts.size());
        assertThat(vector(out.get(1), "embedding")).as("null text").isNull();
        // Spark keeps strings as UTF-8: the unpaired surrogate is a '?' before any task sees it.
        assertThat(out.get(5).getString(1)).isEqualTo("half a pair ? here");
        assertThat(LocalSpark.cosine(vector(out.get(5), "embedding"), embedder.embed("half a pair ? here")))
                .isGreaterThanOrEqualTo(0.99999);
        for (int i : new int[]{0, 2, 3, 4, 6}) {
            float[] expected = embedder.embed(texts.get(i));
            assertThat(LocalSpark.cosine(vector(out.get(i), "embedding"), expected)).as("row " + i)
                    .isGreaterThanOrEqualTo(0.99999);
        }
        // The long text is cut to the model's 512 tokens (510 words and the two special tokens).
        String first510 = String.join(" ", java.util.Collections.nCopies(510, "word"));
        assertThat(LocalSpark.cosine(vector(out.get(4), "embedding"), embedder.embed(first510)))
                .isGreaterThanOrEqualTo(0.99999);
    }

    @Test
    void theDatasetFunctionEmbedsATextFile() throws IOException {
        Path file = dir.resolve("sentences.txt");
        List<String> texts = LocalSpark.rawSentences(50);
        Files.write(file, texts);
        List<Row> out = TersorSpark.embed(spark.read().text(file.toString()), "value", "embedding", tsr.toString(), 8)
                .collectAsList();
        float[][] expected = embedder.embed(texts);
        assertThat(out).hasSize(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            assertThat(out.get(i).getString(0)).isEqualTo(texts.get(i));
            assertThat(LocalSpark.cosine(vector(out.get(i), "embedding"), expected[i])).isGreaterThanOrEqualTo(0.99999);
        }
    }

    @Test
    void theSchemaIsCheckedBeforeAnyTaskRuns() {
        TersorEmbeddings transformer = new TersorEmbeddings().setModel(tsr.toString());
        StructType numbers = new StructType().add("text", DataTypes.IntegerType);
        assertThatThrownBy(() -> transformer.transformSchema(numbers)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input column 'text' holds int, not the strings to embed");
        assertThatThrownBy(() -> transformer.transformSchema(new StructType().add("words", DataTypes.StringType)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input column 'text' does not exist; the columns are [words]");
        assertThatThrownBy(() -> transformer.transformSchema(ID_TEXT.add("embedding", DataTypes.StringType)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("output column 'embedding' already exists; choose another name");
        StructType out = transformer.transformSchema(ID_TEXT);
        assertThat(out.fieldNames()).containsExactly("id", "text", "embedding");
        assertThat(out.apply("embedding").dataType()).isEqualTo(TersorSpark.VECTOR_TYPE);

        Dataset<Row> ints = spark.createDataFrame(List.of(RowFactory.create(1)), numbers);
        assertThatThrownBy(() -> transformer.transform(ints)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds int");
        assertThatThrownBy(() -> new TersorEmbeddings().setModel(dir.resolve("missing.tsr").toString())
                .transform(rows(List.of("x"), 1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("missing.tsr does not exist");
        assertThatThrownBy(() -> new TersorEmbeddings().transform(rows(List.of("x"), 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("no model given");
        assertThatThrownBy(() -> new TersorEmbeddings().setPooling("max")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TersorEmbeddings().setBatchSize(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aModelAtASharedPathIsReadWhereItIsAndTheTransformerWorksInAPipeline() throws IOException {
        List<String> texts = List.of("one sentence", "two sentences");
        TersorEmbeddings transformer = new TersorEmbeddings().setModel(tsr.toString()).setShipModel(false);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[]{transformer});
        PipelineModel fitted = pipeline.fit(rows(texts, 1));
        Path saved = dir.resolve("saved-pipeline");
        fitted.save(saved.toString());
        List<Row> out = PipelineModel.load(saved.toString()).transform(rows(texts, 2)).collectAsList();
        for (int i = 0; i < texts.size(); i++) {
            assertThat(LocalSpark.cosine(vector(out.get(i), "embedding"), embedder.embed(texts.get(i))))
                    .isGreaterThanOrEqualTo(0.99999);
        }
        // Not shipped, a path no executor has fails the job, as a wrong path in any Spark job does.
        TersorEmbeddings nowhere = new TersorEmbeddings().setModel(dir.resolve("nowhere.tsr").toString()).setShipModel(false);
        assertThatThrownBy(() -> nowhere.transform(rows(texts, 1)).collectAsList())
                .hasStackTraceContaining("nowhere.tsr");
    }

    @Test
    void copyAndSaveKeepTheParameters() throws IOException {
        TersorEmbeddings original = new TersorEmbeddings().setModel(tsr.toString()).setInputCol("sentence")
                .setBatchSize(7).setPooling("cls");
        TersorEmbeddings copy = original.copy(new org.apache.spark.ml.param.ParamMap());
        assertThat(copy.uid()).isEqualTo(original.uid());
        assertThat(copy.getBatchSize()).isEqualTo(7);
        assertThat(copy.getInputCol()).isEqualTo("sentence");

        Path saved = dir.resolve("saved-transformer");
        original.save(saved.toString());
        TersorEmbeddings loaded = TersorEmbeddings.load(saved.toString());
        assertThat(loaded.uid()).isEqualTo(original.uid());
        assertThat(loaded.getModel()).isEqualTo(tsr.toString());
        assertThat(loaded.getBatchSize()).isEqualTo(7);
        assertThat(loaded.getOrDefault(loaded.pooling())).isEqualTo("cls");
    }
}
