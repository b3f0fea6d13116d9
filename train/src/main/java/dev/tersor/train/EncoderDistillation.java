package dev.tersor.train;

import dev.tersor.compress.pipeline.CompressionPlan;
import dev.tersor.compress.pipeline.Layer;
import dev.tersor.compress.pipeline.QuantSpec;
import dev.tersor.format.FormatPolicy;
import dev.tersor.format.Objective;
import dev.tersor.graph.Graph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Distils a compressed student of a sentence encoder from the float teacher. The student starts as
 * the post-training plan quantizes it: every table and matrix uniformly quantized with the plan's
 * relative step for its role (times {@code stepScale}, which sets the size), computing through the
 * rounding; it then learns, by the straight-through estimator, latent weights whose rounding
 * reproduces the teacher's sentence vectors on broad text ({@link Distillation}). Checkpoints hold the
 * student's values and the optimizer's moments; the steps are fixed by the teacher and the plan, so a
 * resumed run continues exactly.
 */
public final class EncoderDistillation {

    /**
     * What a run does.
     *
     * @param stepScale    every role's relative step is the plan's times this
     * @param batch        sentences per step
     * @param maxTokens    a longer sentence is cut to this many tokens
     * @param learningRate Adam's rate
     * @param steps        steps at most
     * @param seconds      seconds at most (the run stops at whichever limit comes first)
     * @param seed         the order of the sentences
     * @param threads      threads for the products
     */
    public record Options(double stepScale, int batch, int maxTokens, double learningRate, int steps, double seconds,
                          long seed, int threads) {
        public Options {
            if (!(stepScale > 0 && stepScale < 1000) || batch < 1 || maxTokens < 2 || !(learningRate > 0) || steps < 0
                    || !(seconds > 0) || threads < 1) {
                throw new IllegalArgumentException("distillation options " + stepScale + ", " + batch + ", " + maxTokens
                        + ", " + learningRate + ", " + steps + ", " + seconds + ", " + threads);
            }
        }

        String runKey() {
            return "distill|" + stepScale + "|" + batch + "|" + maxTokens + "|" + learningRate + "|" + seed;
        }
    }

    /** Reports progress; called from the training thread. */
    public interface Listener {
        void step(int step, int steps, double loss, double elapsedSeconds);

        void message(String line);
    }

    private final BertEncoder student;
    private final Distillation distillation;
    private final Options options;
    private final List<long[]> corpus;

    /**
     * @param teacherGraph the teacher's graph (imported from its ONNX file), read for the student's start
     * @param teacher      the teacher's sentence vectors for token sequences
     * @param plan         the post-training plan whose relative steps the student starts from
     * @param corpus       tokenized training sentences (broad text never used for evaluation)
     */
    public EncoderDistillation(Graph teacherGraph, Distillation.Teacher teacher, CompressionPlan plan, List<long[]> corpus,
                               Options options) {
        if (corpus.size() < options.batch()) {
            throw new IllegalArgumentException("the corpus has " + corpus.size() + " sentences, fewer than one batch of "
                    + options.batch());
        }
        this.options = options;
        this.student = BertEncoder.of(teacherGraph);
        for (Layer layer : Layer.of(teacherGraph)) {
            Parameter p = student.graphWeights().get(layer.weight());
            QuantSpec quant = plan.settingsFor(layer.name()).quant();
            if (p != null && quant != null && quant.kind().equals("uq")) {
                student.form(p, UniformQuantizedWeight.relative(p, quant.alpha() * options.stepScale()));
            }
        }
        this.corpus = new ArrayList<>();
        for (long[] s : corpus) {
            this.corpus.add(s.length > options.maxTokens() ? cut(s, options.maxTokens()) : s);
        }
        this.distillation = new Distillation(student, teacher, Compute.of(options.threads()));
    }

    /** The student being trained. */
    public BertEncoder student() {
        return student;
    }

    /** The first {@code n − 1} tokens and the last (the closing marker), as the tokenizer truncates. */
    private static long[] cut(long[] s, int n) {
        long[] out = java.util.Arrays.copyOf(s, n);
        out[n - 1] = s[s.length - 1];
        return out;
    }

    /**
     * Trains from the checkpoint in {@code checkpoints} when {@code resume} and there is one, until the
     * step or time limit, saving a checkpoint every {@code checkpointSeconds} and at the end. Returns
     * the steps done in all.
     */
    public int run(Path checkpoints, boolean resume, long checkpointSeconds, Listener listener) throws IOException {
        long started = System.nanoTime();
        int step = 0;
        Path file = checkpoints == null ? null : checkpoints.resolve("checkpoint.bin");
        if (resume && file != null && Files.exists(file)) {
            Checkpoint saved = Checkpoint.readFor(file, options.runKey());
            step = saved.step();
            saved.restoreInto(Checkpoint.parameterArrays(student.parameters()));
            listener.message("resumed from " + file + " at step " + step);
        }
        if (checkpoints != null) {
            Files.createDirectories(checkpoints);
        }
        LearningRate schedule = new LearningRate(options.learningRate(), Math.min(100, Math.max(1, options.steps() / 20)),
                Math.max(1, options.steps()), 0.1);
        int perEpoch = corpus.size() / options.batch();
        EpochOrder epochs = new EpochOrder(corpus.size(), options.seed() * 7919);
        long lastSave = System.nanoTime();
        double lossSum = 0;
        int lossCount = 0;
        while (step < options.steps() && (System.nanoTime() - started) / 1e9 < options.seconds()) {
            int[] order = epochs.of(step / perEpoch);
            int first = (step % perEpoch) * options.batch();
            List<long[]> batch = new ArrayList<>(options.batch());
            for (int i = first; i < first + options.batch(); i++) {
                batch.add(corpus.get(order[i]));
            }
            lossSum += distillation.step(batch, step, schedule.at(step));
            lossCount++;
            step++;
            if (step % 10 == 0 || step == options.steps()) {
                listener.step(step, options.steps(), lossSum / lossCount, (System.nanoTime() - started) / 1e9);
                lossSum = 0;
                lossCount = 0;
            }
            if (file != null && System.nanoTime() - lastSave > checkpointSeconds * 1_000_000_000L) {
                save(file, step);
                lastSave = System.nanoTime();
                listener.message("checkpoint at step " + step);
            }
        }
        if (file != null) {
            save(file, step);
        }
        return step;
    }

    private void save(Path file, int step) throws IOException {
        new Checkpoint(options.runKey(), 0, step, Double.NaN, new TreeMap<>(Checkpoint.parameterArrays(student.parameters())))
                .write(file);
    }

    /** The student as a graph over {@code teacherGraph}'s nodes, each matrix in its smallest exact format. */
    public Graph export(Graph teacherGraph) {
        return student.exportInto(teacherGraph, FormatPolicy.automatic(Objective.SIZE, null));
    }
}
