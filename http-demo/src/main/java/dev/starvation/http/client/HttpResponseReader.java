package dev.starvation.http.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads one HTTP/1.1 response as the kubelet's probe does: status line, headers and at most 10 KiB of body (more is
 * cut off, not an error), all before one deadline. A server that sends a status line and then stalls times out.
 */
final class HttpResponseReader {

    /** The kubelet reads at most this much of a probe's body (maxRespBodyLength in pkg/probe/http). */
    static final int MAX_BODY_BYTES = 10 * 1024;
    private static final int MAX_LINE_BYTES = 8 * 1024;
    private static final int MAX_HEADER_BYTES = 1024 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final long deadline;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    /** What was being read, for a timeout's message. */
    private String stage = "awaiting the status line";

    HttpResponseReader(Socket socket, InputStream in, long deadlineNanos) {
        this.socket = socket;
        this.in = in;
        this.deadline = deadlineNanos;
    }

    /** Reads the response; a timeout's message says what it was waiting for. */
    HttpAnswer read() throws IOException {
        try {
            while (true) {
                stage = "awaiting the status line";
                int status = parseStatus(readStatusLine());
                stage = "reading headers";
                String location = null;
                long contentLength = -1;
                boolean chunked = false;
                int headerBytes = 0;
                for (String line = readLine(); !line.isEmpty(); line = readLine()) {
                    headerBytes += line.length();
                    if (headerBytes > MAX_HEADER_BYTES) {
                        throw new IOException("response headers over " + MAX_HEADER_BYTES + " bytes");
                    }
                    int colon = line.indexOf(':');
                    if (colon <= 0) {
                        throw new IOException("malformed header line: " + line);
                    }
                    String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                    String value = line.substring(colon + 1).trim();
                    switch (name) {
                        case "location" -> location = value;
                        case "content-length" -> contentLength = parseLength(value);
                        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                        default -> { }
                    }
                }
                if (status >= 100 && status < 200) {
                    // An interim answer (100 Continue, 103 Early Hints): the real one follows.
                    continue;
                }
                stage = "reading the body";
                if (status != 204 && status != 304) {
                    readBody(chunked, contentLength);
                }
                return new HttpAnswer(status, location, body.toString(StandardCharsets.UTF_8));
            }
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException(stage);
        }
    }

    private void readBody(boolean chunked, long contentLength) throws IOException {
        if (chunked) {
            long read = 0;
            while (read < MAX_BODY_BYTES) {
                String sizeLine = readLine();
                int semicolon = sizeLine.indexOf(';');
                long size;
                try {
                    size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("malformed chunk size: " + sizeLine);
                }
                if (size == 0) {
                    return;
                }
                long take = Math.min(size, MAX_BODY_BYTES - read);
                keep(take, "the connection closed inside a chunk");
                read += take;
                if (take == size) {
                    readLine();
                }
            }
        } else if (contentLength >= 0) {
            keep(Math.min(contentLength, MAX_BODY_BYTES), "the connection closed before the body was complete");
        } else {
            // No length: the body runs to the end of the connection (we asked for Connection: close).
            int b;
            while (body.size() < MAX_BODY_BYTES && (b = next()) >= 0) {
                body.write(b);
            }
        }
    }

    private void keep(long bytes, String whenCut) throws IOException {
        for (long i = 0; i < bytes; i++) {
            int b = next();
            if (b < 0) {
                throw new IOException(whenCut);
            }
            body.write(b);
        }
    }

    /** The first line of an answer; a connection that ends or is reset before it lost the request. */
    private String readStatusLine() throws IOException {
        try {
            return readLine();
        } catch (SocketException e) {
            throw new ConnectionLostException("the connection was reset before an answer (" + e.getMessage() + ")");
        } catch (EndOfAnswerException e) {
            throw new ConnectionLostException("the connection closed before an answer");
        }
    }

    /** The connection ended in the middle of a line. */
    private static final class EndOfAnswerException extends IOException {
        EndOfAnswerException(String message) {
            super(message);
        }
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = next();
            if (b < 0) {
                throw new EndOfAnswerException("the connection closed while " + stage);
            }
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            if (line.length() >= MAX_LINE_BYTES) {
                throw new IOException("a line over " + MAX_LINE_BYTES + " bytes while " + stage);
            }
            line.append((char) b);
        }
    }

    private int next() throws IOException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new SocketTimeoutException(stage);
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
        return in.read();
    }

    private static int parseStatus(String line) throws IOException {
        String[] parts = line.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/") || parts[1].length() != 3) {
            throw new IOException("not an HTTP status line: " + line);
        }
        try {
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status line: " + line);
        }
    }

    private static long parseLength(String value) throws IOException {
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IOException("malformed Content-Length: " + value);
        }
    }
}
