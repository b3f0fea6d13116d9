package dev.tersor.model;

import dev.tersor.format.Execution;
import dev.tersor.format.FormatCostModel;
import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.Graph;
import dev.tersor.graph.InvalidModelException;
import dev.tersor.graph.ModelException;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.ValueInfo;
import dev.tersor.graph.ops.GraphValidator;
import dev.tersor.graph.plan.Plan;
import dev.tersor.graph.plan.WorkingMemory;
import dev.tersor.onnx.OnnxImporter;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.zip.Deflater;

/**
 * A loaded network: a compiled graph whose weight matrices live off-heap in Tersor formats (in a
 * memory-mapped {@code .tsr} file, or in memory after an ONNX import). Immutable and safe to share:
 * any number of threads may {@link #run} at once. At most {@link Execution#concurrentPasses()} calls
 * run together, each in its own block of the model's working memory; the others wait their turn in
 * order of arrival. Closing releases the weights, the mapping and the working memory after in-flight
 * and waiting calls finish; later calls throw {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("all-minilm-l6-v2.tsr"))) {
 *     Map<String, Tensor> out = model.run(Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types));
 * }
 * }</pre>
 */
public final class Model implements AutoCloseable {

    /** Plans kept per model; more distinct input shapes than this evict the oldest. */
    private static final int MAX_PLANS = 64;

    private final Graph graph;
    private final Arena mapping;
    private final ModelBindContext context;
    private final Map<List<Integer>, Plan> plans = new ConcurrentHashMap<>();
    private final List<List<Integer>> planOrder = new ArrayList<>();
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final String source;
    private final Map<String, String> metadata;
    private final List<WeightPlacement> placements;
    private final WorkingMemory workingMemory;
    private volatile boolean closed;

    Model(Graph graph, Arena mapping, Execution execution, String source) {
        this(graph, mapping, execution, source, Map.of());
    }

    Model(Graph graph, Arena mapping, Execution execution, String source, Map<String, String> metadata) {
        this(graph, mapping, execution, source, metadata, null);
    }

    private Model(Graph graph, Arena mapping, Execution execution, String source, Map<String, String> metadata,
                  List<WeightPlacement> placements) {
        this.metadata = Map.copyOf(metadata);
        this.placements = placements != null ? List.copyOf(placements) : graph.weights().entrySet().stream()
                .map(e -> new WeightPlacement(e.getKey(), e.getValue().formatName(), e.getValue().formatName(),
                        e.getValue().byteSize(), e.getValue().byteSize())).toList();
        this.graph = Objects.requireNonNull(graph, "graph");
        this.mapping = mapping;
        this.context = new ModelBindContext(graph.weights(), execution);
        this.workingMemory = new WorkingMemory(execution.concurrentPasses());
        this.source = source;
    }

    /** Loads a {@code .tsr} file (memory-mapped) or imports an {@code .onnx} file, with default execution. */
    public static Model load(Path path) throws IOException {
        return load(path, Execution.defaults());
    }

    /** As {@link #load(Path)}, running weight products with {@code execution}. */
    public static Model load(Path path, Execution execution) throws IOException {
        if (TsrFile.isTsr(path)) {
            return of(TsrFile.read(path), execution, path.toString());
        }
        return importOnnx(path, ImportOptions.defaults(), execution);
    }

    /**
     * Loads a whole {@code .tsr} container held in {@code file} (64-byte aligned, as a mapping is), with
     * the checks of {@link #load(Path)}. The weights are slices of {@code file}, which must stay alive and
     * unchanged until the model is closed; {@code source} names it in messages.
     */
    public static Model loadTsr(MemorySegment file, Execution execution, String source) {
        return of(TsrFile.parse(file), execution, source);
    }

    /**
     * As {@link #load(Path, Execution)}, then runs each weight in the layout {@code policy} picks
     * (Decision 11), rating layouts with {@link FormatCostModel#ruleOfThumb()}. Under {@code fastest}
     * the choices for a {@code .tsr} file are remembered against its contents ({@link LoadDecisions}),
     * so later loads skip rating its weights, and a file some of whose weights were transcoded is kept
     * in its run layouts ({@link RunLayoutCache}), so later loads of the same bytes map those instead of
     * transcoding again; {@code -Dtersor.load.cache=off} turns both off.
     */
    public static Model load(Path path, Execution execution, ExecutionPolicy policy) throws IOException {
        Optional<LoadDecisions> decisions = LoadDecisions.configured();
        return load(path, execution, policy, FormatCostModel.ruleOfThumb(), decisions,
                decisions.map(LoadDecisions::runLayouts));
    }

    /** As {@link #load(Path, Execution, ExecutionPolicy)} with a given cost model (whose choices are not remembered). */
    public static Model load(Path path, Execution execution, ExecutionPolicy policy, FormatCostModel costs) throws IOException {
        return load(path, execution, policy, costs, Optional.empty(), Optional.empty());
    }

