package dev.tersor.spark;

import dev.tersor.embed.Embedder;
import org.apache.spark.api.java.function.MapPartitionsFunction;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The cosine between two models' embeddings of each text of a partition, in batches: one call of
 * each model per batch, both embedders shared by the executor's task threads. A text either model
 * leaves without a vector (see {@link RowBatches#embed}) has no cosine and is left out.
 */
final class CosineBatches implements MapPartitionsFunction<String, Double> {

    private static final long serialVersionUID = 1L;

    private final ExecutorModel evaluated;
    private final ExecutorModel reference;

    CosineBatches(ExecutorModel evaluated, ExecutorModel reference) {
        this.evaluated = evaluated;
        this.reference = reference;
    }

    @Override
    public Iterator<Double> call(Iterator<String> texts) {
        Embedder a = ExecutorEmbedders.get(evaluated);
        Embedder b = ExecutorEmbedders.get(reference);
        int batchSize = evaluated.batchSize();
        return new Iterator<>() {
            private final List<Double> cosines = new ArrayList<>(batchSize);
            private int next;

            @Override
            public boolean hasNext() {
                while (next == cosines.size() && texts.hasNext()) {
                    cosines.clear();
                    next = 0;
                    List<String> batch = new ArrayList<>(batchSize);
                    while (batch.size() < batchSize && texts.hasNext()) {
                        batch.add(texts.next());
                    }
                    float[][] va = RowBatches.embed(a, batch);
                    float[][] vb = RowBatches.embed(b, batch);
                    for (int i = 0; i < batch.size(); i++) {
                        if (va[i] != null && vb[i] != null) {
                            cosines.add(cosine(va[i], vb[i]));
                        }
                    }
                }
                return next < cosines.size();
            }

            @Override
            public Double next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return cosines.get(next++);
            }
        };
    }

    /**
     * The cosine of two vectors in double precision, each first brought to unit length, as
     * {@code EmbeddingComparison} computes it (a zero vector has cosine 0 with anything).
     */
    static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("the models' embeddings have " + a.length + " and " + b.length + " dimensions");
        }
        double[] ua = unit(a);
        double[] ub = unit(b);
        double dot = 0;
        for (int d = 0; d < ua.length; d++) {
            dot += ua[d] * ub[d];
        }
        return dot;
    }

    private static double[] unit(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        norm = Math.sqrt(norm);
        double[] out = new double[v.length];
        for (int d = 0; d < v.length; d++) {
            out[d] = norm == 0 ? 0 : v[d] / norm;
        }
        return out;
    }
}
