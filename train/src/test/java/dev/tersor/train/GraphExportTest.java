package dev.tersor.train;

import dev.tersor.format.Execution;
import dev.tersor.format.bitpack.BitpackMatrix;
import dev.tersor.graph.Tensor;
import dev.tersor.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The exported graph computes what the trained network computes, with emptied channels removed. */
class GraphExportTest {

    private static final Compute COMPUTE = Compute.of(2);

    /** conv → relu → batch norm → pool → conv → relu → pool → flatten → dense → relu → dense, on 2×12×12 images. */
    private static Network network(SplittableRandom random) {
        return new Network("test-cnn", new int[]{2, 12, 12}, List.of(
                Layer.Product.conv("conv1", 2, 6, 3, random), new Layer.Relu(), new Layer.BatchNorm("bn", 6),
                new Layer.MaxPool(),
                Layer.Product.conv("conv2", 6, 5, 2, random), new Layer.Relu(), new Layer.MaxPool(),
                new Layer.Flatten(),
                Layer.Product.dense("fc1", 20, 7, random), new Layer.Relu(),
                Layer.Product.dense("fc2", 7, 3, random)));
    }

    private static float[] logits(Network net, Variable x) {
        return net.forward(Tape.inference(COMPUTE), x).value();
    }

    private static float[] runtimeLogits(Model model, Variable x) {
        return model.run(Map.of(GraphExport.INPUT, Tensor.of(x.value(), x.shape()))).get(GraphExport.OUTPUT).toFloatArray();
    }

    @Test
    void removedChannelsFoldIntoTheNextLayerAndTheOutputsAgree(@TempDir Path dir) throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        Network net = network(random);
        Variable x = Variable.constant(GradientCheck.random(random, 8 * 2 * 12 * 12, 1), 8, 2, 12, 12);
        // A few training steps give the batch norm running statistics that are not the defaults.
        for (int i = 0; i < 3; i++) {
            net.forward(Tape.training(COMPUTE), x);
        }
        net.compress(4);
        List<Layer.Product> products = net.products();
        // Empty two channels of conv1 (one with a positive bias, which then carries a constant plane), one
        // of conv2 and two units of fc1.
        Layer.Product conv1 = products.get(0);
        conv1.bias().value()[1] = 0.7f;
        conv1.compressed().bits().value()[1] = -0.01f;
        conv1.compressed().bits().value()[4] = -0.5f;
        products.get(1).compressed().bits().value()[2] = 0;
        products.get(2).compressed().bits().value()[0] = -1;
        products.get(2).compressed().bits().value()[5] = -1;
        // The last layer keeps its rows, even empty: they are classes.
        products.get(3).compressed().bits().value()[1] = -1;

        float[] expected = logits(net, x);
        GraphExport.Exported exported = GraphExport.export(net);
        assertThat(exported.products()).extracting(GraphExport.LayerSummary::keptRows).containsExactly(4, 4, 5, 3);
        assertThat(exported.products()).extracting(GraphExport.LayerSummary::keptCols).containsExactly(18, 16, 16, 5);
        long bytes = 0;
        for (var w : exported.graph().weights().values()) {
            bytes += w.byteSize();
        }
        // weights, biases (4 + 4 + 5 + 3) and the batch norm's four arrays over 4 kept channels
        assertThat(exported.bytes()).isEqualTo(bytes + 4L * (16 + 16));
        Path file = dir.resolve("net.tsr");
        try (Model model = Model.of(exported.graph(), Execution.threads(2))) {
            float[] actual = runtimeLogits(model, x);
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).as("logit %d", i).isCloseTo(expected[i], within(1e-4f * (1 + Math.abs(expected[i]))));
            }
            model.save(file);
        }
        try (Model loaded = Model.load(file, Execution.threads(1))) {
            for (String name : exported.graph().weights().keySet()) {
                assertThat(loaded.graph().weights().get(name).formatName()).isEqualTo(exported.graph().weights().get(name).formatName());
            }
            float[] actual = runtimeLogits(loaded, x);
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).isCloseTo(expected[i], within(1e-4f * (1 + Math.abs(expected[i]))));
            }
        }
    }

    @Test
    void storedValuesAreExactlyTheTrainedOnes() {
        SplittableRandom random = new SplittableRandom(12);
        Network net = Network.create("lenet-300-100", 3);
        net.compress(3);
        SelfCompressedWeight fc2 = net.compressedWeights().get(1);
        for (int r = 0; r < fc2.rows(); r++) {
            fc2.bits().value()[r] = (float) random.nextDouble(0.5, 7);
            fc2.exponents().value()[r] += (float) random.nextDouble(-1, 1);
        }
        GraphExport.Exported exported = GraphExport.export(net);
        try (Model model = Model.of(exported.graph(), Execution.defaults())) {
            float[] stored = model.graph().weights().get("n2.weight").toDense();
            float[] trained = fc2.quantizedValues();
            // fc1 lost no row (depth 3 everywhere), so fc2 keeps all its columns; rows of all zeros are gone.
            int kept = 0;
            for (int r = 0; r < fc2.rows(); r++) {
                boolean zero = true;
                for (int c = 0; c < fc2.fanIn(); c++) {
                    zero &= trained[r * fc2.fanIn() + c] == 0;
                }
                if (zero) {
                    continue;
                }
                for (int c = 0; c < fc2.fanIn(); c++) {
                    assertThat(stored[kept * fc2.fanIn() + c]).isEqualTo(trained[r * fc2.fanIn() + c] + 0f);
                }
                kept++;
            }
            assertThat(model.graph().weights().get("n2.weight").rows()).isEqualTo(kept);
        }
    }

    @Test
    void eachMatrixTakesTheSmallestExactFormatNeverLargerThanBitPacked() {
        Network net = Network.create("lenet-300-100", 4);
        net.compress(2);
        GraphExport.Exported exported = GraphExport.export(net);
        List<SelfCompressedWeight> forms = net.compressedWeights();
        int[] allColumns300 = java.util.stream.IntStream.range(0, 784).toArray();
        int[] allRows = java.util.stream.IntStream.range(0, 300).toArray();
        try (var bitpack = BitpackMatrix.encode(forms.getFirst().stored(allRows, allColumns300))) {
            var chosen = exported.graph().weights().get("n0.weight");
            assertThat(chosen.rows()).isEqualTo(300);
            assertThat(chosen.byteSize()).isLessThanOrEqualTo(bitpack.byteSize());
            assertThat(chosen.toDense()).containsExactly(bitpack.toDense());
        } finally {
            exported.graph().weights().values().forEach(w -> w.close());
        }
    }
}
