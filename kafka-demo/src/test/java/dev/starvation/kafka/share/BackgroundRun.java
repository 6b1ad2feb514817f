package dev.starvation.kafka.share;

import java.util.concurrent.CompletableFuture;

/** A share run started on another thread, so that a test can act on it (stop it, watch its log) while it runs. */
final class BackgroundRun {

    private BackgroundRun() {
    }

    static CompletableFuture<ShareReport> start(ShareRun run) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return run.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
