package dev.tersor.model;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.format.ElementType;
import dev.tersor.graph.Shapes;

import java.io.IOException;
import java.io.StringWriter;
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
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The safetensors framing, which knows arrays and string metadata but no graph:
 * <pre>
 *   u64 LE  N            length of the JSON header
 *   N bytes header       {"__metadata__": {...}, "name": {"dtype", "shape", "data_offsets"}, ...},
 *                        padded with spaces so the data starts 64-byte aligned
 *   data                 every array at a 64-byte-aligned offset; gaps are covered by "__pad_K"
 *                        U8 entries, because safetensors requires the arrays to tile the data exactly
 * </pre>
 * Writing is atomic (a sibling {@code .part} file, forced, then moved). Reading distrusts every
 * number: the header length against the file, each array's offsets against the data section, its
 * byte count against dtype and shape, and the arrays together must tile the data exactly.
 */
final class SafetensorsFile {

    static final String METADATA_KEY = "__metadata__";
    static final long ALIGNMENT = 64;
    /** Key prefix of the zero-filled arrays that align the next array. */
    static final String PADDING_PREFIX = "__pad_";
    /** Largest header accepted, so a hostile length cannot force a huge read. */
    static final long MAX_HEADER_BYTES = 64L << 20;
    /** Largest slice handed to a channel or checksum at once (buffers are int-indexed). */
    private static final long CHUNK = 1L << 30;

    /** One array to store or one read: its header key, dtype, shape and bytes. */
    record Entry(String key, ElementType dtype, long[] shape, MemorySegment data) {
    }

    /** One stored array as read: an {@link Entry} plus where its bytes start in the file. */
    record Stored(Entry entry, long fileOffset) {
    }

    /**
     * A read header: its string metadata in order, and the array entries, which {@link #arrays()}
     * checks only when asked, so that a container can first tell whether the file is one of its own.
     */
    record Header(Map<String, String> metadata, Map<String, Object> entries, MemorySegment data, long dataStart) {

        /** The arrays by key (padding entries included), each checked; together they tile the data exactly. */
        Map<String, Stored> arrays() {
            return SafetensorsFile.arrays(entries, data, dataStart);
        }
    }

    private SafetensorsFile() {
    }

