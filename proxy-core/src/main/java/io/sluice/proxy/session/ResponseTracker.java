package io.sluice.proxy.session;

import io.netty.buffer.ByteBuf;
import io.sluice.protocol.Command;
import io.sluice.protocol.ServerStatus;
import io.sluice.protocol.Wire;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.message.EofPacket;
import io.sluice.protocol.message.ErrPacket;
import io.sluice.protocol.message.StmtPrepareOk;

/**
 * Follows a backend's response to one command, frame by frame, to know where it ends, without decoding rows.
 * MySQL responses are not self-describing (0x00, 0xFE, 0xFF and 0xFB mean different things by phase), so the
 * tracker is told the command and keeps the phase: result-set header, column definitions, rows, and the
 * MORE_RESULTS flag that chains result sets of multi-statements and stored procedures.
 *
 * <p>Reads only what it must: the first byte and length of each packet, the column count, the status flags of OK
 * and EOF packets, the counts in a COM_STMT_PREPARE OK. Continuation frames (payloads of 16 MiB and more) are
 * never mistaken for packet headers.
 *
 * <p>Not thread-safe: owned by one session on its event loop.
 */
public final class ResponseTracker {

    /** Where the response stands. */
    public enum State {
        /** No response expected (idle, or a command that has none). */
        IDLE,
        /** Expecting OK, ERR, LOCAL INFILE request or a column count. */
        RESULT_HEADER,
        COLUMN_DEFINITIONS,
        COLUMNS_EOF,
        ROWS,
        /** Expecting the COM_STMT_PREPARE OK (or ERR). */
        PREPARE_HEADER,
        PREPARE_PARAMS,
        PREPARE_PARAMS_EOF,
        PREPARE_COLUMNS,
        PREPARE_COLUMNS_EOF,
        /** COM_FIELD_LIST: column definitions up to an EOF. */
        FIELD_LIST,
        /** One packet of any shape ends the response (COM_PING, COM_STATISTICS, ...). */
        SINGLE,
        /** The server asked for a LOCAL INFILE; the client's data packets flow up until its empty packet. */
        LOCAL_INFILE_DATA,
        DONE
    }

    private final boolean deprecateEof;
    private State state = State.IDLE;
    private long remaining;
    private int prepareColumns;
    private int lastStatus;
    private long lastInsertId;
    private int warnings;
    private int nextSequenceId;
    private boolean error;
    private int errorCode;
    private boolean midPacket;
    private int okCount;
    private boolean okWithTrailer;

    public ResponseTracker(boolean deprecateEof) {
        this.deprecateEof = deprecateEof;
    }

    /** Whether a command produces any response at all. */
    public static boolean expectsResponse(Command command) {
        return command != Command.STMT_CLOSE && command != Command.STMT_SEND_LONG_DATA && command != Command.QUIT;
    }

    /** Starts tracking the response to {@code command}. */
    public void begin(Command command) {
        error = false;
        lastInsertId = 0;
        warnings = 0;
        errorCode = 0;
        midPacket = false;
        okCount = 0;
        nextSequenceId = 1;
        state = switch (command) {
            case QUERY, STMT_EXECUTE, PROCESS_INFO -> State.RESULT_HEADER;
            case STMT_FETCH -> State.ROWS;
            case STMT_PREPARE -> State.PREPARE_HEADER;
            case FIELD_LIST -> State.FIELD_LIST;
            case STMT_CLOSE, STMT_SEND_LONG_DATA, QUIT -> State.IDLE;
            default -> State.SINGLE;
        };
        prepareColumns = -1;
    }

    /**
     * Accounts for one backend frame (not consumed, not retained) and says whether the response is now complete.
     */
    public boolean onFrame(Frame frame) {
        ByteBuf c = frame.content();
        return onFrame(c, c.readerIndex());
    }

