package dev.tersor.train;

import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.Graph;
import dev.tersor.graph.Node;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.UnsupportedModelException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT-family sentence encoder (all-MiniLM-L6-v2, bge-small and their kin) as trainable parameters:
 * the word, position and token-type embeddings with their layer norm, then per layer self-attention
 * (query, key, value, output), a residual and layer norm, a GELU feed-forward pair, a residual and
 * layer norm; mean pooling over the real tokens. It is read from a runtime graph imported from such a
 * model's ONNX file, by the Hugging Face names its biases, norms and tables carry
 * ({@code encoder.layer.N.attention.self.query.bias} …); the products' weights are the matrices the
 * graph's {@code Linear} nodes name.
 */
public final class BertEncoder {

    /** One transformer layer's parameters. */
    public record Block(Parameter query, Parameter queryBias, Parameter key, Parameter keyBias, Parameter value,
                        Parameter valueBias, Parameter output, Parameter outputBias, Parameter attentionNormGamma,
                        Parameter attentionNormBeta, Parameter intermediate, Parameter intermediateBias, Parameter down,
                        Parameter downBias, Parameter outputNormGamma, Parameter outputNormBeta) {

        /** The six weight matrices, in the order above. */
        public List<Parameter> matrices() {
            return List.of(query, key, value, output, intermediate, down);
        }

        List<Parameter> all() {
            return List.of(query, queryBias, key, keyBias, value, valueBias, output, outputBias, attentionNormGamma,
                    attentionNormBeta, intermediate, intermediateBias, down, downBias, outputNormGamma, outputNormBeta);
        }
    }

    private final Parameter words;
    private final Parameter positions;
    private final Parameter tokenTypes;
    private final Parameter embeddingNormGamma;
    private final Parameter embeddingNormBeta;
    private final List<Block> blocks;
    private final int heads;
    private final float epsilon;
    /** The form each matrix computes with (for a compressed student), by its parameter; absent means as is. */
    private final Map<Parameter, WeightForm> forms = new HashMap<>();
    private boolean formsFrozen;
    /** Each parameter under the name the graph gives it: weights (tables and matrices) and constants. */
    private final Map<String, Parameter> graphWeights = new java.util.LinkedHashMap<>();
    private final Map<String, Parameter> graphConstants = new java.util.LinkedHashMap<>();

    private BertEncoder(Parameter words, Parameter positions, Parameter tokenTypes, Parameter embeddingNormGamma,
                        Parameter embeddingNormBeta, List<Block> blocks, int heads, float epsilon) {
        this.words = words;
        this.positions = positions;
        this.tokenTypes = tokenTypes;
        this.embeddingNormGamma = embeddingNormGamma;
        this.embeddingNormBeta = embeddingNormBeta;
        this.blocks = List.copyOf(blocks);
        this.heads = heads;
        this.epsilon = epsilon;
    }

