package dev.tersor.model;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.format.Execution;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.ModelException;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.Deflater;

/**
 * Containers a load under {@code fastest} transcoded, kept as {@code .tsr} files of the layouts their
 * weights run in, so a later load of the same file maps those instead of decoding every entropy-coded
 * weight again (on the compressed MiniLM, checking and transcoding its Huffman streams was nine tenths
 * of a 140 ms load).
 *
 * <p>An entry is keyed by the CRC-32C and size of <em>every byte</em> of the source file (plus a schema
 * and this build's format registry), so any change to the source, in its header or its arrays, misses
 * the entry and loads the source in full, with all its checks; it is found by a checksum of the
 * source's header, so that looking for one that does not exist reads no more than that. What runs on a hit is the entry, and the
 * entry is read as any container is: every checksum and every layout is verified before its weights
 * reach a kernel. So the worst a forged collision or a tampered entry can do is run another valid model;
 * nothing unchecked ever reaches a trusting kernel. Transcoding at load is lossless, so an entry holds
 * the very weights a fresh load would decode. Entries live in the {@code run} folder of the load
 * decisions' directory ({@code -Dtersor.load.cache}); a file that cannot be read or written is skipped,
 * since the cache only saves time.
 */
final class RunLayoutCache {

    /** Changes when what an entry means changes. */
    private static final String SCHEMA = "1";
    /** Metadata entry of a cached file: the key of the source it was made from. */
    static final String SOURCE_KEY = "tersor.run.source";
    /** Metadata entry of a cached file: the source's placements, as JSON. */
    static final String PLACEMENTS_KEY = "tersor.run.placements";

    private final Path directory;

    RunLayoutCache(Path directory) {
        this.directory = directory;
    }

    /** The key of the container at {@code file}: a checksum of all its bytes and their count. */
    static String key(Path file) throws IOException {
        try (Arena arena = Arena.ofConfined(); FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment bytes = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return SCHEMA + "|" + Long.toHexString(TsrFile.crc32c(bytes)) + "|" + bytes.byteSize() + "|"
                    + String.join(",", MatrixFormats.names());
        }
    }

    /**
     * The file an entry for the container at {@code source} would have: named by the checksum of the
     * source's header and its size, so that a file with no entry (a dense model, which is never kept)
     * costs a look at its header, not a pass over all its bytes. The entry holds the whole key.
     */
    Path fileFor(Path source) throws IOException {
        try (Arena arena = Arena.ofConfined(); FileChannel channel = FileChannel.open(source, StandardOpenOption.READ)) {
            long size = channel.size();
            MemorySegment bytes = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            // The length in front of the header is untrusted: a header past the end is taken as the whole file.
            long headerLength = size < 8 ? -1 : bytes.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            long end = headerLength < 0 || headerLength > size - 8 ? size : 8 + headerLength;
            return directory.resolve(Long.toHexString(TsrFile.crc32c(bytes.asSlice(0, end))) + "-" + size + ".tsr");
        }
    }

    /**
     * The model kept for the container at {@code source}, checked in full, with the source's metadata and
     * placements; empty when there is none or it cannot be read, fails a check, or was made from other
     * bytes than the source's.
     */
    Optional<Model> open(Path source, Execution execution) {
        Path file;
        String key;
        try {
            file = fileFor(source);
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            key = key(source);
        } catch (IOException e) {
            return Optional.empty();
        }
        TsrFile.Contents contents;
        try {
            contents = TsrFile.read(file);
        } catch (IOException | ModelException e) {
            return Optional.empty();
        }
        Map<String, String> metadata = new LinkedHashMap<>(contents.metadata());
        String madeFrom = metadata.remove(SOURCE_KEY);
        String placementsText = metadata.remove(PLACEMENTS_KEY);
        TsrFile.Contents own = new TsrFile.Contents(contents.graph(), metadata, contents.mapping(), contents.identity());
        List<Model.WeightPlacement> placements;
        try {
            if (!key.equals(madeFrom) || placementsText == null) {
                throw new TsrFormatException("made from another source");
            }
            placements = parsePlacements(placementsText, contents.graph().weights());
        } catch (ModelException e) {
            Model.of(own, execution, source.toString()).close();
            return Optional.empty();
        }
        return Optional.of(Model.of(own, execution, source.toString(), placements));
    }

    /** Keeps {@code model}, loaded from the container at {@code source}, for later loads (written beside, then moved). */
    void store(Path source, Model model) {
        try {
            Path file = fileFor(source);
            String key = key(source);
            Files.createDirectories(directory);
            Path partial = Files.createTempFile(directory, file.getFileName().toString(), ".part");
            try {
                // Deflating the tokenizer hardest took 40 ms of a 230 ms first load; the kept file's size matters less.
                model.save(partial, Map.of(SOURCE_KEY, key, PLACEMENTS_KEY, placementsJson(model.placements())),
                        Deflater.BEST_SPEED);
                LoadDecisions.move(partial, file);
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (IOException | RuntimeException e) {
            // Caching is an optimization: whatever keeps the copy from being written (a full disk, a
            // read-only home, metadata the container refuses), the model loaded and runs either way.
        }
    }

    private static String placementsJson(List<Model.WeightPlacement> placements) {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = Json.factory().createGenerator(text)) {
            json.writeStartArray();
            for (Model.WeightPlacement p : placements) {
                json.writeStartObject();
                json.writeStringField("weight", p.weight());
                json.writeStringField("stored", p.storedFormat());
                json.writeStringField("resident", p.residentFormat());
                json.writeNumberField("storedBytes", p.storedBytes());
                json.writeNumberField("residentBytes", p.residentBytes());
                json.writeEndObject();
            }
            json.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    /** The placements {@code text} lists, which must name {@code weights} in order, each in the format and bytes it has. */
    private static List<Model.WeightPlacement> parsePlacements(String text, Map<String, WeightMatrix> weights) {
        List<Model.WeightPlacement> placements = new ArrayList<>();
        for (Object item : Json.array(Json.parse(text, PLACEMENTS_KEY), PLACEMENTS_KEY)) {
            Map<String, Object> p = Json.object(item, PLACEMENTS_KEY);
            placements.add(new Model.WeightPlacement(Json.string(Json.field(p, "weight", PLACEMENTS_KEY), "weight"),
                    Json.string(Json.field(p, "stored", PLACEMENTS_KEY), "stored"),
                    Json.string(Json.field(p, "resident", PLACEMENTS_KEY), "resident"),
                    Json.integer(Json.field(p, "storedBytes", PLACEMENTS_KEY), "storedBytes"),
                    Json.integer(Json.field(p, "residentBytes", PLACEMENTS_KEY), "residentBytes")));
        }
        List<String> names = new ArrayList<>(weights.keySet());
        if (!placements.stream().map(Model.WeightPlacement::weight).toList().equals(names)) {
            throw new TsrFormatException(PLACEMENTS_KEY + " does not list the weights of the graph");
        }
        for (Model.WeightPlacement p : placements) {
            WeightMatrix w = weights.get(p.weight());
            if (!p.residentFormat().equals(w.formatName()) || p.residentBytes() != w.byteSize()) {
                throw new TsrFormatException(PLACEMENTS_KEY + " does not describe weight '" + p.weight() + "'");
            }
        }
        return placements;
    }
}
