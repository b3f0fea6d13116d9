package dev.tersor.model;

import dev.tersor.format.ElementType;
import dev.tersor.format.Execution;
import dev.tersor.format.InvalidLayoutException;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.OffHeap;
import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.Graph;
import dev.tersor.graph.ModelException;
import dev.tersor.graph.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;
import java.util.zip.Deflater;

/**
 * The {@code .tsr} model container: a valid {@link SafetensorsFile} (so standard tools can list and
 * read its arrays) whose metadata holds the format name, the container version, the graph as
 * {@link GraphJson} and that JSON's CRC-32C, next to the model's free-form string entries (such as
 * {@code tokenizer.json}). Every constant and every layout array of a weight is one stored array,
 * referenced from the graph with its own CRC-32C. Weights are read back through
 * {@link MatrixFormat#fromLayout}, which validates them, so a new format needs no change here.
 *
 * <p>Reading maps the file and hands out slices of the mapping: weight data is never copied.
 * Everything read is distrusted: sizes are checked against the file before use, offsets against
 * the data, checksums against the bytes, and every layout against its format's invariants.
 */
public final class TsrFile {

    public static final String FORMAT = "tersor";
    /** The container version this code writes and reads. */
    public static final int VERSION = 1;

    private static final String FORMAT_KEY = "format";
    private static final String VERSION_KEY = "tersor.version";
    private static final String GRAPH_KEY = "tersor.graph";
    private static final String GRAPH_CRC_KEY = "tersor.graph.crc32c";
    /**
     * The CRC-32C of the free-form metadata entries (a stored tokenizer changes every embedding, so
     * its bytes are covered like the weights'): over each entry in file order, key, NUL, value, NUL.
     */
    static final String METADATA_CRC = "tersor.metadata.crc32c";
    /** Where a deflated graph description's marker is, in place of {@link #GRAPH_KEY}. */
    private static final String DEFLATED_GRAPH_KEY = DeflatedMetadata.MARKER_PREFIX + GRAPH_KEY;
    /** Metadata keys the container itself uses; other string entries are the model's free-form metadata. */
    static final Set<String> RESERVED_METADATA = Set.of(FORMAT_KEY, VERSION_KEY, GRAPH_KEY, DEFLATED_GRAPH_KEY,
            GRAPH_CRC_KEY, METADATA_CRC);

    private TsrFile() {
    }

    /**
     * What a container holds: the validated graph, whose weights are slices of the file, and the
     * free-form metadata. Whoever takes the contents owns the weights and {@code mapping} (the arena
     * of the file's mapping, {@code null} when the bytes were not mapped by {@link #read}).
     * {@code identity} names the contents: the checksums of the graph description (which lists every
     * array's checksum) and of the metadata, and the file's size.
     */
    record Contents(Graph graph, Map<String, String> metadata, Arena mapping, String identity) {
    }

    /** What {@link #verify} found in a sound file; {@code metadata} holds its free-form entries. */
    public record Report(int version, int nodes, int constants, int weights, long weightBytes, long fileBytes,
                         Map<String, String> metadata) {
        public Report {
            metadata = Map.copyOf(metadata);
        }
    }

