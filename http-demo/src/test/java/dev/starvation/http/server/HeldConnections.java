package dev.starvation.http.server;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A client holding {@code n} idle connections to a server that has no other, as a crowd would under the cap. */
final class HeldConnections implements AutoCloseable {

    private final InProcessServer server;
    private final List<RawConnection> held = new ArrayList<>();

    private HeldConnections(InProcessServer server) {
        this.server = server;
    }

    /** Opens {@code n} connections once the server has none open, and returns when the server counts all of them. */
    static HeldConnections fill(InProcessServer server, int n) throws IOException {
        await().atMost(Duration.ofSeconds(5)).until(() -> server.server().openConnections() == 0);
        HeldConnections connections = new HeldConnections(server);
        try {
            for (int i = 0; i < n; i++) {
                connections.held.add(RawConnection.open(server));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> server.server().openConnections() == n);
            return connections;
        } catch (IOException | RuntimeException e) {
            connections.close();
            throw e;
        }
    }

    /** Closes one of them and returns when the server counts it gone. */
    void releaseOne() throws IOException {
        held.remove(0).close();
        int left = held.size();
        await().atMost(Duration.ofSeconds(5)).until(() -> server.server().openConnections() == left);
    }

    @Override
    public void close() throws IOException {
        for (RawConnection c : held) {
            c.close();
        }
        held.clear();
    }
}
