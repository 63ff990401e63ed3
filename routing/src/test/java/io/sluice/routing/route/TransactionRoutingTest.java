package io.sluice.routing.route;

import io.sluice.protocol.ServerStatus;
import io.sluice.routing.route.RouteDecision.Refuse;
import io.sluice.routing.route.RouteDecision.ToServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.sluice.routing.route.Fixture.replica;
import static io.sluice.routing.route.Fixture.source;
import static io.sluice.routing.route.Fixture.topology;
import static io.sluice.routing.route.Fixture.unreachable;
import static org.assertj.core.api.Assertions.assertThat;

/** Explicit transactions, autocommit=0, READ ONLY transactions on a replica, and the server's IN_TRANS truth. */
class TransactionRoutingTest {
    private final Fixture f = new Fixture();

    @ParameterizedTest
    @ValueSource(strings = {"BEGIN", "BEGIN WORK", "START TRANSACTION", "START TRANSACTION READ WRITE",
            "START TRANSACTION WITH CONSISTENT SNAPSHOT"})
    void readsInsideAReadWriteTransactionStayOnTheSource(String begin) {
        f.run(begin, true);
        assertThat(f.session.transactionServer()).contains("src");
        ToServer read = f.run("SELECT * FROM t", true);
        assertThat(read.server()).isEqualTo("src");
        assertThat(read.reason()).isEqualTo(Reason.TRANSACTION);
    }

