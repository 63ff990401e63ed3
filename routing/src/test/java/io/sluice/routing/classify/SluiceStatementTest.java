package io.sluice.routing.classify;

import io.sluice.routing.classify.SluiceStatement.LastGtid;
import io.sluice.routing.classify.SluiceStatement.SetCausalWait;
import io.sluice.routing.classify.SluiceStatement.SetConsistency;
import io.sluice.routing.classify.SluiceStatement.SetReadAfter;
import io.sluice.routing.classify.SluiceStatement.WrongValue;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class SluiceStatementTest {

    @Test
    void setConsistencyInTheUsualSpellings() {
        assertThat(SluiceStatement.recognize("SET sluice_consistency = 'eventual'"))
                .contains(new SetConsistency(Optional.of(Consistency.EVENTUAL)));
        assertThat(SluiceStatement.recognize("set session SLUICE_CONSISTENCY='Session';"))
                .contains(new SetConsistency(Optional.of(Consistency.SESSION)));
        assertThat(SluiceStatement.recognize("SET @@sluice_consistency := \"global\""))
                .contains(new SetConsistency(Optional.of(Consistency.GLOBAL)));
        assertThat(SluiceStatement.recognize("SET @@session.sluice_consistency = session"))
                .contains(new SetConsistency(Optional.of(Consistency.SESSION)));
        assertThat(SluiceStatement.recognize("SET sluice_consistency = DEFAULT"))
                .contains(new SetConsistency(Optional.empty()));
    }

    @Test
    void badValuesAreWrongValues() {
        assertThat(SluiceStatement.recognize("SET sluice_consistency = 'causal'"))
                .contains(new WrongValue("sluice_consistency", "causal"));
        assertThat(SluiceStatement.recognize("SET sluice_read_after = nothing"))
                .contains(new WrongValue("sluice_read_after", "nothing"));
    }

    @Test
    void causalWaitAsTheConfigurationWritesDurations() {
        assertThat(SluiceStatement.recognize("SET sluice_causal_wait = 0"))
                .contains(new SetCausalWait(Optional.of(Duration.ZERO)));
        assertThat(SluiceStatement.recognize("SET sluice_causal_wait = '20ms'"))
                .contains(new SetCausalWait(Optional.of(Duration.ofMillis(20))));
        assertThat(SluiceStatement.recognize("set session SLUICE_CAUSAL_WAIT := \"2S\";"))
                .contains(new SetCausalWait(Optional.of(Duration.ofSeconds(2))));
        assertThat(SluiceStatement.recognize("SET @@sluice_causal_wait = 150"))
                .contains(new SetCausalWait(Optional.of(Duration.ofMillis(150))));
        assertThat(SluiceStatement.recognize("SET sluice_causal_wait = DEFAULT"))
                .contains(new SetCausalWait(Optional.empty()));
    }

    @Test
    void causalWaitOutOfRangeOrUnreadableIsAWrongValue() {
        assertThat(SluiceStatement.recognize("SET sluice_causal_wait = '61s'"))
                .contains(new WrongValue("sluice_causal_wait", "61s"));
        assertThat(SluiceStatement.recognize("SET sluice_causal_wait = '99999999999ms'"))
                .contains(new WrongValue("sluice_causal_wait", "99999999999ms"));
        assertThat(SluiceStatement.recognize("SET sluice_causal_wait = '-1'"))
                .contains(new WrongValue("sluice_causal_wait", "-1"));
        assertThat(SluiceStatement.recognize("SET sluice_causal_wait = '1m'"))
                .contains(new WrongValue("sluice_causal_wait", "1m"));
        assertThat(SluiceStatement.recognize("SET sluice_causal_wait = forever"))
                .contains(new WrongValue("sluice_causal_wait", "forever"));
    }

    @Test
    void readAfterKeepsTheTokenText() {
        assertThat(SluiceStatement.recognize("SET sluice_read_after = ' 0-1-42,1-2-7 '"))
                .contains(new SetReadAfter("0-1-42,1-2-7"));
        assertThat(SluiceStatement.recognize("SET sluice_read_after = '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5'"))
                .contains(new SetReadAfter("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"));
    }

    @Test
    void lastGtidWithAndWithoutAlias() {
        assertThat(SluiceStatement.recognize("SELECT sluice_last_gtid()")).contains(new LastGtid("sluice_last_gtid()"));
        assertThat(SluiceStatement.recognize(" select SLUICE_LAST_GTID( ) as token ;")).contains(new LastGtid("token"));
        assertThat(SluiceStatement.recognize("SELECT sluice_last_gtid() `my token`")).contains(new LastGtid("my token"));
    }

    @Test
    void anythingElseIsNotOurs() {
        assertThat(SluiceStatement.recognize("SELECT 1")).isEmpty();
        assertThat(SluiceStatement.recognize("SELECT * FROM sluice_data")).isEmpty();
        assertThat(SluiceStatement.recognize("SET sluice_consistency = 'session'; SELECT 1")).isEmpty();
        assertThat(SluiceStatement.recognize("SELECT sluice_last_gtid(), 1")).isEmpty();
        assertThat(SluiceStatement.recognize("SET sql_mode = 'ANSI'")).isEmpty();
        assertThat(SluiceStatement.recognize("")).isEmpty();
    }
}
