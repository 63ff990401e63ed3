package io.sluice.proxy.it;

import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code mariadb} command-line client (libmariadb, as CI installs it with apt) through Sluice: the same script
 * run through Sluice and straight against the source must print the same bytes.
 *
 * <p>COM_CHANGE_USER is not covered here: the CLI has no command that sends it (see {@link ChangeUserTest}).
 */
@ExtendWith(ClusterExtension.class)
class CliTest {
    private static final String CLIENT = "/usr/bin/mariadb";
    private static final String DB = "it_cli_" + Long.toHexString(System.nanoTime());

    private static SandboxCluster cluster;
    private static SluiceFixture sluice;

    /** {@code stdout} decoded leniently (the client prints binary columns raw); {@code rawStdout} as printed. */
    record Run(int exitCode, byte[] rawStdout, String stdout, String stderr) {
    }

    @BeforeAll
    static void start(SandboxCluster shared) {
        cluster = shared;
        sluice = SluiceFixture.start(cluster);
    }

    @AfterAll
    static void stop() {
        if (sluice != null) {
            sluice.close();
        }
        cluster.source().execute("DROP DATABASE IF EXISTS " + DB);
    }

    @Test
    void scriptPrintsTheSameThroughSluiceAsDirect() throws Exception {
        // Creates and drops its database, so the two runs start from the same state and print the same names.
        String script = """
                CREATE DATABASE %1$s CHARACTER SET utf8mb4;
                USE %1$s;
                CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, note TEXT NULL, amount DECIMAL(8,2),
                  at DATETIME NULL, raw VARBINARY(8)) CHARACTER SET utf8mb4;
                INSERT INTO t VALUES (1, 'alice', 'héllo wörld 😀', 1.50, '2024-01-01 00:00:00', x'00ff'),
                  (2, 'bob', NULL, -2.25, NULL, NULL), (3, '日本語', 'tab\\there\\nnewline', 0, '1999-12-31 23:59:59', '');
                SELECT * FROM t ORDER BY id;
                SELECT COUNT(*), SUM(amount), GROUP_CONCAT(name ORDER BY id SEPARATOR ','), MAX(note) FROM t;
                SELECT 1/0;
                SHOW WARNINGS;
                SELECT CAST('12abc' AS INT) AS truncated;
                SHOW WARNINGS;
                SELECT NULL, '', 'NULL', 0.1 + 0.2, 1e300 * 10, _utf8mb4 x'F09F9880' AS emoji;
                SELECT * FROM t WHERE id > 100;
                SELECT seq, REPEAT('y', seq %% 50), seq * 1.5 FROM seq_1_to_3000;
                DELIMITER //
                SELECT 'multi', 1; SELECT 'statement', 2; UPDATE t SET amount = amount + 1 WHERE id = 1; SELECT amount FROM t WHERE id = 1//
                CREATE PROCEDURE p(IN lim INT) BEGIN SELECT id, name FROM t WHERE id < lim ORDER BY id; SELECT note FROM t WHERE id = 3; END//
                DELIMITER ;
                CALL p(3);
                SELECT 'after the procedure';
                SELECT @@character_set_client, @@character_set_results, DATABASE(), CURRENT_USER();
                USE mysql;
                SELECT DATABASE();
                USE %1$s;
                SHOW CREATE TABLE t;
                SHOW COLUMNS FROM t;
                SET @v = 'user variable';
                SELECT @v, LENGTH(REPEAT('z', 100000)), MD5(REPEAT('z', 100000));
                DROP DATABASE %1$s;
                """.formatted(DB);

        Run direct = mariadb(cluster.source().port(), script, "--batch", "--raw", "--default-character-set=utf8mb4");
        Run proxied = mariadb(sluice.port(), script, "--batch", "--raw", "--default-character-set=utf8mb4");

        assertThat(direct.exitCode()).as("direct run failed: %s", direct.stderr()).isZero();
        assertThat(direct.stdout()).contains("héllo wörld 😀", "tab\there\nnewline", "Warning\t1365\tDivision by 0",
                "multi\t1\nmulti\t1\n", "statement\t2\nstatement\t2\n", "after the procedure", "3000\t", "user variable");
        assertThat(proxied.stderr()).isEqualTo(direct.stderr()).isEmpty();
        assertThat(proxied.exitCode()).isZero();
        assertThat(lines(proxied.stdout())).containsExactlyElementsOf(lines(direct.stdout()));
        assertThat(proxied.rawStdout()).isEqualTo(direct.rawStdout());
    }

