package io.sluice.protocol.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.protocol.Capability;
import io.sluice.protocol.ServerStatus;
import io.sluice.protocol.Wire;
import io.sluice.protocol.frame.Frame;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sluice's own result sets, read back packet by packet as a client would. */
class TextResultSetTest {
    private static final Capability CLASSIC = new Capability(Capability.PROTOCOL_41 | Capability.TRANSACTIONS);
    private static final Capability MODERN = CLASSIC.with(Capability.DEPRECATE_EOF).with(Capability.SESSION_TRACK);

    private record Packet(int seq, ByteBuf payload) {
    }

    private static List<Packet> split(ByteBuf all) {
        List<Packet> out = new ArrayList<>();
        while (all.isReadable()) {
            int len = all.readUnsignedMediumLE();
            int seq = all.readUnsignedByte();
            out.add(new Packet(seq, all.readSlice(len)));
        }
        return out;
    }

    @Test
    void classicClientGetsEofAfterColumnsAndAtTheEnd() {
        ByteBuf all = TextResultSet.ofText("a", "b").row("x", null).row(42, true)
                .encode(UnpooledByteBufAllocator.DEFAULT, 1, CLASSIC, ServerStatus.AUTOCOMMIT);
        try {
            List<Packet> p = split(all);
            assertThat(p).hasSize(1 + 2 + 1 + 2 + 1);
            for (int i = 0; i < p.size(); i++) {
                assertThat(p.get(i).seq()).isEqualTo(i + 1);
            }
            assertThat(Wire.readLenencInt(p.get(0).payload(), "count")).isEqualTo(2);
            assertThat(ColumnDefinition41.decode(p.get(1).payload()).name()).isEqualTo("a");
            assertThat(EofPacket.isEof(p.get(3).payload().getUnsignedByte(0), p.get(3).payload().readableBytes())).isTrue();
            ByteBuf row1 = p.get(4).payload();
            assertThat(Wire.readLenencString(row1, "a")).isEqualTo("x");
            assertThat((int) row1.readUnsignedByte()).isEqualTo(0xFB);
            ByteBuf row2 = p.get(5).payload();
            assertThat(Wire.readLenencString(row2, "a")).isEqualTo("42");
            assertThat(Wire.readLenencString(row2, "b")).isEqualTo("1");
            EofPacket end = EofPacket.decode(p.get(6).payload());
            assertThat(end.statusFlags()).isEqualTo(ServerStatus.AUTOCOMMIT);
        } finally {
            all.release();
        }
    }

    @Test
    void deprecateEofClientGetsNoColumnEofAndAnOkTerminator() {
        ByteBuf all = TextResultSet.ofText("token").row("0-1-5")
                .encode(UnpooledByteBufAllocator.DEFAULT, 1, MODERN, ServerStatus.AUTOCOMMIT | ServerStatus.IN_TRANS);
        try {
            List<Packet> p = split(all);
            assertThat(p).hasSize(4);
            assertThat(p.get(2).payload().toString(StandardCharsets.UTF_8)).endsWith("0-1-5");
            ByteBuf last = p.get(3).payload();
            assertThat((int) last.getUnsignedByte(0)).isEqualTo(OkPacket.EOF_HEADER);
            assertThat(last.readableBytes()).isLessThan(0xFFFFFF);
            OkPacket ok = OkPacket.decode(last, MODERN);
            assertThat(ok.statusFlags()).isEqualTo(ServerStatus.AUTOCOMMIT | ServerStatus.IN_TRANS);
            assertThat(p.get(3).seq()).isEqualTo(4);
        } finally {
            all.release();
        }
    }

    @Test
    void emptyResultHasHeaderColumnsAndTerminatorOnly() {
        ByteBuf all = TextResultSet.ofText("a").encode(UnpooledByteBufAllocator.DEFAULT, 1, MODERN, 0);
        try {
            assertThat(split(all)).hasSize(3);
        } finally {
            all.release();
        }
    }

    @Test
    void rowsMustMatchTheColumns() {
        assertThatThrownBy(() -> TextResultSet.ofText("a", "b").row("only one"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TextResultSet.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sequenceIdsWrapAt256() {
        TextResultSet rs = TextResultSet.ofText("n");
        for (int i = 0; i < 300; i++) {
            rs.row(i);
        }
        ByteBuf all = rs.encode(UnpooledByteBufAllocator.DEFAULT, 1, MODERN, 0);
        try {
            List<Packet> p = split(all);
            assertThat(p.get(255).seq()).isEqualTo(0);
            assertThat(p.get(p.size() - 1).seq()).isEqualTo((p.size()) & 0xFF);
            assertThat(Frame.HEADER_SIZE).isEqualTo(4);
        } finally {
            all.release();
        }
    }
}
