package dev.tersor.train;

import java.util.ArrayList;
import java.util.List;

/**
 * Distillation of a sentence encoder: the student (typically a {@link BertEncoder} whose matrices
 * compute through quantizing forms) learns to reproduce the teacher's sentence vectors, loss
 * {@code mean(1 − cos(student, teacher)) + β·H + γ·Q} over batches of broad unlabeled text, with Adam.
 * H is the mean over the blocks of the students' hidden states' {@link SequenceOps#relativeSquaredError}
 * to the float teacher encoder's (β = 0: sentence vectors only), Q is
 * {@link UniformQuantizedWeight#rateBits} of the forms whose steps learn (γ = 0: no size term). Learned
 * steps move at ten times the weights' rate: they are in units of bits, not of weights.
 */
public final class Distillation {

    /** The teacher: fixed sentence vectors for token sequences. */
    @FunctionalInterface
    public interface Teacher {
        float[][] embed(List<long[]> sequences);
    }

    private final BertEncoder student;
    private final Teacher teacher;
    private final BertEncoder teacherEncoder;
    private final Compute compute;
    private final double hiddenWeight;
    private final double gamma;
    private final Adam adam = new Adam(0.9, 0.999, 1e-8, 1, 10);

    /** Sentence vectors only: {@code β = 0}. */
    public Distillation(BertEncoder student, Teacher teacher, Compute compute, double gamma) {
        this(student, teacher, null, 0, compute, gamma);
    }

    /**
     * @param teacherEncoder the teacher as an encoder of the student's shape, whose hidden states the
     *                       student's learn to follow; read only when {@code hiddenWeight} is above 0
     * @param hiddenWeight   β, the weight of the hidden states' distance, ≥ 0
     * @param gamma          γ, the weight of the size term, ≥ 0
     */
    public Distillation(BertEncoder student, Teacher teacher, BertEncoder teacherEncoder, double hiddenWeight,
                        Compute compute, double gamma) {
        if (!(gamma >= 0 && gamma < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("γ must be finite and ≥ 0, got " + gamma);
        }
        if (!(hiddenWeight >= 0 && hiddenWeight < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("β must be finite and ≥ 0, got " + hiddenWeight);
        }
        if (hiddenWeight > 0 && (teacherEncoder == null || teacherEncoder.blocks().size() != student.blocks().size()
                || teacherEncoder.hidden() != student.hidden())) {
            throw new IllegalArgumentException("hidden states are learned from a teacher encoder of the student's "
                    + student.blocks().size() + " blocks of width " + student.hidden());
        }
        this.student = student;
        this.teacher = teacher;
        this.teacherEncoder = teacherEncoder;
        this.hiddenWeight = hiddenWeight;
        this.compute = compute;
        this.gamma = gamma;
    }

    /**
     * One step on {@code batch} at rate {@code rate} (step numbers from 0); returns the distance to
     * the teacher's sentence vectors before it (the hidden-state and size terms left out).
     */
    public double step(List<long[]> batch, int step, double rate) {
        Tape tape = Tape.training(compute);
        BertEncoder.Encoding encoding = student.encode(tape, batch);
        Variable distance = SequenceOps.cosineDistance(tape, encoding.pooled(), targets(batch));
        Variable loss = distance;
        if (hiddenWeight > 0) {
            // β times the mean over the blocks of each block's relative squared error
            List<Variable> taught = teacherEncoder.encode(Tape.inference(compute), batch).layers();
            List<Variable> layers = encoding.layers();
            for (int l = 0; l < layers.size(); l++) {
                loss = Losses.plusScaled(tape, loss, (float) (hiddenWeight / layers.size()),
                        SequenceOps.relativeSquaredError(tape, layers.get(l), taught.get(l).value(), encoding.lengths()));
            }
        }
        List<UniformQuantizedWeight> learning = student.learnedStepForms();
        if (gamma > 0 && !learning.isEmpty()) {
            loss = Losses.plusScaled(tape, loss, (float) gamma, UniformQuantizedWeight.rateBits(tape, learning));
        }
        tape.backward(loss);
        adam.step(student.trainedParameters(), step, rate);
        return distance.value()[0];
    }

    /** The student's mean cosine to the teacher over {@code sequences}, in batches of {@code batch}. */
    public double meanCosine(List<long[]> sequences, int batch) {
        double sum = 0;
        for (int first = 0; first < sequences.size(); first += batch) {
            List<long[]> part = new ArrayList<>(sequences.subList(first, Math.min(sequences.size(), first + batch)));
            Variable distance = SequenceOps.cosineDistance(Tape.inference(compute),
                    student.embed(Tape.inference(compute), part), targets(part));
            sum += (1 - distance.value()[0]) * part.size();
        }
        return sum / sequences.size();
    }

    /** The teacher's vectors of {@code sequences}, one after another ({@code [B·H]}). */
    private float[] targets(List<long[]> sequences) {
        float[][] vectors = teacher.embed(sequences);
        int width = student.hidden();
        float[] flat = new float[vectors.length * width];
        for (int b = 0; b < vectors.length; b++) {
            System.arraycopy(vectors[b], 0, flat, b * width, width);
        }
        return flat;
    }
}
