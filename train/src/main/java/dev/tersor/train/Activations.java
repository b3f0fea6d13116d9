package dev.tersor.train;

/** Operations without weights: ReLU, 2×2 max pooling and reshaping, with their gradients. */
public final class Activations {

    private Activations() {
    }

    /** {@code max(x, 0)}; the gradient passes where the output is positive. */
    public static Variable relu(Tape tape, Variable x) {
        float[] in = x.value();
        float[] y = new float[in.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = Math.max(in[i], 0f);
        }
        Variable result = Tape.output(y, x.shape(), x);
        tape.record(() -> {
            float[] dy = result.gradient();
            float[] dx = x.gradient();
            for (int i = 0; i < y.length; i++) {
                if (y[i] > 0) {
                    dx[i] += dy[i];
                }
            }
        }, x);
        return result;
    }

    /**
     * Max pooling over 2×2 windows with stride 2 of {@code x[N, C, H, W]}; an odd last row or column is
     * dropped, as ONNX's {@code MaxPool} does without {@code ceil_mode}. The gradient goes to the first
     * largest input of each window.
     */
    public static Variable maxPool2(Tape tape, Variable x) {
        if (x.rank() != 4 || x.dim(2) < 2 || x.dim(3) < 2) {
            throw new IllegalArgumentException("maxPool2 of " + x);
        }
        int planes = x.dim(0) * x.dim(1);
        int height = x.dim(2);
        int width = x.dim(3);
        int oh = height / 2;
        int ow = width / 2;
        float[] in = x.value();
        float[] y = new float[planes * oh * ow];
        int[] from = new int[y.length];
        for (int plane = 0; plane < planes; plane++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    int base = (plane * height + 2 * i) * width + 2 * j;
                    int best = base;
                    for (int candidate : new int[]{base + 1, base + width, base + width + 1}) {
                        if (in[candidate] > in[best]) {
                            best = candidate;
                        }
                    }
                    int out = (plane * oh + i) * ow + j;
                    y[out] = in[best];
                    from[out] = best;
                }
            }
        }
        Variable result = Tape.output(y, new int[]{x.dim(0), x.dim(1), oh, ow}, x);
        tape.record(() -> {
            float[] dy = result.gradient();
            float[] dx = x.gradient();
            for (int i = 0; i < y.length; i++) {
                dx[from[i]] += dy[i];
            }
        }, x);
        return result;
    }

    /** The same values in another shape of the same size (ONNX {@code Flatten}, {@code Reshape}). */
    public static Variable reshape(Tape tape, Variable x, int... shape) {
        Variable result = Tape.output(x.value(), shape, x);
        tape.record(() -> {
            float[] dy = result.gradient();
            float[] dx = x.gradient();
            for (int i = 0; i < dy.length; i++) {
                dx[i] += dy[i];
            }
        }, x);
        return result;
    }
}
