package dev.tersor.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The load test's client: HTTP/1.1 POSTs over one kept-alive loopback connection, blocking, read up to
 * the answer's {@code Content-Length}. The load generator shares the two cores with the server it
 * measures, and the JDK's {@code HttpClient} (selector thread, futures, per-request filters) took as
 * much CPU as the server's own HTTP handling; this takes a fraction of it. Not thread-safe: one per
 * client.
 */
final class KeepAliveClient implements AutoCloseable {

    private static final int TIMEOUT_MILLIS = 30_000;
    private static final int MAX_HEADER_BYTES = 16 * 1024;

    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    KeepAliveClient(int port) {
        this.port = port;
    }

    /** Status and body of a POST of JSON {@code body} to {@code path}; a failed connection is reopened by the next call. */
    Answer post(String path, String body) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        try {
            connect();
            String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + content.length + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            return read();
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    record Answer(int status, String body) {
    }

    private void connect() throws IOException {
        if (socket == null) {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }
    }

    private Answer read() throws IOException {
        String[] lines = header().split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP status line: " + lines[0]);
        }
        int length = -1;
        boolean close = false;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            String name = colon < 0 ? "" : lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = colon < 0 ? "" : lines[i].substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Integer.parseInt(value);
                case "transfer-encoding" -> throw new IOException("unexpected transfer encoding " + value);
                case "connection" -> close = value.equalsIgnoreCase("close");
                default -> {
                }
            }
        }
        if (length < 0) {
            throw new IOException("an answer without Content-Length: " + lines[0]);
        }
        byte[] content = in.readNBytes(length);
        if (content.length != length) {
            throw new IOException("the connection closed " + content.length + " bytes into a " + length + "-byte body");
        }
        if (close) {
            close();
        }
        return new Answer(Integer.parseInt(status[1]), new String(content, StandardCharsets.UTF_8));
    }

    /** The answer's status line and headers, up to the blank line, without it. */
    private String header() throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream(256);
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection closed in an answer's header");
            }
            header.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (header.size() > MAX_HEADER_BYTES) {
                throw new IOException("an answer's header exceeds " + MAX_HEADER_BYTES + " bytes");
            }
        }
        String text = header.toString(StandardCharsets.US_ASCII);
        return text.substring(0, text.length() - 4);
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a loopback socket that already failed: nothing to report
            }
            socket = null;
        }
    }
}
