package dev.tersor.train;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.ElementType;
import dev.tersor.format.WeightMatrix;
import dev.tersor.format.FormatPolicy;
import dev.tersor.format.Objective;
import dev.tersor.format.dense.DenseMatrix;
import dev.tersor.graph.Attributes;
import dev.tersor.graph.Graph;
import dev.tersor.graph.Node;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.ValueInfo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a trained network into a runtime graph. A layer with a {@link WeightForm} (self-compression,
 * pruning, sharing) is stored exactly, in whichever registered format holds its values in the fewest
 * bytes: bit-packed integers for self-compression (methods.md Decision 7) unless an entropy-coded
 * format of the same integers is smaller, a codebook format for shared weights. Float layers stay
 * dense. Rows a form emptied are removed: such a row outputs a constant (its bias), which is carried
 * through the layers that follow (ReLU, batch norm and pooling keep a constant plane constant) and
 * folded into the next product's bias, whose matching input columns are then dropped. The last
 * product keeps every output, since those are the classes.
 */
public final class GraphExport {

    /** Name of the graph's input: a batch of examples of the network's input shape. */
    public static final String INPUT = "input";
    /** Name of the graph's output: the logits. */
    public static final String OUTPUT = "logits";

    /** What one product layer became. */
    public record LayerSummary(String name, String format, int rows, int keptRows, int cols, int keptCols,
                               double bitsPerWeight, long bytes) {
    }

    /**
     * The exported graph, the summary of its products and its byte count: the weight matrices' exact
     * bytes plus four per float of biases and norms.
     */
    public record Exported(Graph graph, List<LayerSummary> products, long bytes) {
    }

    private GraphExport() {
    }

    /** Exports {@code network}; the caller owns the graph's weights (a {@code Model} over it closes them). */
    public static Exported export(Network network) {
        Builder builder = new Builder(network);
        return builder.build();
    }

    /** Each formed matrix in the registered format that holds it exactly in the fewest bytes. */
    private static final FormatPolicy SMALLEST = FormatPolicy.automatic(Objective.SIZE, null);

    private static final class Builder {
        private final Network network;
        private final List<Node> nodes = new ArrayList<>();
        private final Map<String, Tensor> constants = new LinkedHashMap<>();
        private final Map<String, WeightMatrix> weights = new LinkedHashMap<>();
        private final List<LayerSummary> summaries = new ArrayList<>();
        private long bytes;
        private String current = INPUT;
        /** Per unit (channel, or feature after a flatten) of the current activation: whether it is still there. */
        private boolean[] kept;
        /** The constant value of each removed unit. */
        private float[] constant;
        /** The current activation's shape per example: {@code [channels, height, width]} or {@code [features]}. */
        private int[] shape;

        Builder(Network network) {
            this.network = network;
            this.shape = network.inputShape();
            this.kept = new boolean[shape[0]];
            Arrays.fill(kept, true);
            this.constant = new float[shape[0]];
        }

        Exported build() {
            List<Layer> layers = network.layers();
            int lastProduct = -1;
            for (int i = 0; i < layers.size(); i++) {
                if (layers.get(i) instanceof Layer.Product) {
                    lastProduct = i;
                }
            }
            for (int i = 0; i < layers.size(); i++) {
                String name = "n" + i;
                String output = i == layers.size() - 1 ? OUTPUT : name;
                switch (layers.get(i)) {
                    case Layer.Product p -> product(p, name, output, i == lastProduct);
                    case Layer.Relu r -> {
                        for (int u = 0; u < kept.length; u++) {
                            constant[u] = Math.max(constant[u], 0f);
                        }
                        node(name, "Relu", List.of(current), output, Attributes.NONE);
                    }
                    case Layer.MaxPool m -> {
                        shape = new int[]{shape[0], shape[1] / 2, shape[2] / 2};
                        node(name, "MaxPool", List.of(current), output, Attributes.builder()
                                .put("kernel_shape", new long[]{2, 2}).put("strides", new long[]{2, 2}).build());
                    }
                    case Layer.BatchNorm b -> batchNorm(b, name, output);
                    case Layer.Flatten f -> flatten(name, output);
                }
                current = output;
            }
            int[] input = network.inputShape();
            int[] dims = new int[input.length + 1];
            dims[0] = -1;
            System.arraycopy(input, 0, dims, 1, input.length);
            Graph graph = new Graph(List.of(new ValueInfo(INPUT, ElementType.F32, dims)), List.of(OUTPUT), nodes, constants,
                    weights);
            return new Exported(graph, summaries, bytes);
        }

        private void node(String name, String op, List<String> inputs, String output, Attributes attributes) {
            nodes.add(new Node(name, op, inputs, List.of(output), attributes));
        }

        private int[] keptIndices(boolean[] mask) {
            return java.util.stream.IntStream.range(0, mask.length).filter(u -> mask[u]).toArray();
        }

