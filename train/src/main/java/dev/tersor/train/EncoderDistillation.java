package dev.tersor.train;

import dev.tersor.format.FormatPolicy;
import dev.tersor.format.Objective;
import dev.tersor.graph.Graph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Distils a compressed student of a sentence encoder from the float teacher. The student starts as
 * post-training compression leaves it ({@link PresetStart}: every quantized table and matrix at its
 * error-compensated levels and row steps) and computes through the rounding. Training then runs in
 * two phases: first the float parameters alone (biases, norms, float tables) adapt to the quantized
 * matrices, then every parameter learns, the matrices' latent weights by the straight-through
 * estimator, to reproduce the teacher's sentence vectors (and, optionally, the hidden states of its
 * every block) on broad text ({@link Distillation}), in batches of similar lengths ({@link LengthBatches}).
 * Checkpoints hold the student's values and the optimizer's moments, keyed to the start's digest and
 * the options, so a resumed run continues exactly.
 */
public final class EncoderDistillation {

    /**
     * What a run does.
     *
     * @param batch        sentences per step
     * @param maxTokens    a longer sentence is cut to this many tokens
     * @param learningRate Adam's peak rate (each phase warms up and decays on its own)
     * @param gamma        the size term's weight; above 0 each row's step learns too ({@link Distillation})
     * @param hiddenWeight   the hidden states' weight; above 0 the student follows the teacher's every block ({@link Distillation})
     * @param floatSteps   steps of the first phase, which trains only the parameters that are not quantized
     * @param steps        steps at most, both phases
     * @param seconds      seconds at most (the run stops at whichever limit comes first)
     * @param seed         the order of the sentences
     * @param threads      threads for the products
     */
    public record Options(int batch, int maxTokens, double learningRate, double gamma, double hiddenWeight, int floatSteps,
                          int steps, double seconds, long seed, int threads) {
        public Options {
            if (batch < 1 || maxTokens < 2 || !(learningRate > 0) || !(gamma >= 0 && gamma < Double.POSITIVE_INFINITY)
                    || !(hiddenWeight >= 0 && hiddenWeight < Double.POSITIVE_INFINITY)
                    || floatSteps < 0 || steps < 0 || !(seconds > 0) || threads < 1) {
                throw new IllegalArgumentException("distillation options " + batch + ", " + maxTokens + ", " + learningRate
                        + ", " + gamma + ", " + hiddenWeight + ", " + floatSteps + ", " + steps + ", " + seconds + ", "
                        + threads);
            }
        }

        String runKey(long startDigest) {
            return "distill|" + Long.toHexString(startDigest) + "|" + batch + "|" + maxTokens + "|" + learningRate + "|"
                    + gamma + "|" + hiddenWeight + "|" + floatSteps + "|" + steps + "|" + seed;
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
    private final String runKey;
    private final List<long[]> corpus;
    private final LengthBatches batches;

    /**
     * @param teacherGraph the teacher's graph (imported from its ONNX file), read for the student's start
     * @param teacher      the teacher's sentence vectors for token sequences
     * @param start        the student's quantized matrices, by weight name (the others start as the teacher's)
     * @param corpus       tokenized training sentences (broad text never used for evaluation)
     */
    public EncoderDistillation(Graph teacherGraph, Distillation.Teacher teacher, PresetStart start, List<long[]> corpus,
                               Options options) {
        if (corpus.size() < options.batch()) {
            throw new IllegalArgumentException("the corpus has " + corpus.size() + " sentences, fewer than one batch of "
                    + options.batch());
        }
        this.options = options;
        this.runKey = options.runKey(start.digest());
        this.student = studentOf(teacherGraph, start, options.gamma() > 0);
        this.corpus = new ArrayList<>();
        for (long[] s : corpus) {
            this.corpus.add(s.length > options.maxTokens() ? cut(s, options.maxTokens()) : s);
        }
        this.batches = new LengthBatches(this.corpus.stream().mapToInt(s -> s.length).toArray(), options.batch(),
                options.seed() * 7919);
        this.distillation = new Distillation(student, teacher,
                options.hiddenWeight() > 0 ? BertEncoder.of(teacherGraph) : null, options.hiddenWeight(),
                Compute.of(options.threads()), options.gamma());
    }

    /** The teacher's encoder with {@code start}'s matrices computing through their rounding, steps learned or not. */
    private static BertEncoder studentOf(Graph teacherGraph, PresetStart start, boolean learnSteps) {
        BertEncoder student = BertEncoder.of(teacherGraph);
        start.matrices().forEach((name, matrix) -> {
            Parameter p = student.graphWeights().get(name);
            if (p == null) {
                throw new IllegalArgumentException("the start's matrix " + name + " is not one of the teacher's tables or matrices");
            }
            UniformQuantizedWeight form = UniformQuantizedWeight.startingAt(p, matrix);
            student.form(p, learnSteps ? form.withLearnedSteps() : form);
        });
        return student;
    }

    /** The untrained student of {@code start} as {@link #export} would write it (to size a start before training). */
    public static Graph startGraph(Graph teacherGraph, PresetStart start) {
        return studentOf(teacherGraph, start, false).exportInto(teacherGraph, FormatPolicy.automatic(Objective.SIZE, null));
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
            Checkpoint saved = Checkpoint.readFor(file, runKey);
            step = saved.step();
            saved.restoreInto(Checkpoint.parameterArrays(student.parameters()));
            listener.message("resumed from " + file + " at step " + step);
        }
        if (checkpoints != null) {
            Files.createDirectories(checkpoints);
        }
        int floatSteps = Math.min(options.floatSteps(), options.steps());
        LearningRate floatPhase = schedule(floatSteps);
        LearningRate allPhase = schedule(options.steps() - floatSteps);
        int perEpoch = batches.batchesPerEpoch();
        long lastSave = System.nanoTime();
        double lossSum = 0;
        int lossCount = 0;
        while (step < options.steps() && (System.nanoTime() - started) / 1e9 < options.seconds()) {
            int[] order = batches.of(step / perEpoch);
            int first = (step % perEpoch) * options.batch();
            List<long[]> batch = new ArrayList<>(options.batch());
            for (int i = first; i < first + options.batch(); i++) {
                batch.add(corpus.get(order[i]));
            }
            // Each phase counts its own steps, for its schedule and for Adam's bias correction: the
            // quantized matrices' moments start from zero when the second phase begins.
            boolean floatOnly = step < floatSteps;
            int phaseStep = floatOnly ? step : step - floatSteps;
            student.freezeForms(floatOnly);
            lossSum += distillation.step(batch, phaseStep, (floatOnly ? floatPhase : allPhase).at(phaseStep));
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

    private LearningRate schedule(int steps) {
        return new LearningRate(options.learningRate(), Math.min(100, Math.max(1, steps / 20)), Math.max(1, steps), 0.1);
    }

    private void save(Path file, int step) throws IOException {
        new Checkpoint(runKey, 0, step, Double.NaN, new TreeMap<>(Checkpoint.parameterArrays(student.parameters())))
                .write(file);
    }

    /** The student as a graph over {@code teacherGraph}'s nodes, each matrix in its smallest exact format. */
    public Graph export(Graph teacherGraph) {
        return student.exportInto(teacherGraph, FormatPolicy.automatic(Objective.SIZE, null));
    }
}
