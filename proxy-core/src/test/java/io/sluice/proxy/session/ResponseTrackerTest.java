package io.sluice.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.protocol.Capability;
import io.sluice.protocol.Command;
import io.sluice.protocol.ServerStatus;
import io.sluice.protocol.Wire;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.Packets;
import io.sluice.protocol.message.ColumnDefinition41;
import io.sluice.protocol.message.EofPacket;
import io.sluice.protocol.message.ErrPacket;
import io.sluice.protocol.message.OkPacket;
import io.sluice.protocol.message.StmtPrepareOk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link ResponseTracker} fed frames shaped as servers send them, built with the protocol's own message classes:
 * it must say "done" on the last frame of each response and on no earlier one. Each response is written under both
 * conventions where they differ: classic EOF packets, and CLIENT_DEPRECATE_EOF's OK packets with an 0xFE header.
 */
class ResponseTrackerTest {
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    private static final Capability CAPS = new Capability(Capability.PROTOCOL_41 | Capability.TRANSACTIONS);
    private static final int AUTOCOMMIT = ServerStatus.AUTOCOMMIT;
    private static final int MORE = ServerStatus.AUTOCOMMIT | ServerStatus.MORE_RESULTS_EXISTS;

    /** The frames of one response, in order, with their sequence ids counted from 1. */
    private static final class Response {
        private final boolean deprecateEof;
        private final List<Frame> frames = new ArrayList<>();
        private int seq = 1;

        Response(boolean deprecateEof) {
            this.deprecateEof = deprecateEof;
        }

        Response packet(Consumer<ByteBuf> payload) {
            frames.add(new Frame(Packets.build(ALLOC, seq++, payload), false));
            return this;
        }

        /** A raw frame: header for {@code payload}'s length, {@code continuation} as the frame decoder would say. */
        Response frame(byte[] payload, boolean continuation) {
            ByteBuf b = ALLOC.buffer(Frame.HEADER_SIZE + payload.length);
            b.writeMediumLE(payload.length).writeByte(seq++ & 0xFF).writeBytes(payload);
            frames.add(new Frame(b, continuation));
            return this;
        }

        Response ok(int status) {
            return packet(b -> OkPacket.of(0, 0, status, 0).encode(b, CAPS));
        }

        Response err(int code) {
            return packet(new ErrPacket(code, "42000", "You have an error in your SQL syntax")::encode);
        }

        /** The end of a result set: EOF, or under CLIENT_DEPRECATE_EOF an OK with the 0xFE header. */
        Response end(int status) {
            if (deprecateEof) {
                return packet(b -> OkPacket.of(0, 0, status, 0).encode(b, CAPS, OkPacket.EOF_HEADER));
            }
            return packet(new EofPacket(0, status)::encode);
        }

        /** The EOF after column (or parameter) definitions, absent under CLIENT_DEPRECATE_EOF. */
        Response metadataEnd(int status) {
            return deprecateEof ? this : packet(new EofPacket(0, status)::encode);
        }

        Response columns(int n) {
            packet(b -> Wire.writeLenencInt(b, n));
            return definitions(n);
        }

        Response definitions(int n) {
            for (int i = 0; i < n; i++) {
                String name = "c" + i;
                packet(ColumnDefinition41.text(name)::encode);
            }
            return this;
        }

        Response textRow(String... cells) {
            return packet(b -> {
                for (String c : cells) {
                    Wire.writeLenencString(b, c);
                }
            });
        }

        /** A binary-protocol row of one BIGINT column: 0x00 header, NULL bitmap, value. */
        Response binaryRow(long value) {
            return packet(b -> b.writeByte(0x00).writeByte(0).writeLongLE(value));
        }
    }

    /**
     * Feeds the response and asserts the tracker is done on its last frame only; returns the tracker for further
     * checks. Every frame is released.
     */
    private static ResponseTracker track(boolean deprecateEof, Command command, Response response) {
        ResponseTracker inPlace = new ResponseTracker(deprecateEof);
        inPlace.begin(command);
        feedInPlace(inPlace, response);
        ResponseTracker tracker = new ResponseTracker(deprecateEof);
        tracker.begin(command);
        feed(tracker, response);
        // The relay's way (frames read in place from one buffer) must come to the same conclusions.
        assertThat(inPlace.state()).isEqualTo(tracker.state());
        assertThat(inPlace.failed()).isEqualTo(tracker.failed());
        assertThat(inPlace.errorCode()).isEqualTo(tracker.errorCode());
        assertThat(inPlace.lastStatus()).isEqualTo(tracker.lastStatus());
        assertThat(inPlace.lastInsertId()).isEqualTo(tracker.lastInsertId());
        assertThat(inPlace.warnings()).isEqualTo(tracker.warnings());
        return tracker;
    }

