package dev.tersor.train;

import dev.tersor.format.Execution;
import dev.tersor.graph.Tensor;
import dev.tersor.model.Model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A compression-aware training run. The network is first trained in float (the baseline), then its
 * weight matrices take the method's forms phase by phase and train on:
 * <ul>
 *   <li>{@link SelfCompression} (Cséfalvay and Imber; methods.md §5): one phase under self-compression,
 *       loss {@code cross-entropy + γ·Q} with Q the average bits per weight;</li>
 *   <li>{@link WeightSharing} (Deep Compression's pipeline with the sHAM paper's quantizers,
 *       methods.md §2.6): magnitude pruning with retraining, then cluster-based (CWS) or probabilistic
 *       (PWS) sharing with the shared values retrained and the masks kept.</li>
 * </ul>
 * The result is exported ({@link GraphExport}) and both accuracies are measured by Tersor's runtime on
 * the test set, from the exported graphs (the compressed one read back from its file).
 *
 * <p>Every batch is a pure function of the seed, the phase and the step, and reductions add in a fixed
 * order, so a run resumed from a checkpoint reaches the same weights as one that was never stopped.
 */
public final class CompressionTraining {

    /** What happens after the float baseline. */
    public sealed interface Method permits SelfCompression, WeightSharing {
        /** The phases after the baseline, in order. */
        List<String> phases();

        /** Part of the run key: everything about the method that changes the result. */
        String key();
    }

    /**
     * Self-compression with size weight {@code gamma}, every row starting at {@code initialBits}.
     */
    public record SelfCompression(double gamma, float initialBits) implements Method {
        public SelfCompression {
            if (!(gamma >= 0 && gamma < Double.POSITIVE_INFINITY) || !(initialBits > 0 && initialBits <= SelfCompressedWeight.MAX_BITS)) {
                throw new IllegalArgumentException("gamma " + gamma + ", initial bits " + initialBits);
            }
        }

        @Override
        public List<String> phases() {
            return List.of("self-compression");
        }

        @Override
        public String key() {
            return "self-compression " + gamma + " " + initialBits;
        }
    }

    /**
     * Pruning and sharing: layer l keeps the fraction {@code 1 − prune[l]} of its weights of largest
     * magnitude (the last fraction repeats for further layers), then its kept weights share
     * {@code 2^bits} values, by k-means ({@code probabilistic} false, CWS) or by quantiles and random
     * rounding (PWS).
     */
    public record WeightSharing(double[] prune, int bits, boolean probabilistic) implements Method {
        public WeightSharing {
            if (prune.length == 0 || bits < 1 || bits > 16) {
                throw new IllegalArgumentException("weight sharing needs pruned fractions and 1 to 16 bits, got "
                        + Arrays.toString(prune) + " and " + bits);
            }
            for (double p : prune) {
                if (!(p >= 0 && p < 1)) {
                    throw new IllegalArgumentException("a pruned fraction must be in [0, 1), got " + p);
                }
            }
            prune = prune.clone();
        }

        double fraction(int layer) {
            return prune[Math.min(layer, prune.length - 1)];
        }

        @Override
        public List<String> phases() {
            return List.of("pruned", probabilistic ? "shared (pws)" : "shared (cws)");
        }

        @Override
        public String key() {
            return (probabilistic ? "pws " : "cws ") + Arrays.toString(prune) + " " + bits;
        }
    }

    /**
     * What a run does.
     *
     * @param net               one of {@link Network#NAMES}
     * @param dataset           the data set's name, for the record and the run key
     * @param seed              weights, batches and splits derive from it
     * @param batch             examples per step
     * @param baselineSteps     float training steps
     * @param phaseSteps        steps of each later phase
     * @param learningRate      Adam's peak rate for weights (quantizer parameters take a multiple)
     * @param method            what follows the baseline
     * @param threads           threads for the products
     */
    public record Options(String net, String dataset, long seed, int batch, int baselineSteps, int phaseSteps,
                          double learningRate, Method method, int threads) {

        public Options {
            if (!Network.NAMES.contains(net)) {
                throw new IllegalArgumentException("unknown network '" + net + "'; one of " + Network.NAMES);
            }
            if (batch < 1 || batch > 65_536 || baselineSteps < 1 || phaseSteps < 1 || !(learningRate > 0)
                    || method == null || threads < 1) {
                throw new IllegalArgumentException("batch " + batch + ", steps " + baselineSteps + "+" + phaseSteps
                        + ", rate " + learningRate + ", method " + method + ", threads " + threads);
            }
        }

        /** What a checkpoint must match to be resumed: everything that changes the result (not the threads). */
        String runKey() {
            return String.join("|", net, dataset, Long.toString(seed), Integer.toString(batch),
                    Integer.toString(baselineSteps), Integer.toString(phaseSteps), Double.toString(learningRate),
                    method.key());
        }
    }

