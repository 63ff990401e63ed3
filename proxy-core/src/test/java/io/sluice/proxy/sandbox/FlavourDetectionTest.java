package io.sluice.proxy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which flavour {@link ServerBinaries#detect} picks, with stand-in executables, and what the MySQL path would run. Only
 * MariaDB is installed on the build machines, so the MySQL command lines are checked here as text; they have not been
 * run against a MySQL server by this suite.
 */
class FlavourDetectionTest {
    @TempDir
    Path dir;

    @Test
    void noServerAnywhereSaysWhatToInstall() {
        assertThatThrownBy(() -> ServerBinaries.detect(List.of(dir)))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("apt-get install mariadb-server mariadb-client");
    }

    @Test
    void mysqldThatIsMariaDbIsMariaDb() throws IOException {
        fakeExecutable("mysqld", "mysqld  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64");
        fakeExecutable("mysql_install_db", "");
        fakeExecutable("mysql", "");
        ServerBinaries binaries = ServerBinaries.detect(List.of(dir));
        assertThat(binaries.flavour()).isEqualTo(Flavour.MARIADB);
        assertThat(binaries.installDb()).isEqualTo(dir.resolve("mysql_install_db"));
    }

    @Test
    void oracleMysqldIsMySql() throws IOException {
        fakeExecutable("mysqld", "/usr/sbin/mysqld  Ver 8.0.40 for Linux on x86_64 (MySQL Community Server - GPL)");
        fakeExecutable("mysql", "");
        ServerBinaries binaries = ServerBinaries.detect(List.of(dir));
        assertThat(binaries.flavour()).isEqualTo(Flavour.MYSQL);
        assertThat(binaries.installDb()).isEqualTo(binaries.server());
        assertThat(DataDirTemplate.mysqlMajorMinor(binaries.version())).isEqualTo(800);
    }

    @Test
    void mysqlReplicaCommandLineUsesGtidModeAndNeverListensBeyondLoopback() throws IOException {
        ServerBinaries mysql = new ServerBinaries(Flavour.MYSQL, Path.of("/usr/sbin/mysqld"),
                Path.of("/usr/sbin/mysqld"), Path.of("/usr/bin/mysql"), "mysqld  Ver 8.4.3 for Linux");
        SandboxServer replica = new SandboxServer("replica1", SandboxServer.Role.REPLICA, 2, mysql,
                SandboxOptions.defaults().withSemiSync(true), dir.resolve("replica1"));
        assertThat(replica.commandLine())
                .contains("--no-defaults", "--bind-address=127.0.0.1", "--mysqlx=OFF", "--gtid-mode=ON",
                        "--enforce-gtid-consistency=ON", "--log-replica-updates=ON", "--read-only=1",
                        "--server-id=2", "--plugin-load-add=semisync_replica.so", "--rpl-semi-sync-replica-enabled=ON")
                .doesNotContain("--gtid-strict-mode=ON", "--log-slave-updates");
        assertThat(replica.commandLine().get(1)).isEqualTo("--no-defaults");
    }

    @Test
    void mariaDbSourceCommandLine() {
        ServerBinaries mariadb = new ServerBinaries(Flavour.MARIADB, Path.of("/usr/sbin/mariadbd"),
                Path.of("/usr/bin/mariadb-install-db"), Path.of("/usr/bin/mariadb"), "mariadbd  Ver 10.11.19-MariaDB");
        SandboxServer source = new SandboxServer("source", SandboxServer.Role.SOURCE, 1, mariadb,
                SandboxOptions.defaults().withSemiSync(true), dir.resolve("source"));
        assertThat(source.commandLine())
                .contains("--no-defaults", "--bind-address=127.0.0.1", "--skip-name-resolve", "--log-bin=binlog",
                        "--log-slave-updates", "--binlog-format=ROW", "--gtid-strict-mode=ON", "--server-id=1",
                        "--innodb-flush-log-at-trx-commit=2", "--sync-binlog=0", "--rpl-semi-sync-master-enabled=ON")
                .doesNotContain("--read-only=1");
    }

    @Test
    void mysqlAccountsUseNativePasswordUntilMySql9() {
        ServerBinaries mysql80 = new ServerBinaries(Flavour.MYSQL, Path.of("mysqld"), Path.of("mysqld"),
                Path.of("mysql"), "mysqld  Ver 8.0.40 for Linux");
        ServerBinaries mysql9 = new ServerBinaries(Flavour.MYSQL, Path.of("mysqld"), Path.of("mysqld"),
                Path.of("mysql"), "mysqld  Ver 9.1.0 for Linux");
        assertThat(DataDirTemplate.accountsSql(mysql80))
                .contains("CREATE USER 'app'@'127.0.0.1' IDENTIFIED WITH mysql_native_password BY 'apppw'")
                .contains("GRANT REPLICATION CLIENT, REPLICATION SLAVE")
                .contains("REVOKE SUPER, CONNECTION_ADMIN ON *.* FROM 'app'@'127.0.0.1'");
        assertThat(DataDirTemplate.accountsSql(mysql9)).doesNotContain("mysql_native_password");
    }

    private void fakeExecutable(String name, String versionOutput) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\necho '" + versionOutput + "'\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
