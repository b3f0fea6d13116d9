package dev.tersor.train;

import dev.tersor.format.Execution;
import dev.tersor.graph.Tensor;
import dev.tersor.model.Model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A self-compression run (Cséfalvay and Imber; methods.md §5): the network is first trained in float
 * (the baseline), then trained on with every weight matrix under self-compression, the loss
 * {@code cross-entropy + γ·Q} with Q the average bits per weight, and exported to the bit-packed
 * format. Both accuracies are measured by Tersor's runtime on the test set, from the exported graphs
 * (the compressed one read back from its file).
 *
 * <p>Every batch is a pure function of the seed, the phase and the step, and reductions add in a fixed
 * order, so a run resumed from a checkpoint reaches the same weights as one that was never stopped.
 */
public final class SelfCompressionTraining {

    /** Phases: float training, then self-compression. */
    static final int BASELINE = 0;
    static final int COMPRESSION = 1;

    /**
     * What a run does.
     *
     * @param net               one of {@link Network#NAMES}
     * @param dataset           the data set's name, for the record and the run key
     * @param seed              weights, batches and splits derive from it
     * @param batch             examples per step
     * @param baselineSteps     float training steps
     * @param compressionSteps  self-compression steps
     * @param learningRate      Adam's peak rate for weights (quantizer parameters take a multiple)
     * @param gamma             the size term's weight γ
     * @param initialBits       every row's depth when self-compression starts
     * @param threads           threads for the products
     */
    public record Options(String net, String dataset, long seed, int batch, int baselineSteps, int compressionSteps,
                          double learningRate, double gamma, float initialBits, int threads) {

        public Options {
            if (!Network.NAMES.contains(net)) {
                throw new IllegalArgumentException("unknown network '" + net + "'; one of " + Network.NAMES);
            }
            if (batch < 1 || batch > 65_536 || baselineSteps < 1 || compressionSteps < 1 || !(learningRate > 0)
                    || !(gamma >= 0) || !(initialBits > 0 && initialBits <= SelfCompressedWeight.MAX_BITS) || threads < 1) {
                throw new IllegalArgumentException("batch " + batch + ", steps " + baselineSteps + "+" + compressionSteps
                        + ", rate " + learningRate + ", gamma " + gamma + ", initial bits " + initialBits + ", threads " + threads);
            }
        }

        /** What a checkpoint must match to be resumed: everything that changes the result (not the threads). */
        String runKey() {
            return String.join("|", net, dataset, Long.toString(seed), Integer.toString(batch),
                    Integer.toString(baselineSteps), Integer.toString(compressionSteps), Double.toString(learningRate),
                    Double.toString(gamma), Float.toString(initialBits));
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

    public SelfCompressionTraining(Options options, Datasets.Split data) {
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
        int phase = BASELINE;
        int step = 0;
        double baselineAccuracy = Double.NaN;
        Path checkpointFile = checkpoints == null ? null : checkpoints.resolve("checkpoint.bin");
        if (resume && checkpointFile != null && Files.exists(checkpointFile)) {
            Checkpoint saved = Checkpoint.read(checkpointFile);
            if (!saved.runKey().equals(options.runKey())) {
                throw new Checkpoint.InvalidCheckpointException(checkpointFile + " belongs to another run (" + saved.runKey()
                        + "), not " + options.runKey());
            }
            phase = saved.phase();
            step = saved.step();
            baselineAccuracy = saved.accuracy();
            if (phase >= COMPRESSION) {
                network.compress(options.initialBits());
            }
            restore(saved);
            listener.message("resumed from " + checkpointFile + " at " + phaseName(phase) + " step " + step);
        }
        if (checkpoints != null) {
            Files.createDirectories(checkpoints);
        }
        long lastSave = System.nanoTime();
        while (phase <= COMPRESSION) {
            int steps = phase == BASELINE ? options.baselineSteps() : options.compressionSteps();
            LearningRate schedule = new LearningRate(options.learningRate(), Math.min(steps / 10, 200), steps, 0.02);
            double lossSum = 0;
            int lossCount = 0;
            for (; step < steps; step++) {
                double loss = step(phase, step, schedule.at(step));
                lossSum += loss;
                lossCount++;
                if ((step + 1) % 25 == 0 || step + 1 == steps) {
                    listener.step(phaseName(phase), step + 1, steps, lossSum / lossCount, averageBits());
                    lossSum = 0;
                    lossCount = 0;
                }
                if (checkpointFile != null && System.nanoTime() - lastSave > checkpointSeconds * 1_000_000_000L) {
                    save(checkpointFile, phase, step + 1, baselineAccuracy);
                    lastSave = System.nanoTime();
                    listener.message("checkpoint at " + phaseName(phase) + " step " + (step + 1));
                }
            }
            if (phase == BASELINE) {
                baselineAccuracy = runtimeAccuracy(GraphExport.export(network), null);
                listener.message(String.format("float baseline: test accuracy %.2f %%", 100 * baselineAccuracy));
                network.compress(options.initialBits());
                resetMoments();
            }
            phase++;
            step = 0;
            if (checkpointFile != null) {
                save(checkpointFile, phase, 0, baselineAccuracy);
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

    /** One step at rate {@code rate}; returns the task loss. */
    private double step(int phase, int step, double rate) {
        ImageDataset train = data.train();
        int batchesPerEpoch = Math.max(1, train.count() / options.batch());
        int epoch = step / batchesPerEpoch;
        int first = (step % batchesPerEpoch) * options.batch();
        int[] order = epochOrder(phase, epoch);
        int last = Math.min(first + options.batch(), train.count());
        Tape tape = Tape.training(compute);
        Variable x = train.images(order, first, last, network.inputShape());
        Variable loss = Losses.crossEntropy(tape, network.forward(tape, x), train.labels(order, first, last));
        double taskLoss = loss.value()[0];
        if (phase == COMPRESSION) {
            loss = Losses.plusScaled(tape, loss, (float) options.gamma(),
                    SelfCompressedWeight.averageBits(tape, network.compressedWeights()));
        }
        tape.backward(loss);
        adam.step(network.parameters(), step, rate);
        return taskLoss;
    }

    private int cachedEpoch = -1;
    private int cachedPhase = -1;
    private int[] cachedOrder;

    /** The order of the training examples in {@code epoch} of {@code phase}, from the seed alone. */
    private int[] epochOrder(int phase, int epoch) {
        if (epoch != cachedEpoch || phase != cachedPhase) {
            long stream = options.seed() * 1_000_003L + phase * 100_019L + epoch;
            cachedOrder = Datasets.permutation(data.train().count(), new SplittableRandom(stream));
            cachedEpoch = epoch;
            cachedPhase = phase;
        }
        return cachedOrder;
    }

    /** Average bits per weight now: self-compression's Q, or 32 while in float. */
    private double averageBits() {
        if (!network.isCompressed()) {
            return 32;
        }
        return SelfCompressedWeight.averageBits(Tape.inference(compute), network.compressedWeights()).value()[0];
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
        Map<String, float[]> arrays = new HashMap<>();
        for (Parameter p : network.parameters()) {
            arrays.put(p.name(), p.value());
            arrays.put(p.name() + ".m", p.firstMoment);
            arrays.put(p.name() + ".v", p.secondMoment);
        }
        List<Layer> layers = network.layers();
        for (int i = 0; i < layers.size(); i++) {
            List<float[]> state = layers.get(i).state();
            for (int k = 0; k < state.size(); k++) {
                arrays.put("state." + i + "." + k, state.get(k));
            }
        }
        new Checkpoint(options.runKey(), phase, step, baselineAccuracy, new java.util.TreeMap<>(arrays)).write(file);
    }

    private void restore(Checkpoint saved) {
        for (Parameter p : network.parameters()) {
            System.arraycopy(saved.array(p.name(), p.size()), 0, p.value(), 0, p.size());
            System.arraycopy(saved.array(p.name() + ".m", p.size()), 0, p.firstMoment, 0, p.size());
            System.arraycopy(saved.array(p.name() + ".v", p.size()), 0, p.secondMoment, 0, p.size());
        }
        List<Layer> layers = network.layers();
        for (int i = 0; i < layers.size(); i++) {
            List<float[]> state = layers.get(i).state();
            for (int k = 0; k < state.size(); k++) {
                float[] target = state.get(k);
                System.arraycopy(saved.array("state." + i + "." + k, target.length), 0, target, 0, target.length);
            }
        }
    }

    private static String phaseName(int phase) {
        return phase == BASELINE ? "float" : phase == COMPRESSION ? "self-compression" : "done";
    }
}
