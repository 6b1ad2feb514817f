package dev.starvation.common;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** A held port refuses connections and keeps other sockets off it, even right after a server left it. */
class RefusingPortTest {

    @Test
    void connectionsAreRefusedAndNoServerCanTakeThePortWhileItIsHeld() throws Exception {
        try (RefusingPort refusing = RefusingPort.open()) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", refusing.port());
            assertThatThrownBy(() -> {
                try (Socket client = new Socket()) {
                    client.connect(address, 5_000);
                }
            }).isInstanceOf(ConnectException.class).hasMessageContaining("refused");
            assertThatThrownBy(() -> {
                try (ServerSocket server = new ServerSocket()) {
                    server.setReuseAddress(true);
                    server.bind(address);
                }
            }).isInstanceOf(BindException.class);
        }
    }

    @Test
    void aPortAServerJustLeftIsRefusedUntilItIsGivenBack() throws Exception {
        int port;
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            port = server.getLocalPort();
            // A connection the server closes first leaves its side of it in TIME_WAIT on the port.
            try (Socket client = new Socket("127.0.0.1", port); Socket accepted = server.accept()) {
                accepted.close();
                client.getInputStream().read();
            }
        }
        try (RefusingPort gone = RefusingPort.on(port)) {
            assertThatThrownBy(() -> {
                try (Socket client = new Socket()) {
                    client.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                }
            }).isInstanceOf(ConnectException.class).hasMessageContaining("refused");
        }
        try (ServerSocket successor = new ServerSocket()) {
            successor.setReuseAddress(true);
            successor.bind(new InetSocketAddress("127.0.0.1", port));
        }
    }
}
