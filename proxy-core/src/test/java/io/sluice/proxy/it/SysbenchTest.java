package io.sluice.proxy.it;

import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * sysbench's OLTP read/write workload (four threads, transactions, prepared statements through libmariadb) through
 * Sluice for ten seconds: no error but the deadlocks the source itself detected, not one reconnect.
 *
 * <p>Four writers updating, deleting and inserting random rows of a small table now and then deadlock on the
 * server, straight to the source as through Sluice (about once in a few thousand transactions here); sysbench
 * restarts such a transaction and counts an "ignored error". So an ignored error passes only when sysbench names it
 * as 1213 (deadlock) and the source's own deadlock counter moved by at least as many: anything else Sluice caused,
 * such as a lock wait timeout (1205) from a transaction left open on a pooled connection, fails.
 */
@ExtendWith(ClusterExtension.class)
class SysbenchTest {
    private static final Logger log = LoggerFactory.getLogger(SysbenchTest.class);
    private static final Pattern IGNORED_ERRORS = Pattern.compile("ignored errors:\\s+(\\d+)");
    /**
     * At {@code --verbosity=5}, sysbench's line for an error it ignored (and restarted the transaction for). Its log
     * folds a line identical to the one before into "(last message repeated N times)", so every code shows at least
     * once but not once per error: the count comes from the summary and the source's deadlock counter.
     */
    private static final Pattern IGNORING = Pattern.compile("Ignoring error (\\d+) ");
    private static final int ER_LOCK_DEADLOCK = 1213;
    private static final String DEADLOCKS =
            "SELECT `COUNT` FROM information_schema.INNODB_METRICS WHERE NAME = 'lock_deadlocks'";
    private static final Pattern RECONNECTS = Pattern.compile("reconnects:\\s+(\\d+)");
    private static final Pattern QUERIES = Pattern.compile("queries:\\s+(\\d+)\\s+\\(([\\d.]+) per sec\\.\\)");
    private static final Pattern TRANSACTIONS = Pattern.compile("transactions:\\s+(\\d+)\\s+\\(([\\d.]+) per sec\\.\\)");

    record Run(int exitCode, String output) {
    }

    @Test
    void oltpReadWriteThroughSluiceHasNoErrorsAndNoReconnects(SandboxCluster cluster) throws Exception {
        String db = "it_sysbench_" + Long.toHexString(System.nanoTime());
        cluster.source().execute("CREATE DATABASE " + db);
        try (SluiceFixture sluice = SluiceFixture.start(cluster)) {
            Run prepare = sysbench(sluice.port(), db, "prepare");
            assertThat(prepare.exitCode()).as(prepare.output()).isZero();

            long deadlocksBefore = Long.parseLong(cluster.source().queryValue(DEADLOCKS));
            Run run = sysbench(sluice.port(), db, "--threads=4", "--time=10", "--verbosity=5", "run");
            long deadlocks = Long.parseLong(cluster.source().queryValue(DEADLOCKS)) - deadlocksBefore;
            assertThat(run.exitCode()).as(run.output()).isZero();
            long transactions = number(TRANSACTIONS, run.output(), 1);
            Matcher queries = QUERIES.matcher(run.output());
            assertThat(queries.find()).as(run.output()).isTrue();
            log.info("sysbench oltp_read_write through Sluice: {} transactions, {} queries, {} queries per second, "
                    + "{} deadlocks on the source", transactions, queries.group(1), queries.group(2), deadlocks);
            long ignored = number(IGNORED_ERRORS, run.output(), 1);
            List<Integer> ignoredCodes = IGNORING.matcher(run.output()).results()
                    .map(m -> Integer.parseInt(m.group(1))).toList();
            assertThat(ignoredCodes.isEmpty()).as("ignored errors without a code:%n%s", run.output())
                    .isEqualTo(ignored == 0);
            assertThat(ignoredCodes).as("the errors sysbench ignored, by code:%n%s", run.output())
                    .allMatch(code -> code == ER_LOCK_DEADLOCK, "1213 (deadlock)");
            assertThat(ignored).as("deadlocks sysbench ignored, against the %d the source detected:%n%s",
                    deadlocks, run.output()).isLessThanOrEqualTo(deadlocks);
            assertThat(number(RECONNECTS, run.output(), 1)).as(run.output()).isZero();
            assertThat(transactions).as(run.output()).isPositive();
            assertThat(run.output()).doesNotContain("FATAL", "ALERT");

            Run cleanup = sysbench(sluice.port(), db, "cleanup");
            assertThat(cleanup.exitCode()).as(cleanup.output()).isZero();
        } finally {
            cluster.source().execute("DROP DATABASE IF EXISTS " + db);
        }
        assertThat(cluster.source().queryValue("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '"
                + db + "'")).isEqualTo("0");
    }

    private static long number(Pattern pattern, String output, int group) {
        Matcher m = pattern.matcher(output);
        assertThat(m.find()).as("no %s in sysbench's output:%n%s", pattern, output).isTrue();
        return Long.parseLong(m.group(group));
    }

    private static Run sysbench(int port, String db, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/usr/bin/sysbench", "oltp_read_write", "--db-driver=mysql",
                "--mysql-host=127.0.0.1", "--mysql-port=" + port, "--mysql-user=" + SandboxAccounts.APP.user(),
                "--mysql-password=" + SandboxAccounts.APP.password(), "--mysql-db=" + db, "--tables=2",
                "--table-size=10000", "--db-ps-mode=auto"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("sysbench", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("sysbench did not finish within 120 s: " + command + "\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.delete(out);
        }
    }
}
