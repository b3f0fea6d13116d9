package dev.tersor.server;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body up to a limit. The JDK's server reads bodies of any length, so the limit is
 * enforced here: a declared length over it is refused before a byte is read, and a chunked body is
 * read no further than one byte past it.
 */
final class RequestBody {

    private RequestBody() {
    }

    /** @throws ApiException {@link ErrorKind#TOO_LARGE} for a body over {@code limit} bytes */
    static byte[] read(HttpExchange exchange, int limit) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null && declaredLength(declared) > limit) {
            throw tooLarge(limit);
        }
        InputStream in = exchange.getRequestBody();
        byte[] body = in.readNBytes(limit);
        if (in.read() != -1) {
            throw tooLarge(limit);
        }
        return body;
    }

    private static long declaredLength(String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            // The JDK's server refuses such a header before any handler runs; count it as too long all the same.
            return Long.MAX_VALUE;
        }
    }

    private static ApiException tooLarge(int limit) {
        return new ApiException(ErrorKind.TOO_LARGE, null, "the body is larger than this server's payload limit of "
                + limit + " bytes");
    }
}