    static Model load(Path path, Execution execution, ExecutionPolicy policy, FormatCostModel costs,
                      Optional<LoadDecisions> decisions, Optional<RunLayoutCache> runLayouts) throws IOException {
        boolean tsr = TsrFile.isTsr(path);
        boolean remember = tsr && policy.kind() == ExecutionPolicy.Kind.FASTEST;
        Optional<LoadDecisions> cache = remember ? decisions : Optional.empty();
        Optional<RunLayoutCache> runs = remember ? runLayouts : Optional.empty();
        Optional<Model> cached = runs.flatMap(r -> r.open(path, execution));
        if (cached.isPresent()) {
            return cached.get();
        }
        TsrFile.Contents contents = tsr ? TsrFile.read(path) : null;
        Model stored = tsr ? of(contents, execution, path.toString()) : importOnnx(path, ImportOptions.defaults(), execution);
        if (policy.kind() == ExecutionPolicy.Kind.STORED) {
            return stored;
        }
        try {
            String identity = tsr ? LoadDecisions.identity(contents.identity()) : null;
            Map<String, String> remembered = cache.flatMap(c -> c.recall(identity)).orElse(Map.of());
            Transcoder.Result result = Transcoder.apply(stored.graph, policy, costs, remembered);
            if (result.rated()) {
                cache.ifPresent(c -> c.remember(identity, result.runFormats()));
            }
            List<WeightPlacement> placements = result.choices().stream().map(c -> new WeightPlacement(c.weight(),
                    c.stored(), c.target(), c.storedBytes(), c.residentBytes())).toList();
            Model model = new Model(result.graph(), stored.mapping, execution, stored.source, stored.metadata, placements);
            if (placements.stream().anyMatch(p -> !p.storedFormat().equals(p.residentFormat()))) {
                runs.ifPresent(r -> r.store(path, model));
            }
            return model;
        } catch (RuntimeException e) {
            stored.close();
            throw e;
        }
    }

    /**
     * Where one weight lives: the format and bytes it is stored in, and the format and bytes it runs in
     * (they differ when an {@link ExecutionPolicy} transcoded it at load).
     */
    public record WeightPlacement(String weight, String storedFormat, String residentFormat, long storedBytes,
                                  long residentBytes) {
    }

    /** Every weight's stored and resident format and bytes, in graph order. */
    public List<WeightPlacement> placements() {
        return placements;
    }

    /** Names of the weights only looked up by row (embedding tables), not multiplied. */
    public java.util.Set<String> embeddingTables() {
        return graph.embeddingTables();
    }

    /** Bytes of the weights as stored (before any transcoding at load). */
    public long storedWeightBytes() {
        return placements.stream().mapToLong(WeightPlacement::storedBytes).sum();
    }

    /** Imports an ONNX file: decode, compile, weights encoded as {@code options} says. */
    public static Model importOnnx(Path path, ImportOptions options, Execution execution) throws IOException {
        return new Model(OnnxImporter.read(path, options.encoder()), null, execution, path.toString());
    }

    /** A model over a container's contents; it takes ownership of their weights and mapping. */
    static Model of(TsrFile.Contents contents, Execution execution, String source) {
        return new Model(contents.graph(), contents.mapping(), execution, source, contents.metadata());
    }

    /** As {@link #of(TsrFile.Contents, Execution, String)}, reporting {@code placements} (a cached transcode's). */
    static Model of(TsrFile.Contents contents, Execution execution, String source, List<WeightPlacement> placements) {
        return new Model(contents.graph(), contents.mapping(), execution, source, contents.metadata(), placements);
    }

    /** A model over an already compiled graph; it takes ownership of the graph's weights. */
    public static Model of(Graph graph, Execution execution) {
        GraphValidator.validate(graph);
        return new Model(graph, null, execution, "graph");
    }

    /** Writes this model as a {@code .tsr} file, with its {@link #metadata()}. */
    public void save(Path path) throws IOException {
        save(path, Map.of());
    }

    /**
     * Writes this model as a {@code .tsr} file whose metadata is this model's {@link #metadata()} with
     * {@code extra} added (an entry of {@code extra} replaces one of the same key). Used to store files
     * a model needs beside its graph, such as {@code tokenizer.json}.
     */
    public void save(Path path, Map<String, String> extra) throws IOException {
        save(path, extra, Deflater.BEST_COMPRESSION);
    }

