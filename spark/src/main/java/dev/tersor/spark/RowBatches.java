package dev.tersor.spark;

import dev.tersor.embed.Embedder;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The work of one partition: its rows in batches of {@link ExecutorModel#batchSize()}, each batch one
 * model call on the executor's shared embedder, each row given back with its vector appended, in
 * order. Lazy: a partition's rows are read one batch ahead of the output, never all at once.
 *
 * <p>Rows that cannot be embedded get a null vector and never fail the task (see
 * {@link #embed(Embedder, List)}).
 */
final class RowBatches implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(RowBatches.class.getName());

    private final ExecutorModel model;
    private final int inputColumn;

    /** @param inputColumn the index of the text column in the incoming rows */
    RowBatches(ExecutorModel model, int inputColumn) {
        this.model = model;
        this.inputColumn = inputColumn;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        Embedder embedder = ExecutorEmbedders.get(model);
        return new Iterator<>() {
            private final List<Row> batch = new ArrayList<>(model.batchSize());
            private float[][] vectors = new float[0][];
            private int next;

            @Override
            public boolean hasNext() {
                if (next < batch.size()) {
                    return true;
                }
                if (!rows.hasNext()) {
                    return false;
                }
                batch.clear();
                next = 0;
                List<String> texts = new ArrayList<>(model.batchSize());
                while (batch.size() < model.batchSize() && rows.hasNext()) {
                    Row row = rows.next();
                    batch.add(row);
                    texts.add(row.isNullAt(inputColumn) ? null : row.getString(inputColumn));
                }
                vectors = embed(embedder, texts);
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Row row = batch.get(next);
                float[] vector = vectors[next];
                batch.set(next, null);
                next++;
                Object[] values = new Object[row.length() + 1];
                for (int i = 0; i < row.length(); i++) {
                    values[i] = row.get(i);
                }
                values[row.length()] = vector;
                return RowFactory.create(values);
            }
        };
    }

    /**
     * The vectors of {@code texts} in one model call, as {@link Embedder#embed(List)} computes them,
     * with the bad-row rules of {@code docs/spark.md}: a null text gets a null vector; an empty or
     * blank text gets the model's vector of the empty text (what the embedder gives it: the special
     * tokens alone); a text longer than the model reads is truncated, as the embedder does; a text
     * that is not Unicode (an unpaired surrogate, which the native tokenizer cannot read) or that the
     * tokenizer turns into no tokens gets a null vector. A batch holding such a text is embedded again
     * a text at a time so that the others keep their vectors.
     */
    static float[][] embed(Embedder embedder, List<String> texts) {
        float[][] vectors = new float[texts.size()][];
        List<String> readable = new ArrayList<>(texts.size());
        List<Integer> positions = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            if (text != null && isUnicode(text)) {
                readable.add(text);
                positions.add(i);
            }
        }
        if (readable.isEmpty()) {
            return vectors;
        }
        try {
            float[][] computed = embedder.embed(readable);
            for (int j = 0; j < computed.length; j++) {
                vectors[positions.get(j)] = computed[j];
            }
        } catch (IllegalArgumentException batchFailed) {
            // One text the tokenizer refuses must not cost the batch its vectors, nor fail the task.
            for (int j = 0; j < readable.size(); j++) {
                try {
                    vectors[positions.get(j)] = embedder.embed(readable.get(j));
                } catch (IllegalArgumentException e) {
                    LOG.log(System.Logger.Level.WARNING, "a row was left without a vector: {0}", e.getMessage());
                }
            }
        }
        return vectors;
    }

    /** Whether {@code text} holds no unpaired surrogate, so that it is Unicode text the tokenizer can read. */
    static boolean isUnicode(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
