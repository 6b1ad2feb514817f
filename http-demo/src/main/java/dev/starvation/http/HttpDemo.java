package dev.starvation.http;

/** Placeholder entry point; replaced by the http-demo work. */
public final class HttpDemo {
    public static void main(String[] args) {
    }
}
