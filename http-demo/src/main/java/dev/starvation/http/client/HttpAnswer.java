package dev.starvation.http.client;

/**
 * What a response said that a probe or a load client needs: its status, where it redirects to (null if nowhere), and
 * the start of its body (at most 10 KiB, as the kubelet reads).
 */
public record HttpAnswer(int status, String location, String body) {

    /** The body's first line, cut at {@code max} characters: enough to say why a probe failed. */
    public String firstLine(int max) {
        String line = body.strip().lines().findFirst().orElse("");
        return line.length() <= max ? line : line.substring(0, max) + "…";
    }
}
