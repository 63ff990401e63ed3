package io.sluice.protocol.error;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.IllegalFormatException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ErrorCodeTest {
    /** Sample arguments for each template that takes any: a new template must be added here. */
    private static final Map<ErrorCode, Object[]> ARGS = Map.ofEntries(
            Map.entry(ErrorCode.ACCESS_DENIED, new Object[] {"app", "10.0.0.1", "YES"}),
            Map.entry(ErrorCode.NO_SUCH_THREAD, new Object[] {42L}),
            Map.entry(ErrorCode.KILL_DENIED, new Object[] {42L}),
            Map.entry(ErrorCode.BACKEND_LOST, new Object[] {"db-1:3306"}),
            Map.entry(ErrorCode.BACKEND_UNAVAILABLE, new Object[] {"no primary"}),
            Map.entry(ErrorCode.READ_ONLY_TRANSACTION, new Object[] {"(it writes)"}),
            Map.entry(ErrorCode.SYNTAX_ERROR, new Object[] {"the admin commands are: SHOW BACKENDS"}),
            Map.entry(ErrorCode.WRONG_ARGUMENTS, new Object[] {"SET BACKEND: no backend named 'x'"}),
            Map.entry(ErrorCode.NOT_SUPPORTED_YET, new Object[] {"SWITCHOVER"}),
            Map.entry(ErrorCode.WRONG_USAGE, new Object[] {"FAILOVER", "a reachable source"}),
            Map.entry(ErrorCode.WRONG_VALUE_FOR_VAR, new Object[] {"sluice_consistency", "causal"}),
            Map.entry(ErrorCode.LOST_WRITE, new Object[] {"source", "replica1", "0-1-13"}));

    @Test
    void codesAreUnique() {
        assertThat(Arrays.stream(ErrorCode.values()).map(ErrorCode::code)).doesNotHaveDuplicates();
    }

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void sqlStateIsFiveUpperCaseAlphanumerics(ErrorCode e) {
        assertThat(e.sqlState()).matches("[0-9A-Z]{5}");
    }

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void templateFormatsWithItsArguments(ErrorCode e) {
        Object[] args = ARGS.getOrDefault(e, new Object[0]);
        String message = e.format(args);
        assertThat(message).isNotBlank().doesNotContain("%");
        for (Object a : args) {
            assertThat(message).contains(String.valueOf(a));
        }
        // Too few arguments (none included) is a programming error: it must throw, never put a raw "%d" in
        // front of a client.
        if (args.length > 0) {
            assertThrows(IllegalFormatException.class, () -> e.format(Arrays.copyOf(args, args.length - 1)));
        }
    }

    @Test
    void everyTemplateWithPlaceholdersHasSampleArguments() {
        for (ErrorCode e : ErrorCode.values()) {
            assertThat(ARGS.containsKey(e)).as(e.name()).isEqualTo(e.template().contains("%"));
        }
    }

    @Test
    void messagesAsMySqlWritesThem() {
        assertThat(ErrorCode.ACCESS_DENIED.format("app", "10.0.0.1", "NO"))
                .isEqualTo("Access denied for user 'app'@'10.0.0.1' (using password: NO)");
        assertThat(ErrorCode.BAD_HANDSHAKE.code()).isEqualTo(1043);
        assertThat(ErrorCode.BAD_HANDSHAKE.sqlState()).isEqualTo("08S01");
        assertThat(ErrorCode.PACKET_TOO_LARGE.code()).isEqualTo(1153);
        assertThat(ErrorCode.PACKETS_OUT_OF_ORDER.code()).isEqualTo(1156);
        assertThat(ErrorCode.MALFORMED_PACKET.code()).isEqualTo(1835);
    }
}
