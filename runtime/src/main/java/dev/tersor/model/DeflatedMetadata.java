package dev.tersor.model;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Large free-form metadata entries (a stored {@code tokenizer.json} is 700 KB of JSON) kept deflated in
 * a U8 array instead of as header text, about a third of the bytes. The header keeps a marker in the
 * entry's place, {@code tersor.deflated.<key>} = {@code "<array> <crc32c> <length>"}: the array, its
 * checksum like every array's, and the UTF-8 length of the text, which bounds the inflation so a
 * hostile stream cannot expand past it.
 */
final class DeflatedMetadata {

    static final String MARKER_PREFIX = "tersor.deflated.";
    /** Entries from this many UTF-8 bytes on are deflated; smaller ones stay readable in the header. */
    static final int THRESHOLD = 16 << 10;

    /** A marker's fields. */
    record Marker(GraphJson.ArrayRef array, int length) {

        static Marker parse(String key, String value) {
            String[] fields = value.split(" ", -1);
            if (fields.length != 3) {
                throw new TsrFormatException("metadata marker '" + key + "' is not \"<array> <crc32c> <length>\"");
            }
            long length;
            try {
                length = Long.parseLong(fields[2]);
            } catch (NumberFormatException e) {
                throw new TsrFormatException("metadata marker '" + key + "' has no valid length");
            }
            if (length < 0 || length > SafetensorsFile.MAX_HEADER_BYTES) {
                throw new TsrFormatException("metadata marker '" + key + "' declares " + length + " bytes (at most "
                        + SafetensorsFile.MAX_HEADER_BYTES + ")");
            }
            return new Marker(new GraphJson.ArrayRef(fields[0], GraphJson.parseHex(fields[1])), (int) length);
        }

        String value() {
            return array.array() + " " + Long.toHexString(array.crc32c()) + " " + length;
        }
    }

    private DeflatedMetadata() {
    }

    static byte[] deflate(byte[] utf8, int level) {
        Deflater deflater = new Deflater(level);
        try {
            deflater.setInput(utf8);
            deflater.finish();
            byte[] out = new byte[utf8.length / 2 + 64];
            int n = 0;
            while (!deflater.finished()) {
                if (n == out.length) {
                    out = Arrays.copyOf(out, 2 * out.length);
                }
                n += deflater.deflate(out, n, out.length - n);
            }
            return Arrays.copyOf(out, n);
        } finally {
            deflater.end();
        }
    }

    /** The text of entry {@code key}: exactly {@code length} bytes of strict UTF-8 inflated from {@code stored}. */
    static String inflate(String key, MemorySegment stored, int length) {
        byte[] text = new byte[length];
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(stored.toArray(ValueLayout.JAVA_BYTE));
            int n = 0;
            while (n < length && !inflater.finished()) {
                int got = inflater.inflate(text, n, length - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n != length || !inflater.finished() || inflater.getRemaining() != 0) {
                throw new TsrFormatException("metadata entry '" + key + "' does not inflate to its declared " + length
                        + " bytes");
            }
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(text)).toString();
        } catch (DataFormatException e) {
            throw new TsrFormatException("metadata entry '" + key + "' is not a valid deflate stream");
        } catch (CharacterCodingException e) {
            throw new TsrFormatException("metadata entry '" + key + "' is not UTF-8 text");
        } finally {
            inflater.end();
        }
    }
}
