package io.sluice.routing.route;

import io.sluice.routing.classify.Pin;
import io.sluice.routing.route.RouteDecision.ToServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Pins: what acquires them, what releases them, and that a pinned session uses the source. */
class PinRoutingTest {
    private final Fixture f = new Fixture();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "CREATE TEMPORARY TABLE tmp (a INT)       | TEMPORARY_TABLE",
            "LOCK TABLES t READ                       | TABLE_LOCK",
            "FLUSH TABLES WITH READ LOCK              | TABLE_LOCK",
            "LOCK INSTANCE FOR BACKUP                 | BACKUP_LOCK",
            "SELECT GET_LOCK('a', 10)                 | NAMED_LOCK",
            "SET @x = 1                               | USER_VARIABLE",
            "SELECT @n := COUNT(*) FROM t             | USER_VARIABLE",
            "SELECT a INTO @x FROM t LIMIT 1          | USER_VARIABLE",
            "PREPARE s FROM 'SELECT 1'                | PREPARED_STATEMENT",
            "HANDLER t OPEN                           | HANDLER",
    })
    void eachPinSendsTheSessionToTheSource(String sql, Pin pin) {
        ToServer acquire = f.run(sql);
        assertThat(acquire.server()).isEqualTo("src");
        assertThat(f.session.pinCount(pin)).isEqualTo(1);
        assertThat(f.session.pinned()).isTrue();
        ToServer read = f.send("SELECT * FROM t");
        assertThat(read.server()).isEqualTo("src");
        assertThat(read.reason()).isEqualTo(Reason.PINNED);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "LOCK TABLES t WRITE                | UNLOCK TABLES",
            "FLUSH TABLES WITH READ LOCK        | UNLOCK TABLES",
            "LOCK INSTANCE FOR BACKUP           | UNLOCK INSTANCE",
            "SELECT GET_LOCK('a', 10)           | SELECT RELEASE_ALL_LOCKS()",
            "PREPARE s FROM 'SELECT 1'          | DEALLOCATE PREPARE s",
            "PREPARE s FROM 'SELECT 1'          | DROP PREPARE s",
            "HANDLER t OPEN                     | HANDLER t CLOSE",
    })
    void releasingThePinReturnsReadsToReplicas(String acquire, String release) {
        f.run(acquire);
        assertThat(f.run(release).server()).isEqualTo("src");
        assertThat(f.session.pinned()).isFalse();
        assertThat(f.run("SELECT 1").server()).isEqualTo("r1");
    }

    @Test
    void oneUnlockTablesReleasesEveryLockTables() {
        f.run("LOCK TABLES t READ");
        f.run("LOCK TABLES t READ, u WRITE");
        f.run("UNLOCK TABLES");
        assertThat(f.session.pinCount(Pin.TABLE_LOCK)).isZero();
    }

    @Test
    void preparedStatementsAreCountedOneByOne() {
        f.run("PREPARE a FROM 'SELECT 1'");
        f.run("PREPARE b FROM 'SELECT 2'");
        f.run("DEALLOCATE PREPARE a");
        assertThat(f.session.pinned()).isTrue();
        f.run("DEALLOCATE PREPARE b");
        assertThat(f.session.pinned()).isFalse();
    }

    @Test
    void aFailedReleaseDoesNotUnpin() {
        f.run("PREPARE a FROM 'SELECT 1'");
        f.send("DEALLOCATE PREPARE nosuch");
        f.session.onStatementFailed();   // ER_UNKNOWN_STMT_HANDLER
        assertThat(f.session.pinCount(Pin.PREPARED_STATEMENT)).isEqualTo(1);
    }

    @Test
    void aFailedAcquisitionStillPins() {
        f.send("CREATE TEMPORARY TABLE tmp (a INT); SELECT 1");
        f.session.onStatementFailed();
        assertThat(f.session.pinned()).isTrue();
    }

    @Test
    void anAcquisitionCountsAsSoonAsItIsSent() {
        f.send("SET @x = 1");
        assertThat(f.session.pinned()).isTrue();
    }

    @Test
    void temporaryTablesAreReleasedOnlyByReset() {
        f.run("CREATE TEMPORARY TABLE tmp (a INT)");
        // DROP TEMPORARY TABLE IF EXISTS succeeds whether or not the table existed: a count could reach zero early
        f.run("DROP TEMPORARY TABLE IF EXISTS other");
        f.run("DROP TEMPORARY TABLE tmp");
        assertThat(f.session.pinned()).isTrue();
        f.session.reset();
        assertThat(f.session.pinned()).isFalse();
        assertThat(f.run("SELECT 1").server()).isEqualTo("r1");
    }

    @Test
    void releaseLockOfOneNameDoesNotUnpinBecauseOneStatementMayTakeSeveral() {
        f.run("SELECT GET_LOCK('a', 1), GET_LOCK('b', 1)");
        f.run("SELECT RELEASE_LOCK('a')");
        assertThat(f.session.pinCount(Pin.NAMED_LOCK)).isEqualTo(1);
        assertThat(f.send("SELECT 1").reason()).isEqualTo(Reason.PINNED);
    }

    @Test
    void userVariablesStayUntilReset() {
        f.run("SET @x = 1");
        f.run("SET @x = NULL");
        assertThat(f.session.pinned()).isTrue();
        f.session.reset();
        assertThat(f.session.pinned()).isFalse();
    }

    @Test
    void resetClearsEveryPin() {
        f.run("CREATE TEMPORARY TABLE tmp (a INT)");
        f.run("LOCK TABLES t READ");
        f.run("SELECT GET_LOCK('a', 1)");
        f.run("SET @x = 1");
        f.run("PREPARE s FROM 'SELECT 1'");
        f.run("HANDLER t OPEN");
        f.session.reset();
        for (Pin p : Pin.values()) {
            assertThat(f.session.pinCount(p)).as("%s", p).isZero();
        }
    }

    @Test
    void pinChangesInOneTextApplyInOrder() {
        f.run("UNLOCK TABLES; LOCK TABLES t READ");
        assertThat(f.session.pinCount(Pin.TABLE_LOCK)).isEqualTo(1);
        f.run("LOCK TABLES t READ; UNLOCK TABLES");
        assertThat(f.session.pinCount(Pin.TABLE_LOCK)).isZero();
    }

    @Test
    void releaseWithoutAcquisitionNeverGoesNegative() {
        f.run("UNLOCK TABLES");
        f.run("DEALLOCATE PREPARE x");
        f.run("PREPARE s FROM 'SELECT 1'");
        assertThat(f.session.pinCount(Pin.PREPARED_STATEMENT)).isEqualTo(1);
    }

    @Test
    void pinnedWritesStillGoToTheSourceWithThePinnedReason() {
        f.run("SET @x = 1");
        ToServer to = f.send("INSERT INTO t VALUES (@x)");
        assertThat(to.server()).isEqualTo("src");
        assertThat(to.reason()).isEqualTo(Reason.PINNED);
    }

    @Test
    void aPinnedSessionWithoutASourceIsRefusedWithTheReason() {
        f.run("SET @x = 1");
        f.topology = Fixture.topology(Fixture.replica("r1", 0));
        RouteDecision.Refuse r = f.refused("SELECT @x");
        assertThat(r.kind()).isEqualTo(ErrorKind.NO_SOURCE);
        assertThat(r.message()).contains("user variables").contains("no server has the source role");
    }
}
