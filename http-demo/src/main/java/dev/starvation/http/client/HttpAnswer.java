package dev.starvation.http.client;

/** What a response said that a probe or a load client needs: its status and where it redirects to, if anywhere. */
public record HttpAnswer(int status, String location) {
}
