package io.sluice.routing.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Which statements a session may send again when their server dies before any of the answer reached the client. */
class ReadRetryTest {
    private final Fixture f = new Fixture();

    private boolean safe(String sql) {
        return ReadRetry.safeToRepeat(Fixture.classify(sql), f.session);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT * FROM t WHERE id = 1",
            "SELECT SLEEP(2), @@server_id",
            "SELECT NOW(), RAND(), UUID()",
            "/* sluice:replica */ SELECT a FROM t",
            "/* sluice:source */ SELECT a FROM t",
            "(SELECT a FROM t) UNION (SELECT b FROM u)",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "SHOW TABLES",
            "DESCRIBE t",
            "EXPLAIN SELECT * FROM t",
            "SELECT @x",
    })
    void autocommitReadsMayBeRepeated(String sql) {
        assertThat(safe(sql)).as(sql).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // writes, whatever their shape
            "INSERT INTO t VALUES (1)",
            "UPDATE t SET a = 1",
            "DELETE FROM t",
            "REPLACE INTO t VALUES (1)",
            "CREATE TABLE x (a INT)",
            "CALL p()",
            "DO 1",
            "SELECT NEXTVAL(s)",
            "SELECT NEXT VALUE FOR s",
            "SELECT SETVAL(s, 10)",
            "SELECT a FROM t INTO OUTFILE '/tmp/x'",
            "LOAD DATA LOCAL INFILE 'x' INTO TABLE t",
            "COMMIT",
            "BEGIN",
            "START TRANSACTION READ ONLY",
            // locking reads and locks
            "SELECT a FROM t FOR UPDATE",
            "SELECT a FROM t LOCK IN SHARE MODE",
            "SELECT a FROM t FOR SHARE",
            "SELECT GET_LOCK('a', 1)",
            "SELECT RELEASE_LOCK('a')",
            "SELECT IS_FREE_LOCK('a')",
            // user variables assigned, session state changed
            "SELECT @n := COUNT(*) FROM t",
            "SELECT a INTO @x FROM t LIMIT 1",
            "SET @x = 1",
            "SET NAMES utf8mb4",
            "USE db",
            // answers that belong to one connection or one server
            "SELECT LAST_INSERT_ID()",
            "SELECT CONNECTION_ID()",
            "SELECT FOUND_ROWS()",
            "SHOW WARNINGS",
            "SELECT MASTER_GTID_WAIT('0-1-1', 1)",
            "SHOW SLAVE STATUS",
            // several statements: the first may have run
            "SELECT 1; SELECT 2",
            // not understood
            "FROBNICATE",
            "SELECT 'unterminated",
    })
    void anythingElseIsNeverRepeated(String sql) {
        assertThat(safe(sql)).as(sql).isFalse();
    }

    @Test
    void notInsideATransaction() {
        f.run("BEGIN", true);
        assertThat(safe("SELECT a FROM t")).isFalse();
    }

    @Test
    void notWithAutocommitOff() {
        f.run("SET autocommit = 0");
        assertThat(safe("SELECT a FROM t")).isFalse();
    }

    @Test
    void notForAPinnedSession() {
        f.run("CREATE TEMPORARY TABLE tmp (a INT)");
        assertThat(safe("SELECT a FROM t")).isFalse();
    }

    @Test
    void againOnceTheTransactionEnded() {
        f.run("BEGIN", true);
        f.run("COMMIT", false);
        assertThat(safe("SELECT a FROM t")).isTrue();
    }
}