        private void product(Layer.Product p, String name, String output, boolean last) {
            WeightForm form = p.form();
            float[] w = p.effectiveWeights();
            int rows = p.weight().dim(0);
            int cols = p.weight().dim(1);
            int units = kept.length;
            if (cols % units != 0) {
                throw new IllegalStateException(p.weight() + " does not take " + units + " input units");
            }
            int perUnit = cols / units;
            // Removed inputs are constant planes: their products move into the bias.
            double[] bias = new double[rows];
            for (int r = 0; r < rows; r++) {
                bias[r] = p.bias().value()[r];
                for (int u = 0; u < units; u++) {
                    if (!kept[u] && constant[u] != 0) {
                        double sum = 0;
                        for (int t = 0; t < perUnit; t++) {
                            sum += w[r * cols + u * perUnit + t];
                        }
                        bias[r] += constant[u] * sum;
                    }
                }
            }
            int[] keptUnits = keptIndices(kept);
            int keptCols = keptUnits.length * perUnit;
            boolean[] rowKept = new boolean[rows];
            float[] rowConstant = new float[rows];
            for (int r = 0; r < rows; r++) {
                boolean zero = true;
                for (int u : keptUnits) {
                    for (int t = 0; t < perUnit && zero; t++) {
                        zero = w[r * cols + u * perUnit + t] == 0;
                    }
                }
                rowKept[r] = last || form == null || !zero;
                rowConstant[r] = (float) bias[r];
            }
            int[] keptRows = keptIndices(rowKept);
            int[] keptColumns = new int[keptCols];
            for (int i = 0; i < keptUnits.length; i++) {
                for (int t = 0; t < perUnit; t++) {
                    keptColumns[i * perUnit + t] = keptUnits[i] * perUnit + t;
                }
            }
            float[] keptBias = new float[keptRows.length];
            for (int i = 0; i < keptRows.length; i++) {
                keptBias[i] = (float) bias[keptRows[i]];
            }
            WeightMatrix encoded;
            if (form != null) {
                encoded = SMALLEST.place(form.stored(keptRows, keptColumns)).matrix();
            } else {
                float[] matrix = new float[keptRows.length * keptCols];
                for (int i = 0; i < keptRows.length; i++) {
                    for (int j = 0; j < keptCols; j++) {
                        matrix[i * keptCols + j] = w[keptRows[i] * cols + keptColumns[j]];
                    }
                }
                encoded = DenseMatrix.encode(DenseMatrixView.of(keptRows.length, keptCols, matrix));
            }
            double bits = 8.0 * encoded.byteSize() / ((double) rows * cols);
            String weightName = name + ".weight";
            String biasName = name + ".bias";
            weights.put(weightName, encoded);
            constants.put(biasName, Tensor.of(keptBias, keptBias.length));
            long layerBytes = encoded.byteSize() + 4L * keptBias.length;
            bytes += layerBytes;
            summaries.add(new LayerSummary(p.weight().name().replace(".weight", ""), encoded.formatName(), rows,
                    keptRows.length, cols, keptCols, bits, layerBytes));
            Attributes.Builder attributes = Attributes.builder().put("weight", weightName);
            if (p.isConvolution()) {
                attributes.put("kernel_shape", new long[]{p.kernel(), p.kernel()});
                node(name, "Conv", List.of(current, biasName), output, attributes.build());
                shape = new int[]{rows, shape[1] - p.kernel() + 1, shape[2] - p.kernel() + 1};
            } else {
                node(name, "Linear", List.of(current, biasName), output, attributes.build());
                shape = new int[]{rows};
            }
            kept = rowKept;
            constant = rowConstant;
        }

        private void batchNorm(Layer.BatchNorm b, String name, String output) {
            int[] units = keptIndices(kept);
            float[][] columns = {b.gamma().value(), b.beta().value(), b.runningMean(), b.runningVariance()};
            String[] roles = {"scale", "bias", "mean", "variance"};
            List<String> inputs = new ArrayList<>(List.of(current));
            for (int k = 0; k < columns.length; k++) {
                float[] subset = new float[units.length];
                for (int i = 0; i < units.length; i++) {
                    subset[i] = columns[k][units[i]];
                }
                String constantName = name + "." + roles[k];
                constants.put(constantName, Tensor.of(subset, subset.length));
                inputs.add(constantName);
                bytes += 4L * subset.length;
            }
            for (int u = 0; u < kept.length; u++) {
                if (!kept[u]) {
                    double scale = b.gamma().value()[u] / Math.sqrt(b.runningVariance()[u] + Layer.BatchNorm.EPSILON);
                    constant[u] = (float) ((constant[u] - b.runningMean()[u]) * scale + b.beta().value()[u]);
                }
            }
            node(name, "BatchNormalization", inputs, output,
                    Attributes.builder().put("epsilon", Layer.BatchNorm.EPSILON).build());
        }

        private void flatten(String name, String output) {
            int plane = shape.length == 3 ? shape[1] * shape[2] : 1;
            boolean[] features = new boolean[kept.length * plane];
            float[] values = new float[features.length];
            for (int u = 0; u < kept.length; u++) {
                for (int p = 0; p < plane; p++) {
                    features[u * plane + p] = kept[u];
                    values[u * plane + p] = constant[u];
                }
            }
            // The graph's flatten sees only the kept channels; its features are in the same order.
            kept = features;
            constant = values;
            shape = new int[]{features.length};
            node(name, "Flatten", List.of(current), output, Attributes.builder().put("axis", 1L).build());
        }
    }
}
