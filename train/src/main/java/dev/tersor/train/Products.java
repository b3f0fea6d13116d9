package dev.tersor.train;

/**
 * The operations with weights: fully connected layers and 2-D convolutions, with their gradients.
 * Weights are {@code [out, in]} like every Tersor matrix (methods.md Decision 1); a convolution's
 * inputs per output channel are ordered (channel, kernel row, kernel column), as ONNX and Tersor's
 * {@code Conv} order them.
 */
public final class Products {

    private Products() {
    }

    /** {@code y[n][o] = Σ_i x[n][i]·w[o][i] + b[o]} for {@code x[N, in]}, {@code w[out, in]}, {@code b[out]} or null. */
    public static Variable linear(Tape tape, Variable x, Variable w, Variable b) {
        if (x.rank() != 2 || w.rank() != 2 || x.dim(1) != w.dim(1)) {
            throw new IllegalArgumentException("linear of " + x + " by " + w);
        }
        int batch = x.dim(0);
        int in = w.dim(1);
        int out = w.dim(0);
        checkBias(b, out);
        Compute compute = tape.compute();
        float[] wt = new float[in * out];
        compute.transpose(w.value(), 0, out, in, wt, 0);
        float[] y = new float[batch * out];
        compute.multiply(batch, in, out, x.value(), 0, wt, 0, y, 0, false);
        if (b != null) {
            float[] bias = b.value();
            for (int n = 0; n < batch; n++) {
                for (int o = 0; o < out; o++) {
                    y[n * out + o] += bias[o];
                }
            }
        }
        Variable result = Tape.output(y, new int[]{batch, out}, x, w, b);
        tape.record(() -> {
            float[] dy = result.gradient();
            if (x.needsGradient()) {
                compute.multiply(batch, out, in, dy, 0, w.value(), 0, x.gradient(), 0, true);
            }
            if (w.needsGradient()) {
                float[] dyt = new float[out * batch];
                compute.transpose(dy, 0, batch, out, dyt, 0);
                compute.multiply(out, batch, in, dyt, 0, x.value(), 0, w.gradient(), 0, true);
            }
            if (b != null && b.needsGradient()) {
                float[] db = b.gradient();
                for (int n = 0; n < batch; n++) {
                    for (int o = 0; o < out; o++) {
                        db[o] += dy[n * out + o];
                    }
                }
            }
        }, x, w, b);
        return result;
    }