    /**
     * Accounts for the backend frame whose header is at {@code offset} in {@code buf} (a frame inside a
     * {@link io.sluice.protocol.frame.FrameRun}), reading it in place; says whether the response is now complete.
     */
    public boolean onFrame(ByteBuf buf, int offset) {
        // The header in one read: length in the low three bytes, sequence id in the high one.
        int header = buf.getIntLE(offset);
        int length = header & Frame.MAX_PAYLOAD;
        boolean done;
        if (state == State.ROWS && !midPacket && length > 0 && length < Frame.MAX_PAYLOAD
                && buf.getUnsignedByte(offset + Frame.HEADER_SIZE) < 0xFE) {
            // Most frames of a large result: a whole row (its first byte a length-encoded cell, never 0xFE or
            // 0xFF), which neither ends nor changes anything.
            okWithTrailer = false;
            done = false;
        } else {
            done = account(buf, offset, length);
        }
        // Only once the frame made sense: an ERR of Sluice's own in place of a malformed frame (which the client
        // never gets) must follow the last frame the client did get.
        nextSequenceId = ((header >>> 24) + 1) & 0xFF;
        return done;
    }

    private boolean account(ByteBuf buf, int offset, int length) {
        okWithTrailer = false;
        if (midPacket) {
            // A continuation frame: part of the packet begun earlier, never a header.
            midPacket = length == Frame.MAX_PAYLOAD;
            return false;
        }
        midPacket = length == Frame.MAX_PAYLOAD;
        int first = length == 0 ? -1 : buf.getUnsignedByte(offset + Frame.HEADER_SIZE);
        switch (state) {
            case RESULT_HEADER -> onResultHeader(buf, offset, length, first);
            case COLUMN_DEFINITIONS -> {
                if (--remaining == 0) {
                    state = deprecateEof ? State.ROWS : State.COLUMNS_EOF;
                }
            }
            case COLUMNS_EOF -> {
                int status = eofStatus(payload(buf, offset, length));
                // An open cursor (COM_STMT_EXECUTE with a cursor flag) sends no rows now: COM_STMT_FETCH gets them.
                state = ServerStatus.has(status, ServerStatus.CURSOR_EXISTS) ? State.DONE : State.ROWS;
            }
            case ROWS -> {
                if (first == ErrPacket.HEADER) {
                    onError(payload(buf, offset, length));
                } else if (EofPacket.isTerminator(first, length, deprecateEof)) {
                    ByteBuf p = payload(buf, offset, length);
                    endOfResult(deprecateEof ? okStatus(p) : eofStatus(p));
                }
            }
            case PREPARE_HEADER -> onPrepareHeader(payload(buf, offset, length), first);
            case PREPARE_PARAMS -> {
                if (--remaining == 0) {
                    if (deprecateEof) {
                        afterParams();
                    } else {
                        state = State.PREPARE_PARAMS_EOF;
                    }
                }
            }
            case PREPARE_PARAMS_EOF -> afterParams();
            case PREPARE_COLUMNS -> {
                if (--remaining == 0) {
                    state = deprecateEof ? State.DONE : State.PREPARE_COLUMNS_EOF;
                }
            }
            case PREPARE_COLUMNS_EOF -> state = State.DONE;
            case FIELD_LIST -> {
                if (first == ErrPacket.HEADER) {
                    onError(payload(buf, offset, length));
                } else if (EofPacket.isTerminator(first, length, deprecateEof)) {
                    state = State.DONE;
                }
            }
            case SINGLE -> {
                if (first == ErrPacket.HEADER) {
                    onError(payload(buf, offset, length));
                } else if (first == 0x00 && length > 0) {
                    lastStatus = okStatus(payload(buf, offset, length));
                    okCount++;
                }
                state = State.DONE;
            }
            case LOCAL_INFILE_DATA, IDLE, DONE -> throw new IllegalStateException(
                    "backend sent a packet while no response was expected: seq=" + buf.getUnsignedByte(offset + 3)
                            + ", len=" + length);
        }
        return state == State.DONE && !midPacket;
    }

    /** A view of the payload of the frame at {@code offset}, with its own indices. */
    private static ByteBuf payload(ByteBuf buf, int offset, int length) {
        return buf.slice(offset + Frame.HEADER_SIZE, length);
    }

