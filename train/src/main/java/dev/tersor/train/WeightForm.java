package dev.tersor.train;

import dev.tersor.format.QuantizedMatrix;

import java.util.List;
import java.util.Map;

/**
 * How a product layer's weights are formed from what is trained, and how they are stored: under
 * self-compression, pruning, or weight sharing. A layer without a form trains and stores its float
 * weights as they are.
 */
public interface WeightForm {

    /** The weights the layer computes with, {@code [out, in]}, with gradients to this form's parameters. */
    Variable weights(Tape tape);

    /** The same values, now, without a tape. */
    float[] values();

    /** What the optimizer trains for this layer's weights. */
    List<Parameter> parameters();

    /** State a checkpoint keeps besides the parameters (masks, assignments), by name; restored in place. */
    default Map<String, float[]> state() {
        return Map.of();
    }

    /**
     * The formed weights of rows {@code rows} over the columns {@code columns} of {@link #values()},
     * exactly, as a quantized matrix (codebook, codes and any per-row scales) for the exporter to
     * place in the smallest format that holds it.
     */
    QuantizedMatrix stored(int[] rows, int[] columns);

    /**
     * A quantized matrix of integer levels times per-row scales: the codebook is the distinct levels
     * in increasing order, each entry's code its level's place, {@code rowScales[r]} row r's scale.
     */
    static QuantizedMatrix ofLevels(int rows, int cols, int[] levels, float[] rowScales) {
        int[] sorted = levels.clone();
        java.util.Arrays.sort(sorted);
        int count = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                sorted[count++] = sorted[i];
            }
        }
        int[] distinct = java.util.Arrays.copyOf(sorted, count);
        float[] codebook = new float[distinct.length];
        for (int k = 0; k < distinct.length; k++) {
            codebook[k] = distinct[k];
        }
        int[] codes = new int[levels.length];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = java.util.Arrays.binarySearch(distinct, levels[i]);
        }
        return QuantizedMatrix.of(rows, cols, codebook, codes, rowScales);
    }
}