    /** Whether {@code path} starts like a {@code .tsr} file, or at least is named like one. */
    public static boolean isTsr(Path path) throws IOException {
        return SafetensorsFile.looksLikeOne(path) || path.toString().endsWith(".tsr");
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    static void write(Graph graph, Path path) throws IOException {
        write(graph, path, Map.of());
    }

    static void write(Graph graph, Path path, Map<String, String> metadata) throws IOException {
        write(graph, path, metadata, DeflatedMetadata.THRESHOLD);
    }

    /**
     * Writes {@code graph} and {@code metadata}, the entries of {@code deflateFrom} UTF-8 bytes or more
     * deflated ({@link Integer#MAX_VALUE}: none, as files written before deflation were).
     */
    static void write(Graph graph, Path path, Map<String, String> metadata, int deflateFrom) throws IOException {
        write(graph, path, metadata, deflateFrom, Deflater.BEST_COMPRESSION);
    }

    /** As {@link #write(Graph, Path, Map, int)}, deflating at {@code deflateLevel} (one of {@link Deflater}'s levels). */
    static void write(Graph graph, Path path, Map<String, String> metadata, int deflateFrom, int deflateLevel)
            throws IOException {
        for (String key : metadata.keySet()) {
            if (RESERVED_METADATA.contains(key) || key.startsWith(DeflatedMetadata.MARKER_PREFIX)) {
                throw new IllegalArgumentException("metadata key '" + key + "' is reserved by the container");
            }
        }
        List<SafetensorsFile.Entry> entries = new ArrayList<>();
        Set<String> keys = new HashSet<>(Set.of(SafetensorsFile.METADATA_KEY));
        Map<String, GraphJson.ArrayRef> constants = new LinkedHashMap<>();
        for (var c : graph.constants().entrySet()) {
            Tensor t = c.getValue();
            long[] shape = new long[t.rank()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.dim(i);
            }
            constants.put(c.getKey(), store(entries, keys, c.getKey(), t.type(), shape, t.data()));
        }
        Map<String, Map<String, GraphJson.ArrayRef>> weightArrays = new LinkedHashMap<>();
        for (var w : graph.weights().entrySet()) {
            Layout layout = w.getValue().layout();
            Map<String, GraphJson.ArrayRef> refs = new LinkedHashMap<>();
            for (var a : layout.arrays().entrySet()) {
                LayoutArray array = a.getValue();
                refs.put(a.getKey(), store(entries, keys, w.getKey() + "::" + a.getKey(), array.type(),
                        new long[]{array.length()}, array.data()));
            }
            weightArrays.put(w.getKey(), refs);
        }
        String graphJson = GraphJson.write(graph, constants, weightArrays);

        Map<String, String> all = new LinkedHashMap<>();
        all.put(FORMAT_KEY, FORMAT);
        all.put(VERSION_KEY, String.valueOf(VERSION));
        byte[] graphUtf8 = graphJson.getBytes(StandardCharsets.UTF_8);
        if (graphUtf8.length >= deflateFrom) {
            // A transformer's graph description is 100 KB of JSON, a tenth of what is not weights.
            all.put(DEFLATED_GRAPH_KEY, deflatedEntry(entries, keys, "graph", graphUtf8, deflateLevel));
        } else {
            all.put(GRAPH_KEY, graphJson);
        }
        all.put(GRAPH_CRC_KEY, Long.toHexString(crc32c(MemorySegment.ofArray(graphUtf8))));
        for (var e : metadata.entrySet()) {
            byte[] utf8 = e.getValue().getBytes(StandardCharsets.UTF_8);
            if (utf8.length >= deflateFrom) {
                all.put(DeflatedMetadata.MARKER_PREFIX + e.getKey(), deflatedEntry(entries, keys, "metadata::" + e.getKey(), utf8, deflateLevel));
            } else {
                all.put(e.getKey(), e.getValue());
            }
        }
        all.put(METADATA_CRC, Long.toHexString(metadataCrc(metadata)));
        SafetensorsFile.write(path, all, entries);
    }

    /** Stores {@code utf8} deflated in a U8 array named after {@code name}; returns the header's marker for it. */
    private static String deflatedEntry(List<SafetensorsFile.Entry> entries, Set<String> keys, String name, byte[] utf8,
                                        int level) {
        byte[] deflated = DeflatedMetadata.deflate(utf8, level);
        GraphJson.ArrayRef ref = store(entries, keys, name, ElementType.U8, new long[]{deflated.length},
                MemorySegment.ofArray(deflated));
        return new DeflatedMetadata.Marker(ref, utf8.length).value();
    }

    /** Adds an entry under a fresh key derived from {@code name}; returns the graph's reference to it. */
    private static GraphJson.ArrayRef store(List<SafetensorsFile.Entry> entries, Set<String> keys, String name,
                                            ElementType type, long[] shape, MemorySegment data) {
        String key = SafetensorsFile.uniqueKey(keys, name);
        entries.add(new SafetensorsFile.Entry(key, type, shape, data));
        return new GraphJson.ArrayRef(key, crc32c(data));
    }

    static long metadataCrc(Map<String, String> metadata) {
        CRC32C crc = new CRC32C();
        for (var e : metadata.entrySet()) {
            crc.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            crc.update(0);
            crc.update(e.getValue().getBytes(StandardCharsets.UTF_8));
            crc.update(0);
        }
        return crc.getValue();
    }

    static long crc32c(MemorySegment data) {
        CRC32C crc = new CRC32C();
        SafetensorsFile.forEachChunk(data, crc::update);
        return crc.getValue();
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    /**
     * Maps and reads the container at {@code path}. Throws {@link TsrFormatException} or another
     * {@link ModelException} naming the first problem; nothing stays open then.
     */
    static Contents read(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment file;
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            }
            Contents contents = parse(file, arena);
            return new Contents(contents.graph(), contents.metadata(), arena, contents.identity());
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Checks a file completely, as loading does (structure, bounds, every checksum, every layout's
     * invariants, the graph) and what loading leaves for later (the rows of tables read for gathering,
     * {@link WeightMatrix#checkAll}), then binds the graph for example inputs as running does (the types and
     * shapes of constants at their uses), then releases it. Throws {@link TsrFormatException} or another
     * {@link ModelException} naming the first problem.
     */
    public static Report verify(Path path) throws IOException {
        return verify(read(path), path.toString(), Files.size(path));
    }

    /**
     * As {@link #verify(Path)}, for a whole container held in {@code file} (64-byte aligned, as a
     * mapping is): the same checks without a file, for callers that already hold the bytes.
     */
    public static Report verify(MemorySegment file, String source) {
        return verify(parse(file), source, file.byteSize());
    }

    private static Report verify(Contents contents, String source, long fileBytes) {
        try (Model model = Model.of(contents, Execution.defaults(), source)) {
            model.bindExampleInputs();
            Graph graph = model.graph();
            graph.weights().forEach((name, w) -> {
                try {
                    w.checkAll();
                } catch (InvalidLayoutException e) {
                    throw new TsrFormatException("weight " + name + ": " + e.getMessage(), e);
                }
            });
            return new Report(VERSION, graph.nodes().size(), graph.constants().size(), graph.weights().size(),
                    model.weightBytes(), fileBytes, model.metadata());
        }
    }

    /** Validates and decodes a whole container held in {@code file}; arrays are slices of it (no mapping owned). */
    static Contents parse(MemorySegment file) {
        return parse(file, Arena.ofAuto());
    }

    /** As {@link #parse(MemorySegment)}, with the graph's constants copied into {@code constants}. */
    private static Contents parse(MemorySegment file, Arena constants) {
        try {
            SafetensorsFile.Header header = SafetensorsFile.read(file);
            Map<String, String> metadata = header.metadata();
            if (!FORMAT.equals(metadata.get(FORMAT_KEY))) {
                throw new TsrFormatException("not a Tersor container (metadata format is " + metadata.get(FORMAT_KEY) + ")");
            }
            String version = required(metadata, VERSION_KEY);
            if (!version.equals(String.valueOf(VERSION))) {
                throw new TsrFormatException("container version " + version + " is not supported (this reader reads " + VERSION + ")");
            }
            Claims claims = new Claims(header.arrays());
            String graphText = graphText(metadata, claims);
            long graphCrc = GraphJson.parseHex(required(metadata, GRAPH_CRC_KEY));
            if (crc32c(MemorySegment.ofArray(graphText.getBytes(StandardCharsets.UTF_8))) != graphCrc) {
                throw new TsrFormatException("checksum mismatch in the graph description");
            }
            Map<String, String> free = freeMetadata(metadata, claims);
            checkMetadata(free, metadata.get(METADATA_CRC));
            Graph graph = GraphJson.read(graphText, claims, OffHeap.readableFromAnyThread(file), constants);
            claims.requireOnlyPaddingUnclaimed();
            String identity = Long.toHexString(graphCrc) + "-" + metadata.getOrDefault(METADATA_CRC, "none") + "-"
                    + file.byteSize();
            return new Contents(graph, free, null, identity);
        } catch (ModelException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new TsrFormatException("malformed .tsr file: " + e, e);
        }
    }

    /** The graph description: in the header, or deflated in the array its marker names (never both). */
    private static String graphText(Map<String, String> metadata, Claims claims) {
        String marker = metadata.get(DEFLATED_GRAPH_KEY);
        if (marker == null) {
            return required(metadata, GRAPH_KEY);
        }
        if (metadata.containsKey(GRAPH_KEY)) {
            throw new TsrFormatException("the graph description is stored twice, in the header and deflated");
        }
        DeflatedMetadata.Marker parsed = DeflatedMetadata.Marker.parse(DEFLATED_GRAPH_KEY, marker);
        String where = "the graph description";
        SafetensorsFile.Entry stored = claims.claim(parsed.array(), where);
        claims.check(parsed.array(), stored, where);
        return DeflatedMetadata.inflate(GRAPH_KEY, stored.data(), parsed.length());
    }

    /**
     * The model's free-form entries in file order, each deflated one inflated in its marker's place, so
     * the checksum sees the entries the writer was given, in their order.
     */
    private static Map<String, String> freeMetadata(Map<String, String> metadata, Claims claims) {
        Map<String, String> free = new LinkedHashMap<>();
        for (var e : metadata.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (RESERVED_METADATA.contains(key)) {
                continue;
            }
            if (key.startsWith(DeflatedMetadata.MARKER_PREFIX)) {
                key = key.substring(DeflatedMetadata.MARKER_PREFIX.length());
                DeflatedMetadata.Marker marker = DeflatedMetadata.Marker.parse(e.getKey(), value);
                String where = "metadata entry '" + key + "'";
                SafetensorsFile.Entry stored = claims.claim(marker.array(), where);
                claims.check(marker.array(), stored, where);
                value = DeflatedMetadata.inflate(key, stored.data(), marker.length());
            }
            if (free.put(key, value) != null) {
                throw new TsrFormatException("metadata entry '" + key + "' is stored twice");
            }
        }
        return free;
    }

    /** The free-form entries must match their checksum; files without entries may lack it. */
    private static void checkMetadata(Map<String, String> free, String storedCrc) {
        if (storedCrc == null) {
            if (!free.isEmpty()) {
                throw new TsrFormatException("the metadata entries " + free.keySet() + " carry no checksum"
                        + " (written by an older Tersor?); create the file again with import or compress");
            }
            return;
        }
        if (GraphJson.parseHex(storedCrc) != metadataCrc(free)) {
            throw new TsrFormatException("checksum mismatch in the metadata entries " + free.keySet());
        }
    }

    private static String required(Map<String, String> metadata, String key) {
        String value = metadata.get(key);
        if (value == null) {
            throw new TsrFormatException(SafetensorsFile.METADATA_KEY + " has no '" + key + "'");
        }
        return value;
    }

    /**
     * The one place that decides which stored bytes the graph may use: each array at most once,
     * 64-byte aligned unless empty, and matching the checksum the graph recorded for it. Every other
     * array must be the writer's alignment padding, fewer than 64 zero bytes, so no byte of the data
     * section escapes both a checksum and a check (the safetensors tiling check places them all).
     */
    private static final class Claims implements GraphJson.Arrays {
        private final Map<String, SafetensorsFile.Stored> arrays;
        private final Set<String> claimed = new HashSet<>();

        Claims(Map<String, SafetensorsFile.Stored> arrays) {
            this.arrays = arrays;
        }

        @Override
        public SafetensorsFile.Entry claim(GraphJson.ArrayRef ref, String where) {
            String key = ref.array();
            SafetensorsFile.Stored s = arrays.get(key);
            if (s == null) {
                throw new TsrFormatException(where + " refers to array '" + key + "', which the header does not list");
            }
            if (!claimed.add(key)) {
                throw new TsrFormatException(where + " reuses array '" + key + "'");
            }
            if (s.entry().data().byteSize() > 0 && s.fileOffset() % SafetensorsFile.ALIGNMENT != 0) {
                throw new TsrFormatException(where + ": array '" + key + "' is not " + SafetensorsFile.ALIGNMENT
                        + "-byte aligned");
            }
            return s.entry();
        }

        @Override
        public void check(GraphJson.ArrayRef ref, SafetensorsFile.Entry entry, String where) {
            if (crc32c(entry.data()) != ref.crc32c()) {
                throw new TsrFormatException(where + ": checksum mismatch in array '" + ref.array() + "' (corrupted file)");
            }
        }

        void requireOnlyPaddingUnclaimed() {
            for (var e : arrays.entrySet()) {
                if (claimed.contains(e.getKey())) {
                    continue;
                }
                MemorySegment data = e.getValue().entry().data();
                boolean padding = e.getKey().startsWith(SafetensorsFile.PADDING_PREFIX)
                        && data.byteSize() < SafetensorsFile.ALIGNMENT
                        && data.elements(ValueLayout.JAVA_BYTE).allMatch(b -> b.get(ValueLayout.JAVA_BYTE, 0) == 0);
                if (!padding) {
                    throw new TsrFormatException("array '" + e.getKey() + "' is neither used by the graph nor zero padding"
                            + " (corrupted or altered file)");
                }
            }
        }
    }
}