    /** Whether {@code path} starts like a safetensors file (a plausible header length, then a JSON object). */
    static boolean looksLikeOne(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
            while (head.hasRemaining() && channel.read(head) > 0) {
                // fill
            }
            if (head.position() < 9) {
                return false;
            }
            long n = head.getLong(0);
            return n > 1 && n <= channel.size() - 8 && head.get(8) == '{';
        }
    }

    static long align(long position) {
        return (position + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** {@code base}, or {@code base#i} with the first {@code i} that is not yet in {@code keys}; adds it. */
    static String uniqueKey(Set<String> keys, String base) {
        String key = base;
        for (int i = 1; !keys.add(key); i++) {
            key = base + "#" + i;
        }
        return key;
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    /** Writes {@code entries} (keys unique, none {@value #METADATA_KEY}) in order, each 64-byte aligned. */
    static void write(Path path, Map<String, String> metadata, List<Entry> entries) throws IOException {
        Set<String> keys = new HashSet<>(Set.of(METADATA_KEY));
        for (Entry e : entries) {
            if (!keys.add(e.key())) {
                throw new IllegalArgumentException("array key '" + e.key() + "' is used twice");
            }
        }
        List<Entry> laid = new ArrayList<>();
        List<long[]> offsets = new ArrayList<>();
        long position = 0;
        int pads = 0;
        for (Entry e : entries) {
            long aligned = align(position);
            if (aligned > position) {
                String key = uniqueKey(keys, PADDING_PREFIX + pads++);
                laid.add(new Entry(key, ElementType.U8, new long[]{aligned - position},
                        MemorySegment.ofArray(new byte[(int) (aligned - position)])));
                offsets.add(new long[]{position, aligned});
                position = aligned;
            }
            laid.add(e);
            offsets.add(new long[]{position, position + e.data().byteSize()});
            position += e.data().byteSize();
        }
        byte[] header = header(metadata, laid, offsets);

        Path tmp = path.resolveSibling(path.getFileName() + ".part");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(out, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
            writeFully(out, ByteBuffer.wrap(header));
            for (Entry e : laid) {
                MemorySegment data = e.data();
                for (long off = 0; off < data.byteSize(); off += CHUNK) {
                    writeFully(out, bytes(data.asSlice(off, Math.min(CHUNK, data.byteSize() - off))));
                }
            }
            out.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Calls {@code consumer} with {@code data} in slices a {@link ByteBuffer} can address. */
    static void forEachChunk(MemorySegment data, java.util.function.Consumer<ByteBuffer> consumer) {
        for (long off = 0; off < data.byteSize(); off += CHUNK) {
            consumer.accept(bytes(data.asSlice(off, Math.min(CHUNK, data.byteSize() - off))));
        }
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

    private static byte[] header(Map<String, String> metadata, List<Entry> entries, List<long[]> offsets)
            throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = Json.factory().createGenerator(text)) {
            json.writeStartObject();
            json.writeObjectFieldStart(METADATA_KEY);
            for (var m : metadata.entrySet()) {
                json.writeStringField(m.getKey(), m.getValue());
            }
            json.writeEndObject();
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                json.writeObjectFieldStart(e.key());
                json.writeStringField("dtype", e.dtype().safetensorsName());
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
        byte[] header = Arrays.copyOf(bytes, padded);
        Arrays.fill(header, bytes.length, padded, (byte) ' ');
        return header;
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    /** The header of a whole file held in {@code file}; array data are slices of {@code file}. */
    static Header read(MemorySegment file) {
        long size = file.byteSize();
        if (size < 8) {
            throw new TsrFormatException("file of " + size + " bytes is too short for a .tsr header");
        }
        long headerLength = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLength < 2 || headerLength > size - 8 || headerLength > MAX_HEADER_BYTES) {
            throw new TsrFormatException("header length " + headerLength + " does not fit a file of " + size + " bytes");
        }
        Map<String, Object> header = Json.object(Json.parse(utf8(file.asSlice(8, headerLength), "the header"), "the header"),
                "the header");
        Map<String, String> metadata = new LinkedHashMap<>();
        for (var e : Json.object(Json.field(header, METADATA_KEY, "the header"), METADATA_KEY).entrySet()) {
            metadata.put(e.getKey(), Json.string(e.getValue(), "metadata " + e.getKey()));
        }
        long dataStart = 8 + headerLength;
        return new Header(metadata, header, file.asSlice(dataStart), dataStart);
    }

    /** The header's array entries, each checked against the data section, which they must tile exactly. */
    private static Map<String, Stored> arrays(Map<String, Object> header, MemorySegment data, long dataStart) {
        long dataLength = data.byteSize();
        Map<String, Stored> arrays = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        for (var e : header.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) {
                continue;
            }
            String where = "array '" + e.getKey() + "'";
            Map<String, Object> entry = Json.object(e.getValue(), where);
            String dtypeName = Json.string(Json.field(entry, "dtype", where), where + " dtype");
            ElementType dtype = ElementType.fromSafetensors(dtypeName);
            if (dtype == null) {
                throw new TsrFormatException(where + " has unknown dtype '" + dtypeName + "'");
            }
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
            if (end - start != count * dtype.bytes()) {
                throw new TsrFormatException(where + " has " + (end - start) + " bytes, its dtype and shape need "
                        + count * dtype.bytes());
            }
            arrays.put(e.getKey(), new Stored(new Entry(e.getKey(), dtype, shape, data.asSlice(start, end - start)),
                    dataStart + start));
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

    private static String utf8(MemorySegment bytes, String what) {
        try {
            // decoded from a heap copy: the decoder's array loop is many times faster than its
            // byte-at-a-time loop over a mapped buffer, and the header is bounded by MAX_HEADER_BYTES
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toArray(ValueLayout.JAVA_BYTE))).toString();
        } catch (CharacterCodingException e) {
            throw new TsrFormatException(what + " is not valid UTF-8");
        }
    }
}
