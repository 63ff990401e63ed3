package io.sluice.proxy.it;

import io.sluice.proxy.config.PoolConfig;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The admin interface through the {@code mariadb} command-line client, the tool operators will use: logging in, each
 * command's output as the client prints it, and what the client sends on its own when it connects.
 */
@ExtendWith(ClusterExtension.class)
class AdminCliTest {
    private static final String CLIENT = "/usr/bin/mariadb";
    private static SandboxCluster cluster;
    private static SluiceFixture sluice;

    @BeforeAll
    static void start(SandboxCluster shared) {
        cluster = shared;
        sluice = SluiceFixture.start(SluiceFixture.withOperatorPorts(
                SluiceFixture.splittingConfig(cluster, RoutingConfig.defaults(), PoolConfig.defaults())));
    }

    @AfterAll
    static void stop() {
        if (sluice != null) {
            sluice.close();
        }
    }

    private static CliTest.Run as(String user, String password, String script, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(CLIENT, "--no-defaults", "--protocol=TCP", "-h127.0.0.1",
                "-P" + sluice.adminPort(), "-u", user, "-p" + password));
        command.addAll(List.of(options));
        return CliTest.run(command, script);
    }

    private static CliTest.Run admin(String script, String... options) throws Exception {
        return as(SluiceFixture.ADMIN_USER, SluiceFixture.ADMIN_PASSWORD, script, options);
    }

    @Test
    void showCommandsPrintTheirTables() throws Exception {
        CliTest.Run run;
        // A client session, so that SHOW SESSIONS has a row (the client prints no header for an empty result).
        try (var client = ReadWriteSplitTest.connect(sluice)) {
            run = admin("SHOW BACKENDS;\nSHOW SESSIONS;\nSHOW ROUTING STATS;\nSHOW VERSION;\nSHOW CONFIG;\n", "--batch");
        }
        assertThat(run.stderr()).isEmpty();
        assertThat(run.exitCode()).isZero();
        List<String> lines = List.of(run.stdout().split("\n"));
        assertThat(lines).contains(
                "name\taddress\trole\tstate\tlag_ms\tgtid_executed\tin_flight\tpool_in_use\tpool_idle\terrors",
                "id\tuser\tclient\tbackends\tin_transaction\tstate\tidle_ms\tconsistency\tlast_write_gtid\ttoken",
                "sluice\tbackend\tjava",
                "key\tvalue",
                "admin.password\t<hidden>");
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("\\d+\\tapp\\t127\\.0\\.0\\.1:\\d+\\t.*\\t0\\tidle\\t\\d+\\tsession\\t.*"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith(cluster.source().name() + "\t"
                + cluster.source().address() + "\tsource\tup\t0\t0-1-"));
        for (int i = 1; i <= 2; i++) {
            String replica = cluster.replica(i).name() + "\t" + cluster.replica(i).address() + "\treplica\tup\t";
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith(replica));
        }
    }

    @Test
    void setBackendOfflineAndOnline() throws Exception {
        String r1 = cluster.replica(1).name();
        CliTest.Run run = admin("SET BACKEND " + r1 + " OFFLINE SOFT;\nSHOW BACKENDS;\nSET BACKEND " + r1
                + " ONLINE;\nSHOW BACKENDS;\n", "--batch", "--skip-column-names");
        assertThat(run.stderr()).isEmpty();
        List<String> r1Rows = List.of(run.stdout().split("\n")).stream().filter(l -> l.startsWith(r1 + "\t")).toList();
        assertThat(r1Rows).hasSize(2);
        assertThat(r1Rows.get(0)).contains("\toffline\toffline soft (replica, up)\t");
        assertThat(r1Rows.get(1)).contains("\treplica\tup\t");
    }

    @Test
    void errorsAsTheClientPrintsThem() throws Exception {
        CliTest.Run run = admin("SHOW TABLES;\nSWITCHOVER TO " + cluster.replica(1).name()
                + ";\nSET BACKEND nosuch ONLINE;\nSELECT 'still here';\n", "--batch", "--force");
        assertThat(run.stderr()).contains(
                "ERROR 1064 (42000) at line 1: You have an error in your SQL syntax; unknown command. Sluice's admin"
                        + " interface knows SHOW BACKENDS, SHOW SESSIONS,",
                "ERROR 1210 (HY000) at line 2: Incorrect arguments to SWITCHOVER TO " + cluster.replica(1).name()
                        + ": switchover needs failover.mode: auto",
                "ERROR 1210 (HY000) at line 3: Incorrect arguments to SET BACKEND: no backend named 'nosuch'");
        assertThat(run.stdout()).isEqualTo("still here\nstill here\n");
    }

    @Test
    void wrongPasswordAndApplicationUsersAreRefused() throws Exception {
        CliTest.Run wrong = as(SluiceFixture.ADMIN_USER, "not-it", "", "-e", "SHOW VERSION");
        assertThat(wrong.exitCode()).isNotZero();
        assertThat(wrong.stderr()).contains("ERROR 1045 (28000): Access denied for user '" + SluiceFixture.ADMIN_USER
                + "'@'127.0.0.1' (using password: YES)");
        CliTest.Run app = as(SandboxAccounts.APP.user(), SandboxAccounts.APP.password(), "", "-e", "SHOW VERSION");
        assertThat(app.exitCode()).isNotZero();
        assertThat(app.stderr()).contains("ERROR 1045 (28000): Access denied for user 'app'");
    }

    @Test
    void whatTheClientSendsByItselfIsAnswered() throws Exception {
        // The queries the client sends on its own: at connect in interactive mode, and for its status command.
        CliTest.Run run = admin("select @@version_comment limit 1;\nselect DATABASE(), USER() limit 1;\n"
                + "SET NAMES utf8mb4;\nstatus\n", "--batch");
        assertThat(run.stderr()).isEmpty();
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).contains("@@version_comment\nSluice admin interface\n",
                "DATABASE()\tUSER()\nNULL\t" + SluiceFixture.ADMIN_USER + "@127.0.0.1\n",
                "Server:\t\t\tMariaDB", "Sluice admin interface");
    }

    @Test
    void anInteractiveSessionConnectsAndQuits() throws Exception {
        // On a terminal the client runs interactively: it asks for @@version_comment at connect and prints it.
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "util-linux 'script' is needed for a terminal");
        String line = String.join(" ", CLIENT, "--no-defaults", "--protocol=TCP", "-h127.0.0.1",
                "-P" + sluice.adminPort(), "-u", SluiceFixture.ADMIN_USER, "-p" + SluiceFixture.ADMIN_PASSWORD);
        CliTest.Run run = CliTest.run(List.of("/usr/bin/script", "-qec", line, "/dev/null"),
                "SHOW VERSION;\nquit\n");
        assertThat(run.stdout()).contains("Sluice admin interface", "| sluice", "Bye");
        assertThat(run.stdout()).doesNotContain("ERROR");
    }
}
