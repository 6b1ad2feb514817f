package dev.starvation.http.client;

import java.io.IOException;

/**
 * The request was sent and the connection then closed or was reset before any answer came back: the server went away
 * with the request in flight (killed, restarted), so whatever it had started is lost.
 */
public final class ConnectionLostException extends IOException {

    ConnectionLostException(String message) {
        super(message);
    }
}
