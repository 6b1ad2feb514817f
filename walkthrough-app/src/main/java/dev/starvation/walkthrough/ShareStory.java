package dev.starvation.walkthrough;

import dev.starvation.common.LoopbackPorts;
import dev.starvation.common.SummaryLine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Act 3: the same starvation under a share group (KIP-932): two members work inside the poll loop past their records'
 * acquisition lock, so the records go round and end archived; then the fix renews each lock while workers process.
 */
final class ShareStory extends Story {

    private static final String RECORDS = "4";
    /** The kafka-demo's defaults, spelt out so the act says what it shows: 1.5 s of work against a 1 s lock. */
    private static final String PROCESS_MS = "1500";
    private static final String LOCK_MS = "1000";
    private static final String DELIVERY_LIMIT = "3";

    ShareStory(Terminal terminal, Path jar, Path out, RunTable table, List<String> broken) {
        super(terminal, jar, out, table, broken);
    }

    /** Tells the act. */
    void tell() throws Exception {
        terminal.heading("3. kafka-demo under a share group (KIP-932): no partitions to lose, but every record has an"
                + " acquisition lock; a real KRaft broker in a child JVM");
        String bootstrap = "127.0.0.1:" + LoopbackPorts.free();
        try (DemoProcess broker = DemoProcess.start(terminal, "broker", jar,
                List.of("broker", "--port", bootstrap.substring(bootstrap.indexOf(':') + 1)))) {
            broker.awaitLine("BROKER ready", Duration.ofSeconds(60));

            terminal.heading("3a. Two members, " + RECORDS + " records x " + PROCESS_MS + " ms of CPU inside the poll"
                    + " loop, implicit acknowledgement, a " + LOCK_MS + " ms lock, " + DELIVERY_LIMIT + " deliveries at"
                    + " most. Watch the second member get records the first still works on (CONCURRENT), the late"
                    + " acknowledgements refused, and every record ARCHIVED: never successfully processed, gone");
            SummaryLine bug = consume(bootstrap, "share");
            expect(bug.getLong("archived") > 0 && bug.getLong("concurrent") > 0 && bug.getLong("duplicates") > 0,
                    "kafka share: in the poll loop", "archived>0 concurrent>0 duplicates>0", bug);

            terminal.heading("3b. The fix: workers process, the poll thread renews each record's lock (RENEW) before"
                    + " the work starts and every half lock, then ACCEPTs it");
            SummaryLine fix = consume(bootstrap, "share-renew");
            expect(fix.getLong("archived") == 0 && fix.getLong("duplicates") == 0
                    && fix.get("acknowledged").equals(RECORDS), "kafka share: renewing the lock",
                    "archived=0 duplicates=0 acknowledged=" + RECORDS, fix);
        }
    }

    /** Produces the records to a topic of the mode's own, then runs the members until the broker finished them all. */
    private SummaryLine consume(String bootstrap, String mode) throws Exception {
        String topic = mode + "-jobs";
        produce(bootstrap, topic, RECORDS);
        try (DemoProcess consumer = DemoProcess.start(terminal, mode, jar, List.of("consume", "--bootstrap-servers",
                bootstrap, "--topic", topic, "--group", mode + "-group", "--mode", mode, "--members", "2",
                "--process-ms", PROCESS_MS, "--lock-ms", LOCK_MS, "--delivery-limit", DELIVERY_LIMIT,
                "--expect", RECORDS, "--duration", "60s"))) {
            consumer.awaitExit(Duration.ofSeconds(90));
            SummaryLine s = consumer.summary();
            table.share("kafka share: " + (mode.equals("share") ? "in the poll loop" : "renewing the lock"), s);
            return s;
        }
    }
}
