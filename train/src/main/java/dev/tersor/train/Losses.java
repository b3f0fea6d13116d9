package dev.tersor.train;

/** Scalar losses and their combination. */
public final class Losses {

    private Losses() {
    }

    /**
     * The mean over the batch of {@code −log softmax(logits[n])[label[n]]}, for {@code logits[N, K]}
     * and labels in {@code [0, K)}.
     */
    public static Variable crossEntropy(Tape tape, Variable logits, int[] labels) {
        if (logits.rank() != 2 || logits.dim(0) != labels.length) {
            throw new IllegalArgumentException("crossEntropy of " + logits + " with " + labels.length + " labels");
        }
        int batch = logits.dim(0);
        int classes = logits.dim(1);
        float[] z = logits.value();
        float[] probabilities = new float[z.length];
        double total = 0;
        for (int n = 0; n < batch; n++) {
            if (labels[n] < 0 || labels[n] >= classes) {
                throw new IllegalArgumentException("label " + labels[n] + " outside 0.." + (classes - 1));
            }
            int base = n * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, z[base + k]);
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                double e = Math.exp(z[base + k] - max);
                probabilities[base + k] = (float) e;
                sum += e;
            }
            for (int k = 0; k < classes; k++) {
                probabilities[base + k] /= (float) sum;
            }
            total += Math.log(sum) + max - z[base + labels[n]];
        }
        Variable result = Tape.output(new float[]{(float) (total / batch)}, new int[]{1}, logits);
        tape.record(() -> {
            float g = result.gradient()[0] / batch;
            float[] dz = logits.gradient();
            for (int n = 0; n < batch; n++) {
                int base = n * classes;
                for (int k = 0; k < classes; k++) {
                    dz[base + k] += g * (probabilities[base + k] - (k == labels[n] ? 1 : 0));
                }
            }
        }, logits);
        return result;
    }

    /** {@code a + weight·b} for scalars a and b. */
    public static Variable plusScaled(Tape tape, Variable a, float weight, Variable b) {
        if (a.size() != 1 || b.size() != 1) {
            throw new IllegalArgumentException("plusScaled needs scalars, got " + a + " and " + b);
        }
        Variable result = Tape.output(new float[]{a.value()[0] + weight * b.value()[0]}, new int[]{1}, a, b);
        tape.record(() -> {
            float g = result.gradient()[0];
            if (a.needsGradient()) {
                a.gradient()[0] += g;
            }
            if (b.needsGradient()) {
                b.gradient()[0] += weight * g;
            }
        }, a, b);
        return result;
    }
}
