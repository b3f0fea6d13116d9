package dev.tersor.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The key clients must send as {@code Authorization: Bearer KEY}. The comparison takes the same time
 * whatever the guess: both sides are hashed to a fixed length first (so not even the key's length
 * leaks) and compared with {@link MessageDigest#isEqual}, which does not stop at the first difference.
 */
final class ApiKey {

    private static final String BEARER = "Bearer ";

    private final byte[] digest;

    /** @param key the expected key; empty accepts every request */
    ApiKey(String key) {
        this.digest = key.isEmpty() ? null : sha256(key);
    }

    /** Whether an {@code Authorization} header value (null when absent) carries the key. */
    boolean accepts(String authorization) {
        if (digest == null) {
            return true;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return MessageDigest.isEqual(digest, sha256(authorization.substring(BEARER.length()).strip()));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