    @Test
    void theStatementAfterBeginFollowsItEvenBeforeTheOkArrives() {
        // BEGIN; SELECT pipelined in one text goes together; the binding is made when BEGIN is sent
        f.send("BEGIN");
        assertThat(f.session.inTransaction()).isTrue();
        assertThat(f.session.awaitingResponse()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"COMMIT", "ROLLBACK", "COMMIT WORK", "ROLLBACK AND NO CHAIN"})
    void commitOrRollbackEndsTheTransactionAndReadsGoBackToReplicas(String end) {
        f.run("BEGIN", true);
        f.run("INSERT INTO t VALUES (1)", true);
        ToServer to = f.run(end, false);
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.TRANSACTION);
        assertThat(f.session.inTransaction()).isFalse();
        assertThat(f.run("SELECT 1").server()).isEqualTo("r1");
    }

    @Test
    void implicitCommitByDdlEndsTheBindingWhenTheServerSaysSo() {
        f.run("BEGIN", true);
        assertThat(f.run("CREATE TABLE x (a INT)", false).reason()).isEqualTo(Reason.TRANSACTION);
        assertThat(f.session.inTransaction()).isFalse();
        assertThat(f.run("SELECT 1").server()).isEqualTo("r1");
    }

    @Test
    void commitAndChainKeepsTheTransactionBecauseTheServerSaysItIsStillOpen() {
        f.run("BEGIN", true);
        f.run("COMMIT AND CHAIN", true);
        assertThat(f.send("SELECT 1").server()).isEqualTo("src");
    }

    @Test
    void aTransactionTheTextDidNotAnnounceIsBoundWhenTheServerReportsIt() {
        // CALL of a procedure that runs START TRANSACTION and returns with it open
        f.run("CALL begins_a_transaction()", true);
        assertThat(f.session.transactionServer()).contains("src");
        assertThat(f.send("SELECT 1").reason()).isEqualTo(Reason.TRANSACTION);
    }

    @Test
    void anErrorKeepsTheBindingUntilAnOkTells() {
        f.run("BEGIN", true);
        f.send("UPDATE t SET a = 1");
        f.session.onStatementFailed();   // deadlock: the server rolled back
        assertThat(f.session.inTransaction()).isTrue();
        assertThat(f.run("SELECT 1", false).server()).isEqualTo("src");
        assertThat(f.session.inTransaction()).isFalse();
        assertThat(f.run("SELECT 1").server()).isEqualTo("r1");
    }

    @Test
    void writesInsideTheTransactionGoToItsServerEvenIfAnotherIsNowTheSource() {
        f.run("BEGIN", true);
        f.topology = topology(Fixture.replica("src", 0), source("r1"));
        ToServer to = f.send("UPDATE t SET a = 1");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.TRANSACTION);
    }

    @Test
    void aTransactionWhoseServerIsUnreachableIsRefused() {
        f.run("BEGIN", true);
        f.topology = topology(unreachable(source("src")), replica("r1", 0));
        Refuse r = f.refused("SELECT 1");
        assertThat(r.kind()).isEqualTo(ErrorKind.TRANSACTION_SERVER_LOST);
        assertThat(r.message()).contains("'src'").contains("roll back");
    }

    @Test
    void aTransactionWhoseServerLeftTheTopologyIsRefused() {
        f.run("BEGIN", true);
        f.topology = topology(source("other"), replica("r1", 0));
        assertThat(f.refused("COMMIT").kind()).isEqualTo(ErrorKind.TRANSACTION_SERVER_LOST);
    }

    @Test
    void rollbackOfALostTransactionGoesToTheSourceAndEndsIt() {
        f.run("BEGIN", true);
        f.topology = topology(source("other"), replica("r1", 0));
        ToServer to = f.run("ROLLBACK", false);
        assertThat(to.server()).isEqualTo("other");
        assertThat(to.reason()).isEqualTo(Reason.ROLLBACK_OF_LOST_TRANSACTION);
        assertThat(f.session.inTransaction()).isFalse();
    }

    // ---- autocommit = 0 ----

    @Test
    void autocommitOffThenASelectOpensATransactionOnTheSource() {
        assertThat(f.run("SET autocommit = 0").server()).isEqualTo("r1");
        assertThat(f.session.autocommit()).isFalse();
        ToServer select = f.send("SELECT * FROM t");
        assertThat(select.server()).isEqualTo("src");
        assertThat(select.reason()).isEqualTo(Reason.TRANSACTION_START);
        f.session.onStatementDone(true);
        ToServer next = f.send("SELECT * FROM u");
        assertThat(next.server()).isEqualTo("src");
        assertThat(next.reason()).isEqualTo(Reason.TRANSACTION);
    }

    @Test
    void autocommitOffStaysOnTheSourceAfterCommitBecauseTheNextStatementOpensAnother() {
        f.run("SET autocommit = 0");
        f.run("SELECT * FROM t", true);
        f.run("COMMIT", false);
        assertThat(f.session.inTransaction()).isFalse();
        ToServer to = f.send("SELECT 1");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.TRANSACTION_START);
    }

    @Test
    void autocommitBackOnReturnsReadsToReplicas() {
        f.run("SET autocommit = 0");
        f.run("INSERT INTO t VALUES (1)", true);
        ToServer on = f.run("SET autocommit = 1", false);
        assertThat(on.server()).isEqualTo("src");   // it commits the open transaction where it is
        assertThat(f.session.autocommit()).isTrue();
        assertThat(f.run("SELECT 1").server()).isEqualTo("r1");
    }

    @Test
    void autocommitFromAnExpressionIsTakenAsOff() {
        f.run("SET autocommit = @saved");
        assertThat(f.session.autocommit()).isFalse();
        assertThat(f.send("SELECT 1").server()).isEqualTo("src");
    }

    @Test
    void theServerStatusAutocommitFlagIsTheTruth() {
        f.send("SET autocommit = @saved");
        f.session.onStatementDone(ServerStatus.AUTOCOMMIT);
        assertThat(f.session.autocommit()).isTrue();
        f.send("SET sql_mode = ''");
        f.session.onStatementDone(0);
        assertThat(f.session.autocommit()).isFalse();
        f.send("SELECT 1");
        f.session.onStatementDone(ServerStatus.IN_TRANS);
        assertThat(f.session.transactionServer()).contains("src");
    }

    @Test
    void autocommitOffInAMultiStatementTextTakesEffectAfterIt() {
        f.run("SET autocommit = 0; SELECT 1", false);
        assertThat(f.session.autocommit()).isFalse();
        assertThat(f.send("SELECT 1").server()).isEqualTo("src");
    }

    @Test
    void autocommitOffThenReadOnlyTransactionMayUseAReplica() {
        f.run("SET autocommit = 0");
        ToServer begin = f.run("START TRANSACTION READ ONLY", true);
        assertThat(begin.server()).isEqualTo("r1");
        assertThat(f.session.transactionOnReplica()).isTrue();
    }

    @Test
    void failedSetAutocommitChangesNothing() {
        f.send("SET autocommit = 0");
        f.session.onStatementFailed();
        assertThat(f.session.autocommit()).isTrue();
    }

    // ---- READ ONLY transactions ----

    @Test
    void readOnlyTransactionPicksAReplicaAndStaysOnIt() {
        f.topology = topology(source("src"), replica("r1", 0), replica("r2", 0));
        ToServer begin = f.run("START TRANSACTION READ ONLY", true);
        assertThat(begin.replica()).isTrue();
        assertThat(begin.reason()).isEqualTo(Reason.READ_REPLICA);
        String chosen = begin.server();
        String other = chosen.equals("r1") ? "r2" : "r1";
        f.load = server -> server.equals(chosen) ? 100 : 0;   // the other is now far less busy
        for (int i = 0; i < 10; i++) {
            ToServer read = f.run("SELECT * FROM t WHERE id = " + i, true);
            assertThat(read.server()).isEqualTo(chosen).isNotEqualTo(other);
            assertThat(read.reason()).isEqualTo(Reason.TRANSACTION);
            assertThat(read.replica()).isFalse();
        }
    }

    @Test
    void readOnlyTransactionStaysOnItsReplicaEvenWhenItsLagGrows() {
        f.run("START TRANSACTION READ ONLY", true);
        f.topology = topology(source("src"), replica("r1", 60_000));
        assertThat(f.send("SELECT 1").server()).isEqualTo("r1");
    }

    @Test
    void commitOfAReadOnlyTransactionReleasesIt() {
        f.topology = topology(source("src"), replica("r1", 0), replica("r2", 0));
        String chosen = f.run("START TRANSACTION READ ONLY", true).server();
        ToServer commit = f.run("COMMIT", false);
        assertThat(commit.server()).isEqualTo(chosen);
        assertThat(commit.reason()).isEqualTo(Reason.TRANSACTION);
        assertThat(f.session.inTransaction()).isFalse();
        f.load = server -> server.equals(chosen) ? 5 : 0;
        assertThat(f.run("SELECT 1").server()).isNotEqualTo(chosen);
        assertThat(f.run("INSERT INTO t VALUES (1)").server()).isEqualTo("src");
    }

    @Test
    void readOnlyTransactionWithoutAReplicaFallsBackToTheSource() {
        f.topology = topology(source("src"), replica("r1", -1));
        ToServer begin = f.run("START TRANSACTION READ ONLY", true);
        assertThat(begin.server()).isEqualTo("src");
        assertThat(begin.reason()).isEqualTo(Reason.READ_FALLBACK_SOURCE);
        assertThat(f.session.transactionOnReplica()).isFalse();
        assertThat(f.send("SELECT 1").server()).isEqualTo("src");
    }

    @Test
    void readOnlyTransactionWithoutAReplicaIsRefusedWhenFallbackIsError() {
        f.router = new Router(RoutingPolicy.DEFAULT.withFallback(RoutingPolicy.Fallback.ERROR));
        f.topology = topology(source("src"), replica("r1", -1));
        assertThat(f.refused("START TRANSACTION READ ONLY").kind()).isEqualTo(ErrorKind.NO_REPLICA);
    }

    @Test
    void pinnedSessionRunsItsReadOnlyTransactionOnTheSource() {
        f.run("SET @x = 1");
        ToServer begin = f.run("START TRANSACTION READ ONLY", true);
        assertThat(begin.server()).isEqualTo("src");
        assertThat(begin.reason()).isEqualTo(Reason.PINNED);
        assertThat(f.session.transactionOnReplica()).isFalse();
    }

    @Test
    void aWriteInsideAReplicaTransactionIsRefusedAsTheServerWould() {
        f.run("START TRANSACTION READ ONLY", true);
        Refuse r = f.refused("UPDATE t SET a = 1");
        assertThat(r.kind()).isEqualTo(ErrorKind.WRITE_IN_READ_ONLY_TRANSACTION);
        assertThat(r.message()).isEqualTo("Cannot execute statement in a READ ONLY transaction.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"SET GLOBAL read_only = 0", "PURGE BINARY LOGS TO 'b.000001'", "SHUTDOWN", "CALL p()"})
    void nonTransactionalWritesNeverReachTheReplicaOfAReadOnlyTransaction(String sql) {
        f.run("START TRANSACTION READ ONLY", true);
        assertThat(f.refused(sql).kind()).isEqualTo(ErrorKind.WRITE_IN_READ_ONLY_TRANSACTION);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT GET_LOCK('a', 1)", "SET @x = 1", "CREATE TEMPORARY TABLE tmp (a INT)",
            "PREPARE s FROM 'SELECT 1'", "SELECT a INTO @x FROM t"})
    void pinsInsideAReplicaTransactionAreRefused(String sql) {
        f.run("START TRANSACTION READ ONLY", true);
        Refuse r = f.refused(sql);
        assertThat(r.kind()).isEqualTo(ErrorKind.PIN_IN_REPLICA_TRANSACTION);
        assertThat(r.message()).contains("'r1'").contains("sluice:source");
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT LAST_INSERT_ID()", "SELECT * FROM t FOR SHARE", "SHOW WARNINGS", "SAVEPOINT a",
            "ROLLBACK TO SAVEPOINT a", "RELEASE SAVEPOINT a", "SET NAMES utf8mb4", "SELECT 1; SELECT 2", "DO SLEEP(0)"})
    void readsAndTransactionControlInsideAReplicaTransactionStayOnIt(String sql) {
        f.run("START TRANSACTION READ ONLY", true);
        ToServer to = f.send(sql);
        assertThat(to.server()).isEqualTo("r1");
        assertThat(to.reason()).isEqualTo(Reason.TRANSACTION);
    }

    @ParameterizedTest
    @ValueSource(strings = {"CREATE TABLE x (a INT)", "BEGIN", "LOCK TABLES t READ", "COMMIT; INSERT INTO t VALUES (1)",
            "SET autocommit = 1; DELETE FROM t"})
    void aTextThatLeavesAReplicaTransactionGoesToTheSourceAndEndsItThere(String sql) {
        f.run("START TRANSACTION READ ONLY", true);
        ToServer to = f.send(sql);
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.endsTransactionOn()).contains("r1");
        assertThat(f.session.transactionOnReplica()).isFalse();
    }

    @Test
    void aNewReadOnlyTransactionFromAReplicaTransactionPicksAgain() {
        f.topology = topology(source("src"), replica("r1", 0), replica("r2", 0));
        String first = f.run("START TRANSACTION READ ONLY", true).server();
        f.load = server -> server.equals(first) ? 10 : 0;
        ToServer again = f.run("START TRANSACTION READ ONLY", true);
        assertThat(again.server()).isNotEqualTo(first);
        assertThat(again.endsTransactionOn()).contains(first);
        assertThat(f.session.transactionServer()).contains(again.server());
        assertThat(f.session.transactionOnReplica()).isTrue();
    }

    @Test
    void beginInsideAReadWriteTransactionStaysOnTheSourceToCommitIt() {
        f.run("BEGIN", true);
        ToServer to = f.send("START TRANSACTION READ ONLY");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.TRANSACTION);
        assertThat(to.endsTransactionOn()).isEmpty();
    }

    @Test
    void lostReplicaTransactionCanStillBeCommittedOrRolledBack() {
        f.run("START TRANSACTION READ ONLY", true);
        f.topology = topology(source("src"), unreachable(replica("r1", 0)));
        assertThat(f.refused("SELECT 1").kind()).isEqualTo(ErrorKind.TRANSACTION_SERVER_LOST);
        ToServer commit = f.run("COMMIT", false);
        assertThat(commit.server()).isEqualTo("src");
        assertThat(commit.reason()).isEqualTo(Reason.ROLLBACK_OF_LOST_TRANSACTION);
        assertThat(f.run("SELECT 1").reason()).isEqualTo(Reason.READ_FALLBACK_SOURCE);
    }

    @Test
    void xaTransactionsStayOnTheSource() {
        f.run("XA START 'x'", true);
        assertThat(f.session.transactionServer()).contains("src");
        assertThat(f.run("SELECT 1", true).server()).isEqualTo("src");
    }

    @Test
    void resetEndsTheTransactionAndAutocommitOff() {
        f.run("SET autocommit = 0");
        f.run("BEGIN", true);
        f.session.reset();
        assertThat(f.session.inTransaction()).isFalse();
        assertThat(f.session.autocommit()).isTrue();
        assertThat(f.run("SELECT 1").server()).isEqualTo("r1");
    }
}