    /**
     * The encoder in {@code graph}, its parameters copied out (the graph stays its owner's).
     *
     * @throws UnsupportedModelException if the graph is not a BERT-family encoder named as Hugging Face
     *                                   exports name it
     */
    public static BertEncoder of(Graph graph) {
        Map<String, String> linearWeightByBias = new HashMap<>();
        int headWidth = 0;
        float epsilon = 1e-12f;
        for (Node node : graph.nodes()) {
            switch (node.op()) {
                case "Linear" -> {
                    if (node.inputs().size() > 1) {
                        linearWeightByBias.put(node.input(1), node.attributes().getString("weight", ""));
                    }
                }
                case "Attention" -> {
                    // The scale is 1/√d for heads of width d.
                    float scale = node.attributes().getFloat("scale", 0);
                    headWidth = scale > 0 ? Math.round(1 / (scale * scale)) : headWidth;
                }
                case "LayerNormalization" -> epsilon = node.attributes().getFloat("epsilon", epsilon);
                default -> {
                }
            }
        }
        Parameter words = table(graph, "embeddings.word_embeddings.weight");
        int hidden = words.dim(1);
        if (headWidth <= 0 || hidden % headWidth != 0) {
            throw new UnsupportedModelException("no attention with a head width dividing " + hidden + " in the graph");
        }
        List<Block> blocks = new ArrayList<>();
        for (int layer = 0; linearWeightByBias.containsKey("encoder.layer." + layer + ".attention.self.query.bias"); layer++) {
            String p = "encoder.layer." + layer + ".";
            blocks.add(new Block(
                    matrix(graph, linearWeightByBias, p + "attention.self.query"), vector(graph, p + "attention.self.query.bias"),
                    matrix(graph, linearWeightByBias, p + "attention.self.key"), vector(graph, p + "attention.self.key.bias"),
                    matrix(graph, linearWeightByBias, p + "attention.self.value"), vector(graph, p + "attention.self.value.bias"),
                    matrix(graph, linearWeightByBias, p + "attention.output.dense"), vector(graph, p + "attention.output.dense.bias"),
                    vector(graph, p + "attention.output.LayerNorm.weight"), vector(graph, p + "attention.output.LayerNorm.bias"),
                    matrix(graph, linearWeightByBias, p + "intermediate.dense"), vector(graph, p + "intermediate.dense.bias"),
                    matrix(graph, linearWeightByBias, p + "output.dense"), vector(graph, p + "output.dense.bias"),
                    vector(graph, p + "output.LayerNorm.weight"), vector(graph, p + "output.LayerNorm.bias")));
        }
        if (blocks.isEmpty()) {
            throw new UnsupportedModelException("no encoder.layer.0 products in the graph: not a BERT-family encoder");
        }
        BertEncoder encoder = new BertEncoder(words, table(graph, "embeddings.position_embeddings.weight"),
                table(graph, "embeddings.token_type_embeddings.weight"), vector(graph, "embeddings.LayerNorm.weight"),
                vector(graph, "embeddings.LayerNorm.bias"), blocks, hidden / headWidth, epsilon);
        for (Parameter p : encoder.ownParameters()) {
            if (p.rank() == 2) {
                String name = p.name().startsWith("embeddings.") ? p.name()
                        : linearWeightByBias.get(p.name().substring(0, p.name().length() - ".weight".length()) + ".bias");
                encoder.graphWeights.put(name, p);
            } else {
                encoder.graphConstants.put(p.name(), p);
            }
        }
        return encoder;
    }

    private static Parameter table(Graph graph, String name) {
        WeightMatrix w = graph.weights().get(name);
        if (w == null) {
            Tensor t = graph.constants().get(name);
            if (t == null || t.rank() != 2) {
                throw new UnsupportedModelException("no table " + name + " in the graph: not a BERT-family encoder");
            }
            return new Parameter(name, Parameter.Kind.WEIGHT, t.toFloatArray(), t.dim(0), t.dim(1));
        }
        return new Parameter(name, Parameter.Kind.WEIGHT, w.toDense(), w.rows(), w.cols());
    }

    private static Parameter matrix(Graph graph, Map<String, String> weightByBias, String prefix) {
        String weight = weightByBias.get(prefix + ".bias");
        WeightMatrix w = weight == null ? null : graph.weights().get(weight);
        if (w == null) {
            throw new UnsupportedModelException("no product with bias " + prefix + ".bias in the graph");
        }
        return new Parameter(prefix + ".weight", Parameter.Kind.WEIGHT, w.toDense(), w.rows(), w.cols());
    }

    private static Parameter vector(Graph graph, String name) {
        Tensor t = graph.constants().get(name);
        if (t == null) {
            throw new UnsupportedModelException("no constant " + name + " in the graph: not a BERT-family encoder");
        }
        return new Parameter(name, Parameter.Kind.WEIGHT, t.toFloatArray(), t.size());
    }

    public List<Block> blocks() {
        return blocks;
    }

    public int hidden() {
        return words.dim(1);
    }

