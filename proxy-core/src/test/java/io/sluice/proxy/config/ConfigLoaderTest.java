package io.sluice.proxy.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ConfigLoaderTest {
    private static final String MINIMAL = """
            users:
              - name: app
                password: apppw
            backends:
              - address: 127.0.0.1:3306
            """;

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private SluiceConfig load(String yaml) throws Exception {
        return ConfigLoader.load(write(yaml));
    }

    /** The errors as {@code key: problem}, without the file name every line starts with. */
    private List<String> errors(String yaml) throws IOException {
        Path file = write(yaml);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file));
        assertThat(e).as("expected a ConfigException").isNotNull();
        assertThat(e.errors()).allSatisfy(err -> assertThat(err.file()).isEqualTo(file));
        return e.errors().stream().map(err -> err.key() + ": " + err.problem()).toList();
    }

    private Path touch(String name) throws IOException {
        return Files.writeString(dir.resolve(name), "not really PEM; the loader only checks that the file is there");
    }

    // ---- valid files

    @Test
    void minimalFileTakesEveryDefault() throws Exception {
        SluiceConfig c = load(MINIMAL);

        assertThat(c.listen()).isEqualTo(new HostPort("127.0.0.1", 6033));
        assertThat(c.maxConnections()).isEqualTo(10_000);
        assertThat(c.ioThreads()).as("one event loop per core").isZero();
        assertThat(c.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.users()).containsExactly(new UserConfig("app", "apppw"));
        assertThat(c.usersFromBackend()).isFalse();
        assertThat(c.usersRefreshInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.backends()).containsExactly(new BackendConfig("127.0.0.1:3306", new HostPort("127.0.0.1", 3306), 1));
        assertThat(c.monitor()).isEmpty();
        assertThat(c.tls()).isEqualTo(TlsConfig.defaults());
        assertThat(c.tls().certificate()).isEmpty();
        assertThat(c.tls().backend()).isFalse();
        assertThat(c.tls().backendVerifyHostname()).isTrue();
    }

    @Test
    void fullFileSetsEveryKey() throws Exception {
        Path cert = touch("cert.pem");
        Path key = touch("key.pem");
        Path ca = touch("ca.pem");
        SluiceConfig c = load("""
                listen: 0.0.0.0:3307
                max_connections: 500
                handshake_timeout: 2500ms
                users:
                  - name: app
                    password: apppw
                  - name: reporting
                users_from_backend: false
                users_refresh_interval: 1m
                backends:
                  - name: db1
                    address: db1.internal:3306
                    weight: 3
                  - address: "[fd00::2]:3306"
                monitor:
                  user: sluice_monitor
                  password: "123456"
                  interval: 2s
                tls:
                  cert: %s
                  key: %s
                  backend: true
                  backend_ca: %s
                  backend_verify_hostname: false
                """.formatted(cert, key, ca));

        assertThat(c.listen()).isEqualTo(new HostPort("0.0.0.0", 3307));
        assertThat(c.maxConnections()).isEqualTo(500);
        assertThat(c.handshakeTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(c.users()).containsExactly(new UserConfig("app", "apppw"), new UserConfig("reporting", ""));
        assertThat(c.usersFromBackend()).isFalse();
        assertThat(c.usersRefreshInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.backends()).containsExactly(
                new BackendConfig("db1", new HostPort("db1.internal", 3306), 3),
                new BackendConfig("[fd00::2]:3306", new HostPort("fd00::2", 3306), 1));
        assertThat(c.monitor()).contains(new MonitorConfig("sluice_monitor", "123456", Duration.ofSeconds(2)));
        assertThat(c.tls()).isEqualTo(new TlsConfig(Optional.of(new TlsConfig.CertificateFiles(cert, key)), true,
                Optional.of(ca), false));
    }

    @Test
    void relativePathsAreResolvedAgainstTheConfigFilesDirectory() throws Exception {
        Files.createDirectories(dir.resolve("tls"));
        Files.writeString(dir.resolve("tls/cert.pem"), "x");
        Files.writeString(dir.resolve("tls/key.pem"), "x");

        SluiceConfig c = load(MINIMAL + "tls:\n  cert: tls/cert.pem\n  key: ./tls/key.pem\n");

        assertThat(c.tls().certificate()).contains(
                new TlsConfig.CertificateFiles(dir.resolve("tls/cert.pem"), dir.resolve("tls/key.pem")));
    }

    @Test
    void causalWaitDefaultsTo50msAndTakesZeroOrABudget() throws Exception {
        assertThat(load(MINIMAL).routing().causalWait()).isEqualTo(Duration.ofMillis(50));
        assertThat(load(MINIMAL + "routing:\n  causal_wait: 0ms\n").routing().causalWait()).isZero();
        assertThat(load(MINIMAL + "routing:\n  causal_wait: 1s\n").routing().causalWait())
                .isEqualTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> load(MINIMAL + "routing:\n  max_replica_lag: 0ms\n"))
                .as("where 0 means nothing, it is still refused").hasMessageContaining("must be greater than 0");
    }

    @Test
    void anEmptySectionIsTheSameAsLeavingItOut() throws Exception {
        assertThat(load(MINIMAL + "tls:\nmonitor:\n").tls()).isEqualTo(TlsConfig.defaults());
        assertThat(load(MINIMAL + "tls:\nmonitor:\n").monitor()).isEmpty();
    }

    @Test
    void usersFromBackendDefaultsToOnWhenMonitorCredentialsAreGiven() throws Exception {
        SluiceConfig c = load("""
                backends:
                  - address: db1:3306
                monitor:
                  user: sluice_monitor
                """);

        assertThat(c.usersFromBackend()).isTrue();
        assertThat(c.users()).isEmpty();
        assertThat(c.monitor()).contains(new MonitorConfig("sluice_monitor", "", Duration.ofMillis(500)));
    }

    @Test
    void usersFromBackendCanBeTurnedOffDespiteMonitorCredentials() throws Exception {
        SluiceConfig c = load(MINIMAL + "monitor:\n  user: m\nusers_from_backend: false\n");

        assertThat(c.usersFromBackend()).isFalse();
    }

    @Test
    void userWithoutPasswordHasAnEmptyOne() throws Exception {
        SluiceConfig c = load("users:\n  - name: guest\n  - name: nullpw\n    password:\nbackends:\n  - address: h:1\n");

        assertThat(c.users()).containsExactly(new UserConfig("guest", ""), new UserConfig("nullpw", ""));
    }

    @Test
    void recordsAreImmutable() throws Exception {
        SluiceConfig c = load(MINIMAL);

        assertThatThrownBy(() -> c.backends().add(c.backends().get(0))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.users().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void toStringNeverShowsPasswords() throws Exception {
        SluiceConfig c = load(MINIMAL + "monitor:\n  user: m\n  password: monpw\n");

        assertThat(c.toString()).contains("app", "<hidden>").doesNotContain("apppw", "monpw");
    }

    @Test
    void ioThreadsIsAWholeNumberFromZeroToTheBound() throws Exception {
        assertThat(load(MINIMAL + "io_threads: 4\n").ioThreads()).isEqualTo(4);
        Path negative = write(MINIMAL + "io_threads: -1\n");
        assertThatThrownBy(() -> ConfigLoader.load(negative)).isInstanceOf(ConfigException.class)
                .hasMessage(negative + ": io_threads: must be from 0 to 2147483647, got -1");
        Path huge = write(MINIMAL + "io_threads: 5000\n");
        assertThatThrownBy(() -> ConfigLoader.load(huge)).isInstanceOf(ConfigException.class)
                .hasMessage(huge + ": io_threads: must be at most 1024 (0: one per core)");
    }

    // ---- how errors are reported

    @Test
    void eachErrorLineIsFileThenKeyPathThenProblem() throws Exception {
        Path file = write(MINIMAL + "max_connections: lots\n");

        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": max_connections: expected a whole number, got a string; remove the quotes");
    }

    @Test
    void allErrorsAreReportedTogetherOneLineEach() throws Exception {
        Path file = write("""
                listen: 6033
                max_connections: "100"
                handshake_timeout: 10
                users:
                  - name: app
                    pasword: x
                backends:
                  - address: db1:3306
                  - adress: db2:3306
                tls:
                  cert: /nonexistent/cert.pem
                """);

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file));

        assertThat(e.errors()).extracting(err -> err.key() + ": " + err.problem()).containsExactlyInAnyOrder(
                "listen: missing host in '6033'; write 127.0.0.1:6033 for loopback only, or 0.0.0.0:6033 for all interfaces",
                "max_connections: expected a whole number, got a string; remove the quotes",
                "handshake_timeout: bad duration '10': add a unit (ms, s, m or h), e.g. 10s",
                "users[0].pasword: unknown key (did you mean 'password'?)",
                "backends[1].adress: unknown key (did you mean 'address'?)",
                "backends[1].address: required key is missing",
                "tls.cert: file not found: /nonexistent/cert.pem",
                "tls.key: required when tls.cert is set: the private key of that certificate");
        assertThat(e.getMessage().lines()).hasSize(8).allSatisfy(line -> assertThat(line).startsWith(file + ": "));
    }

    // ---- unknown keys

    @Test
    void unknownKeyInAListEntryIsNamedWithItsPathAndASuggestion() throws Exception {
        assertThat(errors("""
                users: [{name: app}]
                backends:
                  - address: db1:3306
                  - adress: db2:3306
                """)).containsExactly(
                "backends[1].adress: unknown key (did you mean 'address'?)",
                "backends[1].address: required key is missing");
    }

    @Test
    void otherSpellingsOfAKeyAreSuggested() throws Exception {
        assertThat(errors(MINIMAL + "maxConnections: 5\nhandshake-timeout: 1s\n")).containsExactly(
                "maxConnections: unknown key (did you mean 'max_connections'?)",
                "handshake-timeout: unknown key (did you mean 'handshake_timeout'?)");
    }

    @Test
    void unknownKeyFarFromAnyKnownOneHasNoSuggestion() throws Exception {
        assertThat(errors(MINIMAL + "frobnicate: 1\n")).containsExactly("frobnicate: unknown key");
    }

    @Test
    void unknownKeysInNestedSections() throws Exception {
        assertThat(errors(MINIMAL + "monitor:\n  user: m\n  intervall: 1s\ntls:\n  certificate: x\n")).containsExactly(
                "monitor.intervall: unknown key (did you mean 'interval'?)",
                "tls.certificate: unknown key (did you mean 'cert'?)");
    }

    // ---- types

    @Test
    void passwordThatYamlReadsAsANumberMustBeQuotedAndIsNotEchoed() throws Exception {
        List<String> errors = errors("users:\n  - name: app\n    password: 123456\nbackends:\n  - address: h:1\n");

        assertThat(errors).containsExactly("users[0].password: expected a string, got a whole number; put the value in quotes");
        assertThat(String.join("\n", errors)).doesNotContain("123456");
    }

    @Test
    void booleanMustBeTrueOrFalse() throws Exception {
        assertThat(errors(MINIMAL + "tls:\n  backend: \"true\"\n"))
                .containsExactly("tls.backend: expected true or false, got a string");
    }

    @Test
    void sectionsAndListsMustHaveTheRightShape() throws Exception {
        assertThat(errors("users: app\nbackends:\n  address: h:1\nmonitor: m\ntls: [a]\n")).containsExactly(
                "users: expected a list (entries starting with '- '), got a string",
                "monitor: expected a mapping (keys indented under 'monitor:'), got a string",
                "backends: expected a list (entries starting with '- '), got a mapping",
                "backends: required key is missing; list at least one server, e.g. '- address: 127.0.0.1:3306'",
                "tls: expected a mapping (keys indented under 'tls:'), got a list");
    }

    @Test
    void listEntriesMustBeMappings() throws Exception {
        assertThat(errors("users: [{name: app}]\nbackends:\n  - db1:3306\n")).containsExactly(
                "backends[0]: expected a mapping with keys name, address, weight, candidate, priority, got a string");
    }

    @Test
    void numbersMustBeInRange() throws Exception {
        assertThat(errors("""
                max_connections: 0
                users: [{name: app}]
                backends:
                  - address: h:1
                    weight: 0
                  - address: h:2
                    weight: 1.5
                  - address: h:3
                    weight: 99999999999
                """)).containsExactly(
                "max_connections: must be from 1 to 2147483647, got 0",
                "backends[0].weight: must be from 1 to 2147483647, got 0",
                "backends[1].weight: expected a whole number, got a number",
                "backends[2].weight: must be from 1 to 2147483647, got 99999999999");
    }

    // ---- required keys

    @Test
    void emptyFileReportsEveryRequiredKey() throws Exception {
        assertThat(errors("")).containsExactly(
                "users: no accounts for clients to log in with: list some here, or give monitor credentials and "
                        + "users_from_backend: true to load them from the source's mysql.user",
                "backends: required key is missing; list at least one server, e.g. '- address: 127.0.0.1:3306'");
    }

    @Test
    void backendsMustNotBeEmpty() throws Exception {
        assertThat(errors("users: [{name: app}]\nbackends: []\n"))
                .containsExactly("backends: needs at least one server, e.g. '- address: 127.0.0.1:3306'");
    }

    @Test
    void requiredKeysInsideEntriesAndSections() throws Exception {
        assertThat(errors("users:\n  - password: x\n  - name: ''\nbackends:\n  - name: db1\nmonitor:\n  password: x\n"))
                .containsExactly(
                        "users[0].name: required key is missing",
                        "users[1].name: must not be empty",
                        "monitor.user: required key is missing",
                        "backends[0].address: required key is missing");
    }

    @Test
    void usersFromBackendWithoutMonitorCredentialsIsAnError() throws Exception {
        assertThat(errors("users_from_backend: true\nbackends:\n  - address: h:1\n")).containsExactly(
                "users_from_backend: needs the monitor section (monitor.user, monitor.password): its credentials are "
                        + "the ones used to read mysql.user");
    }

    @Test
    void userNamesLongerThanMysqlAllowsAreRejected() throws Exception {
        assertThat(errors("users:\n  - name: " + "u".repeat(33) + "\nbackends:\n  - address: h:1\n"))
                .containsExactly("users[0].name: longer than 32 characters, MySQL's limit for user names");
    }

    // ---- duplicates

    @Test
    void duplicateBackendNamesAndAddresses() throws Exception {
        assertThat(errors("""
                users: [{name: app}]
                backends:
                  - name: db1
                    address: db1:3306
                  - name: db1
                    address: db2:3306
                  - name: other
                    address: DB1:3306
                  - address: db3:3306
                  - name: db3:3306
                    address: db4:3306
                """)).containsExactly(
                "backends[1].name: duplicate backend name 'db1' (also backends[0])",
                "backends[2].address: duplicate backend address DB1:3306 (also backends[0])",
                "backends[4].name: duplicate backend name 'db3:3306' (also backends[3])");
    }

    @Test
    void duplicateUsers() throws Exception {
        assertThat(errors("users: [{name: app}, {name: app, password: x}]\nbackends: [{address: 'h:1'}]\n"))
                .containsExactly("users[1].name: duplicate user 'app' (also users[0])");
    }

    @Test
    void keyRepeatedInOneMappingIsAnError() throws Exception {
        assertThat(errors(MINIMAL + "listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n"))
                .singleElement().asString().startsWith("line 7, column").contains("Duplicate field 'listen'");
    }

    // ---- sizes

    @ParameterizedTest
    @CsvSource({"65536, 65536", "64K, 65536", "64M, 67108864", "1G, 1073741824", "16m, 16777216", "1k, 1024"})
    void maxAllowedPacketSizes(String text, long expected) throws Exception {
        assertThat(load(MINIMAL + "max_allowed_packet: " + text + "\n").maxAllowedPacket()).isEqualTo(expected);
    }

    @Test
    void maxAllowedPacketDefaultsTo64M() throws Exception {
        assertThat(load(MINIMAL).maxAllowedPacket()).isEqualTo(64L << 20);
    }

    @Test
    void badMaxAllowedPacket() throws Exception {
        assertThat(errors(MINIMAL + "max_allowed_packet: 64 MB\n")).containsExactly(
                "max_allowed_packet: bad size '64 MB': write a whole number of bytes, optionally followed by K, M or G, "
                        + "e.g. 64M");
        assertThat(errors(MINIMAL + "max_allowed_packet: 2G\n")).containsExactly(
                "max_allowed_packet: must be from 1K to 1G, got 2G");
        assertThat(errors(MINIMAL + "max_allowed_packet: 1000\n")).containsExactly(
                "max_allowed_packet: must be from 1K to 1G, got 1000");
        assertThat(errors(MINIMAL + "max_allowed_packet: true\n")).containsExactly(
                "max_allowed_packet: expected a size such as 65536, 64K, 64M or 1G, got a boolean");
    }

    // ---- durations

    @ParameterizedTest
    @CsvSource({"500ms, PT0.5S", "2s, PT2S", "1m, PT1M", "1h, PT1H", "90s, PT1M30S", "1ms, PT0.001S"})
    void durationsWithUnits(String text, Duration expected) throws Exception {
        assertThat(load(MINIMAL + "handshake_timeout: " + text + "\n").handshakeTimeout()).isEqualTo(expected);
    }

    @Test
    void bareNumberDurationAsksForAUnit() throws Exception {
        assertThat(errors(MINIMAL + "handshake_timeout: 10\nusers_refresh_interval: '30'\n")).containsExactly(
                "handshake_timeout: bad duration '10': add a unit (ms, s, m or h), e.g. 10s",
                "users_refresh_interval: bad duration '30': add a unit (ms, s, m or h), e.g. 30s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5s", "10 sec", "-1s", "2d", "250us", "s", "1m30s"})
    void malformedDurations(String text) throws Exception {
        assertThat(errors(MINIMAL + "handshake_timeout: " + text + "\n")).containsExactly(
                "handshake_timeout: bad duration '" + text + "': write a whole number followed by ms, s, m or h, "
                        + "e.g. 500ms or 2s");
    }

    @Test
    void zeroAndHugeDurations() throws Exception {
        assertThat(errors(MINIMAL + "handshake_timeout: 0s\nusers_refresh_interval: 721h\n"
                + "monitor:\n  user: m\n  interval: 99999999999999999999999ms\n")).containsExactly(
                "handshake_timeout: must be greater than 0",
                "monitor.interval: duration '99999999999999999999999ms' is too long; at most 720h (30 days)",
                "users_refresh_interval: duration '721h' is too long; at most 720h (30 days)");
    }

    @Test
    void durationMustBeAScalar() throws Exception {
        assertThat(errors(MINIMAL + "handshake_timeout: [1s]\n"))
                .containsExactly("handshake_timeout: expected a duration such as 500ms, 2s, 1m or 1h, got a list");
    }

    // ---- addresses

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "127.0.0.1:6033 | 127.0.0.1 | 6033",
            "0.0.0.0:1      | 0.0.0.0   | 1",
            "db-1.example.com:65535 | db-1.example.com | 65535",
            "[::1]:3306     | ::1       | 3306",
            "[fe80::1%eth0]:3306 | fe80::1%eth0 | 3306"})
    void validAddresses(String text, String host, int port) throws Exception {
        assertThat(load(MINIMAL + "listen: '" + text + "'\n").listen()).isEqualTo(new HostPort(host, port));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            ":6033     | missing host in ':6033'; write 127.0.0.1:6033 for loopback only, or 0.0.0.0:6033 for all interfaces",
            "6033        | missing host in '6033'; write 127.0.0.1:6033 for loopback only, or 0.0.0.0:6033 for all interfaces",
            "db1         | missing port in 'db1'; write host:port, e.g. db1:3306",
            "db1:      | missing port in 'db1:'; write host:port, e.g. db1:3306",
            "db1:0       | bad port in 'db1:0': 0 is not from 1 to 65535",
            "db1:65536   | bad port in 'db1:65536': 65536 is not from 1 to 65535",
            "db1:mysql   | bad port in 'db1:mysql': 'mysql' is not a number from 1 to 65535",
            "::1:3306  | bad address '::1:3306': put an IPv6 address in brackets, e.g. [::1]:3306",
            "[::1]     | bad address '[::1]': missing ':port' after ']'",
            "[db1]:3306 | bad address '[db1]:3306': 'db1' is not an IPv6 address",
            "db 1:3306 | bad address 'db 1:3306': 'db 1' is not a host name or IP address"})
    void badAddresses(String text, String problem) throws Exception {
        assertThat(errors("users: [{name: app}]\nbackends:\n  - address: '" + text + "'\n"))
                .containsExactly("backends[0].address: " + problem);
    }

    @Test
    void addressRoundTripsThroughToString() {
        for (String s : List.of("127.0.0.1:6033", "[::1]:3306", "db1:3306")) {
            assertThat(HostPort.parse(s).toString()).isEqualTo(s);
        }
    }

    // ---- files and TLS keys

    @Test
    void certWithoutKeyAndKeyWithoutCert() throws Exception {
        touch("cert.pem");
        assertThat(errors(MINIMAL + "tls:\n  cert: cert.pem\n"))
                .containsExactly("tls.key: required when tls.cert is set: the private key of that certificate");
        assertThat(errors(MINIMAL + "tls:\n  key: cert.pem\n"))
                .containsExactly("tls.cert: required when tls.key is set: the certificate of that private key");
    }

    @Test
    void missingFilesAndDirectoriesAreNamedWithTheirKey() throws Exception {
        Files.createDirectory(dir.resolve("certs"));
        assertThat(errors(MINIMAL + "tls:\n  cert: certs\n  key: nothere.pem\n  backend: true\n  backend_ca: ''\n"))
                .containsExactly(
                        "tls.cert: not a regular file: " + dir.resolve("certs"),
                        "tls.key: file not found: " + dir.resolve("nothere.pem"),
                        "tls.backend_ca: must not be empty");
    }

    @Test
    void unreadableFileIsAnError() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
                "root can read any file");
        Path key = touch("key.pem");
        touch("cert.pem");
        Files.setPosixFilePermissions(key, java.util.Set.of());

        assertThat(errors(MINIMAL + "tls:\n  cert: cert.pem\n  key: key.pem\n"))
                .containsExactly("tls.key: cannot read " + key + ": permission denied");
    }

    @Test
    void backendOnlyTlsKeysNeedBackendTls() throws Exception {
        touch("ca.pem");
        assertThat(errors(MINIMAL + "tls:\n  backend_ca: ca.pem\n  backend_verify_hostname: false\n")).containsExactly(
                "tls.backend_ca: has no effect without backend: true",
                "tls.backend_verify_hostname: has no effect without backend: true");
    }

    // ---- the file itself

    @Test
    void yamlSyntaxErrorGivesLineAndColumn() throws Exception {
        assertThat(errors("backends:\n  - address: [h:1\n")).singleElement().asString()
                .matches("line 2, column \\d+: not valid YAML: [^\n]+");
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("absent.yaml");
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOf(ConfigException.class)
                .hasMessage(file + ": (file): no such file");
    }

    @Test
    void topLevelMustBeAMapping() throws Exception {
        assertThat(errors("- listen: 127.0.0.1:1\n")).containsExactly(
                "(top): expected a mapping of keys such as 'listen:' and 'backends:', got a list");
    }

    // ---- the operator's sections

    @Test
    void operatorSectionsDefaults() throws Exception {
        SluiceConfig c = load(MINIMAL);

        assertThat(c.admin()).isEmpty();
        assertThat(c.metrics()).isEqualTo(new MetricsConfig(true, new HostPort("127.0.0.1", 9104)));
        assertThat(c.shutdown().drainTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.proxyProtocolNetworks()).isEmpty();
    }

    @Test
    void operatorSectionsSetEveryKey() throws Exception {
        SluiceConfig c = load(MINIMAL + """
                admin:
                  listen: 0.0.0.0:7032
                  user: ops
                  password: "s3cret"
                metrics:
                  enabled: false
                  listen: 10.0.0.5:9200
                shutdown:
                  drain_timeout: 30s
                proxy_protocol_networks: [10.0.0.0/8, 192.168.1.10, "fd00::/8"]
                """);

        assertThat(c.admin()).contains(new AdminConfig(new HostPort("0.0.0.0", 7032), "ops", "s3cret"));
        assertThat(c.metrics()).isEqualTo(new MetricsConfig(false, new HostPort("10.0.0.5", 9200)));
        assertThat(c.shutdown().drainTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.proxyProtocolNetworks()).extracting(Cidr::toString)
                .containsExactly("10.0.0.0/8", "192.168.1.10/32", "fd00::/8");
    }

    @Test
    void adminDefaultsToLoopbackAndUserAdmin() throws Exception {
        SluiceConfig c = load(MINIMAL + "admin:\n  password: pw\n");

        assertThat(c.admin()).contains(new AdminConfig(new HostPort("127.0.0.1", 6032), "admin", "pw"));
        assertThat(c.admin().orElseThrow().toString()).doesNotContain("pw]").contains("<hidden>");
    }

    @Test
    void adminNeedsAPassword() throws Exception {
        assertThat(errors(MINIMAL + "admin:\n  user: ops\n")).singleElement().asString()
                .startsWith("admin.password: required key is missing");
        assertThat(errors(MINIMAL + "admin:\n  password: ''\n")).containsExactly("admin.password: must not be empty");
    }

    @Test
    void listenersMustNotShareAnAddress() throws Exception {
        assertThat(errors(MINIMAL + "listen: 127.0.0.1:7000\nadmin:\n  listen: 127.0.0.1:7000\n  password: pw\n"
                + "metrics:\n  listen: 127.0.0.1:7000\n")).containsExactlyInAnyOrder(
                "admin.listen: the same address as listen (127.0.0.1:7000); give the admin interface its own port",
                "metrics.listen: the same address as listen (127.0.0.1:7000)");
        assertThat(errors(MINIMAL + "admin:\n  listen: 127.0.0.1:7001\n  password: pw\n"
                + "metrics:\n  listen: 127.0.0.1:7001\n")).containsExactly(
                "metrics.listen: the same address as admin.listen (127.0.0.1:7001)");
        // A disabled metrics listener binds nothing, so it cannot clash.
        assertThat(load(MINIMAL + "metrics:\n  enabled: false\n  listen: 127.0.0.1:6033\n").metrics().enabled())
                .isFalse();
    }

    @Test
    void badProxyProtocolNetworksAreEachReported() throws Exception {
        assertThat(errors(MINIMAL + "proxy_protocol_networks: [10.0.0.0/8, lb.internal, 10.0.0.1/33, 10.0.0.1/8, 7]\n"))
                .containsExactly(
                        "proxy_protocol_networks[1]: 'lb.internal' is not an IP network; write an address with a prefix"
                                + " length, e.g. 10.0.0.0/8 or fd00::/8 (host names are not allowed)",
                        "proxy_protocol_networks[2]: bad prefix length in '10.0.0.1/33': must be from 0 to 32",
                        "proxy_protocol_networks[3]: 10.0.0.1/8 has host bits set; the network is 10.0.0.0/8",
                        "proxy_protocol_networks[4]: expected a string, got a whole number");
        assertThat(errors(MINIMAL + "proxy_protocol_networks: 10.0.0.0/8\n")).containsExactly(
                "proxy_protocol_networks: expected a list (entries starting with '- ', or [a, b]), got a string");
    }

    @Test
    void cidrMatching() {
        Cidr net = Cidr.parse("10.1.0.0/16");
        assertThat(net.contains(address("10.1.200.3"))).isTrue();
        assertThat(net.contains(address("10.2.0.1"))).isFalse();
        assertThat(net.contains(address("::1"))).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains(address("203.0.113.9"))).isTrue();
        assertThat(Cidr.parse("127.0.0.1").contains(address("127.0.0.1"))).isTrue();
        assertThat(Cidr.parse("127.0.0.1").contains(address("127.0.0.2"))).isFalse();
        assertThat(Cidr.parse("fd00::/8").contains(address("fd12::1"))).isTrue();
        // An IPv4 client on a dual-stack socket shows up as IPv4-mapped IPv6, which Java turns into IPv4.
        assertThat(net.contains(address("::ffff:10.1.0.1"))).isTrue();
    }

    private static java.net.InetAddress address(String literal) {
        try {
            return java.net.InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void knownKeysListsEverySectionsKeys() {
        assertThat(ConfigLoader.knownKeys()).contains("listen", "users[].password", "backends[].address", "monitor.interval",
                "tls", "tls.backend_verify_hostname");
    }
}