    /**
     * Feeds the response as the relay sees a run: all its frames back to back in one buffer, read by offset
     * from a non-zero start. The frames themselves are left to {@link #feed}.
     */
    private static void feedInPlace(ResponseTracker tracker, Response response) {
        ByteBuf run = ALLOC.buffer();
        try {
            run.writeZero(7).readerIndex(7);
            response.frames.forEach(f -> run.writeBytes(f.content(), f.content().readerIndex(),
                    f.content().readableBytes()));
            int pos = run.readerIndex();
            for (int i = 0; i < response.frames.size(); i++) {
                boolean done = tracker.onFrame(run, pos);
                assertThat(done).as("in place: done after frame %d of %d, state %s", i + 1, response.frames.size(),
                        tracker.state()).isEqualTo(i == response.frames.size() - 1);
                pos += Frame.HEADER_SIZE + run.getUnsignedMediumLE(pos);
            }
            assertThat(pos).isEqualTo(run.writerIndex());
            assertThat(run.readerIndex()).as("reading in place moves no index").isEqualTo(7);
            assertThat(tracker.nextSequenceId()).isEqualTo((response.frames.size() + 1) & 0xFF);
        } finally {
            run.release();
        }
    }

    private static void feed(ResponseTracker tracker, Response response) {
        try {
            List<Frame> frames = response.frames;
            for (int i = 0; i < frames.size(); i++) {
                boolean done = tracker.onFrame(frames.get(i));
                assertThat(done).as("done after frame %d of %d (%s), state %s", i + 1, frames.size(), frames.get(i),
                        tracker.state()).isEqualTo(i == frames.size() - 1);
            }
            assertThat(tracker.nextSequenceId()).isEqualTo((frames.size() + 1) & 0xFF);
        } finally {
            response.frames.forEach(Frame::release);
        }
    }

    // ------------------------------------------------------------------ single packets

    @Test
    void ok() {
        ResponseTracker t = track(false, Command.QUERY, new Response(false).ok(AUTOCOMMIT | ServerStatus.IN_TRANS));

        assertThat(t.failed()).isFalse();
        assertThat(t.lastStatus()).isEqualTo(AUTOCOMMIT | ServerStatus.IN_TRANS);
    }

    @Test
    void err() {
        ResponseTracker t = track(false, Command.QUERY, new Response(false).err(1064));

        assertThat(t.failed()).isTrue();
        assertThat(t.errorCode()).isEqualTo(1064);
    }

    @Test
    void pingIsOnePacket() {
        assertThat(track(true, Command.PING, new Response(true).ok(AUTOCOMMIT)).failed()).isFalse();
    }

