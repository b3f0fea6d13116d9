package dev.tersor.server;

/** How OpenAI's API writes a vector: a JSON array of numbers, or base64 of its little-endian float32 bytes. */
public enum EncodingFormat {
    FLOAT,
    BASE64
}
