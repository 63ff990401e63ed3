package io.sluice.routing.classify;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A change to the session state the proxy tracks and replays on every backend connection the session uses
 * (see DESIGN.md, "Session state is data"). Values keep the text as written, so replay sends what the client
 * sent. {@code SET GLOBAL} has no session effect; a user variable is a {@link Pin}, not a session effect.
 */
public sealed interface SessionEffect {

    /** {@code USE schema}; the name without backticks. */
    record UseDatabase(String schema) implements SessionEffect {
        public UseDatabase {
            Objects.requireNonNull(schema, "schema");
        }
    }

    /**
     * {@code SET NAMES cs [COLLATE co]} or {@code SET CHARACTER SET cs} / {@code SET CHARSET cs}; names unquoted,
     * possibly {@code DEFAULT}. They set different variables
     * (<a href="https://dev.mysql.com/doc/refman/8.0/en/set-names.html">SET NAMES</a>), hence the command.
     */
    record SetCharset(CharsetCommand command, String charset, Optional<String> collation) implements SessionEffect {
        public enum CharsetCommand { NAMES, CHARACTER_SET }

        public SetCharset {
            Objects.requireNonNull(command, "command");
            Objects.requireNonNull(charset, "charset");
            Objects.requireNonNull(collation, "collation");
        }
    }

    /**
     * {@code SET autocommit = 0|1|ON|OFF|TRUE|FALSE} in any scope spelling. Turning it on commits an open
     * transaction; the session knows whether it was off.
     */
    record SetAutocommit(boolean enabled) implements SessionEffect {
    }

    /**
     * {@code SET [SESSION] TRANSACTION ISOLATION LEVEL ... | READ ONLY | READ WRITE}. Without {@code SESSION} it
     * applies to the next transaction only.
     */
    record SetTransaction(Scope scope, Optional<IsolationLevel> isolation, Optional<AccessMode> access)
            implements SessionEffect {
        public enum Scope { NEXT_TRANSACTION, SESSION }

        public enum IsolationLevel { READ_UNCOMMITTED, READ_COMMITTED, REPEATABLE_READ, SERIALIZABLE }

        public enum AccessMode { READ_ONLY, READ_WRITE }

        public SetTransaction {
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(isolation, "isolation");
            Objects.requireNonNull(access, "access");
        }
    }

    /**
     * Session system variables set by {@code SET [SESSION|LOCAL] v=..}, {@code SET @@session.v=..},
     * {@code SET @@local.v=..}, {@code SET @@v=..} or {@code SET v=..}.
     */
    record SetVariables(List<Assignment> assignments) implements SessionEffect {
        public SetVariables {
            assignments = List.copyOf(assignments);
        }

        /** Variable names, lower case, without scope prefix. */
        public List<String> names() {
            return assignments.stream().map(Assignment::name).toList();
        }

        /** The assignments as written, joined by {@code ", "}: {@code "SET " + assignmentText()} replays them. */
        public String assignmentText() {
            StringBuilder b = new StringBuilder();
            for (Assignment a : assignments) {
                if (b.length() > 0) {
                    b.append(", ");
                }
                b.append(a.text());
            }
            return b.toString();
        }
    }

    /**
     * One assignment: {@code name} lower case without scope prefix; {@code value} the expression as written;
     * {@code text} the whole assignment as written from the variable on ({@code @@session.sql_mode = 'ANSI'}).
     */
    record Assignment(String name, String value, String text) {
        public Assignment {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(text, "text");
        }
    }

    /** A session-scoped {@code SET} the classifier does not model ({@code SET ROLE}, {@code SET RESOURCE GROUP}); replay it verbatim. */
    record Verbatim(String statement) implements SessionEffect {
        public Verbatim {
            Objects.requireNonNull(statement, "statement");
        }
    }
}
