package dev.tersor.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One layer of a sequential network. The kinds are closed: {@link BitpackExport} turns each into the
 * runtime graph's operator, so a new kind needs an export too.
 */
public sealed interface Layer permits Layer.Product, Layer.BatchNorm, Layer.Relu, Layer.MaxPool, Layer.Flatten {

    Variable forward(Tape tape, Variable x);

    /** What the optimizer trains, self-compression's depths and exponents included once enabled. */
    List<Parameter> parameters();

    /** Running statistics and other state that is saved but not trained. */
    default List<float[]> state() {
        return List.of();
    }

    /**
     * A layer with a weight matrix {@code [out, in]} and a bias: fully connected ({@code kernel == 0})
     * or a valid stride-1 convolution with square kernels of side {@code kernel}.
     */
    final class Product implements Layer {
        private final Parameter weight;
        private final Parameter bias;
        private final int kernel;
        private WeightForm form;

        private Product(String name, int out, int in, int kernel, SplittableRandom random) {
            int fanIn = kernel == 0 ? in : in * kernel * kernel;
            float[] w = new float[out * fanIn];
            // PyTorch's default: uniform in ±1/√fanIn (Kaiming uniform with a = √5), as the reference used.
            double bound = 1 / Math.sqrt(fanIn);
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) random.nextDouble(-bound, bound);
            }
            float[] b = new float[out];
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) random.nextDouble(-bound, bound);
            }
            this.weight = new Parameter(name + ".weight", Parameter.Kind.WEIGHT, w, out, fanIn);
            this.bias = new Parameter(name + ".bias", Parameter.Kind.WEIGHT, b, out);
            this.kernel = kernel;
        }

        /** A fully connected layer {@code in → out}. */
        public static Product dense(String name, int in, int out, SplittableRandom random) {
            return new Product(name, out, in, 0, random);
        }

        /** A convolution {@code in → out} channels with {@code kernel × kernel} windows. */
        public static Product conv(String name, int in, int out, int kernel, SplittableRandom random) {
            if (kernel < 1) {
                throw new IllegalArgumentException("kernel side " + kernel);
            }
            return new Product(name, out, in, kernel, random);
        }

        public boolean isConvolution() {
            return kernel > 0;
        }

        public int kernel() {
            return kernel;
        }

        public Parameter weight() {
            return weight;
        }

        public Parameter bias() {
            return bias;
        }

        /** How the weights are formed (self-compression, pruning, sharing), or null while they train in float. */
        public WeightForm form() {
            return form;
        }

        /** Self-compression of this layer's weight, or null. */
        public SelfCompressedWeight compressed() {
            return form instanceof SelfCompressedWeight s ? s : null;
        }

        /** From now on the layer computes with weights formed by {@code form}. */
        public void form(WeightForm form) {
            this.form = form;
        }

        /** The weights as the layer computes with them now. */
        public float[] effectiveWeights() {
            return form != null ? form.values() : weight.value();
        }

        @Override
        public Variable forward(Tape tape, Variable x) {
            Variable w = form != null ? form.weights(tape) : weight;
            return kernel == 0 ? Products.linear(tape, x, w, bias) : Products.conv2d(tape, x, w, bias, kernel);
        }

        @Override
        public List<Parameter> parameters() {
            List<Parameter> all = new ArrayList<>();
            if (form != null) {
                all.addAll(form.parameters());
            } else {
                all.add(weight);
            }
            all.add(bias);
            return all;
        }
    }

    /** Batch normalization over channels, with running statistics for inference (momentum 0.1, ε 1e-5). */
    final class BatchNorm implements Layer {
        static final float MOMENTUM = 0.1f;
        static final float EPSILON = 1e-5f;

        private final Parameter gamma;
        private final Parameter beta;
        private final float[] runningMean;
        private final float[] runningVariance;

        public BatchNorm(String name, int channels) {
            float[] ones = new float[channels];
            java.util.Arrays.fill(ones, 1);
            this.gamma = new Parameter(name + ".gamma", Parameter.Kind.WEIGHT, ones, channels);
            this.beta = new Parameter(name + ".beta", Parameter.Kind.WEIGHT, new float[channels], channels);
            this.runningMean = new float[channels];
            this.runningVariance = ones.clone();
        }

        public Parameter gamma() {
            return gamma;
        }

        public Parameter beta() {
            return beta;
        }

        public float[] runningMean() {
            return runningMean;
        }

        public float[] runningVariance() {
            return runningVariance;
        }

        @Override
        public Variable forward(Tape tape, Variable x) {
            return Normalization.batchNorm(tape, x, gamma, beta, runningMean, runningVariance, MOMENTUM, EPSILON);
        }

        @Override
        public List<Parameter> parameters() {
            return List.of(gamma, beta);
        }

        @Override
        public List<float[]> state() {
            return List.of(runningMean, runningVariance);
        }
    }

    /** {@code max(x, 0)}. */
    final class Relu implements Layer {
        @Override
        public Variable forward(Tape tape, Variable x) {
            return Activations.relu(tape, x);
        }

        @Override
        public List<Parameter> parameters() {
            return List.of();
        }
    }

    /** 2×2 max pooling with stride 2. */
    final class MaxPool implements Layer {
        @Override
        public Variable forward(Tape tape, Variable x) {
            return Activations.maxPool2(tape, x);
        }

        @Override
        public List<Parameter> parameters() {
            return List.of();
        }
    }

    /** {@code [N, C, H, W] → [N, C·H·W]}. */
    final class Flatten implements Layer {
        @Override
        public Variable forward(Tape tape, Variable x) {
            return Activations.reshape(tape, x, x.dim(0), x.size() / Math.max(1, x.dim(0)));
        }

        @Override
        public List<Parameter> parameters() {
            return List.of();
        }
    }
}
