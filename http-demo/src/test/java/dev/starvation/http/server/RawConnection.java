package dev.starvation.http.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 connection on a plain socket, for what {@code java.net.http} will not do: pipeline requests, send half
 * a request, leave early or reset, and read answers one by one as they come.
 */
final class RawConnection implements AutoCloseable {

    /** One answer: status, headers (names in lower case), body, and when its status line came. */
    record Answer(int status, Map<String, String> headers, String body, long atNanos) {
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        socket.setSoTimeout(15_000);
    }

    /** Connects to {@code server}. */
    static RawConnection open(RunningServer server) throws IOException {
        return new RawConnection(new Socket(server.base().getHost(), server.base().getPort()));
    }

    /** A GET for {@code pathAndQuery}, keep-alive, as one string to send or to repeat. */
    static String get(String pathAndQuery) {
        return "GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    }

    /** Sends {@code text} at once. */
    RawConnection send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return this;
    }

    /** Reads the next answer, waiting up to {@code timeoutMs}; null if the server closed the connection first. */
    Answer read(int timeoutMs) throws IOException {
        socket.setSoTimeout(timeoutMs);
        String statusLine = line();
        if (statusLine == null) {
            return null;
        }
        long at = System.nanoTime();
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(); h != null && !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        return new Answer(Integer.parseInt(statusLine.split(" ")[1]), headers,
                new String(body, StandardCharsets.UTF_8).trim(), at);
    }

    /** True if the server closes the connection (end of stream or a reset) within {@code timeoutMs}. */
    boolean closedByServerWithin(int timeoutMs) throws IOException {
        socket.setSoTimeout(timeoutMs);
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    /** Closes with a TCP reset instead of a FIN, as a client killed mid-request does. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    private String line() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                String text = bytes.toString(StandardCharsets.US_ASCII);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            bytes.write(b);
        }
        return bytes.size() == 0 ? null : bytes.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
