package dev.tersor.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** A sequential classifier: named, with its per-example input shape and its layers. */
public final class Network {

    /** The architectures {@link #create} builds. */
    public static final List<String> NAMES = List.of("lenet-300-100", "lenet-5", "mnist-cnn");

    private final String name;
    private final int[] inputShape;
    private final List<Layer> layers;

    public Network(String name, int[] inputShape, List<Layer> layers) {
        this.name = name;
        this.inputShape = inputShape.clone();
        this.layers = List.copyOf(layers);
    }

    /**
     * One of {@link #NAMES}, with weights drawn from {@code seed}, for 28×28 single-channel images and
     * ten classes:
     * <ul>
     *   <li>{@code lenet-300-100}: 784 → 300 → 100 → 10 fully connected with ReLU (LeCun et al. 1998;
     *       Deep Compression's LeNet-300-100);</li>
     *   <li>{@code lenet-5}: Caffe's LeNet as Deep Compression used it: conv 20@5×5, pool, conv 50@5×5,
     *       pool, 800 → 500 → 10, with ReLU after every product but the last;</li>
     *   <li>{@code mnist-cnn}: the self-compression reference's network (methods.md §5.3): conv 32@5×5,
     *       conv 32@5×5, batch norm, pool, conv 64@3×3, conv 64@3×3, batch norm, pool, 576 → 10.</li>
     * </ul>
     */
    public static Network create(String name, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "lenet-300-100" -> new Network("lenet-300-100", new int[]{784}, List.of(
                    Layer.Product.dense("fc1", 784, 300, random), new Layer.Relu(),
                    Layer.Product.dense("fc2", 300, 100, random), new Layer.Relu(),
                    Layer.Product.dense("fc3", 100, 10, random)));
            case "lenet-5" -> new Network("lenet-5", new int[]{1, 28, 28}, List.of(
                    Layer.Product.conv("conv1", 1, 20, 5, random), new Layer.Relu(), new Layer.MaxPool(),
                    Layer.Product.conv("conv2", 20, 50, 5, random), new Layer.Relu(), new Layer.MaxPool(),
                    new Layer.Flatten(),
                    Layer.Product.dense("fc1", 800, 500, random), new Layer.Relu(),
                    Layer.Product.dense("fc2", 500, 10, random)));
            case "mnist-cnn" -> new Network("mnist-cnn", new int[]{1, 28, 28}, List.of(
                    Layer.Product.conv("conv1", 1, 32, 5, random), new Layer.Relu(),
                    Layer.Product.conv("conv2", 32, 32, 5, random), new Layer.Relu(),
                    new Layer.BatchNorm("bn1", 32), new Layer.MaxPool(),
                    Layer.Product.conv("conv3", 32, 64, 3, random), new Layer.Relu(),
                    Layer.Product.conv("conv4", 64, 64, 3, random), new Layer.Relu(),
                    new Layer.BatchNorm("bn2", 64), new Layer.MaxPool(),
                    new Layer.Flatten(),
                    Layer.Product.dense("fc", 576, 10, random)));
            default -> throw new IllegalArgumentException("unknown network '" + name + "'; one of " + NAMES);
        };
    }

    public String name() {
        return name;
    }

    /** The shape of one example, without the batch dimension. */
    public int[] inputShape() {
        return inputShape.clone();
    }

    public List<Layer> layers() {
        return layers;
    }

    /** The logits {@code [N, classes]} of a batch {@code x[N, inputShape…]}. */
    public Variable forward(Tape tape, Variable x) {
        int[] expected = new int[inputShape.length + 1];
        expected[0] = x.dim(0);
        System.arraycopy(inputShape, 0, expected, 1, inputShape.length);
        if (!Arrays.equals(x.shape(), expected)) {
            throw new IllegalArgumentException(name + " takes " + Arrays.toString(expected) + ", got " + x);
        }
        Variable h = x;
        for (Layer layer : layers) {
            h = layer.forward(tape, h);
        }
        return h;
    }

    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>();
        layers.forEach(l -> all.addAll(l.parameters()));
        return all;
    }

    /** The layers with weight matrices, in order. */
    public List<Layer.Product> products() {
        return layers.stream().filter(l -> l instanceof Layer.Product).map(l -> (Layer.Product) l).toList();
    }

    /** Turns on self-compression of every weight matrix, each row starting at {@code initialBits}. */
    public void compress(float initialBits) {
        for (Layer.Product p : products()) {
            if (p.compressed() == null) {
                p.form(SelfCompressedWeight.over(p.weight(), initialBits));
            }
        }
    }

    /** The self-compressed weights, in layer order (empty before {@link #compress}). */
    public List<SelfCompressedWeight> compressedWeights() {
        return products().stream().map(Layer.Product::compressed).filter(w -> w != null).toList();
    }

    /** Weights in the matrices (biases and norms not included). */
    public long weightCount() {
        return products().stream().mapToLong(p -> p.weight().size()).sum();
    }
}
