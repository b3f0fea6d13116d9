package dev.tersor.model;

import dev.tersor.format.Execution;
import dev.tersor.graph.InvalidModelException;
import dev.tersor.graph.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Model lifecycle and input checks, on the PP-OCR classifier the build fetches. */
class ModelApiTest {

    @TempDir
    Path dir;

    static Map<String, Tensor> image(int batch, int width) {
        float[] pixels = new float[batch * 3 * 48 * width];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) Math.sin(i * 0.01);
        }
        return Map.of("x", Tensor.of(pixels, batch, 3, 48, width));
    }

    @Test
    void closingReleasesTheMappingAndLaterCallsFail() throws Exception {
        Path tsr = dir.resolve("cls.tsr");
        try (Model onnx = Model.load(TestModels.ppOcrClassifier())) {
            onnx.save(tsr);
        }
        Model model = Model.load(tsr);
        Tensor constant = model.graph().constants().values().iterator().next();
        model.run(image(1, 64));
        model.close();
        model.close();
        assertThat(model.isClosed()).isTrue();
        assertThatThrownBy(() -> model.run(image(1, 64))).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(model::graph).isInstanceOf(IllegalStateException.class);
        // The mapped bytes are gone: touching them fails cleanly instead of crashing.
        assertThatThrownBy(() -> constant.getDouble(0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeWaitsForCallsInFlight() throws Exception {
        Model model = Model.load(TestModels.ppOcrClassifier());
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread runner = new Thread(() -> {
            try {
                started.countDown();
                for (int i = 0; i < 20; i++) {
                    model.run(image(2, 192));
                }
            } catch (IllegalStateException e) {
                // closed between two calls: the expected way to stop
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        runner.start();
        started.await();
        model.close();
        runner.join();
        assertThat(failure.get()).isNull();
    }

    @Test
    void badInputsGiveTypedExceptions() throws Exception {
        try (Model model = Model.load(TestModels.ppOcrClassifier(), Execution.defaults())) {
            assertThatThrownBy(() -> model.run(Map.of())).isInstanceOf(InvalidModelException.class).hasMessageContaining("missing input 'x'");
            assertThatThrownBy(() -> model.run(Map.of("x", Tensor.of(new float[48 * 64], 1, 1, 48, 64))))
                    .isInstanceOf(InvalidModelException.class).hasMessageContaining("expects");
            assertThatThrownBy(() -> model.run(Map.of("x", Tensor.ofLongs(new long[3 * 48 * 64], 1, 3, 48, 64))))
                    .isInstanceOf(InvalidModelException.class).hasMessageContaining("INT64");
            Map<String, Tensor> extra = new HashMap<>(image(1, 64));
            extra.put("y", Tensor.scalar(1));
            assertThatThrownBy(() -> model.run(extra)).isInstanceOf(InvalidModelException.class).hasMessageContaining("unknown input");
        }
    }

    @Test
    void bufferPlanningReusesActivations() throws Exception {
        try (Model model = Model.load(TestModels.ppOcrClassifier())) {
            var plan = model.plan(Map.of("x", new int[]{1, 3, 48, 192}));
            assertThat(plan.arenaBytes()).isLessThan(plan.unplannedBytes() / 4);
        }
    }
}