    /**
     * A valid (unpadded) convolution with stride 1: {@code x[N, C, H, W]}, square kernels of side
     * {@code k} in {@code w[O, C·k·k]}, {@code b[O]} or null; the output is {@code [N, O, H−k+1, W−k+1]}.
     * Each image is lowered to columns and multiplied; the columns are made again in the backward pass
     * rather than kept, which would take hundreds of megabytes at batch 512.
     */
    public static Variable conv2d(Tape tape, Variable x, Variable w, Variable b, int k) {
        if (x.rank() != 4 || w.rank() != 2 || k < 1 || w.dim(1) != x.dim(1) * k * k || x.dim(2) < k || x.dim(3) < k) {
            throw new IllegalArgumentException("conv2d of " + x + " by " + w + " with kernel " + k);
        }
        int batch = x.dim(0);
        int channels = x.dim(1);
        int height = x.dim(2);
        int width = x.dim(3);
        int outC = w.dim(0);
        int oh = height - k + 1;
        int ow = width - k + 1;
        int pixels = oh * ow;
        int taps = channels * k * k;
        int inImage = channels * height * width;
        int outImage = outC * pixels;
        checkBias(b, outC);
        Compute compute = tape.compute();
        float[] y = new float[batch * outImage];
        Window window = new Window(channels, height, width, k);
        compute.forEachRange(batch, (start, end) -> {
            float[] columns = new float[taps * pixels];
            for (int n = start; n < end; n++) {
                window.lower(x.value(), n * inImage, columns);
                compute.multiplySerial(outC, taps, pixels, w.value(), 0, columns, 0, y, n * outImage, false);
                if (b != null) {
                    for (int o = 0; o < outC; o++) {
                        float bias = b.value()[o];
                        int row = n * outImage + o * pixels;
                        for (int p = 0; p < pixels; p++) {
                            y[row + p] += bias;
                        }
                    }
                }
            }
        });
        Variable result = Tape.output(y, new int[]{batch, outC, oh, ow}, x, w, b);
        tape.record(() -> {
            float[] dy = result.gradient();
            float[] wt = new float[taps * outC];
            compute.transpose(w.value(), 0, outC, taps, wt, 0);
            int parts = compute.parts(batch);
            float[] dx = x.needsGradient() ? x.gradient() : null;
            float[][] dw = new float[parts][];
            float[][] db = new float[parts][];
            compute.forEachPart(parts, part -> {
                float[] columns = new float[taps * pixels];
                float[] columnsT = new float[pixels * taps];
                float[] dColumns = new float[taps * pixels];
                float[] partW = w.needsGradient() ? new float[outC * taps] : null;
                float[] partB = b != null && b.needsGradient() ? new float[outC] : null;
                for (int n = Compute.partStart(batch, parts, part); n < Compute.partStart(batch, parts, part + 1); n++) {
                    if (partW != null) {
                        window.lower(x.value(), n * inImage, columns);
                        compute.transpose(columns, 0, taps, pixels, columnsT, 0);
                        compute.multiplySerial(outC, pixels, taps, dy, n * outImage, columnsT, 0, partW, 0, true);
                    }
                    if (dx != null) {
                        compute.multiplySerial(taps, outC, pixels, wt, 0, dy, n * outImage, dColumns, 0, false);
                        window.raise(dColumns, dx, n * inImage);
                    }
                    if (partB != null) {
                        for (int o = 0; o < outC; o++) {
                            int row = n * outImage + o * pixels;
                            float sum = 0;
                            for (int p = 0; p < pixels; p++) {
                                sum += dy[row + p];
                            }
                            partB[o] += sum;
                        }
                    }
                }
                dw[part] = partW;
                db[part] = partB;
            });
            for (int part = 0; part < parts; part++) {
                addInto(dw[part], w.needsGradient() ? w.gradient() : null);
                addInto(db[part], b != null && b.needsGradient() ? b.gradient() : null);
            }
        }, x, w, b);
        return result;
    }

    private static void addInto(float[] partial, float[] total) {
        if (partial == null || total == null) {
            return;
        }
        for (int i = 0; i < partial.length; i++) {
            total[i] += partial[i];
        }
    }

    private static void checkBias(Variable b, int out) {
        if (b != null && (b.rank() != 1 || b.dim(0) != out)) {
            throw new IllegalArgumentException("bias " + b + " for " + out + " outputs");
        }
    }

    /** The sliding window of a valid, stride-1 convolution over one image. */
    private record Window(int channels, int height, int width, int k) {

        int outHeight() {
            return height - k + 1;
        }

        int outWidth() {
            return width - k + 1;
        }

        /** {@code columns[(c·k + i)·k + j][p]}: the input under tap (c, i, j) at output pixel p. */
        void lower(float[] x, int offset, float[] columns) {
            int oh = outHeight();
            int ow = outWidth();
            int pixels = oh * ow;
            int row = 0;
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++, row++) {
                        int to = row * pixels;
                        for (int y = 0; y < oh; y++) {
                            System.arraycopy(x, offset + (c * height + y + i) * width + j, columns, to + y * ow, ow);
                        }
                    }
                }
            }
        }

        /** Adds the columns' gradient back onto the image's: the adjoint of {@link #lower}. */
        void raise(float[] dColumns, float[] dx, int offset) {
            int oh = outHeight();
            int ow = outWidth();
            int pixels = oh * ow;
            int row = 0;
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++, row++) {
                        int from = row * pixels;
                        for (int y = 0; y < oh; y++) {
                            int to = offset + (c * height + y + i) * width + j;
                            int src = from + y * ow;
                            for (int z = 0; z < ow; z++) {
                                dx[to + z] += dColumns[src + z];
                            }
                        }
                    }
                }
            }
        }
    }
}