    /** Reports progress; called from the training thread. */
    public interface Listener {
        /** After step {@code step} (from 1) of {@code steps} of a phase: the mean loss and bits per weight so far. */
        void step(String phase, int step, int steps, double loss, double bitsPerWeight);

        /** A line worth showing: a phase's end, a checkpoint, an accuracy. */
        void message(String line);
    }

    /**
     * The outcome. Bytes are the exported model's weight matrices (exact format bytes) plus four per
     * float of biases and norms; {@code fp32Bytes} is the same count for the float network.
     */
    public record Result(String net, String dataset, double baselineAccuracy, double accuracy, long bytes, long fp32Bytes,
                         double bitsPerWeight, int removedChannels, int channels, long fileBytes, double seconds,
                         List<GraphExport.LayerSummary> layers) {
    }

    private final Options options;
    private final Datasets.Split data;
    private final Network network;
    private final Compute compute;
    private final Adam adam = Adam.defaults();

    public CompressionTraining(Options options, Datasets.Split data) {
        this.options = options;
        this.data = data;
        this.network = Network.create(options.net(), options.seed());
        this.compute = Compute.of(options.threads());
        int[] shape = network.inputShape();
        int size = 1;
        for (int d : shape) {
            size *= d;
        }
        if (data.train().imageSize() != size || data.test().imageSize() != size) {
            throw new IllegalArgumentException(options.net() + " takes " + size + " inputs per example, the data set has "
                    + data.train().imageSize());
        }
    }

    public Network network() {
        return network;
    }

    /**
     * Trains (from {@code checkpoints/checkpoint.bin} when {@code resume} and the file exists), saving
     * a checkpoint there every {@code checkpointSeconds} and at each phase's end when
     * {@code checkpoints} is not null, and writes the compressed model to {@code output}.
     */
    public Result run(Path output, Path checkpoints, boolean resume, long checkpointSeconds, Listener listener)
            throws IOException {
        long started = System.nanoTime();
        List<String> phases = phases();
        int phase = 0;
        int step = 0;
        double baselineAccuracy = Double.NaN;
        Path checkpointFile = checkpoints == null ? null : checkpoints.resolve("checkpoint.bin");
        if (resume && checkpointFile != null && Files.exists(checkpointFile)) {
            Checkpoint saved = Checkpoint.readFor(checkpointFile, options.runKey());
            if (saved.phase() < 0 || saved.phase() > phases.size() || saved.step() < 0) {
                throw new Checkpoint.InvalidCheckpointException(checkpointFile + ": phase " + saved.phase() + " step "
                        + saved.step() + " is not a point of this run");
            }
            phase = saved.phase();
            step = saved.step();
            baselineAccuracy = saved.accuracy();
            // The forms of every phase begun so far, then the saved values over them.
            for (int p = 1; p <= Math.min(phase, phases.size() - 1); p++) {
                begin(p);
            }
            saved.restoreInto(liveArrays());
            listener.message("resumed from " + checkpointFile + " at " + (phase < phases.size() ? phases.get(phase) : "the end")
                    + " step " + step);
        }
        if (checkpoints != null) {
            Files.createDirectories(checkpoints);
        }
        long lastSave = System.nanoTime();
        for (; phase < phases.size(); phase++, step = 0) {
            String name = phases.get(phase);
            int steps = phase == 0 ? options.baselineSteps() : options.phaseSteps();
            LearningRate schedule = new LearningRate(options.learningRate() * rateFactor(phase), Math.min(steps / 10, 200),
                    steps, 0.02);
            EpochOrder order = new EpochOrder(data.train().count(), options.seed() * 1_000_003L + phase * 100_019L);
            double lossSum = 0;
            int lossCount = 0;
            for (; step < steps; step++) {
                double loss = step(phase, order, step, schedule.at(step));
                lossSum += loss;
                lossCount++;
                if ((step + 1) % 25 == 0 || step + 1 == steps) {
                    listener.step(name, step + 1, steps, lossSum / lossCount, nominalBits());
                    lossSum = 0;
                    lossCount = 0;
                }
                if (checkpointFile != null && System.nanoTime() - lastSave > checkpointSeconds * 1_000_000_000L) {
                    save(checkpointFile, phase, step + 1, baselineAccuracy);
                    lastSave = System.nanoTime();
                    listener.message("checkpoint at " + name + " step " + (step + 1));
                }
            }
            if (phase == 0) {
                baselineAccuracy = runtimeAccuracy(GraphExport.export(network), null);
                listener.message(String.format(java.util.Locale.ROOT, "float baseline: test accuracy %.2f %%",
                        100 * baselineAccuracy));
            }
            if (phase + 1 < phases.size()) {
                begin(phase + 1);
            }
            if (checkpointFile != null) {
                save(checkpointFile, phase + 1, 0, baselineAccuracy);
                lastSave = System.nanoTime();
            }
        }
        GraphExport.Exported exported = GraphExport.export(network);
        double accuracy = runtimeAccuracy(exported, output);
        long fp32Bytes = 4L * floatsOfFloatModel();
        int removed = 0;
        int channels = 0;
        for (GraphExport.LayerSummary layer : exported.products()) {
            removed += layer.rows() - layer.keptRows();
            channels += layer.rows();
        }
        return new Result(network.name(), options.dataset(), baselineAccuracy, accuracy, exported.bytes(), fp32Bytes,
                8.0 * exported.bytes() / network.weightCount(), removed, channels, Files.size(output),
                (System.nanoTime() - started) / 1e9, exported.products());
    }

