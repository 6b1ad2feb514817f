package dev.starvation.kafka.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.LogCapture;
import dev.starvation.common.SummaryLine;
import dev.starvation.kafka.KafkaDemo;
import dev.starvation.kafka.broker.BrokerCheck;
import dev.starvation.kafka.broker.Topics;
import dev.starvation.kafka.consume.BrokerExtension;
import dev.starvation.kafka.consume.Fixture;
import dev.starvation.kafka.consume.Mode;
import dev.starvation.kafka.consume.Processor;
import dev.starvation.kafka.produce.JobProducer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The share-group story on a real broker, started once for the class: consumers that work inside the poll loop run out
 * their acquisition locks, the renewing ones keep them, failures are released and rejected, a group that forbids
 * renewal is named, bad values are refused with the broker's bounds. The numbers: 5 s of work per record, a 3 s
 * lock (1.5 s for the bug, see its test), 3 deliveries at most. The scenarios sleep rather than burn CPU and run side
 * by side (each method is CONCURRENT; the class itself runs alone, like every other); the longest, the bug, takes about
 * 40 s and sets the length of the class.
 */
class ShareGroupScenariosTest {

    private static final Duration WORK = Duration.ofSeconds(5);
    private static final Duration SHORT_WORK = Duration.ofMillis(200);
    private static final int LOCK_MS = 3000;
    /** The bug's lock: under half of {@link #WORK}, so a record's three deliveries all fall inside its first run. */
    private static final int IN_LOOP_LOCK_MS = 1500;
    private static final int LIMIT = 3;
    private static final Duration TIME_LIMIT = Duration.ofSeconds(120);
    /** --record-deadline of the hanging-work scenarios: a third of the lock, so the lock is renewed across it too. */
    private static final Duration DEADLINE = Duration.ofSeconds(1);

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private static String topicWith(int records) {
        String topic = Fixture.unique("share-jobs");
        Topics.ensure(BROKER.bootstrapServers(), topic, 1);
        new JobProducer(BROKER.bootstrapServers()).send(topic, 0, records);
        return topic;
    }

    /** {@code members} members of a new group on {@code topic}, stopping once the broker finished {@code records}. */
    private static ShareSettings settings(Mode mode, String topic, int members, Duration work, int workers,
            int records) {
        return ShareSettings.defaults(BROKER.bootstrapServers(), topic, Fixture.unique("group-" + mode), mode)
                .withWork(members, work, workers).withLock(LOCK_MS, LIMIT, LIMIT).withStop(records, TIME_LIMIT);
    }

    private static long finishedByTheBroker(ShareSettings settings) {
        try (ShareProgress broker = new ShareProgress(BROKER.bootstrapServers())) {
            return broker.finished(settings.group(), settings.topic());
        }
    }

