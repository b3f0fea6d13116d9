package dev.tersor.train;

import dev.tersor.compress.ProgressListener;
import dev.tersor.compress.pipeline.Calibration;
import dev.tersor.compress.pipeline.Presets;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.embed.Embedder;
import dev.tersor.embed.EmbedderOptions;
import dev.tersor.format.Execution;
import dev.tersor.model.ExecutionPolicy;
import dev.tersor.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EncoderDistillationTest {

    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private static EncoderDistillation.Listener stopAt(int at) {
        return new EncoderDistillation.Listener() {
            @Override
            public void step(int step, int steps, double loss, double elapsedSeconds) {
                if (step == at) {
                    throw new Stop();
                }
            }

            @Override
            public void message(String line) {
            }
        };
    }

    @Test
    void aResumedDistillationEndsWhereAnUninterruptedOneDoesAndExportsWhatItComputes(@TempDir Path dir) throws Exception {
        try (Embedder teacher = Embedder.load(BertEncoderTest.miniLm())) {
            List<long[]> corpus = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                corpus.add(teacher.tokenizer().encode("Item " + i + " of the list is " + (i % 3 == 0 ? "red" : "blue") + "."));
            }
            // Four float-only steps, then all parameters, row steps (γ > 0) and hidden states (β > 0) included: the interruption at step 10
            // falls in the second phase.
            EncoderDistillation.Options options = new EncoderDistillation.Options(4, 32, 1e-4, 0.5, 0.5, 4, 12, 3600, 3, 2);
            PresetStart start = PresetStart.quantize(teacher.model().graph(), Presets.defaults(), 2, Map.of(),
                    ProgressListener.NONE);
            EncoderDistillation straight = new EncoderDistillation(teacher.model().graph(), teacher::embedTokens,
                    start, corpus, options);
            assertThat(straight.run(dir.resolve("a"), false, 3600, stopAt(-1))).isEqualTo(12);
            assertThatThrownBy(() -> new EncoderDistillation(teacher.model().graph(), teacher::embedTokens, start,
                    corpus, options).run(dir.resolve("b"), false, 0, stopAt(10))).isInstanceOf(Stop.class);
            EncoderDistillation resumed = new EncoderDistillation(teacher.model().graph(), teacher::embedTokens,
                    start, corpus, options);
            assertThat(resumed.run(dir.resolve("b"), true, 3600, stopAt(-1))).isEqualTo(12);
            Map<String, float[]> a = Checkpoint.read(dir.resolve("a").resolve("checkpoint.bin")).arrays();
            Map<String, float[]> b = Checkpoint.read(dir.resolve("b").resolve("checkpoint.bin")).arrays();
            assertThat(b.keySet()).isEqualTo(a.keySet());
            for (String name : a.keySet()) {
                // Arrays.equals: the word table has 11.7 million entries, too many for an element-wise assertion.
                assertThat(java.util.Arrays.equals(b.get(name), a.get(name))).as(name).isTrue();
            }
            // The exported student computes what the trained one does.
            List<long[]> probe = corpus.subList(0, 4);
            Variable trained = resumed.student().embed(Tape.inference(Compute.of(1)), probe);
            Path file = dir.resolve("student.tsr");
            try (Model exported = Model.of(resumed.export(teacher.model().graph()), Execution.defaults())) {
                assertThat(exported.storedWeightBytes()).isLessThan(12_000_000L);
                exported.save(file);
            }
            // Run as stored: the default load policy would run these layers on int8 activations, a further approximation.
            try (Embedder student = Embedder.load(file, BertEncoderTest.miniLm().resolveSibling("all-minilm-l6-v2-tokenizer.json"),
                    EmbedderOptions.defaults().withPolicy(ExecutionPolicy.STORED))) {
                float[][] run = student.embedTokens(probe);
                for (int i = 0; i < probe.size(); i++) {
                    double dot = 0;
                    double norm = 0;
                    for (int j = 0; j < 384; j++) {
                        float v = trained.value()[i * 384 + j];
                        dot += v * run[i][j];
                        norm += v * v;
                    }
                    assertThat(dot / Math.sqrt(norm)).isGreaterThan(0.99999);
                }
            }
        }
    }

    @Test
    void theStudentStartsAtTheCompensatedLevelsAndTheFloatPhaseKeepsThem(@TempDir Path dir) throws Exception {
        try (Embedder teacher = Embedder.load(BertEncoderTest.miniLm())) {
            List<long[]> corpus = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                corpus.add(teacher.tokenizer().encode("Sentence " + i + " about " + (i % 2 == 0 ? "trains" : "boats") + "."));
            }
            PresetStart start = PresetStart.quantize(teacher.model().graph(), Presets.defaults(), 1.5,
                    Calibration.hessians(teacher.model(), corpus, ProgressListener.NONE), ProgressListener.NONE);
            // Every table and matrix but the float token-type table, as integers times row steps.
            assertThat(start.matrices()).hasSize(teacher.model().graph().weights().size() - 1)
                    .doesNotContainKey("embeddings.token_type_embeddings.weight");
            assertThat(start.digest()).isNotEqualTo(PresetStart.quantize(teacher.model().graph(), Presets.defaults(), 1.6,
                    Map.of(), ProgressListener.NONE).digest());

            EncoderDistillation distillation = new EncoderDistillation(teacher.model().graph(), teacher::embedTokens, start,
                    corpus, new EncoderDistillation.Options(4, 32, 1e-3, 0, 0, 2, 2, 3600, 1, 2));
            Map<String, float[]> before = new java.util.HashMap<>();
            distillation.student().parameters().forEach(p -> before.put(p.name(), p.value().clone()));
            assertThat(distillation.run(null, false, 3600, stopAt(-1))).isEqualTo(2);
            for (Map.Entry<String, QuantizedMatrix> e : start.matrices().entrySet()) {
                Parameter matrix = distillation.student().graphWeights().get(e.getKey());
                assertThat(java.util.Arrays.equals(distillation.student().form(matrix).values(), e.getValue().toDense()))
                        .as(e.getKey()).isTrue();
            }
            long moved = distillation.student().parameters().stream()
                    .filter(p -> !java.util.Arrays.equals(p.value(), before.get(p.name()))).count();
            assertThat(moved).as("biases and norms trained in the float phase").isGreaterThan(20);
        }
    }
}