    /** The phases' names: the float baseline, then the method's. */
    private List<String> phases() {
        List<String> all = new java.util.ArrayList<>(List.of("float"));
        all.addAll(options.method().phases());
        return all;
    }

    /**
     * Shared values move on a tenth of the weights' rate: each is the common value of thousands of
     * weights, and a step of the full rate is a large share of the spacing between them.
     */
    private double rateFactor(int phase) {
        return options.method() instanceof WeightSharing && phase == 2 ? 0.1 : 1;
    }

    /** Gives the network the forms of phase {@code phase} (from 1) and starts the optimizer afresh. */
    private void begin(int phase) {
        List<Layer.Product> products = network.products();
        switch (options.method()) {
            case SelfCompression sc -> network.compress(sc.initialBits());
            case WeightSharing ws when phase == 1 -> {
                for (int l = 0; l < products.size(); l++) {
                    Layer.Product p = products.get(l);
                    p.form(PrunedWeight.of(p.weight(), ws.fraction(l)));
                }
            }
            case WeightSharing ws -> {
                for (int l = 0; l < products.size(); l++) {
                    Layer.Product p = products.get(l);
                    PrunedWeight pruned = (PrunedWeight) p.form();
                    float[] values = pruned.values();
                    boolean[] kept = new boolean[values.length];
                    for (int i = 0; i < kept.length; i++) {
                        kept[i] = pruned.kept(i);
                    }
                    int k = 1 << ws.bits();
                    int[] shape = p.weight().shape();
                    p.form(ws.probabilistic()
                            ? SharedWeight.probabilistic(p.weight().name(), values, shape, kept, k,
                                    new SplittableRandom(options.seed() * 31 + l))
                            : SharedWeight.clustered(p.weight().name(), values, shape, kept, k));
                }
            }
        }
        resetMoments();
    }

