package dev.tersor.bench.model;

import dev.tersor.format.Execution;
import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.Node;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.ValueInfo;
import dev.tersor.kernels.Kernels;
import dev.tersor.model.ExecutionPolicy;
import dev.tersor.model.Model;
import dev.tersor.graph.plan.Plan;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One form of the model, loaded and ready to run one {@link ModelWorkload} on a fixed number of
 * threads: a Tersor {@link Model} mapped from its {@code .tsr}, or an ONNX Runtime session. ONNX
 * Runtime's classes are touched only by its own implementation, so a Tersor trial never loads them.
 */
public interface LoadedForm extends AutoCloseable {

    /** The timed call: one forward pass over the workload; returns something JMH can consume. */
    Object run();

    /** Runs once and mean-pools {@code last_hidden_state}, {@code [batch][width]}. */
    float[][] pooled();

    /** Bytes of the weights as the runtime holds them, or −1 when the runtime does not say. */
    long weightBytes();

    /**
     * Where {@code passes} further forward passes spend their time per operator, or
     * {@link OperatorProfile#NONE} when the runtime does not say (ONNX Runtime).
     */
    default OperatorProfile profile(int passes) {
        return OperatorProfile.NONE;
    }

    /**
     * The same loaded model on {@code next}'s inputs, so one load serves several workloads. The
     * returned form takes the model over: this one must be neither run nor closed afterwards.
     */
    LoadedForm rebind(ModelWorkload next);

    @Override
    void close();

    /**
     * Loads {@code form} from {@code file} (a {@code .tsr} for Tersor, an {@code .onnx} for ONNX Runtime).
     * Tersor forms load as the CLI and {@code Embedder} do by default: {@link ExecutionPolicy#FASTEST},
     * so an entropy-coded layer runs transcoded, and the load benchmark includes that work.
     */
    static LoadedForm open(ModelForm form, Path file, ModelWorkload workload, int threads) throws IOException {
        if (form.isOnnxRuntime()) {
            return OrtForm.open(file, workload, threads, true);
        }
        return openTersor(file, workload, threads, ExecutionPolicy.FASTEST);
    }

    /** A Tersor model from {@code file} (a {@code .tsr}, or an {@code .onnx} imported), running as {@code policy} says. */
    static LoadedForm openTersor(Path file, ModelWorkload workload, int threads, ExecutionPolicy policy) throws IOException {
        return new TersorForm(Model.load(file, Execution.defaults().withThreads(threads), policy), workload);
    }

    /**
     * A Tersor form through an independent path: the scalar reference kernels, one thread, under the
     * same execution policy as the timed form, so that layers transcoded to q8 run on int8 activations
     * here too (the scalar kernel defines their bits). The compressed form is checked against this,
     * since its distance to fp32 is a property of the compression, not of the runtime.
     */
    static LoadedForm openScalarReference(Path file, ModelWorkload workload) throws IOException {
        return new TersorForm(Model.load(file, Execution.defaults().withKernels(Kernels.named("scalar")).withThreads(1),
                ExecutionPolicy.FASTEST), workload);
    }

    /** Loads {@code form} from {@code file} with one thread and closes it again: the load benchmark's unit. */
    static long loadAndClose(ModelForm form, Path file) throws IOException {
        if (form.isOnnxRuntime()) {
            return OrtForm.timeOneLoad(file, 1);
        }
        try (Model model = Model.load(file, Execution.defaults().withThreads(1), ExecutionPolicy.FASTEST)) {
            return model.graph().weights().size();
        }
    }

    /**
     * A Tersor model with the workload's input tensors, those of {@link ModelWorkload#INPUT_NAMES} the
     * model declares; its output is {@code last_hidden_state}, or the first output of a model without one.
     */
    final class TersorForm implements LoadedForm {
        private static final String HIDDEN_STATE = "last_hidden_state";
        private final Model model;
        private final ModelWorkload workload;
        private final Map<String, Tensor> inputs;

        TersorForm(Model model, ModelWorkload workload) {
            this.model = model;
            this.workload = workload;
            Map<String, Tensor> declared = new LinkedHashMap<>();
            for (ValueInfo input : model.inputs()) {
                declared.put(input.name(), Tensor.ofLongs(workload.input(input.name()), workload.batch(), workload.tokens()));
            }
            this.inputs = Map.copyOf(declared);
        }

        @Override
        public Object run() {
            return model.run(inputs);
        }

        @Override
        public float[][] pooled() {
            String output = model.outputs().contains(HIDDEN_STATE) ? HIDDEN_STATE : model.outputs().getFirst();
            Tensor values = model.run(inputs).get(output);
            return Pooling.perSequence(values.toFloatArray(), values.shape(), workload.batch(), workload.tokens());
        }

        @Override
        public long weightBytes() {
            return model.weightBytes();
        }

        /** The plan's per-operator profile; the weight products' multiply-adds count every token of the batch. */
        @Override
        public OperatorProfile profile(int passes) {
            Map<String, int[]> shapes = new LinkedHashMap<>();
            inputs.forEach((name, tensor) -> shapes.put(name, tensor.shape()));
            Plan plan = model.plan(shapes);
            Map<String, Long> nanos = new LinkedHashMap<>();
            for (int pass = 0; pass < passes; pass++) {
                plan.profile(inputs).forEach((op, n) -> nanos.merge(op, n, Long::sum));
            }
            long perToken = 0;
            for (Node node : model.graph().nodes()) {
                if (node.op().equals(OperatorProfile.GEMM_OPERATOR)) {
                    WeightMatrix weight = model.graph().weights().get(node.attributes().getString("weight", ""));
                    if (weight != null) {
                        perToken += (long) weight.rows() * weight.cols();
                    }
                }
            }
            return OperatorProfile.of(nanos, passes, perToken * workload.batch() * workload.tokens());
        }

        @Override
        public LoadedForm rebind(ModelWorkload next) {
            return new TersorForm(model, next);
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
