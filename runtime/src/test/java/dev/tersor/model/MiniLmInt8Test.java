package dev.tersor.model;

import dev.tersor.embed.Tokenizer;
import dev.tersor.format.Execution;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.compile.WeightEncoder;
import dev.tersor.onnx.OnnxImporter;
import dev.tersor.onnx.OnnxProto;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The int8 all-MiniLM-L6-v2 (MatMulInteger weights with per-channel scales and zero points): every
 * quantized product becomes a float Linear over a codebook matrix holding exactly the int8 model's
 * weights, activations stay float. Needs the models the build fetches.
 */
class MiniLmInt8Test {

    @Test
    void importsAsFloatLayersOverTheExactInt8Weights() throws Exception {
        OnnxProto.Model onnx = OnnxProto.parseModel(Files.readAllBytes(TestModels.miniLmInt8()));
        Map<String, OnnxProto.TensorData> initializers = new HashMap<>();
        onnx.graph().initializers().forEach(t -> initializers.put(t.name(), t));
        try (Model model = Model.importOnnx(TestModels.miniLmInt8(), ImportOptions.defaults(), Execution.defaults())) {
            List<String> ops = model.graph().nodes().stream().map(n -> n.op()).toList();
            assertThat(ops).doesNotContain("MatMulInteger", "DynamicQuantizeLinear", "DequantizeLinear");
            assertThat(ops.stream().filter("Linear"::equals).count()).isEqualTo(36);
            // The first query projection: W[o][i] = (q[i][o] − zp[o])·scale[o], bit for bit.
            Tensor q = OnnxImporter.tensor(initializers.get("onnx::MatMul_787_quantized"), "q");
            Tensor zp = OnnxImporter.tensor(initializers.get("onnx::MatMul_787_zero_point"), "zp");
            Tensor scale = OnnxImporter.tensor(initializers.get("onnx::MatMul_787_scale"), "scale");
            WeightMatrix w = model.graph().weights().get("onnx::MatMul_787_quantized");
            float[] decoded = w.toDense();
            int in = q.dim(0);
            int out = q.dim(1);
            assertThat(w.rows()).isEqualTo(out);
            assertThat(w.cols()).isEqualTo(in);
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    float expected = (float) (q.getLong((long) i * out + o) - zp.getLong(o)) * (float) scale.getDouble(o);
                    assertThat(Float.floatToRawIntBits(decoded[o * in + i])).isEqualTo(Float.floatToRawIntBits(expected));
                }
            }
        }
    }

    @Test
    void embeddingsStayWithinCosine099OfFp32() throws Exception {
        Tokenizer tokenizer = Tokenizer.load(TestModels.miniLmTokenizer());
        try (Model int8 = Model.importOnnx(TestModels.miniLmInt8(), ImportOptions.defaults(), Execution.defaults());
             Model fp32 = Model.importOnnx(TestModels.miniLm(), ImportOptions.defaults(), Execution.defaults())) {
            for (String sentence : MiniLmTest.SENTENCES) {
                Map<String, Tensor> inputs = Embeddings.inputs(tokenizer.encode(sentence));
                float[] a = Embeddings.meanPooled(int8.run(inputs).get("last_hidden_state"));
                float[] b = Embeddings.meanPooled(fp32.run(inputs).get("last_hidden_state"));
                assertThat(Embeddings.cosine(a, b)).as(sentence).isGreaterThanOrEqualTo(0.99);
            }
        }
    }

    @Test
    void codebookFormatGivesTheSameOutputsAsDense() throws Exception {
        long[] ids;
        try (Tokenizer tokenizer = Tokenizer.load(TestModels.miniLmTokenizer())) {
            ids = tokenizer.encode("Lossless means the same numbers in another layout.");
        }
        Map<String, Tensor> inputs = Embeddings.inputs(ids);
        WeightEncoder cser = WeightEncoder.of(MatrixFormats.named("cser"));
        try (Model dense = Model.importOnnx(TestModels.miniLmInt8(), ImportOptions.defaults(), Execution.defaults());
             Model grouped = Model.importOnnx(TestModels.miniLmInt8(), new ImportOptions(cser), Execution.defaults())) {
            assertThat(grouped.graph().weights().values()).allMatch(w -> w.formatName().equals("cser"));
            for (var e : dense.graph().weights().entrySet()) {
                assertThat(grouped.graph().weights().get(e.getKey()).toDense()).as(e.getKey()).isEqualTo(e.getValue().toDense());
            }
            Tensor a = dense.run(inputs).get("last_hidden_state");
            Tensor b = grouped.run(inputs).get("last_hidden_state");
            assertThat(Embeddings.maxAbsDiff(a, b)).isLessThan(1e-4f);
        }
    }
}