    /** One step of {@code phase} at rate {@code rate}, its batch in {@code epochs}' order; returns the task loss. */
    private double step(int phase, EpochOrder epochs, int step, double rate) {
        ImageDataset train = data.train();
        int batchesPerEpoch = Math.max(1, train.count() / options.batch());
        int first = (step % batchesPerEpoch) * options.batch();
        int[] order = epochs.of(step / batchesPerEpoch);
        int last = Math.min(first + options.batch(), train.count());
        Tape tape = Tape.training(compute);
        Variable x = train.images(order, first, last, network.inputShape());
        Variable loss = Losses.crossEntropy(tape, network.forward(tape, x), train.labels(order, first, last));
        double taskLoss = loss.value()[0];
        if (phase > 0 && options.method() instanceof SelfCompression sc) {
            loss = Losses.plusScaled(tape, loss, (float) sc.gamma(),
                    SelfCompressedWeight.averageBits(tape, network.compressedWeights()));
        }
        tape.backward(loss);
        adam.step(network.parameters(), step, rate);
        return taskLoss;
    }

    /**
     * The bits per weight the forms stand for now, for progress only (the export counts exact bytes):
     * 32 in float, self-compression's average depth, 32 or the index width times the kept share.
     */
    private double nominalBits() {
        double bits = 0;
        long weights = 0;
        for (Layer.Product p : network.products()) {
            long size = p.weight().size();
            weights += size;
            bits += size * switch (p.form()) {
                case SelfCompressedWeight s -> s.averageDepth();
                case PrunedWeight w -> 32 * w.density();
                case SharedWeight w -> w.indexBits() * w.density();
                case null, default -> 32.0;
            };
        }
        return bits / Math.max(1, weights);
    }

    /** Floats the float model stores: weights, biases, and each batch norm's four arrays. */
    private long floatsOfFloatModel() {
        long n = 0;
        for (Layer layer : network.layers()) {
            switch (layer) {
                case Layer.Product p -> n += p.weight().size() + p.bias().size();
                case Layer.BatchNorm b -> n += 4L * b.gamma().size();
                default -> {
                }
            }
        }
        return n;
    }

    /**
     * The exported graph's accuracy on the test set, run by Tersor's runtime; with {@code file}, the
     * graph is saved there and the file is read back and run instead.
     */
    private double runtimeAccuracy(GraphExport.Exported exported, Path file) throws IOException {
        Execution execution = Execution.threads(options.threads());
        try (Model built = Model.of(exported.graph(), execution)) {
            if (file == null) {
                return accuracy(built);
            }
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            built.save(file);
        }
        try (Model loaded = Model.load(file, execution)) {
            return accuracy(loaded);
        }
    }

    private double accuracy(Model model) {
        ImageDataset test = data.test();
        int[] all = new int[test.count()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        int correct = 0;
        int block = 500;
        for (int first = 0; first < all.length; first += block) {
            int last = Math.min(all.length, first + block);
            Variable x = test.images(all, first, last, network.inputShape());
            Tensor input = Tensor.of(x.value(), x.shape());
            float[] logits = model.run(Map.of(GraphExport.INPUT, input)).get(GraphExport.OUTPUT).toFloatArray();
            int classes = logits.length / (last - first);
            for (int n = first; n < last; n++) {
                int best = 0;
                for (int k = 1; k < classes; k++) {
                    if (logits[(n - first) * classes + k] > logits[(n - first) * classes + best]) {
                        best = k;
                    }
                }
                correct += best == test.labels()[n] ? 1 : 0;
            }
        }
        return correct / (double) test.count();
    }

    private void resetMoments() {
        for (Parameter p : network.parameters()) {
            java.util.Arrays.fill(p.firstMoment, 0);
            java.util.Arrays.fill(p.secondMoment, 0);
        }
    }

    private void save(Path file, int phase, int step, double baselineAccuracy) throws IOException {
        new Checkpoint(options.runKey(), phase, step, baselineAccuracy, new java.util.TreeMap<>(liveArrays())).write(file);
    }

    /**
     * What a checkpoint holds, by name, as the live arrays: the parameters with their moments, each
     * layer's running statistics ({@code state.LAYER.K}) and the forms' masks and assignments.
     */
    private Map<String, float[]> liveArrays() {
        Map<String, float[]> arrays = Checkpoint.parameterArrays(network.parameters());
        List<Layer> layers = network.layers();
        for (int i = 0; i < layers.size(); i++) {
            List<float[]> state = layers.get(i).state();
            for (int k = 0; k < state.size(); k++) {
                arrays.put("state." + i + "." + k, state.get(k));
            }
        }
        for (Layer.Product p : network.products()) {
            if (p.form() != null) {
                arrays.putAll(p.form().state());
            }
        }
        return arrays;
    }
}