    private int run(String... args) {
        return KafkaDemo.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    private static List<String> linesAbout(LogCapture log, String word, String topic) {
        return log.linesStartingWith(word).stream().filter(l -> l.contains(topic)).toList();
    }

    /** The fix's promise: every record delivered once (count 1), processed once, acknowledged; none archived. */
    private static void assertEachDeliveredOnceProcessedOnceAndAcknowledged(ShareReport report, int records) {
        assertThat(report.outcomes()).hasSize(records).allSatisfy(record -> {
            assertThat(record.deliveryCounts()).as("deliveries of %s", record.id()).containsExactly(1);
            assertThat(record.processed()).as("processings of %s", record.id()).isEqualTo(1);
            assertThat(record.outcome()).isEqualTo(ShareReport.Outcome.ACKNOWLEDGED);
        });
        assertThat(report.count(ShareReport.Outcome.ACKNOWLEDGED)).isEqualTo(records);
        assertThat(report.count(ShareReport.Outcome.ARCHIVED)).isZero();
        assertThat(report.duplicates()).isZero();
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void inLoopConsumersRunOutTheirLocksProcessEveryRecordThreeTimesConcurrentlyAndTheBrokerArchivesThemAll()
            throws Exception {
        String topic = topicWith(4);
        // A lock under half the work: the first member's client may fetch (and lock) delivery 2 into its own buffer
        // while the member is still in the loop (a busy CI saw it: delivery 3 then reached the other member 6 s in,
        // after a 5 s record had ended, and nothing ran at once). With 1.5 s the third delivery comes about 3 s in,
        // 2 s before the first record's work ends, so whichever member gets it runs a record the other still holds.
        ShareSettings settings = settings(Mode.SHARE, topic, 2, WORK, 1, 4).withLock(IN_LOOP_LOCK_MS, LIMIT, LIMIT);
        try (LogCapture log = LogCapture.start()) {
            ShareReport report = new ShareRun(settings, ShareJobs.sleeping(WORK)).run();

            assertThat(report.outcomes()).hasSize(4).allSatisfy(record -> {
                // Each delivery once, in any order: delivery 2, fetched into the first member's buffer (above), comes
                // out of its poll after delivery 3 has reached the other member.
                assertThat(record.deliveryCounts()).as("deliveries of %s", record.id())
                        .containsExactlyInAnyOrder(1, 2, 3);
                assertThat(record.processed()).as("processings of %s", record.id()).isEqualTo(3);
                assertThat(record.outcome()).isEqualTo(ShareReport.Outcome.ARCHIVED);
            });
            assertThat(report.processed()).isEqualTo(12);
            assertThat(report.duplicates()).isEqualTo(8);
            assertThat(report.concurrent()).as("a member started a record another was still processing")
                    .isGreaterThanOrEqualTo(1);
            assertThat(report.refusedAcks()).as("late acknowledgements refused").isGreaterThanOrEqualTo(1);
            assertThat(report.count(ShareReport.Outcome.ARCHIVED)).isEqualTo(4);
            assertThat(report.count(ShareReport.Outcome.ACKNOWLEDGED)).isZero();
            assertThat(finishedByTheBroker(settings)).as("the broker finished every record").isEqualTo(4);

            assertThat(linesAbout(log, "ACK ACCEPT refused", topic)).first().asString()
                    .contains("InvalidRecordStateException");
            // The broker skips acknowledgements of records it has finished already, and answers them OK.
            assertThat(linesAbout(log, "ACK ACCEPT late", topic)).isNotEmpty();
            assertThat(linesAbout(log, "CONCURRENT job-", topic)).isNotEmpty();
            assertThat(log.stacksOf("STALL poll thread")).as("the stall's stack names the work in the loop")
                    .anyMatch(stack -> stack.contains("InLoopShareConsumer.handle"));
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void renewingConsumersKeepTheirLocksSoEachRecordIsDeliveredOnceAndTheBrokerAcknowledgesThemAll()
            throws Exception {
        String topic = topicWith(4);
        ShareSettings settings = settings(Mode.SHARE_RENEW, topic, 2, WORK, 2, 4);

        ShareReport report = new ShareRun(settings, ShareJobs.sleeping(WORK)).run();

        assertEachDeliveredOnceProcessedOnceAndAcknowledged(report, 4);
        assertThat(report.concurrent()).isZero();
        assertThat(report.refusedAcks()).isZero();
        // 5 s of work against a RENEW every 1.5 s, after the one before the work starts: at least 3 per record.
        assertThat(report.renewals()).isGreaterThanOrEqualTo(12);
        // Each renewed record comes back from poll() (KAFKA-20458): handed back, never processed again.
        assertThat(report.returnedAgain()).isGreaterThanOrEqualTo(12);
        assertThat(finishedByTheBroker(settings)).isEqualTo(4);
        assertThat(report.maxPollGapMillis()).as("the poll loop never waits out the lock").isLessThan(LOCK_MS / 2);
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void renewingMembersWaitingLongerThanTheLockForRecordsSentOneByOneTakeEachOnceAndTheirWaitIsNoPollGap()
            throws Exception {
        String topic = Fixture.unique("share-jobs");
        Topics.ensure(BROKER.bootstrapServers(), topic, 1);
        ShareSettings settings = settings(Mode.SHARE_RENEW, topic, 2, WORK, 1, 4);
        try (LogCapture log = LogCapture.start()) {
            CompletableFuture<ShareReport> running = BackgroundRun.start(new ShareRun(settings, ShareJobs.sleeping(WORK)));
            await().atMost(TIME_LIMIT).until(() -> linesAbout(log, "MEMBER", "subscribed to " + topic + ":").size()
                    == 2);
            // Both members wait for records for longer than the lock (and than the 1.5 s stall share), and the
            // records come while they wait, each a fetch of its own: what a queue's consumers mostly do.
            Thread.sleep(LOCK_MS);
            JobProducer producer = new JobProducer(BROKER.bootstrapServers());
            for (int i = 0; i < 4; i++) {
                producer.send(topic, i, 1);
                Thread.sleep(300);
            }
            ShareReport report = running.get(TIME_LIMIT.toMillis(), TimeUnit.MILLISECONDS);

            assertEachDeliveredOnceProcessedOnceAndAcknowledged(report, 4);
            assertThat(linesAbout(log, "STALE", topic)).as("no record waited unseen in a client").isEmpty();
            // Waiting with no record in hand starves nothing: the wait is not a gap of the loop, only its work is.
            assertThat(report.maxPollGapMillis()).as("the longest gap while holding records").isLessThan(LOCK_MS / 2);
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void recordThatFailsTwiceIsReleasedRedeliveredAndAcknowledgedAtItsThirdAttempt() throws Exception {
        String topic = topicWith(2);
        ShareSettings settings = settings(Mode.SHARE_RENEW, topic, 1, SHORT_WORK, 1, 2);
        try (LogCapture log = LogCapture.start()) {
            ShareReport report = new ShareRun(settings, ShareJobs.failingUntil("job-0", 3, SHORT_WORK)).run();

            ShareReport.RecordOutcome failing = report.byId().get(topic + "-0@0");
            assertThat(failing.deliveryCounts()).containsExactly(1, 2, 3);
            assertThat(failing.processed()).isEqualTo(1);
            assertThat(failing.outcome()).isEqualTo(ShareReport.Outcome.ACKNOWLEDGED);
            assertThat(report.failed()).isEqualTo(2);
            assertThat(report.released()).isEqualTo(2);
            assertThat(report.rejected()).isZero();
            assertThat(report.count(ShareReport.Outcome.ACKNOWLEDGED)).isEqualTo(2);
            assertThat(linesAbout(log, "RELEASE job-0", topic)).hasSize(2).allMatch(l -> l.contains("another try"));
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void recordThatAlwaysFailsIsRejectedAtItsLastAttemptAndArchivedWhileTheOthersAreAcknowledged() throws Exception {
        String topic = topicWith(3);
        // Two attempts, under the broker's limit of three: the option decides, and says so.
        ShareSettings settings = settings(Mode.SHARE_RENEW, topic, 1, SHORT_WORK, 1, 3).withLock(LOCK_MS, LIMIT, 2);
        try (LogCapture log = LogCapture.start()) {
            ShareReport report = new ShareRun(settings, ShareJobs.alwaysFailing("job-1", SHORT_WORK)).run();

            ShareReport.RecordOutcome failing = report.byId().get(topic + "-0@1");
            assertThat(failing.deliveryCounts()).containsExactly(1, 2);
            assertThat(failing.processed()).isZero();
            assertThat(failing.outcome()).isEqualTo(ShareReport.Outcome.ARCHIVED);
            assertThat(report.released()).isEqualTo(1);
            assertThat(report.rejected()).isEqualTo(1);
            assertThat(report.count(ShareReport.Outcome.ARCHIVED)).isEqualTo(1);
            assertThat(report.count(ShareReport.Outcome.ACKNOWLEDGED)).isEqualTo(2);
            assertThat(finishedByTheBroker(settings)).isEqualTo(3);
            assertThat(linesAbout(log, "REJECT job-1", topic)).singleElement().asString()
                    .contains("attempt 2 of 2", "archived, never processed");
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void renewingConsumerRefusesToStartInAGroupThatDisablesRenewalAndSaysWhatThatWouldMean() throws Exception {
        String topic = topicWith(1);
        String group = Fixture.unique("no-renew");
        setGroupConfig(group, ShareGroupSetup.RENEW, "false");

        int code = run("consume", "--mode", "share-renew", "--bootstrap-servers", BROKER.bootstrapServers(),
                "--topic", topic, "--group", group, "--lock-ms", String.valueOf(LOCK_MS), "--duration", "30s");

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("ERROR consume: share-renew cannot keep a record past its lock in group "
                        + group + ": share.renew.acknowledge.enable=false on the group")
                .contains("processed twice", "--add-config share.renew.acknowledge.enable=true");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void renewalDisabledWhileARecordIsInWorkStopsThatWorkAndSaysTheLockIsLostInsteadOfDuplicatingIt()
            throws Exception {
        String topic = topicWith(1);
        ShareSettings settings = settings(Mode.SHARE_RENEW, topic, 1, Duration.ofSeconds(8), 1, 1);
        try (LogCapture log = LogCapture.start()) {
            CompletableFuture<ShareReport> running = BackgroundRun.start(new ShareRun(settings,
                    ShareJobs.sleeping(Duration.ofSeconds(8))));
            await().atMost(TIME_LIMIT).until(() -> !linesAbout(log, "RENEW", topic + "-0@0] in work").isEmpty());
            setGroupConfig(settings.group(), ShareGroupSetup.RENEW, "false");
            ShareReport report = running.get(TIME_LIMIT.toMillis(), TimeUnit.MILLISECONDS);

            assertThat(linesAbout(log, "LOCK LOST job-0", topic)).first().asString()
                    .contains("renewing is disabled for group " + settings.group(), "work stopped here");
            assertThat(report.processed()).as("the work was stopped, not finished twice").isZero();
            assertThat(report.concurrent()).isZero();
            assertThat(report.count(ShareReport.Outcome.ARCHIVED)).isEqualTo(1);
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void stopWithARecordInWorkLetsItFinishWithinTheGraceAndAcknowledgesIt() throws Exception {
        String topic = topicWith(1);
        ShareSettings settings = settings(Mode.SHARE_RENEW, topic, 1, Duration.ofSeconds(4), 1, 1)
                .withShutdownGrace(Duration.ofSeconds(20));
        try (LogCapture log = LogCapture.start()) {
            ShareRun run = new ShareRun(settings, ShareJobs.sleeping(Duration.ofSeconds(4)));
            CompletableFuture<ShareReport> running = BackgroundRun.start(run);
            await().atMost(TIME_LIMIT).until(() -> !linesAbout(log, "RENEW", topic + "-0@0] in work").isEmpty());
            long stoppedAt = System.nanoTime();
            run.stop();
            ShareReport report = running.get(TIME_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            long closedAfterMs = (System.nanoTime() - stoppedAt) / 1_000_000;

            assertThat(report.processed()).isEqualTo(1);
            assertThat(report.count(ShareReport.Outcome.ACKNOWLEDGED)).isEqualTo(1);
            // This test's member (other tests run beside it with members of the same name): stopped mid-work.
            assertThat(linesAbout(log, "CLOSING share-renew-1 on " + topic + " ", topic)).singleElement().asString()
                    .contains("with 1 record(s) in work, grace 20000 ms");
            // It waited for the record, not for the grace: closed once the 4 s of work were done.
            assertThat(closedAfterMs).as("ms from stop() to the report").isLessThan(20_000);
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void stopPastTheGraceReleasesTheRecordInWorkSoTheGroupGetsItBackWithoutWaitingOutTheLock() throws Exception {
        String topic = topicWith(1);
        ShareSettings settings = settings(Mode.SHARE_RENEW, topic, 1, Duration.ofSeconds(30), 1, 1)
                .withShutdownGrace(Duration.ZERO);
        try (LogCapture log = LogCapture.start()) {
            ShareRun run = new ShareRun(settings, ShareJobs.sleeping(Duration.ofSeconds(30)));
            CompletableFuture<ShareReport> running = BackgroundRun.start(run);
            await().atMost(TIME_LIMIT).until(() -> !linesAbout(log, "RENEW", topic + "-0@0] in work").isEmpty());
            run.stop();
            ShareReport report = running.get(TIME_LIMIT.toMillis(), TimeUnit.MILLISECONDS);

            assertThat(linesAbout(log, "ABANDONED job-0", topic)).singleElement().asString()
                    .contains("closing past the shutdown grace; released to the group");
            assertThat(report.processed()).isZero();
            assertThat(report.released()).isEqualTo(1);
            assertThat(report.byId().get(topic + "-0@0").outcome()).as("available again, not archived")
                    .isEqualTo(ShareReport.Outcome.PENDING);
            assertThat(finishedByTheBroker(settings)).isZero();
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void processorThrowingAnErrorIsReleasedAndAcknowledgedOnItsNextDeliveryInsteadOfHeldForEver() throws Exception {
        String topic = topicWith(2);
        ShareSettings settings = settings(Mode.SHARE_RENEW, topic, 1, SHORT_WORK, 1, 2);
        try (LogCapture log = LogCapture.start()) {
            ShareReport report = new ShareRun(settings, ShareJobs.erringOnce("job-0", SHORT_WORK)).run();

            ShareReport.RecordOutcome erring = report.byId().get(topic + "-0@0");
            assertThat(erring.deliveryCounts()).containsExactly(1, 2);
            assertThat(erring.outcome()).isEqualTo(ShareReport.Outcome.ACKNOWLEDGED);
            assertThat(report.failed()).isEqualTo(1);
            assertThat(report.count(ShareReport.Outcome.ACKNOWLEDGED)).isEqualTo(2);
            assertThat(linesAbout(log, "RELEASE job-0", topic)).singleElement().asString()
                    .contains("attempt 1 of 3 failed (java.lang.AssertionError: invariant broken by " + topic);
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void workHangingPastItsDeadlineIsInterruptedReleasedAndAcknowledgedLaterOrRejectedAtItsLastAttempt()
            throws Exception {
        String topic = topicWith(3);
        ShareSettings settings = settings(Mode.SHARE_RENEW, topic, 1, SHORT_WORK, 2, 3).withLock(LOCK_MS, LIMIT, 2)
                .withRecordDeadline(DEADLINE);
        // job-0 hangs on its first delivery only, job-1 on every one; both give up when interrupted.
        Processor work = ShareJobs.hangingUntil("job-0", 2,
                ShareJobs.hangingUntil("job-1", ShareJobs.NEVER, ShareJobs.sleeping(SHORT_WORK)));
        try (LogCapture log = LogCapture.start()) {
            ShareReport report = new ShareRun(settings, work).run();

            ShareReport.RecordOutcome once = report.byId().get(topic + "-0@0");
            assertThat(once.deliveryCounts()).containsExactly(1, 2);
            assertThat(once.processed()).isEqualTo(1);
            assertThat(once.acks()).containsExactly("RELEASE ok", "ACCEPT ok");
            assertThat(once.outcome()).isEqualTo(ShareReport.Outcome.ACKNOWLEDGED);
            ShareReport.RecordOutcome always = report.byId().get(topic + "-0@1");
            assertThat(always.deliveryCounts()).containsExactly(1, 2);
            assertThat(always.processed()).isZero();
            assertThat(always.acks()).containsExactly("RELEASE ok", "REJECT ok");
            assertThat(always.outcome()).isEqualTo(ShareReport.Outcome.ARCHIVED);
            assertThat(report.byId().get(topic + "-0@2").outcome()).isEqualTo(ShareReport.Outcome.ACKNOWLEDGED);
            assertThat(report.deadlinePassed()).isEqualTo(3);
            assertThat(report.released()).isEqualTo(2);
            assertThat(report.rejected()).isEqualTo(1);
            assertThat(report.stuckWorkers()).isZero();
            assertThat(report.duplicates()).isZero();

            // STALL comes at a share of the deadline with the process's pauses left out, the interrupt at the deadline
            // by the clock: on a busy machine a hung attempt may be interrupted before it is reported, and a 200 ms
            // record slowed past the share may be reported too. At least one hung attempt is, with its frame.
            assertThat(linesAbout(log, "STALL share-renew-1-worker-", topic)).isNotEmpty()
                    .allMatch(l -> l.matches("STALL share-renew-1-worker-\\d on " + topic + "-0@\\d for \\d+ ms"
                            + " \\(deadline 1000 ms\\)"));
            List<String> hungStacks = log.stacksOf("STALL share-renew-1-worker-", topic).stream()
                    .filter(stack -> stack.contains("ShareJobs.hangUntilInterrupted")).toList();
            assertThat(hungStacks).as("STALLs of the 3 hung attempts").isNotEmpty().hasSizeLessThanOrEqualTo(3);
            assertThat(linesAbout(log, "DEADLINE share-renew-1-worker-", topic)).hasSize(3)
                    .allMatch(l -> l.contains("passed its 1000 ms deadline: interrupting it"));
            assertThat(linesAbout(log, "STALL over: share-renew-1-worker-", topic))
                    .hasSizeGreaterThanOrEqualTo(hungStacks.size());
            assertThat(linesAbout(log, "RELEASE job-0", topic)).singleElement().asString().contains(
                    "attempt 1 of 2 failed (java.util.concurrent.TimeoutException: " + topic + "-0@0 still running"
                            + " after the 1000 ms record deadline on share-renew-1-worker-");
            assertThat(linesAbout(log, "REJECT job-1", topic)).singleElement().asString()
                    .contains("attempt 2 of 2 failed (java.util.concurrent.TimeoutException");
            assertThat(linesAbout(log, "CAPACITY", topic)).as("a worker that honours the interrupt is never lost")
                    .isEmpty();
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void workIgnoringTheDeadlinesInterruptIsReleasedToTheOtherMemberWhileItsWorkerGetsNoRecordAndItsLateResultIsIgnored()
            throws Exception {
        String topic = topicWith(4);
        ShareSettings settings = settings(Mode.SHARE_RENEW, topic, 2, SHORT_WORK, 1, 0).withRecordDeadline(DEADLINE);
        CountDownLatch release = new CountDownLatch(1);
        try (LogCapture log = LogCapture.start()) {
            ShareRun run = new ShareRun(settings, ShareJobs.ignoringInterruptsUntil("job-0", 2, release,
                    ShareJobs.sleeping(SHORT_WORK)));
            CompletableFuture<ShareReport> running = BackgroundRun.start(run);
            ShareReport report;
            String stuck;
            try {
                await().atMost(TIME_LIMIT).until(() -> !linesAbout(log, "CAPACITY", topic).isEmpty()
                        && finishedByTheBroker(settings) == 4);
                String deadline = linesAbout(log, "DEADLINE share-renew-", topic).get(0);
                stuck = deadline.substring("DEADLINE ".length(), deadline.indexOf("-worker-"));
                assertThat(linesAbout(log, "CAPACITY " + stuck, topic)).singleElement().asString()
                        .startsWith("CAPACITY " + stuck + " down to 0 of 1 worker(s): " + stuck + "-worker-1 has"
                                + " ignored the interrupt on " + topic + "-0@0 for ")
                        .endsWith("this member takes no records meanwhile");
                List<String> lines = log.lines();
                assertThat(lines.subList(lines.indexOf(deadline), lines.size()))
                        .as("the stuck member takes no record once its only worker is past its deadline")
                        .noneMatch(l -> l.startsWith("BATCH " + stuck + " ") && l.contains(topic));
            } finally {
                release.countDown();
            }
            await().atMost(TIME_LIMIT).until(() -> !linesAbout(log, "CAPACITY " + stuck + " back to 1 of 1", topic)
                    .isEmpty());
            run.stop();
            report = running.get(TIME_LIMIT.toMillis(), TimeUnit.MILLISECONDS);

            ShareReport.RecordOutcome hung = report.byId().get(topic + "-0@0");
            assertThat(hung.deliveries()).hasSize(2).first().isEqualTo(new ShareLedger.Delivery(stuck, 1));
            assertThat(hung.deliveries().get(1).member()).as("delivered again to the other member").isNotEqualTo(stuck);
            assertThat(hung.acks()).as("the late result is never acknowledged").containsExactly("RELEASE ok",
                    "ACCEPT ok");
            assertThat(hung.processed()).as("the late result does not count").isEqualTo(1);
            assertThat(hung.concurrent()).as("the stuck worker was still on it").isEqualTo(1);
            assertThat(report.count(ShareReport.Outcome.ACKNOWLEDGED)).isEqualTo(4);
            assertThat(report.duplicates()).isZero();
            assertThat(report.deadlinePassed()).isEqualTo(1);
            assertThat(report.stuckWorkers()).as("it came back before the members closed").isZero();

            assertThat(log.stacksOf("STALL " + stuck + "-worker-1 on " + topic + "-0@0")).singleElement().asString()
                    .contains("ShareJobs.awaitIgnoringInterrupts");
            assertThat(linesAbout(log, "RELEASE job-0", topic)).singleElement().asString()
                    .contains("attempt 1 of 3 failed (java.util.concurrent.TimeoutException");
            assertThat(linesAbout(log, "LATE " + stuck + "-worker-1", topic)).singleElement().asString()
                    .contains("(done): ignored, the attempt had failed at the deadline");
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void memberWhoseWorkersAllIgnoreTheirDeadlinesGivesBackTheRecordWaitingForOneAndTakesNoMore() throws Exception {
        String topic = topicWith(6);
        ShareSettings settings = settings(Mode.SHARE_RENEW, topic, 1, SHORT_WORK, 2, 0).withLock(LOCK_MS, LIMIT, 2)
                .withRecordDeadline(DEADLINE);
        CountDownLatch release = new CountDownLatch(1);
        try (LogCapture log = LogCapture.start()) {
            // job-0 hangs on every delivery: on the first it takes one worker, on the second the other, and the
            // record handed over with it (the lowest offset comes first) waits for a worker that never comes back.
            ShareRun run = new ShareRun(settings, ShareJobs.ignoringInterruptsUntil("job-0", ShareJobs.NEVER, release,
                    ShareJobs.sleeping(SHORT_WORK)));
            CompletableFuture<ShareReport> running = BackgroundRun.start(run);
            ShareReport report;
            try {
                await().atMost(TIME_LIMIT).until(() -> !givenBack(log, topic).isEmpty());
                run.stop();
                report = running.get(TIME_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                release.countDown();
            }

            String givenBack = givenBack(log, topic).get(0);
            assertThat(givenBack(log, topic)).hasSize(1);
            assertThat(linesAbout(log, "CAPACITY share-renew-1 down to 0 of 2", topic)).singleElement().asString()
                    .endsWith("this member takes no records meanwhile");
            List<String> lines = log.lines();
            assertThat(lines.subList(lines.indexOf(givenBack), lines.size())).as("no record taken after that")
                    .noneMatch(l -> l.startsWith("BATCH share-renew-1 ") && l.contains(topic));
            assertThat(report.byId().get(topic + "-0@0").acks()).containsExactly("RELEASE ok", "REJECT ok");
            ShareReport.RecordOutcome waiting = report.byId().get(givenBack.split(" ")[2]);
            assertThat(waiting.acks()).containsExactly("RELEASE ok");
            assertThat(waiting.outcome()).as("available again for another member").isEqualTo(
                    ShareReport.Outcome.PENDING);
            assertThat(report.count(ShareReport.Outcome.ARCHIVED)).as("job-0 only").isEqualTo(1);
            assertThat(report.deadlinePassed()).isEqualTo(2);
            assertThat(report.stuckWorkers()).isEqualTo(2);
            assertThat(linesAbout(log, "CLOSING share-renew-1 leaves 2 worker(s) behind", topic)).hasSize(1);
        }
    }

    /** The lines of a record given back because every worker of its member is held past its deadline. */
    private static List<String> givenBack(LogCapture log, String topic) {
        return linesAbout(log, "RELEASE job-", topic).stream().filter(l -> l.contains("not started, all 2 worker(s)"
                + " are held by attempts that ignored their deadline's interrupt")).toList();
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void lockBelowTheBrokersFloorIsRefusedNamingTheBrokerSettingAndItsValue() {
        int code = run("consume", "--mode", "share", "--bootstrap-servers", BROKER.bootstrapServers(),
                "--topic", Fixture.unique("t"), "--group", Fixture.unique("g"), "--lock-ms", "500");

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("ERROR consume: the broker refused --lock-ms 500 for share group ")
                .contains("group.share.min.record.lock.duration.ms=1000");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void deliveryLimitOutsideTwoToTenIsRefusedNamingTheBrokerSettingsThatBoundIt() {
        assertThat(run("consume", "--mode", "share", "--bootstrap-servers", BROKER.bootstrapServers(), "--topic",
                Fixture.unique("t"), "--group", Fixture.unique("g"), "--delivery-limit", "1")).isEqualTo(1);
        assertThat(run("consume", "--mode", "share-renew", "--bootstrap-servers", BROKER.bootstrapServers(), "--topic",
                Fixture.unique("t"), "--group", Fixture.unique("g"), "--delivery-limit", "11")).isEqualTo(1);
        assertThat(run("consume", "--mode", "share", "--members", "0")).isEqualTo(1);

        List<String> errors = err.toString().lines().toList();
        assertThat(errors).hasSize(3);
        assertThat(errors.get(0)).startsWith("ERROR consume: the broker refused --delivery-limit 1 for share group ")
                .contains("group.share.min.delivery.count.limit=2 .. group.share.max.delivery.count.limit=10");
        assertThat(errors.get(1)).startsWith("ERROR consume: the broker refused --delivery-limit 11 for share group ")
                .contains("group.share.max.delivery.count.limit=10");
        assertThat(errors.get(2)).isEqualTo("ERROR consume: --members must be at least 1, got 0");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void consumeShareRenewEndsWithOneSummaryLineOfWhatTheBrokerAcknowledged() {
        String topic = topicWith(2);
        try (LogCapture log = LogCapture.start()) {
            int code = run("consume", "--mode", "share-renew", "--bootstrap-servers", BROKER.bootstrapServers(),
                    "--topic", topic, "--group", Fixture.unique("cli"), "--members", "1", "--process-ms", "300",
                    "--lock-ms", "2000",
                    "--delivery-limit", "4", "--expect", "2", "--duration", "60s");

            assertThat(code).isZero();
            // Other scenarios run at the same time: this run's line is the one with its lock and limit.
            List<String> summaries = log.linesStartingWith("SUMMARY mode=share-renew members=1 lock_ms=2000"
                    + " delivery_limit=4");
            assertThat(summaries).hasSize(1);
            SummaryLine summary = SummaryLine.parse(summaries.get(0));
            assertThat(summary.getLong("records")).isEqualTo(2);
            assertThat(summary.getLong("acknowledged")).isEqualTo(2);
            assertThat(summary.getLong("archived")).isZero();
            assertThat(summary.getLong("duplicates")).isZero();
            assertThat(summary.getLong("refused_acks")).isZero();
        }
    }

    private static void setGroupConfig(String group, String name, String value) throws Exception {
        Duration timeout = Duration.ofSeconds(10);
        try (Admin admin = Admin.create(BrokerCheck.adminProperties(BROKER.bootstrapServers(), timeout))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry(name, value),
                    AlterConfigOp.OpType.SET)))).all().get(10, TimeUnit.SECONDS);
        }
    }
}
