package io.sluice.routing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KillStatementTest {
    @Test
    void connectionKills() {
        assertThat(KillStatement.parse("KILL 42")).isEqualTo(new KillStatement(42, false));
        assertThat(KillStatement.parse("kill connection 7")).isEqualTo(new KillStatement(7, false));
        assertThat(KillStatement.parse("  KILL HARD CONNECTION 7 ;  ")).isEqualTo(new KillStatement(7, false));
        assertThat(KillStatement.parse("/* c */ KILL -- x\n 9 # end")).isEqualTo(new KillStatement(9, false));
    }

    @Test
    void queryKills() {
        // What MariaDB Connector/J's and MySQL Connector/J's Statement.cancel() send.
        assertThat(KillStatement.parse("KILL QUERY 511")).isEqualTo(new KillStatement(511, true));
        assertThat(KillStatement.parse("Kill Soft Query 3;")).isEqualTo(new KillStatement(3, true));
    }

    @Test
    void notAConnectionKill() {
        assertThat(KillStatement.parse("SELECT 1")).isNull();
        assertThat(KillStatement.parse("KILL")).isNull();
        assertThat(KillStatement.parse("KILL QUERY ID 5")).isNull();
        assertThat(KillStatement.parse("KILL USER app")).isNull();
        assertThat(KillStatement.parse("KILL 5; SELECT 1")).isNull();
        assertThat(KillStatement.parse("KILL 5x")).isNull();
        assertThat(KillStatement.parse("/*!KILL 5*/")).isNull();
        assertThat(KillStatement.parse("KILLER 5")).isNull();
        assertThat(KillStatement.parse("KILL 99999999999999999999")).isNull();
        assertThat(KillStatement.parse("SELECT 'KILL 5'")).isNull();
    }
}
