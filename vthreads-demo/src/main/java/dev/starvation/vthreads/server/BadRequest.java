package dev.starvation.vthreads.server;

/** A request the server refuses with 400 and this message, which names the parameter and what it must be. */
final class BadRequest extends RuntimeException {

    BadRequest(String message) {
        super(message, null, false, false);
    }
}