    /** As {@link #save(Path, Map)}, deflating large entries at {@code deflateLevel} (a cache's file favours speed). */
    void save(Path path, Map<String, String> extra, int deflateLevel) throws IOException {
        Map<String, String> all = new java.util.LinkedHashMap<>(metadata);
        all.putAll(extra);
        acquire();
        try {
            TsrFile.write(graph, path, all, DeflatedMetadata.THRESHOLD, deflateLevel);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The free-form string entries of the {@code .tsr} metadata this model was read from (for example
     * {@code tokenizer.json}); empty for an imported ONNX model. Unmodifiable.
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    public List<ValueInfo> inputs() {
        return graph.inputs();
    }

    public List<String> outputs() {
        return graph.outputs();
    }

    /** The compiled graph (its weights stay owned by this model). */
    public Graph graph() {
        ensureOpen();
        return graph;
    }

    /**
     * Runs the model. Every graph input must be present with its declared element type and a shape the
     * graph accepts; the plan for these shapes is built on first use and cached.
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        acquire();
        try {
            Map<String, int[]> shapes = new HashMap<>();
            List<Integer> key = new ArrayList<>();
            for (ValueInfo input : graph.inputs()) {
                Tensor value = inputs.get(input.name());
                if (value == null) {
                    throw new InvalidModelException("missing input '" + input.name() + "'; the model takes "
                            + graph.inputs());
                }
                if (value.type() != input.type()) {
                    throw new InvalidModelException("input '" + input.name() + "' is " + value.type().onnxName() + ", expected "
                            + input.type().onnxName());
                }
                shapes.put(input.name(), value.shape());
                key.add(value.rank());
                for (int d : value.shape()) {
                    key.add(d);
                }
            }
            for (String name : inputs.keySet()) {
                if (graph.input(name) == null) {
                    throw new InvalidModelException("unknown input '" + name + "'; the model takes " + graph.inputs());
                }
            }
            return plan(key, shapes).run(inputs);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The plan for the given input shapes (built and cached on first use). */
    public Plan plan(Map<String, int[]> shapes) {
        acquire();
        try {
            List<Integer> key = new ArrayList<>();
            for (ValueInfo input : graph.inputs()) {
                int[] shape = shapes.get(input.name());
                if (shape == null) {
                    throw new InvalidModelException("no shape for input '" + input.name() + "'");
                }
                key.add(shape.length);
                Arrays.stream(shape).forEach(key::add);
            }
            return plan(key, shapes);
        } finally {
            lock.readLock().unlock();
        }
    }

    private Plan plan(List<Integer> key, Map<String, int[]> shapes) {
        Plan plan = plans.get(key);
        if (plan != null) {
            return plan;
        }
        try {
            plan = Plan.bind(graph, shapes, context, workingMemory);
        } catch (InvalidModelException e) {
            // Shapes or types fail at some inner node; lead with what the caller gave, which they can change.
            throw new InvalidModelException("inputs " + describe(shapes) + " do not fit this model: " + e.getMessage(), e);
        }
        synchronized (planOrder) {
            Plan existing = plans.putIfAbsent(key, plan);
            if (existing != null) {
                return existing;
            }
            planOrder.add(key);
            if (planOrder.size() > MAX_PLANS) {
                plans.remove(planOrder.removeFirst());
            }
        }
        return plan;
    }

    /**
     * Binds the graph for example inputs, as the first run would: every free dimension 1, else 16,
     * else 128 (a vision model's pooling may need room). A constant whose type or shape does not fit
     * its use fails here; the first failure is thrown when no example binds.
     */
    void bindExampleInputs() {
        ModelException first = null;
        for (int free : new int[]{1, 16, 128}) {
            Map<String, int[]> shapes = new HashMap<>();
            for (ValueInfo input : graph.inputs()) {
                int[] dims = input.dims();
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = dims[i] < 0 ? free : dims[i];
                }
                shapes.put(input.name(), dims);
            }
            try {
                plan(shapes);
                return;
            } catch (ModelException e) {
                first = first == null ? e : first;
            }
        }
        throw first;
    }

    private String describe(Map<String, int[]> shapes) {
        StringBuilder text = new StringBuilder();
        for (ValueInfo input : graph.inputs()) {
            text.append(text.isEmpty() ? "" : ", ").append(input.name()).append(' ').append(Arrays.toString(shapes.get(input.name())));
        }
        return text.toString();
    }

    /** Total bytes of the weight matrices, as their formats count them. */
    public long weightBytes() {
        long total = 0;
        for (WeightMatrix w : graph.weights().values()) {
            total += w.byteSize();
        }
        return total;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Releases weights, mapping and working memory once in-flight and waiting calls are done; idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            plans.clear();
            workingMemory.close();
            for (WeightMatrix w : graph.weights().values()) {
                w.close();
            }
            if (mapping != null) {
                mapping.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void acquire() {
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            throw new IllegalStateException("model " + source + " is closed");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("model " + source + " is closed");
        }
    }

    @Override
    public String toString() {
        return "Model " + source + " (" + graph.nodes().size() + " nodes, " + graph.weights().size() + " weights)";
    }
}
