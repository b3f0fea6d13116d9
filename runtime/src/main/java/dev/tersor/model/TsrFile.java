package dev.tersor.model;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.format.ElementType;
import dev.tersor.format.Execution;
import dev.tersor.format.InvalidLayoutException;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.Attributes;
import dev.tersor.graph.DataType;
import dev.tersor.graph.Graph;
import dev.tersor.graph.ModelException;
import dev.tersor.graph.Node;
import dev.tersor.graph.Shapes;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.ValueInfo;

import java.io.IOException;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The {@code .tsr} model container. It is a valid safetensors file, so standard tools can list and
 * read its arrays:
 * <pre>
 *   u64 LE  N            length of the JSON header
 *   N bytes header       {"__metadata__": {...}, "name": {"dtype", "shape", "data_offsets"}, ...},
 *                        padded with spaces so the data starts 64-byte aligned
 *   data                 every array at a 64-byte-aligned offset; gaps are covered by "__pad_K"
 *                        U8 entries, because safetensors requires the arrays to tile the data exactly
 * </pre>
 * The metadata holds the format name, the container version and the graph as JSON: inputs,
 * outputs, nodes with their attributes, and for each constant and each weight's layout arrays the
 * header entry holding it plus its CRC-32C. Weights are stored as their formats' {@link Layout}s and
 * read back through {@link MatrixFormat#fromLayout}, which validates them, so a new format needs no
 * change here.
 *
 * <p>Reading maps the file and hands out slices of the mapping: weight data is never copied.
 * Everything read is distrusted: sizes are checked against the file before use, offsets against
 * the data, checksums against the bytes, and every layout against its format's invariants.
 */
public final class TsrFile {

    public static final String FORMAT = "tersor";
    /** The container version this code writes and reads. */
    public static final int VERSION = 1;
    static final long ALIGNMENT = 64;
    /** Largest header accepted, so a hostile length cannot force a huge read. */
    static final long MAX_HEADER_BYTES = 64L << 20;

    private TsrFile() {
    }

    /** Whether {@code path} starts like a {@code .tsr} file (a plausible header length then a JSON object). */
    public static boolean isTsr(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
            while (head.hasRemaining() && channel.read(head) > 0) {
                // fill
            }
            if (head.position() < 9) {
                return path.toString().endsWith(".tsr");
            }
            long n = head.getLong(0);
            return n > 1 && n <= channel.size() - 8 && head.get(8) == '{' || path.toString().endsWith(".tsr");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    /** One array to store: its header key, dtype, shape and bytes. */
    private record Entry(String key, String dtype, long[] shape, MemorySegment data) {
    }

    /**
     * The CRC-32C of the free-form metadata entries (a stored tokenizer changes every embedding, so
     * its bytes are covered like the weights'): over each entry in file order, key, NUL, value, NUL.
     */
    static final String METADATA_CRC = "tersor.metadata.crc32c";

    /** Metadata keys the container itself uses; other string entries are the model's free-form metadata. */
    static final Set<String> RESERVED_METADATA = Set.of("format", "tersor.version", "tersor.graph", "tersor.graph.crc32c",
            METADATA_CRC);

    static void write(Graph graph, Path path) throws IOException {
        write(graph, path, Map.of());
    }

    static void write(Graph graph, Path path, Map<String, String> metadata) throws IOException {
        for (String key : metadata.keySet()) {
            if (RESERVED_METADATA.contains(key)) {
                throw new IllegalArgumentException("metadata key '" + key + "' is reserved by the container");
            }
        }
        List<Entry> entries = new ArrayList<>();
        Set<String> keys = new HashSet<>(Set.of("__metadata__"));
        Map<String, String> constantKeys = new LinkedHashMap<>();
        for (var c : graph.constants().entrySet()) {
            Tensor t = c.getValue();
            String key = uniqueKey(keys, c.getKey());
            long[] shape = new long[t.rank()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.dim(i);
            }
            entries.add(new Entry(key, t.type().safetensorsName(), shape, t.data()));
            constantKeys.put(c.getKey(), key);
        }
        Map<String, Layout> layouts = new LinkedHashMap<>();
        Map<String, Map<String, String>> arrayKeys = new LinkedHashMap<>();
        for (var w : graph.weights().entrySet()) {
            Layout layout = w.getValue().layout();
            layouts.put(w.getKey(), layout);
            Map<String, String> names = new LinkedHashMap<>();
            for (var a : layout.arrays().entrySet()) {
                String key = uniqueKey(keys, w.getKey() + "::" + a.getKey());
                LayoutArray array = a.getValue();
                entries.add(new Entry(key, array.type().name(), new long[]{array.length()}, array.data()));
                names.put(a.getKey(), key);
            }
            arrayKeys.put(w.getKey(), names);
        }
        Map<String, Long> checksums = new HashMap<>();
        for (Entry e : entries) {
            checksums.put(e.key(), crc32c(e.data()));
        }
        String graphJson = graphJson(graph, constantKeys, layouts, arrayKeys, checksums);

        // Lay out the data: each array 64-aligned, padding entries filling the gaps.
        List<Entry> laid = new ArrayList<>();
        List<long[]> offsets = new ArrayList<>();
        long position = 0;
        int pads = 0;
        for (Entry e : entries) {
            long aligned = align(position);
            if (aligned > position) {
                String key = uniqueKey(keys, "__pad_" + pads++);
                laid.add(new Entry(key, "U8", new long[]{aligned - position}, MemorySegment.ofArray(new byte[(int) (aligned - position)])));
                offsets.add(new long[]{position, aligned});
                position = aligned;
            }
            laid.add(e);
            offsets.add(new long[]{position, position + e.data().byteSize()});
            position += e.data().byteSize();
        }
        byte[] header = header(laid, offsets, graphJson, crc32c(MemorySegment.ofArray(graphJson.getBytes(StandardCharsets.UTF_8))),
                metadata);

        Path tmp = path.resolveSibling(path.getFileName() + ".part");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(out, length);
            writeFully(out, ByteBuffer.wrap(header));
            for (Entry e : laid) {
                MemorySegment data = e.data();
                for (long off = 0; off < data.byteSize(); off += 1L << 30) {
                    long n = Math.min(1L << 30, data.byteSize() - off);
                    writeFully(out, bytes(data.asSlice(off, n)));
                }
            }
            out.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A view of a native segment, or a copy of a heap one (heap segments over non-byte arrays have no view). */
    private static ByteBuffer bytes(MemorySegment segment) {
        return segment.isNative() ? segment.asByteBuffer() : ByteBuffer.wrap(segment.toArray(ValueLayout.JAVA_BYTE));
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    private static String uniqueKey(Set<String> keys, String base) {
        String key = base;
        for (int i = 1; !keys.add(key); i++) {
            key = base + "#" + i;
        }
        return key;
    }

    static long align(long position) {
        return (position + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static byte[] header(List<Entry> entries, List<long[]> offsets, String graphJson, long graphCrc,
                                 Map<String, String> metadata) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = Json.factory().createGenerator(text)) {
            json.writeStartObject();
            json.writeObjectFieldStart("__metadata__");
            json.writeStringField("format", FORMAT);
            json.writeStringField("tersor.version", String.valueOf(VERSION));
            json.writeStringField("tersor.graph", graphJson);
            json.writeStringField("tersor.graph.crc32c", Long.toHexString(graphCrc));
            for (var m : metadata.entrySet()) {
                json.writeStringField(m.getKey(), m.getValue());
            }
            json.writeStringField(METADATA_CRC, Long.toHexString(metadataCrc(metadata)));
            json.writeEndObject();
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                json.writeObjectFieldStart(e.key());
                json.writeStringField("dtype", e.dtype());
                json.writeArrayFieldStart("shape");
                for (long d : e.shape()) {
                    json.writeNumber(d);
                }
                json.writeEndArray();
                json.writeArrayFieldStart("data_offsets");
                json.writeNumber(offsets.get(i)[0]);
                json.writeNumber(offsets.get(i)[1]);
                json.writeEndArray();
                json.writeEndObject();
            }
            json.writeEndObject();
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (int) (align(8 + bytes.length) - 8);
        byte[] header = java.util.Arrays.copyOf(bytes, padded);
        java.util.Arrays.fill(header, bytes.length, padded, (byte) ' ');
        return header;
    }

    private static String graphJson(Graph graph, Map<String, String> constantKeys, Map<String, Layout> layouts,
                                    Map<String, Map<String, String>> arrayKeys, Map<String, Long> checksums) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = Json.factory().createGenerator(text)) {
            json.writeStartObject();
            json.writeArrayFieldStart("inputs");
            for (ValueInfo input : graph.inputs()) {
                json.writeStartObject();
                json.writeStringField("name", input.name());
                json.writeStringField("type", input.type().safetensorsName());
                json.writeArrayFieldStart("dims");
                for (int d : input.dims()) {
                    json.writeNumber(d);
                }
                json.writeEndArray();
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeArrayFieldStart("outputs");
            for (String output : graph.outputs()) {
                json.writeString(output);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("nodes");
            for (Node node : graph.nodes()) {
                json.writeStartObject();
                json.writeStringField("name", node.name());
                json.writeStringField("op", node.op());
                json.writeArrayFieldStart("inputs");
                for (String s : node.inputs()) {
                    json.writeString(s);
                }
                json.writeEndArray();
                json.writeArrayFieldStart("outputs");
                for (String s : node.outputs()) {
                    json.writeString(s);
                }
                json.writeEndArray();
                json.writeObjectFieldStart("attributes");
                for (String name : node.attributes().names()) {
                    writeAttribute(json, name, node.attributes().get(name));
                }
                json.writeEndObject();
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeObjectFieldStart("constants");
            for (var c : constantKeys.entrySet()) {
                json.writeObjectFieldStart(c.getKey());
                json.writeStringField("array", c.getValue());
                json.writeStringField("crc32c", Long.toHexString(checksums.get(c.getValue())));
                json.writeEndObject();
            }
            json.writeEndObject();
            json.writeObjectFieldStart("weights");
            for (var w : layouts.entrySet()) {
                Layout layout = w.getValue();
                json.writeObjectFieldStart(w.getKey());
                json.writeStringField("format", layout.format());
                json.writeNumberField("rows", layout.rows());
                json.writeNumberField("cols", layout.cols());
                json.writeObjectFieldStart("params");
                for (var p : layout.params().entrySet()) {
                    json.writeNumberField(p.getKey(), p.getValue());
                }
                json.writeEndObject();
                json.writeObjectFieldStart("arrays");
                for (var a : arrayKeys.get(w.getKey()).entrySet()) {
                    json.writeObjectFieldStart(a.getKey());
                    json.writeStringField("array", a.getValue());
                    json.writeStringField("crc32c", Long.toHexString(checksums.get(a.getValue())));
                    json.writeEndObject();
                }
                json.writeEndObject();
                json.writeEndObject();
            }
            json.writeEndObject();
            json.writeEndObject();
        }
        return text.toString();
    }

    /** Attributes as {@code {"i": 1}}, {@code {"f": "0.5"}} (text, so every float round-trips), {@code {"s"}}, {@code {"ints"}}, {@code {"floats"}}. */
    private static void writeAttribute(JsonGenerator json, String name, Object value) throws IOException {
        json.writeObjectFieldStart(name);
        switch (value) {
            case Long l -> json.writeNumberField("i", l);
            case Float f -> json.writeStringField("f", Float.toString(f));
            case String s -> json.writeStringField("s", s);
            case long[] a -> {
                json.writeArrayFieldStart("ints");
                for (long v : a) {
                    json.writeNumber(v);
                }
                json.writeEndArray();
            }
            case float[] a -> {
                json.writeArrayFieldStart("floats");
                for (float v : a) {
                    json.writeString(Float.toString(v));
                }
                json.writeEndArray();
            }
            default -> throw new IllegalStateException("attribute '" + name + "' has unsupported value " + value);
        }
        json.writeEndObject();
    }

    static long crc32c(MemorySegment data) {
        CRC32C crc = new CRC32C();
        for (long off = 0; off < data.byteSize(); off += 1L << 30) {
            long n = Math.min(1L << 30, data.byteSize() - off);
            crc.update(bytes(data.asSlice(off, n)));
        }
        return crc.getValue();
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    /** What {@link #verify} found in a sound file; {@code metadata} holds its free-form entries. */
    public record Report(int version, int nodes, int constants, int weights, long weightBytes, long fileBytes,
                         Map<String, String> metadata) {
        public Report {
            metadata = Map.copyOf(metadata);
        }
    }

    /**
     * Checks a file completely, as loading does (structure, bounds, every checksum, every layout's
     * invariants, the graph), then binds the graph for example inputs as running does (the types and
     * shapes of constants at their uses), then releases it. Throws {@link TsrFormatException} or another
     * {@link ModelException} naming the first problem.
     */
    public static Report verify(Path path) throws IOException {
        try (Model model = read(path, Execution.defaults())) {
            model.bindExampleInputs();
            Graph graph = model.graph();
            return new Report(VERSION, graph.nodes().size(), graph.constants().size(), graph.weights().size(),
                    model.weightBytes(), Files.size(path), model.metadata());
        }
    }

    /** One array of the header: dtype, shape and its bytes (a slice of the mapping). */
    private record Stored(String dtype, long[] shape, MemorySegment data, long fileOffset) {
    }

    static Model read(Path path, Execution execution) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment file;
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            }
            Graph graph = parse(file);
            return new Model(graph, arena, execution, path.toString(), metadata(file));
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** The free-form string entries of a container's metadata (called after {@link #parse} validated the header). */
    static Map<String, String> metadata(MemorySegment file) {
        long headerLength = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        Map<String, Object> header = Json.object(Json.parse(utf8(file.asSlice(8, headerLength), "the header"), "the header"),
                "the header");
        Map<String, String> metadata = new LinkedHashMap<>();
        for (var e : Json.object(header.get("__metadata__"), "__metadata__").entrySet()) {
            if (!RESERVED_METADATA.contains(e.getKey())) {
                metadata.put(e.getKey(), Json.string(e.getValue(), "metadata " + e.getKey()));
            }
        }
        return metadata;
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

    /** The free-form entries must be strings under their checksum; files without entries may lack it. */
    private static void checkMetadata(Map<String, Object> metadata) {
        Map<String, String> free = new LinkedHashMap<>();
        for (var e : metadata.entrySet()) {
            if (!RESERVED_METADATA.contains(e.getKey())) {
                free.put(e.getKey(), Json.string(e.getValue(), "metadata " + e.getKey()));
            }
        }
        Object stored = metadata.get(METADATA_CRC);
        if (stored == null) {
            if (!free.isEmpty()) {
                throw new TsrFormatException("the metadata entries " + free.keySet() + " carry no checksum"
                        + " (written by an older Tersor?); create the file again with import or compress");
            }
            return;
        }
        if (parseHex(Json.string(stored, METADATA_CRC)) != metadataCrc(free)) {
            throw new TsrFormatException("checksum mismatch in the metadata entries " + free.keySet());
        }
    }

    /** Validates and decodes a whole container held in {@code file}; arrays are slices of it. */
    static Graph parse(MemorySegment file) {
        List<WeightMatrix> made = new ArrayList<>();
        try {
            return parse(file, made);
        } catch (ModelException e) {
            made.forEach(WeightMatrix::close);
            throw e;
        } catch (RuntimeException e) {
            made.forEach(WeightMatrix::close);
            throw new TsrFormatException("malformed .tsr file: " + e, e);
        }
    }

    private static Graph parse(MemorySegment file, List<WeightMatrix> made) {
        long size = file.byteSize();
        if (size < 8) {
            throw new TsrFormatException("file of " + size + " bytes is too short for a .tsr header");
        }
        long headerLength = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLength < 2 || headerLength > size - 8 || headerLength > MAX_HEADER_BYTES) {
            throw new TsrFormatException("header length " + headerLength + " does not fit a file of " + size + " bytes");
        }
        String headerText = utf8(file.asSlice(8, headerLength), "the header");
        Map<String, Object> header = Json.object(Json.parse(headerText, "the header"), "the header");
        long dataStart = 8 + headerLength;
        long dataLength = size - dataStart;

        Map<String, Object> metadata = Json.object(Json.field(header, "__metadata__", "the header"), "__metadata__");
        if (!FORMAT.equals(metadata.get("format"))) {
            throw new TsrFormatException("not a Tersor container (metadata format is " + metadata.get("format") + ")");
        }
        String version = Json.string(Json.field(metadata, "tersor.version", "__metadata__"), "tersor.version");
        if (!version.equals(String.valueOf(VERSION))) {
            throw new TsrFormatException("container version " + version + " is not supported (this reader reads " + VERSION + ")");
        }
        String graphText = Json.string(Json.field(metadata, "tersor.graph", "__metadata__"), "tersor.graph");
        long graphCrc = parseHex(Json.string(Json.field(metadata, "tersor.graph.crc32c", "__metadata__"), "tersor.graph.crc32c"));
        if (crc32c(MemorySegment.ofArray(graphText.getBytes(StandardCharsets.UTF_8))) != graphCrc) {
            throw new TsrFormatException("checksum mismatch in the graph description");
        }

        checkMetadata(metadata);

        Map<String, Stored> arrays = storedArrays(header, file.asSlice(dataStart, dataLength), dataStart, dataLength);
        Map<String, Object> g = Json.object(Json.parse(graphText, "the graph"), "the graph");

        List<ValueInfo> inputs = new ArrayList<>();
        for (Object o : Json.array(Json.field(g, "inputs", "graph"), "graph.inputs")) {
            Map<String, Object> in = Json.object(o, "graph input");
            String name = Json.string(Json.field(in, "name", "graph input"), "input name");
            DataType type = dataType(Json.string(Json.field(in, "type", "input " + name), "input type"));
            List<Object> dimList = Json.array(Json.field(in, "dims", "input " + name), "input dims");
            if (dimList.size() > Shapes.MAX_RANK) {
                throw new TsrFormatException("input " + name + " has rank " + dimList.size());
            }
            int[] dims = new int[dimList.size()];
            for (int i = 0; i < dims.length; i++) {
                long d = Json.integer(dimList.get(i), "input dim");
                if (d < -1 || d > Shapes.MAX_ELEMENTS) {
                    throw new TsrFormatException("input " + name + " has bad dimension " + d);
                }
                dims[i] = (int) d;
            }
            inputs.add(new ValueInfo(name, type, dims));
        }
        List<String> outputs = new ArrayList<>();
        for (Object o : Json.array(Json.field(g, "outputs", "graph"), "graph.outputs")) {
            outputs.add(Json.string(o, "graph output"));
        }
        List<Node> nodes = new ArrayList<>();
        for (Object o : Json.array(Json.field(g, "nodes", "graph"), "graph.nodes")) {
            nodes.add(node(Json.object(o, "node")));
        }
        Set<String> used = new HashSet<>();
        Map<String, Tensor> constants = new LinkedHashMap<>();
        for (var c : Json.object(Json.field(g, "constants", "graph"), "graph.constants").entrySet()) {
            Stored s = checked(arrays, Json.object(c.getValue(), "constant " + c.getKey()), used, "constant " + c.getKey());
            DataType type = dataType(s.dtype());
            if (s.shape().length > Shapes.MAX_RANK) {
                throw new TsrFormatException("constant " + c.getKey() + " has rank " + s.shape().length);
            }
            constants.put(c.getKey(), Tensor.wrap(type, Shapes.fromLongs(s.shape(), "constant " + c.getKey()), s.data()));
        }
        Map<String, WeightMatrix> weights = new LinkedHashMap<>();
        for (var w : Json.object(Json.field(g, "weights", "graph"), "graph.weights").entrySet()) {
            String where = "weight " + w.getKey();
            Map<String, Object> desc = Json.object(w.getValue(), where);
            String formatName = Json.string(Json.field(desc, "format", where), where + " format");
            MatrixFormat format = MatrixFormats.all().stream().filter(f -> f.name().equals(formatName)).findFirst()
                    .orElseThrow(() -> new TsrFormatException(where + " uses format '" + formatName
                            + "', which this build does not have (known: " + MatrixFormats.names() + ")"));
            long rows = Json.integer(Json.field(desc, "rows", where), where + " rows");
            long cols = Json.integer(Json.field(desc, "cols", where), where + " cols");
            if (rows < 0 || cols < 0 || rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
                throw new TsrFormatException(where + " has shape " + rows + "x" + cols);
            }
            Map<String, Long> params = new LinkedHashMap<>();
            for (var p : Json.object(Json.field(desc, "params", where), where + " params").entrySet()) {
                params.put(p.getKey(), Json.integer(p.getValue(), where + " param " + p.getKey()));
            }
            Map<String, LayoutArray> layoutArrays = new LinkedHashMap<>();
            for (var a : Json.object(Json.field(desc, "arrays", where), where + " arrays").entrySet()) {
                Stored s = checked(arrays, Json.object(a.getValue(), where + " array " + a.getKey()), used,
                        where + " array " + a.getKey());
                ElementType type = elementType(s.dtype(), where + " array " + a.getKey());
                layoutArrays.put(a.getKey(), new LayoutArray(type, s.data()));
            }
            try {
                WeightMatrix matrix = format.fromLayout(new Layout(formatName, (int) rows, (int) cols, params, layoutArrays), null);
                made.add(matrix);
                weights.put(w.getKey(), matrix);
            } catch (InvalidLayoutException e) {
                throw new TsrFormatException(where + ": " + e.getMessage(), e);
            }
        }
        Graph graph = new Graph(inputs, outputs, nodes, constants, weights);
        graph.validate();
        return graph;
    }

    /** The header's array entries, each checked against the data section; padding entries included. */
    private static Map<String, Stored> storedArrays(Map<String, Object> header, MemorySegment data, long dataStart,
                                                    long dataLength) {
        Map<String, Stored> arrays = new HashMap<>();
        List<long[]> ranges = new ArrayList<>();
        for (var e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            String where = "array '" + e.getKey() + "'";
            Map<String, Object> entry = Json.object(e.getValue(), where);
            String dtype = Json.string(Json.field(entry, "dtype", where), where + " dtype");
            int elementBytes = dtypeBytes(dtype, where);
            List<Object> shapeList = Json.array(Json.field(entry, "shape", where), where + " shape");
            if (shapeList.size() > Shapes.MAX_RANK) {
                throw new TsrFormatException(where + " has rank " + shapeList.size());
            }
            long[] shape = new long[shapeList.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = Json.integer(shapeList.get(i), where + " shape");
                if (shape[i] < 0 || shape[i] > dataLength) {
                    throw new TsrFormatException(where + " has dimension " + shape[i]);
                }
                count *= shape[i];
                if (count > dataLength) {
                    throw new TsrFormatException(where + " is larger than the file's data");
                }
            }
            List<Object> offsets = Json.array(Json.field(entry, "data_offsets", where), where + " data_offsets");
            if (offsets.size() != 2) {
                throw new TsrFormatException(where + " needs two data_offsets");
            }
            long start = Json.integer(offsets.get(0), where + " offset");
            long end = Json.integer(offsets.get(1), where + " offset");
            if (start < 0 || end < start || end > dataLength) {
                throw new TsrFormatException(where + " spans [" + start + ", " + end + "), outside the " + dataLength
                        + " data bytes (truncated file?)");
            }
            if (end - start != count * elementBytes) {
                throw new TsrFormatException(where + " has " + (end - start) + " bytes, its dtype and shape need "
                        + count * elementBytes);
            }
            arrays.put(e.getKey(), new Stored(dtype, shape, data.asSlice(start, end - start), dataStart + start));
            ranges.add(new long[]{start, end});
        }
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        long previous = 0;
        for (long[] r : ranges) {
            if (r[0] != previous) {
                throw new TsrFormatException("arrays " + (r[0] < previous ? "overlap" : "leave a gap") + " at data offset "
                        + Math.min(r[0], previous));
            }
            previous = r[1];
        }
        if (previous != dataLength) {
            throw new TsrFormatException("the data section has " + dataLength + " bytes but the arrays cover " + previous);
        }
        return arrays;
    }

    private static Stored checked(Map<String, Stored> arrays, Map<String, Object> ref, Set<String> used, String where) {
        String key = Json.string(Json.field(ref, "array", where), where + " array");
        Stored s = arrays.get(key);
        if (s == null) {
            throw new TsrFormatException(where + " refers to array '" + key + "', which the header does not list");
        }
        if (!used.add(key)) {
            throw new TsrFormatException(where + " reuses array '" + key + "'");
        }
        if (s.data().byteSize() > 0 && s.fileOffset() % ALIGNMENT != 0) {
            throw new TsrFormatException(where + ": array '" + key + "' is not " + ALIGNMENT + "-byte aligned");
        }
        long expected = parseHex(Json.string(Json.field(ref, "crc32c", where), where + " crc32c"));
        if (crc32c(s.data()) != expected) {
            throw new TsrFormatException(where + ": checksum mismatch in array '" + key + "' (corrupted file)");
        }
        return s;
    }

    private static Node node(Map<String, Object> n) {
        String name = Json.string(Json.field(n, "name", "node"), "node name");
        String op = Json.string(Json.field(n, "op", "node " + name), "node op");
        List<String> inputs = new ArrayList<>();
        for (Object o : Json.array(Json.field(n, "inputs", "node " + name), "node inputs")) {
            inputs.add(Json.string(o, "node input"));
        }
        List<String> outputs = new ArrayList<>();
        for (Object o : Json.array(Json.field(n, "outputs", "node " + name), "node outputs")) {
            outputs.add(Json.string(o, "node output"));
        }
        Attributes.Builder attributes = Attributes.builder();
        for (var a : Json.object(Json.field(n, "attributes", "node " + name), "node attributes").entrySet()) {
            String where = "attribute " + a.getKey() + " of node " + name;
            Map<String, Object> value = Json.object(a.getValue(), where);
            if (value.size() != 1) {
                throw new TsrFormatException(where + " must have exactly one typed value");
            }
            var v = value.entrySet().iterator().next();
            switch (v.getKey()) {
                case "i" -> attributes.put(a.getKey(), Json.integer(v.getValue(), where));
                case "f" -> attributes.put(a.getKey(), parseFloat(Json.string(v.getValue(), where), where));
                case "s" -> attributes.put(a.getKey(), Json.string(v.getValue(), where));
                case "ints" -> {
                    List<Object> list = Json.array(v.getValue(), where);
                    long[] values = new long[list.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = Json.integer(list.get(i), where);
                    }
                    attributes.put(a.getKey(), values);
                }
                case "floats" -> {
                    List<Object> list = Json.array(v.getValue(), where);
                    float[] values = new float[list.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = parseFloat(Json.string(list.get(i), where), where);
                    }
                    attributes.put(a.getKey(), values);
                }
                default -> throw new TsrFormatException(where + " has unknown kind '" + v.getKey() + "'");
            }
        }
        return new Node(name, op, inputs, outputs, attributes.build());
    }

    private static float parseFloat(String text, String where) {
        try {
            return Float.parseFloat(text);
        } catch (NumberFormatException e) {
            throw new TsrFormatException(where + ": '" + text + "' is not a float");
        }
    }

    private static long parseHex(String text) {
        try {
            long value = Long.parseUnsignedLong(text, 16);
            if (value > 0xFFFFFFFFL) {
                throw new TsrFormatException("checksum " + text + " is not 32 bits");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new TsrFormatException("checksum '" + text + "' is not hexadecimal");
        }
    }

    private static String utf8(MemorySegment bytes, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes.asByteBuffer()).toString();
        } catch (CharacterCodingException e) {
            throw new TsrFormatException(what + " is not valid UTF-8");
        }
    }

    private static DataType dataType(String name) {
        DataType type = DataType.fromSafetensors(name);
        if (type == null) {
            throw new TsrFormatException("unsupported tensor dtype '" + name + "'");
        }
        return type;
    }

    private static ElementType elementType(String name, String where) {
        for (ElementType t : ElementType.values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new TsrFormatException(where + " has dtype '" + name + "', which no layout array uses");
    }

    private static int dtypeBytes(String dtype, String where) {
        DataType type = DataType.fromSafetensors(dtype);
        if (type != null) {
            return type.bytes();
        }
        for (ElementType t : ElementType.values()) {
            if (t.name().equals(dtype)) {
                return t.bytes();
            }
        }
        return switch (dtype) {
            case "F16", "BF16", "I16" -> 2;
            case "F64" -> 8;
            default -> throw new TsrFormatException(where + " has unknown dtype '" + dtype + "'");
        };
    }
}
