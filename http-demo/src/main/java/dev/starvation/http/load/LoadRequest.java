package dev.starvation.http.load;

import dev.starvation.http.client.ConnectionLostException;
import dev.starvation.http.client.HttpAnswer;
import dev.starvation.http.client.HttpExchange;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request of a {@code load} run and its retries, on a thread of its own. A request lost in flight (the connection
 * closed before an answer, as when the server is killed) is sent again at most {@code retries} times; a refused
 * connection sent nothing, so with retries it is always safe to try again, until the request's timeout.
 */
final class LoadRequest implements Callable<LoadRequest.Outcome> {

    private static final Logger LOG = LoggerFactory.getLogger(LoadRequest.class);
    private static final String USER_AGENT = "http-demo-load";

    /** How a request ended. */
    enum Result { OK, REJECTED, FAILED, LOST }

    /** Its end, how long it took from the first attempt, and how many times it was sent again. */
    record Outcome(Result result, long millis, int retries) {
    }

    private final URI url;
    private final int n;
    private final Duration timeout;
    private final int retries;
    private final Duration retryDelay;

    LoadRequest(URI url, int n, Duration timeout, int retries, Duration retryDelay) {
        this.url = url;
        this.n = n;
        this.timeout = timeout;
        this.retries = retries;
        this.retryDelay = retryDelay;
    }

    /** Sends it, retrying as allowed, and says how it ended. */
    @Override
    public Outcome call() throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        int lost = 0;
        LOG.info("LOAD start #{} GET {}", n, url);
        while (true) {
            boolean timeForAnother = deadline - System.nanoTime() > retryDelay.toNanos();
            try {
                int status = HttpExchange.get(url, deadline, USER_AGENT).status();
                LOG.info("LOAD done #{} status={} {}ms", n, status, millis(start));
                return new Outcome(status == 200 ? Result.OK : status == 503 ? Result.REJECTED : Result.FAILED,
                        millis(start), lost);
            } catch (ConnectException e) {
                if (retries == 0 || !timeForAnother) {
                    LOG.info("LOAD done #{} refused: nothing listens at {} {}ms", n, hostPort(), millis(start));
                    return new Outcome(Result.FAILED, millis(start), lost);
                }
                LOG.info("LOAD refused #{}: nothing listens at {}, trying again in {}ms", n, hostPort(),
                        retryDelay.toMillis());
            } catch (ConnectionLostException e) {
                lost++;
                LOG.info("LOAD lost #{} after {}ms: {}, the request was in flight", n, millis(start), e.getMessage());
                if (lost > retries || !timeForAnother) {
                    LOG.info("LOAD done #{} lost {}ms{}", n, millis(start),
                            retries == 0 ? "" : " (sent " + lost + " times, never answered)");
                    return new Outcome(Result.LOST, millis(start), lost - 1);
                }
                LOG.info("LOAD retry #{} ({} of {}) in {}ms", n, lost, retries, retryDelay.toMillis());
            } catch (SocketTimeoutException e) {
                LOG.info("LOAD done #{} timeout after {}ms {}", n, timeout.toMillis(), e.getMessage());
                return new Outcome(Result.FAILED, millis(start), lost);
            } catch (IOException e) {
                LOG.info("LOAD done #{} error {} {}ms", n, e.getMessage(), millis(start));
                return new Outcome(Result.FAILED, millis(start), lost);
            }
            Thread.sleep(retryDelay.toMillis());
        }
    }

    private String hostPort() {
        return url.getHost() + ":" + (url.getPort() == -1 ? 80 : url.getPort());
    }

    private static long millis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