    public int heads() {
        return heads;
    }

    /** From now on {@code matrix} (one of this encoder's) computes with the weights {@code form} makes. */
    public void form(Parameter matrix, WeightForm form) {
        forms.put(matrix, form);
    }

    /**
     * While {@code frozen}, formed matrices compute with their current values as constants: no
     * gradient reaches their parameters, none is computed, and {@link #trainedParameters} leaves
     * them out.
     */
    public void freezeForms(boolean frozen) {
        formsFrozen = frozen;
    }

    /** Every parameter: the forms' in place of the matrices they form. */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>();
        for (Parameter p : ownParameters()) {
            WeightForm form = forms.get(p);
            if (form == null) {
                all.add(p);
            } else {
                all.addAll(form.parameters());
            }
        }
        return all;
    }

    /**
     * The uniform forms whose steps learn, in the encoder's order; none while forms are frozen (their
     * steps do not move then).
     */
    public List<UniformQuantizedWeight> learnedStepForms() {
        if (formsFrozen) {
            return List.of();
        }
        List<UniformQuantizedWeight> out = new ArrayList<>();
        for (Parameter p : ownParameters()) {
            if (forms.get(p) instanceof UniformQuantizedWeight u && u.learnsSteps()) {
                out.add(u);
            }
        }
        return out;
    }

    /** The parameters the next step trains: all of them, or only the unformed ones while forms are frozen. */
    public List<Parameter> trainedParameters() {
        if (!formsFrozen) {
            return parameters();
        }
        return ownParameters().stream().filter(p -> !forms.containsKey(p)).toList();
    }

    /** The encoder's own tensors, tables and matrices included, in a fixed order. */
    private List<Parameter> ownParameters() {
        List<Parameter> all = new ArrayList<>(List.of(words, positions, tokenTypes, embeddingNormGamma, embeddingNormBeta));
        for (Block b : blocks) {
            all.addAll(b.all());
        }
        return all;
    }

    /** The tables and matrices, by the weight names of the graph they were read from. */
    public Map<String, Parameter> graphWeights() {
        return java.util.Collections.unmodifiableMap(graphWeights);
    }

    /** The form {@code matrix} computes through, or null. */
    public WeightForm form(Parameter matrix) {
        return forms.get(matrix);
    }

    /**
     * {@code source} (the graph this encoder was read from) with this encoder's values: every table or
     * matrix with a form placed by {@code policy} from the form's exact values, the others dense, and
     * the biases and norms as trained. The new weights belong to the caller (a {@code Model} over the
     * graph closes them); the constants not trained are {@code source}'s own.
     */
    public Graph exportInto(Graph source, dev.tersor.format.FormatPolicy policy) {
        Map<String, WeightMatrix> weights = new java.util.LinkedHashMap<>();
        try {
            for (String name : source.weights().keySet()) {
                Parameter p = graphWeights.get(name);
                if (p == null) {
                    throw new UnsupportedModelException("the graph's weight " + name + " is not one of this encoder's");
                }
                WeightForm form = forms.get(p);
                int[] rows = java.util.stream.IntStream.range(0, p.dim(0)).toArray();
                int[] cols = java.util.stream.IntStream.range(0, p.dim(1)).toArray();
                weights.put(name, form != null ? policy.place(form.stored(rows, cols)).matrix()
                        : dev.tersor.format.dense.DenseMatrix.encode(dev.tersor.format.DenseMatrixView.of(p.dim(0), p.dim(1), p.value())));
            }
        } catch (RuntimeException e) {
            weights.values().forEach(WeightMatrix::close);
            throw e;
        }
        Map<String, Tensor> constants = new java.util.LinkedHashMap<>(source.constants());
        graphConstants.forEach((name, p) -> constants.put(name, Tensor.of(p.value().clone(), source.constants().get(name).shape())));
        return new Graph(source.inputs(), source.outputs(), source.nodes(), constants, weights);
    }

    private Variable weight(Tape tape, Parameter p) {
        WeightForm form = forms.get(p);
        if (form == null) {
            return p;
        }
        return formsFrozen ? Variable.constant(form.values(), p.shape()) : form.weights(tape);
    }

    /**
     * What the encoder makes of a batch: the hidden states after each block, {@code [B·T, H]} with every
     * sequence padded to the batch's longest, T tokens (padding rows hold values nothing reads), and
     * the mean-pooled sentence vectors {@code [B, H]}.
     */
    public record Encoding(List<Variable> layers, Variable pooled, int[] lengths) {
        public Encoding {
            layers = List.copyOf(layers);
            lengths = lengths.clone();
        }

        @Override
        public int[] lengths() {
            return lengths.clone();
        }
    }

    /**
     * Mean-pooled sentence vectors {@code [B, H]} of token sequences (ids with the model's own
     * framing, e.g. [CLS] … [SEP]); every sequence has token type 0, as single sentences do.
     */
    public Variable embed(Tape tape, List<long[]> sequences) {
        return encode(tape, sequences).pooled();
    }

    /** The hidden states and sentence vectors of token sequences, framed as for {@link #embed}. */
    public Encoding encode(Tape tape, List<long[]> sequences) {
        int batch = sequences.size();
        int tokens = 0;
        for (long[] s : sequences) {
            tokens = Math.max(tokens, s.length);
        }
        if (batch == 0 || tokens == 0) {
            throw new IllegalArgumentException("embed needs at least one non-empty sequence");
        }
        if (tokens > positions.dim(0)) {
            throw new IllegalArgumentException("a sequence of " + tokens + " tokens; the model takes " + positions.dim(0));
        }
        int[] lengths = new int[batch];
        int[] ids = new int[batch * tokens];
        int[] positionIds = new int[batch * tokens];
        for (int b = 0; b < batch; b++) {
            long[] s = sequences.get(b);
            lengths[b] = s.length;
            for (int t = 0; t < tokens; t++) {
                // Padding reads row 0 and position t; attention and pooling never look at it.
                ids[b * tokens + t] = t < s.length ? Math.toIntExact(s[t]) : 0;
                positionIds[b * tokens + t] = t;
            }
        }
        Variable x = SequenceOps.add(tape, SequenceOps.embedding(tape, weight(tape, words), ids),
                SequenceOps.embedding(tape, weight(tape, positions), positionIds));
        x = SequenceOps.add(tape, x, SequenceOps.embedding(tape, weight(tape, tokenTypes), new int[batch * tokens]));
        x = SequenceOps.layerNorm(tape, x, embeddingNormGamma, embeddingNormBeta, epsilon);
        List<Variable> layers = new ArrayList<>(blocks.size());
        for (Block b : blocks) {
            Variable q = Products.linear(tape, x, weight(tape, b.query()), b.queryBias());
            Variable k = Products.linear(tape, x, weight(tape, b.key()), b.keyBias());
            Variable v = Products.linear(tape, x, weight(tape, b.value()), b.valueBias());
            Variable attended = SequenceOps.attention(tape, q, k, v, lengths, heads);
            Variable projected = Products.linear(tape, attended, weight(tape, b.output()), b.outputBias());
            x = SequenceOps.layerNorm(tape, SequenceOps.add(tape, projected, x), b.attentionNormGamma(),
                    b.attentionNormBeta(), epsilon);
            Variable up = SequenceOps.gelu(tape, Products.linear(tape, x, weight(tape, b.intermediate()), b.intermediateBias()));
            Variable down = Products.linear(tape, up, weight(tape, b.down()), b.downBias());
            x = SequenceOps.layerNorm(tape, SequenceOps.add(tape, down, x), b.outputNormGamma(), b.outputNormBeta(), epsilon);
            layers.add(x);
        }
        return new Encoding(layers, SequenceOps.meanPool(tape, x, lengths), lengths);
    }
}
