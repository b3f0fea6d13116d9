package dev.tersor.model;

import dev.tersor.graph.Tensor;
import dev.tersor.onnx.OnnxProto;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Single-operator models of {@code libonnx-testdata} run by Tersor and by ONNX Runtime on fresh random
 * inputs (wider than the stored ones, so saturation, negative slopes and padded borders are all hit):
 * a second oracle beside the stored outputs that {@code OnnxConformanceTest} compares with.
 */
class OperatorOrtComparisonTest {

    static final Path NODE = Path.of(System.getProperty("tersor.onnx.testdata", "/usr/share/libonnx-testdata/data"), "node");

    @ParameterizedTest
    @ValueSource(strings = {"averagepool_2d_pads_count_include_pad", "averagepool_2d_ceil", "averagepool_2d_same_lower",
            "averagepool_2d_strides", "averagepool_1d_default", "averagepool_3d_default", "maxpool_1d_default",
            "maxpool_3d_default", "globalmaxpool", "instancenorm_epsilon", "leakyrelu", "hardswish", "prelu_broadcast",
            "elu", "selu", "softplus", "reduce_l2_do_not_keepdims_random", "reduce_max_do_not_keepdims_random",
            "mean_example"})
    void agreesWithOnnxRuntime(String name) throws Exception {
        Path dir = NODE.resolve("test_" + name);
        Path file = dir.resolve("model.onnx");
        OnnxProto.Graph graph = OnnxProto.parseModel(Files.readAllBytes(file)).graph();
        Random random = new Random(name.hashCode());
        Map<String, Tensor> inputs = new HashMap<>();
        for (int i = 0; i < graph.inputs().size(); i++) {
            int[] shape = Arrays.stream(graph.inputs().get(i).dims()).mapToInt(d -> (int) d).toArray();
            float[] values = new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
            for (int k = 0; k < values.length; k++) {
                values[k] = (float) (4 * random.nextGaussian());
            }
            inputs.put(graph.inputs().get(i).name(), Tensor.of(values, shape));
        }
        try (Model tersor = Model.load(file); OrtRunner ort = new OrtRunner(file)) {
            Map<String, Tensor> ours = tersor.run(inputs);
            Map<String, Tensor> theirs = ort.run(inputs);
            for (var e : theirs.entrySet()) {
                Tensor actual = ours.get(e.getKey());
                Tensor expected = e.getValue();
                assertThat(actual.shape()).as(name).containsExactly(expected.shape());
                for (int k = 0; k < expected.size(); k++) {
                    double want = expected.getDouble(k);
                    assertThat(actual.getDouble(k)).as("%s element %d", name, k)
                            .isCloseTo(want, org.assertj.core.api.Assertions.within(1e-4 + 1e-4 * Math.abs(want)));
                }
            }
        }
    }
}
