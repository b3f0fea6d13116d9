package dev.tersor.train;

import dev.tersor.embed.Embedder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** A coarsely quantized student of all-MiniLM-L6-v2 moves towards its teacher on sentences it never trained on. */
class DistillationTest {

    private static final String[] SUBJECTS = {"The committee", "My neighbour", "A small dog", "The new government",
            "Our engineers", "The old fisherman", "Every student", "The orchestra", "A local bakery", "The river"};
    private static final String[] VERBS = {"approved", "painted", "ignored", "described", "repaired", "celebrated",
            "questioned", "delivered", "measured", "forgot"};
    private static final String[] OBJECTS = {"the budget for next year", "a bright red fence", "the warning signs",
            "the storm in great detail", "the broken bridge", "the end of the harvest", "the results of the vote",
            "fresh bread before dawn", "the depth of the lake", "the keys at the station"};

    private static List<String> sentences(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> out = new ArrayList<>();
        while (out.size() < n) {
            String s = SUBJECTS[random.nextInt(SUBJECTS.length)] + " " + VERBS[random.nextInt(VERBS.length)] + " "
                    + OBJECTS[random.nextInt(OBJECTS.length)] + ".";
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }

    @Test
    void aQuantizedStudentLearnsFromItsTeacherAndGeneralizes() throws Exception {
        try (Embedder teacher = Embedder.load(BertEncoderTest.miniLm())) {
            BertEncoder student = BertEncoder.of(teacher.model().graph());
            for (BertEncoder.Block block : student.blocks()) {
                for (Parameter matrix : block.matrices()) {
                    student.form(matrix, UniformQuantizedWeight.relative(matrix, 1.5));
                }
            }
            List<String> all = sentences(120, 3);
            List<long[]> train = new ArrayList<>();
            List<long[]> heldOut = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                (i < 80 ? train : heldOut).add(teacher.tokenizer().encode(all.get(i)));
            }
            Distillation distillation = new Distillation(student, teacher::embedTokens, Compute.of(2), 0);
            double before = distillation.meanCosine(heldOut, 20);
            double firstLoss = Double.NaN;
            double lastLoss = Double.NaN;
            for (int step = 0; step < 30; step++) {
                int first = (step * 8) % train.size();
                double loss = distillation.step(train.subList(first, first + 8), step, 2e-4);
                firstLoss = step == 0 ? loss : firstLoss;
                lastLoss = loss;
            }
            double after = distillation.meanCosine(heldOut, 20);
            assertThat(before).isLessThan(0.99);
            assertThat(lastLoss).isLessThan(firstLoss);
            assertThat(after).as("held-out mean cosine %.4f before, %.4f after", before, after).isGreaterThan(before + 0.1);
        }
    }
}