    // ------------------------------------------------------------------ result sets

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void resultSet(boolean deprecateEof) {
        Response r = new Response(deprecateEof).columns(2).metadataEnd(AUTOCOMMIT)
                .textRow("1", "a").textRow("2", "b").textRow("3", "c").end(AUTOCOMMIT);

        ResponseTracker t = track(deprecateEof, Command.QUERY, r);

        assertThat(t.failed()).isFalse();
        assertThat(t.lastStatus()).isEqualTo(AUTOCOMMIT);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void emptyResultSet(boolean deprecateEof) {
        track(deprecateEof, Command.QUERY, new Response(deprecateEof).columns(1).metadataEnd(AUTOCOMMIT).end(AUTOCOMMIT));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void errorInTheMiddleOfRows(boolean deprecateEof) {
        Response r = new Response(deprecateEof).columns(1).metadataEnd(AUTOCOMMIT).textRow("1").err(1317);

        ResponseTracker t = track(deprecateEof, Command.QUERY, r);

        assertThat(t.failed()).isTrue();
        assertThat(t.errorCode()).isEqualTo(1317);
    }

    /** A multi-statement: OK, a result set, another OK, chained by SERVER_MORE_RESULTS_EXISTS. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void multiResults(boolean deprecateEof) {
        Response r = new Response(deprecateEof)
                .ok(MORE)
                .columns(1).metadataEnd(MORE).textRow("x").end(MORE)
                .columns(2).metadataEnd(MORE).textRow("y", "z").end(MORE)
                .ok(AUTOCOMMIT);

        ResponseTracker t = track(deprecateEof, Command.QUERY, r);

        assertThat(t.lastStatus()).isEqualTo(AUTOCOMMIT);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void storedProcedureResultThenFinalOk(boolean deprecateEof) {
        Response r = new Response(deprecateEof).columns(1).metadataEnd(AUTOCOMMIT).textRow("1").end(MORE).ok(AUTOCOMMIT);
        track(deprecateEof, Command.QUERY, r);
    }

    // ------------------------------------------------------------------ prepared statements

    @ParameterizedTest
    @CsvSource({"0, 0, false", "0, 0, true", "2, 0, false", "2, 0, true", "0, 3, false", "0, 3, true",
            "2, 3, false", "2, 3, true"})
    void prepare(int params, int columns, boolean deprecateEof) {
        Response r = new Response(deprecateEof).packet(new StmtPrepareOk(7, columns, params, 0)::encode);
        if (params > 0) {
            r.definitions(params).metadataEnd(AUTOCOMMIT);
        }
        if (columns > 0) {
            r.definitions(columns).metadataEnd(AUTOCOMMIT);
        }

        assertThat(track(deprecateEof, Command.STMT_PREPARE, r).failed()).isFalse();
    }

    @Test
    void prepareError() {
        assertThat(track(false, Command.STMT_PREPARE, new Response(false).err(1064)).errorCode()).isEqualTo(1064);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void executeWithoutCursor(boolean deprecateEof) {
        Response r = new Response(deprecateEof).columns(1).metadataEnd(AUTOCOMMIT)
                .binaryRow(1).binaryRow(2).end(AUTOCOMMIT);
        track(deprecateEof, Command.STMT_EXECUTE, r);
    }

    /**
     * COM_STMT_EXECUTE with a cursor: the metadata ends with CURSOR_EXISTS and no rows follow; COM_STMT_FETCH then
     * gets rows up to an EOF (with LAST_ROW_SENT on the last fetch).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void cursorThenFetch(boolean deprecateEof) {
        int cursor = AUTOCOMMIT | ServerStatus.CURSOR_EXISTS;
        Response execute = new Response(deprecateEof).columns(1);
        if (deprecateEof) {
            // No EOF after metadata under CLIENT_DEPRECATE_EOF: the server ends the execute with an 0xFE OK.
            execute.end(cursor);
        } else {
            execute.metadataEnd(cursor);
        }
        ResponseTracker t = track(deprecateEof, Command.STMT_EXECUTE, execute);
        assertThat(t.failed()).isFalse();

        t.begin(Command.STMT_FETCH);
        feed(t, new Response(deprecateEof).binaryRow(1).binaryRow(2).end(cursor));
        t.begin(Command.STMT_FETCH);
        feed(t, new Response(deprecateEof).binaryRow(3).end(cursor | ServerStatus.LAST_ROW_SENT));
        assertThat(t.lastStatus()).isEqualTo(cursor | ServerStatus.LAST_ROW_SENT);
    }

    /**
     * A result set whose end is a bare 0xFE (no affected rows, no status): the tracker refuses it, and the ERR Sluice
     * sends the client instead must follow the row the client did get, not the frame it never will.
     */
    @Test
    void aMalformedEndLeavesTheSequenceAtTheLastGoodFrame() {
        Response r = new Response(true).columns(1).textRow("1").frame(new byte[] {(byte) 0xFE}, false);
        ResponseTracker t = new ResponseTracker(true);
        t.begin(Command.QUERY);
        try {
            for (int i = 0; i < 3; i++) {
                assertThat(t.onFrame(r.frames.get(i))).isFalse();
            }
            assertThatThrownBy(() -> t.onFrame(r.frames.get(3))).isInstanceOf(RuntimeException.class);
            assertThat(t.nextSequenceId()).isEqualTo(4);
        } finally {
            r.frames.forEach(Frame::release);
        }
    }

    @Test
    void fieldList() {
        track(false, Command.FIELD_LIST, new Response(false).definitions(3).packet(new EofPacket(0, AUTOCOMMIT)::encode));
    }

    // ------------------------------------------------------------------ LOCAL INFILE

    /** The server asks for a file (0xFB), the client's data flows up to its empty packet, then the server's OK. */
    @Test
    void localInfile() {
        ResponseTracker t = new ResponseTracker(false);
        t.begin(Command.QUERY);
        Response request = new Response(false).packet(b -> b.writeByte(Wire.NULL_MARKER)
                .writeCharSequence("/tmp/data.csv", StandardCharsets.UTF_8));
        Frame ask = request.frames.get(0);
        try {
            assertThat(t.onFrame(ask)).isFalse();
        } finally {
            ask.release();
        }
        assertThat(t.awaitingClientInfile()).isTrue();

        Response client = new Response(false);
        client.seq = 2;
        client.frame("1,a\n2,b\n".getBytes(StandardCharsets.US_ASCII), false)
                .frame(new byte[Frame.MAX_PAYLOAD], false)
                .frame(new byte[0], true)       // ends the 0xFFFFFF-byte packet: not the end of the file
                .frame("3,c\n".getBytes(StandardCharsets.US_ASCII), false)
                .frame(new byte[0], false);     // the end of the file
        try {
            List<Frame> frames = client.frames;
            for (int i = 0; i < frames.size(); i++) {
                assertThat(t.onClientInfileFrame(frames.get(i))).as("end of file at frame %d", i)
                        .isEqualTo(i == frames.size() - 1);
            }
        } finally {
            client.frames.forEach(Frame::release);
        }
        assertThat(t.awaitingClientInfile()).isFalse();
        assertThat(t.nextSequenceId()).isEqualTo(7);

        Response ok = new Response(false);
        ok.seq = 7;
        ok.ok(AUTOCOMMIT);
        Frame last = ok.frames.get(0);
        try {
            assertThat(t.onFrame(last)).isTrue();
        } finally {
            last.release();
        }
        assertThat(t.nextSequenceId()).isEqualTo(8);
    }

    // ------------------------------------------------------------------ collisions

    /**
     * A row whose first cell is 16 MiB or more starts with 0xFE (the 8-byte length-encoded prefix), like an EOF; its
     * first frame is a full 0xFFFFFF bytes, which no EOF or 0xFE OK ever is.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void rowStartingWith0xFEIsNotAnEof(boolean deprecateEof) {
        long cell = Frame.MAX_PAYLOAD + 100L;
        byte[] first = new byte[Frame.MAX_PAYLOAD];
        first[0] = (byte) 0xFE;
        for (int i = 0; i < 8; i++) {
            first[1 + i] = (byte) (cell >>> (8 * i));
        }
        int rest = (int) (1 + 8 + cell - Frame.MAX_PAYLOAD);
        Response r = new Response(deprecateEof).columns(1).metadataEnd(AUTOCOMMIT)
                .frame(first, false).frame(new byte[rest], true)
                .end(AUTOCOMMIT);
        track(deprecateEof, Command.QUERY, r);
    }

    /**
     * A 16 MiB row split across frames whose continuations start with bytes that read as packet headers: an EOF
     * (0xFE and under 9 bytes), an ERR (0xFF), an OK (0x00). Also a row of exactly 0xFFFFFF bytes, which ends with an
     * empty frame.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void continuationFramesAreNeverHeaders(boolean deprecateEof) {
        byte[] full = new byte[Frame.MAX_PAYLOAD];
        full[0] = (byte) 0xFD; // length-encoded string, 3-byte length: a cell just under 16 MiB
        full[1] = full[2] = full[3] = (byte) 0xFF;
        byte[] looksLikeEof = {(byte) 0xFE, 0, 0, 2, 0};
        byte[] looksLikeErr = {(byte) 0xFF, 0x15, 0x04, '#', '2', '8', '0', '0', '0'};
        byte[] looksLikeOk = {0x00, 0, 0, 2, 0, 0, 0};
        Response r = new Response(deprecateEof).columns(1).metadataEnd(AUTOCOMMIT)
                .frame(full, false).frame(looksLikeEof, true)
                .frame(full, false).frame(full, true).frame(looksLikeErr, true)
                .frame(full, false).frame(looksLikeOk, true)
                .frame(full, false).frame(new byte[0], true)
                .end(AUTOCOMMIT);
        track(deprecateEof, Command.QUERY, r);
    }

    /** A 0xFE OK that ends rows under CLIENT_DEPRECATE_EOF may be longer than 9 bytes (info, session state). */
    @Test
    void longDeprecateEofOkEndsRows() {
        OkPacket withInfo = new OkPacket(0, 0, AUTOCOMMIT | ServerStatus.SESSION_STATE_CHANGED, 0,
                "Rows matched: 1  Changed: 0  Warnings: 0", new byte[]{0x00, 0x05, 0x04, 't', 'e', 's', 't'});
        Response r = new Response(true).columns(1).textRow("1")
                .packet(b -> withInfo.encode(b, CAPS.with(Capability.SESSION_TRACK), OkPacket.EOF_HEADER));
        assertThat(r.frames.get(r.frames.size() - 1).payloadLength()).isGreaterThan(9);

        track(true, Command.QUERY, r);
    }
}
