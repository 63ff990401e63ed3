package io.sluice.proxy.it;

import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's "run" command, {@code sluice demo}, as a new user meets it: a process of its own that starts a sandbox
 * cluster, prints how to connect, answers through the printed JDBC URL and admin command line, and on SIGTERM
 * stops the servers, deletes the sandbox and exits 0.
 */
class DemoTest {
    private static final Duration START = Duration.ofSeconds(90);

    @Test
    void demoAnswersThroughThePrintedUrlAndCleansUpOnSigterm() throws Exception {
        int port = freePort();
        int adminPort = freePort();
        int metricsPort = freePort();
        try (SluiceProcess demo = SluiceProcess.start("demo", "--port", Integer.toString(port), "--admin-port",
                Integer.toString(adminPort), "--metrics-port", Integer.toString(metricsPort))) {
            String url = demo.awaitGroup(Pattern.compile("JDBC:\\s+(jdbc:\\S+)"), START);
            demo.awaitLine("Ctrl-C stops Sluice", START);
            Path sandbox = Path.of(demo.awaitGroup(Pattern.compile("source data dir: (\\S+)"), START))
                    .getParent().getParent();
            Map<String, Long> servers = servers(demo.output());
            assertThat(servers).as("the servers it printed: %s", demo).containsKeys("source", "replica1", "replica2");
            assertThat(url).contains(":" + port + "/");
            assertThat(Files.isDirectory(sandbox)).isTrue();

            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE IF NOT EXISTS demo_test");
                s.execute("CREATE TABLE demo_test.t (id INT PRIMARY KEY)");
                s.execute("INSERT INTO demo_test.t VALUES (7)");
                // Read-your-writes is the demo's default: the row is there wherever the read goes.
                try (ResultSet rs = s.executeQuery("SELECT id FROM demo_test.t")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isEqualTo(7);
                }
            }
            String admin = demo.awaitGroup(Pattern.compile("admin:\\s+(mariadb .*?)\\s{2,}"), START);
            assertThat(admin).contains("-P" + adminPort);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                try (Connection a = DriverManager.getConnection(ConnectorJ.url("127.0.0.1", adminPort, "", "admin",
                        "admin", "sslMode=DISABLED")); Statement s = a.createStatement();
                     ResultSet rs = s.executeQuery("SHOW BACKENDS")) {
                    List<String> roles = new ArrayList<>();
                    while (rs.next()) {
                        roles.add(rs.getString("name") + "=" + rs.getString("role"));
                    }
                    assertThat(roles).containsExactlyInAnyOrder("source=source", "replica1=replica", "replica2=replica");
                }
            });
            // The binlog client logs through java.util.logging. Its records go through Sluice's log, in its format and
            // at its levels (com.github.shyiko at WARN), not as JUL's own "INFO: Connected to ..." pairs of lines.
            assertThat(demo.output()).as("output:\n%s", demo)
                    .noneMatch(l -> l.matches("(SEVERE|WARNING|INFO|CONFIG|FINE): .*"))
                    .noneMatch(l -> l.contains("com.github.shyiko.mysql.binlog.BinaryLogClient connect"));

            demo.signal("TERM");
            assertThat(demo.awaitExit(Duration.ofSeconds(60))).as("exit status after SIGTERM; output:\n%s", demo)
                    .isZero();
            assertThat(Files.exists(sandbox)).as("the sandbox %s is deleted", sandbox).isFalse();
            for (Map.Entry<String, Long> server : servers.entrySet()) {
                assertThat(ProcessHandle.of(server.getValue()).map(ProcessHandle::isAlive).orElse(false))
                        .as("%s (pid %d) stopped", server.getKey(), server.getValue()).isFalse();
            }
        }
    }

    /** The servers the demo listed: {@code "  source  127.0.0.1:port  pid N"}. */
    private static Map<String, Long> servers(List<String> output) {
        Pattern line = Pattern.compile("^\\s+(\\S+)\\s+127\\.0\\.0\\.1:\\d+\\s+pid (\\d+)$");
        Map<String, Long> out = new HashMap<>();
        for (String l : output) {
            Matcher m = line.matcher(l);
            if (m.matches()) {
                out.put(m.group(1), Long.parseLong(m.group(2)));
            }
        }
        return out;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
