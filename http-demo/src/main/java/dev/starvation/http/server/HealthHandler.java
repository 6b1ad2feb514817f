package dev.starvation.http.server;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;

/** The liveness endpoint: it answers at once, so if it is late, the event loop was busy with something else. */
final class HealthHandler {

    private HealthHandler() {
    }

    static FullHttpResponse answer() {
        return Responses.text(HttpResponseStatus.OK, "OK");
    }
}