    /**
     * Accounts for a client frame sent during LOCAL INFILE; returns true when it was the empty packet that ends the
     * file, after which the server's OK or ERR follows.
     */
    public boolean onClientInfileFrame(Frame frame) {
        if (state != State.LOCAL_INFILE_DATA) {
            throw new IllegalStateException("no LOCAL INFILE in progress");
        }
        nextSequenceId = (frame.sequenceId() + 1) & 0xFF;
        if (frame.payloadLength() == 0 && !frame.isContinuation()) {
            state = State.RESULT_HEADER;
            return true;
        }
        return false;
    }

    private void onResultHeader(ByteBuf buf, int offset, int length, int first) {
        switch (first) {
            case 0x00 -> endOfResult(okStatus(payload(buf, offset, length)));
            case ErrPacket.HEADER -> onError(payload(buf, offset, length));
            case Wire.NULL_MARKER -> state = State.LOCAL_INFILE_DATA;
            default -> {
                ByteBuf payload = payload(buf, offset, length);
                remaining = Wire.readLenencInt(payload, "column count");
                if (remaining == 0) {
                    throw new io.sluice.protocol.error.MalformedPacketException("result set with zero columns");
                }
                state = State.COLUMN_DEFINITIONS;
            }
        }
    }

    private void onPrepareHeader(ByteBuf payload, int first) {
        if (first == ErrPacket.HEADER) {
            onError(payload);
            return;
        }
        StmtPrepareOk ok = StmtPrepareOk.decode(payload);
        prepareColumns = ok.columns();
        remaining = ok.params();
        okCount++;
        if (remaining > 0) {
            state = State.PREPARE_PARAMS;
        } else {
            afterParams();
        }
    }

    private void afterParams() {
        remaining = prepareColumns;
        state = remaining > 0 ? State.PREPARE_COLUMNS : State.DONE;
    }

    private void endOfResult(int status) {
        lastStatus = status;
        okCount++;
        state = ServerStatus.has(status, ServerStatus.MORE_RESULTS_EXISTS) ? State.RESULT_HEADER : State.DONE;
    }

    private void onError(ByteBuf p) {
        error = true;
        errorCode = p.readableBytes() >= 3 ? p.getUnsignedShortLE(p.readerIndex() + 1) : 0;
        state = State.DONE;
    }

    private int eofStatus(ByteBuf p) {
        warnings = p.readableBytes() >= 3 ? p.getUnsignedShortLE(p.readerIndex() + 1) : 0;
        return p.readableBytes() >= 5 ? p.getUnsignedShortLE(p.readerIndex() + 3) : 0;
    }

    /**
     * Status flags of an OK packet (header 0x00 or 0xFE), after two length-encoded integers; also notes its last
     * insert id and warning count, which tie the session to this connection until its next statement.
     */
    private int okStatus(ByteBuf p) {
        p.skipBytes(1);
        Wire.readLenencInt(p, "affected rows");
        lastInsertId = Wire.readLenencInt(p, "last insert id");
        int status = Wire.readInt2(p, "status flags");
        warnings = p.readableBytes() >= 2 ? p.readUnsignedShortLE() : 0;
        okWithTrailer = p.isReadable();
        return status;
    }

    public State state() {
        return state;
    }

    /**
     * Whether the frame just accounted for was an OK packet with bytes after its warning count (an info string or
     * session-state changes, such as the GTID of a commit): the only OK packets worth a closer look.
     */
    public boolean okWithTrailer() {
        return okWithTrailer;
    }

    public boolean awaitingClientInfile() {
        return state == State.LOCAL_INFILE_DATA;
    }

    /** The sequence id the next packet of this exchange carries (for an ERR Sluice injects mid-response). */
    public int nextSequenceId() {
        return nextSequenceId;
    }

    /** Status flags of the last OK or EOF of the response. */
    public int lastStatus() {
        return lastStatus;
    }

    /** The last insert id of the response's last OK (0 when none). */
    public long lastInsertId() {
        return lastInsertId;
    }

    /** The warning count of the response's last OK or EOF. */
    public int warnings() {
        return warnings;
    }

    public boolean failed() {
        return error;
    }

    public int errorCode() {
        return errorCode;
    }

    public void reset() {
        state = State.IDLE;
        midPacket = false;
    }
}
