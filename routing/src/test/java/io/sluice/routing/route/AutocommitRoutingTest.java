package io.sluice.routing.route;

import io.sluice.routing.route.RouteDecision.ToServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Autocommit statements outside transactions and pins: reads to a replica, everything else to the source. */
class AutocommitRoutingTest {
    private final Fixture f = new Fixture();

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT * FROM t WHERE id = 1",
            "select 1",
            "SELECT a FROM t JOIN u USING (id) ORDER BY a LIMIT 5",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "(SELECT 1) UNION (SELECT 2)",
            "SHOW TABLES",
            "DESCRIBE t",
            "EXPLAIN SELECT * FROM t",
            "TABLE t",
            "SELECT NOW(), RAND(), UUID()",
    })
    void autocommitReadsGoToAReplica(String sql) {
        ToServer to = f.send(sql);
        assertThat(to.server()).isEqualTo("r1");
        assertThat(to.reason()).isEqualTo(Reason.READ_REPLICA);
        assertThat(to.replica()).isTrue();
        assertThat(to.endsTransactionOn()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "INSERT INTO t VALUES (1)",
            "UPDATE t SET a = 1",
            "DELETE FROM t",
            "REPLACE INTO t VALUES (1)",
            "CREATE TABLE x (a INT)",
            "ALTER TABLE t ADD COLUMN b INT",
            "DROP TABLE t",
            "TRUNCATE t",
            "CALL p()",
            "SET GLOBAL max_connections = 10",
            "SELECT * FROM t INTO OUTFILE '/tmp/x'",
            "SELECT NEXTVAL(s)",
            "GRANT SELECT ON *.* TO u",
    })
    void writesGoToTheSource(String sql) {
        ToServer to = f.send(sql);
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.WRITE);
        assertThat(to.replica()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT * FROM t FOR UPDATE",
            "SELECT * FROM t WHERE id = 1 FOR SHARE",
            "SELECT * FROM t LOCK IN SHARE MODE",
            "SELECT * FROM t WHERE id IN (SELECT id FROM u FOR UPDATE)",
    })
    void lockingReadsGoToTheSource(String sql) {
        ToServer to = f.send(sql);
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.LOCKING_READ);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT LAST_INSERT_ID()", "SELECT IS_FREE_LOCK('a')", "SELECT CONNECTION_ID()"})
    void readsOfSourceConnectionStateGoToTheSource(String sql) {
        ToServer to = f.send(sql);
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.SOURCE_STATE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"FROBNICATE the database", "SELECT 'unterminated", "SELECT 1 /* oops", "(INSERT)"})
    void unknownTextGoesToTheSource(String sql) {
        ToServer to = f.send(sql);
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.UNKNOWN_TO_SOURCE);
    }

    @Test
    void multiStatementTextRoutesByItsStrictestStatement() {
        assertThat(f.run("SELECT 1; SELECT 2").server()).isEqualTo("r1");
        ToServer mixed = f.run("SELECT 1; UPDATE t SET a = 1; SELECT 2");
        assertThat(mixed.server()).isEqualTo("src");
        assertThat(mixed.reason()).isEqualTo(Reason.WRITE);
    }

    @Test
    void multiStatementReasonIsTheStrictestOne() {
        assertThat(f.run("SELECT * FROM t FOR UPDATE; INSERT INTO t VALUES (1)").reason()).isEqualTo(Reason.WRITE);
        assertThat(f.run("SELECT LAST_INSERT_ID(); SELECT * FROM t FOR UPDATE").reason()).isEqualTo(Reason.LOCKING_READ);
        assertThat(f.run("INSERT INTO t VALUES (1); FROBNICATE").reason()).isEqualTo(Reason.UNKNOWN_TO_SOURCE);
    }

    @Test
    void beginIsATransactionStartOnTheSource() {
        ToServer to = f.send("BEGIN");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.TRANSACTION_START);
    }

    @Test
    void sessionSetsAreReadsAndMayGoToAReplica() {
        // the session replays session state on whichever backend runs the next statement
        assertThat(f.run("SET NAMES utf8mb4").server()).isEqualTo("r1");
        assertThat(f.run("USE shop").server()).isEqualTo("r1");
        assertThat(f.run("SET time_zone = '+00:00'").server()).isEqualTo("r1");
    }

    @Test
    void showWarningsFollowsThePreviousStatementToItsReplica() {
        assertThat(f.run("SELECT * FROM t").server()).isEqualTo("r1");
        ToServer to = f.send("SHOW WARNINGS");
        assertThat(to.server()).isEqualTo("r1");
        assertThat(to.reason()).isEqualTo(Reason.PREVIOUS_STATEMENT);
    }

    @Test
    void foundRowsFollowsThePreviousStatementToTheSource() {
        f.run("SELECT SQL_CALC_FOUND_ROWS * FROM t FOR UPDATE");
        ToServer to = f.send("SELECT FOUND_ROWS()");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.PREVIOUS_STATEMENT);
    }

    @Test
    void previousStatementDependentWithoutAPreviousStatementGoesToTheSource() {
        ToServer to = f.send("SHOW WARNINGS");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.SOURCE_STATE);
    }

    @Test
    void previousStatementOnAVanishedReplicaFallsBackToTheSource() {
        f.run("SELECT * FROM t");
        f.topology = Fixture.topology(Fixture.source("src"), Fixture.unreachable(Fixture.replica("r1", 0)));
        assertThat(f.send("SHOW WARNINGS").server()).isEqualTo("src");
    }

    @Test
    void emptyTextGoesToTheSourceWhichAnswersQueryWasEmpty() {
        assertThat(f.send("  ;  ").server()).isEqualTo("src");
    }
}
