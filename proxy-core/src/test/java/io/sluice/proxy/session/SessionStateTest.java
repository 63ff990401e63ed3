package io.sluice.proxy.session;

import io.sluice.routing.classify.StatementClassifier;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SessionStateTest {
    private final StatementClassifier classifier = new StatementClassifier();

    private void run(SessionState state, String sql) {
        state.apply(classifier.classify(sql).first().session());
    }

    @Test
    void aFreshConnectionGetsEverythingTheClientSet() {
        SessionState state = new SessionState("app");
        run(state, "SET NAMES utf8mb4 COLLATE utf8mb4_bin");
        run(state, "SET SESSION sql_mode = 'ANSI_QUOTES'");
        run(state, "SET @@session.wait_timeout = 77, time_zone = '+02:00'");
        run(state, "SET autocommit = 0");
        run(state, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
        run(state, "USE other");

        SessionState.Replay replay = state.snapshot().replayFrom(SessionState.Snapshot.fresh("app"));
        assertThat(replay.database()).isEqualTo("other");
        assertThat(replay.statements()).containsExactly(
                "SET NAMES utf8mb4 COLLATE utf8mb4_bin",
                "SET SESSION sql_mode = 'ANSI_QUOTES', SESSION wait_timeout = 77, SESSION time_zone = '+02:00',"
                        + " autocommit = 0",
                "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    }

    @Test
    void aConnectionThatHasTheStateGetsNothing() {
        SessionState state = new SessionState(null);
        run(state, "SET sql_mode = ''");
        SessionState.Snapshot applied = state.snapshot();
        assertThat(state.snapshot().replayFrom(applied).isEmpty()).isTrue();
    }

    @Test
    void onlyTheDifferenceIsReplayed() {
        SessionState state = new SessionState(null);
        run(state, "SET sql_mode = ''");
        run(state, "SET wait_timeout = 10");
        SessionState.Snapshot applied = state.snapshot();
        run(state, "SET wait_timeout = 20");
        SessionState.Replay replay = state.snapshot().replayFrom(applied);
        assertThat(replay.database()).isNull();
        assertThat(replay.statements()).containsExactly("SET SESSION wait_timeout = 20");
    }

    @Test
    void globalSetsAndUserVariablesAreNotSessionState() {
        SessionState state = new SessionState(null);
        run(state, "SET GLOBAL max_connections = 500");
        run(state, "SET @x = 1");
        assertThat(state.snapshot().replayFrom(SessionState.Snapshot.fresh(null)).isEmpty()).isTrue();
    }

    @Test
    void nextTransactionCharacteristicsAreNotReplayed() {
        SessionState state = new SessionState(null);
        run(state, "SET TRANSACTION READ ONLY");
        assertThat(state.snapshot().replayFrom(SessionState.Snapshot.fresh(null)).statements()).isEqualTo(List.of());
    }
}
