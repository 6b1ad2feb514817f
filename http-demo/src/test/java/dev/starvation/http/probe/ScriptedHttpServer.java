package dev.starvation.http.probe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A loopback server that answers each request with raw bytes a test scripts, so it can misbehave on purpose. */
final class ScriptedHttpServer implements AutoCloseable {

    /** Writes the answer to a request for {@code path}; may stall, send half, or nothing. */
    @FunctionalInterface
    interface Script {
        void answer(String path, OutputStream out) throws Exception;
    }

    private final ServerSocket listener;
    private final ExecutorService connections = Executors.newCachedThreadPool();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final List<Long> arrivals = new CopyOnWriteArrayList<>();
    private volatile Script script;
    /** Done once the accept loop has left: only then is the listening socket really closed (see close()). */
    private final Future<?> acceptLoop;

    private ScriptedHttpServer(int port, Script script) throws IOException {
        this.script = script;
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        acceptLoop = connections.submit(this::accept);
    }

    /** Listens on a free loopback port. */
    static ScriptedHttpServer start(Script script) throws IOException {
        return new ScriptedHttpServer(0, script);
    }

    /** Listens on {@code port}, e.g. where a closed one listened: the target after a restart. */
    static ScriptedHttpServer startOn(int port, Script script) throws IOException {
        return new ScriptedHttpServer(port, script);
    }

    /** An answer with a status, a header block and a body. */
    static Script status(int status, String... headers) {
        return (path, out) -> {
            String head = "HTTP/1.1 " + status + " X\r\n" + String.join("", List.of(headers).stream()
                    .map(h -> h + "\r\n").toList()) + "Content-Length: 2\r\nConnection: close\r\n\r\nok";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
        };
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                open.add(socket);
                try {
                    connections.execute(() -> serve(socket));
                } catch (RejectedExecutionException e) {
                    // Accepted just as close() shut the pool: drop it like the other open ones. Thrown, it would
                    // fail whatever test is awaiting at that moment (Awaitility reports other threads' exceptions).
                    open.remove(socket);
                    socket.close();
                    return;
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII));
            String requestLine = in.readLine();
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                // the headers: read and dropped
            }
            arrivals.add(System.nanoTime());
            String path = requestLine == null ? "" : requestLine.split(" ")[1];
            paths.add(path);
            OutputStream out = socket.getOutputStream();
            script.answer(path, out);
            out.flush();
        } catch (Exception e) {
            // The probe gave up and closed, or the test closed the server: nothing to answer any more.
        } finally {
            open.remove(socket);
        }
    }

    /** Changes what every later request gets. */
    void script(Script next) {
        this.script = next;
    }

    int port() {
        return listener.getLocalPort();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    /** The paths asked for, in order. */
    List<String> paths() {
        return List.copyOf(paths);
    }

    /** When each request arrived ({@link System#nanoTime()}). */
    List<Long> arrivals() {
        return List.copyOf(arrivals);
    }

    /** Stops listening (new connections are refused, the port can be bound again) and drops the open ones. */
    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : open) {
            s.close();
        }
        connections.shutdownNow();
        // The JDK defers closing a socket that another thread is blocked in accept() on until that thread has left:
        // until then the port still listens, and binding it fails (RestartHoldTest did so on a busy run).
        try {
            acceptLoop.get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IOException("the accept loop on port " + listener.getLocalPort() + " did not end in 10 s", e);
        } catch (ExecutionException e) {
            throw new IOException("the accept loop on port " + listener.getLocalPort() + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while closing port " + listener.getLocalPort(), e);
        }
    }
}