    @Test
    void errorsPrintTheSameAndForceCarriesOn() throws Exception {
        String script = """
                SELEC 1;
                SELECT * FROM no_such_db.no_such_table;
                SIGNAL SQLSTATE '45000' SET MYSQL_ERRNO = 1644, MESSAGE_TEXT = 'custom error';
                SELECT 'still here';
                """;
        Run direct = mariadb(cluster.source().port(), script, "--batch", "--raw", "--force");
        Run proxied = mariadb(sluice.port(), script, "--batch", "--raw", "--force");
        assertThat(direct.stderr()).contains("ERROR 1064 (42000) at line 1", "ERROR 1146 (42S02) at line 2",
                "ERROR 1644 (45000) at line 3: custom error");
        assertThat(proxied.stderr()).isEqualTo(direct.stderr());
        assertThat(proxied.stdout()).isEqualTo(direct.stdout()).contains("still here");
        // With --force the client carries on past errors and exits 0, through Sluice as directly.
        assertThat(proxied.exitCode()).isEqualTo(direct.exitCode()).isZero();
    }

    @Test
    void tlsToSluice() throws Exception {
        // status is the client's own report on its connection: the cipher it negotiated with Sluice.
        Run run = mariadb(sluice.port(), "status\nSELECT 'over tls', 1 + 1;\n", "--ssl", "--batch", "--raw");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdout()).containsPattern("SSL:\\s+Cipher in use is \\S+").contains("over tls\t2");

        Run plain = mariadb(sluice.port(), "status\n", "--skip-ssl", "--batch", "--raw");
        assertThat(plain.exitCode()).as(plain.stderr()).isZero();
        assertThat(plain.stdout()).containsPattern("SSL:\\s+Not in use");

        // Sluice's certificate is self-signed: a client that verifies it must refuse to go on.
        Run verified = mariadb(sluice.port(), "SELECT 1;\n", "--ssl", "--ssl-verify-server-cert", "--batch");
        assertThat(verified.exitCode()).isNotZero();
        assertThat(verified.stderr()).contains("ERROR 2026 (HY000)");
    }

    @Test
    void wrongPasswordIsRefusedWithAccessDenied() throws Exception {
        Run run = run(List.of(CLIENT, "--no-defaults", "--protocol=TCP", "-h127.0.0.1", "-P" + sluice.port(),
                "-u", SandboxAccounts.APP.user(), "-pnot-the-password", "--batch", "-e", "SELECT 1"), "");
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).contains("ERROR 1045 (28000)", "Access denied for user 'app'");
        assertThat(run.stdout()).isEmpty();
    }

    private static Run mariadb(int port, String script, String... options) throws IOException, InterruptedException {
        // --no-defaults (which must come first): no option file on the machine may change what is printed.
        List<String> command = new ArrayList<>(List.of(CLIENT, "--no-defaults", "--protocol=TCP", "-h127.0.0.1",
                "-P" + port, "-u", SandboxAccounts.APP.user(), "-p" + SandboxAccounts.APP.password()));
        command.addAll(List.of(options));
        return run(command, script);
    }

    static Run run(List<String> command, String stdin) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("sluice-cli");
        Path in = Files.writeString(dir.resolve("in.sql"), stdin, StandardCharsets.UTF_8);
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        Process p = new ProcessBuilder(command).redirectInput(in.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("mariadb did not finish within 60 s: " + command);
        }
        byte[] printed = Files.readAllBytes(out);
        Run run = new Run(p.exitValue(), printed, new String(printed, StandardCharsets.UTF_8),
                new String(Files.readAllBytes(err), StandardCharsets.UTF_8));
        Files.delete(in);
        Files.delete(out);
        Files.delete(err);
        Files.delete(dir);
        return run;
    }

    private static List<String> lines(String s) {
        return List.of(s.split("\n", -1));
    }
}
